//! `tradeoff`: the command-line tool. Glue only: it parses arguments, calls the library
//! crates, prints, and turns outcomes into exit codes (0 success, 1 some trials or checks
//! failed, 2 invalid input, 3 internal error).

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "tradeoff",
    version,
    about = "Measure ML techniques against each other under a stated protocol, and audit the figures"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run experiments: plan, run every trial in its own worker, record, report.
    Run {
        /// Experiment files (experiments they depend on are found beside them).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Start over instead of skipping trials already recorded (the old records are kept as a backup).
        #[arg(long)]
        fresh: bool,
        /// CPU slots for the scheduler (default: logical cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Where built-in datasets' files are looked up first (default: $TRADEOFF_DATA_DIR).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Where results folders go.
        #[arg(long, default_value = "results")]
        results: PathBuf,
        /// Never download a dataset.
        #[arg(long)]
        offline: bool,
        /// The energy sampler's period in milliseconds.
        #[arg(long, default_value_t = 100)]
        sample_ms: u64,
        #[command(flatten)]
        cluster: Box<commands::ClusterFlags>,
    },
    /// Show what a results folder holds: trials done, failed, and on a cluster queued or running.
    Status { dir: PathBuf },
    /// Validate experiment files and report every problem at once.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the plan of experiments (their DAG), or write it as Graphviz.
    Plan {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write the DAG in Graphviz's dot language (to this file, or stdout with `-`).
        #[arg(long)]
        dot: Option<PathBuf>,
    },
    /// Re-render a results folder's summary and report from its records alone.
    Report {
        dir: PathBuf,
        /// Only write summary.csv and summary.parquet.
        #[arg(long)]
        summary_only: bool,
        /// Print only the report's path, not the summary (for `tradeoff run`'s own use).
        #[arg(long, hide = true)]
        quiet: bool,
    },
    /// Re-derive every figure of a results folder from its records and compare.
    Audit { dir: PathBuf },
    /// Put two results folders of one experiment side by side (two machines, two commits).
    Compare {
        /// The reference run.
        a: PathBuf,
        /// The run compared with it (ratios are B / A).
        b: PathBuf,
    },
    /// Show this machine's hardware as the meters see it.
    Hw {
        /// Emit JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the JSON Schemas of experiment files and run records.
    Schema {
        /// The folder to write into.
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
    },
    /// Serve one job from stdin (used by the scheduler).
    #[command(hide = true)]
    Worker,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run { files, fresh, jobs, data_dir, results, offline, sample_ms, cluster } => commands::run(
            &files,
            commands::RunArgs { fresh, jobs, data_dir, results, offline, sample_ms, cluster: *cluster },
        ),
        Command::Status { dir } => commands::status(&dir),
        Command::Check { files } => commands::check(&files),
        Command::Plan { files, dot } => commands::plan(&files, dot.as_deref()),
        Command::Report { dir, summary_only, quiet } => commands::report(&dir, summary_only, quiet),
        Command::Audit { dir } => commands::audit(&dir),
        Command::Compare { a, b } => commands::compare(&a, &b),
        Command::Hw { json } => commands::hw(json),
        Command::Schema { out } => commands::schema(&out),
        Command::Worker => engine::worker::serve(&learn::native_learners()),
    };
    ExitCode::from(code.clamp(0, 255) as u8)
}

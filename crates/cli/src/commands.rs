//! One function per subcommand; each returns the process exit code.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use spec::Experiment;

pub const OK: i32 = 0;
pub const FAILED: i32 = 1;
pub const INVALID: i32 = 2;
pub const INTERNAL: i32 = 3;
/// Ctrl-C, as shells report it (128 + SIGINT).
pub const INTERRUPTED: i32 = 130;

/// Loads files, printing every diagnostic; `None` if any file is invalid.
fn load_all(files: &[PathBuf]) -> Option<Vec<Experiment>> {
    let mut experiments = Vec::new();
    let mut invalid = false;
    for file in files {
        match engine::load(file) {
            Ok(experiment) => experiments.push(experiment),
            Err(error) => {
                eprint!("{error}");
                if !error.to_string().ends_with('\n') {
                    eprintln!();
                }
                invalid = true;
            }
        }
    }
    (!invalid).then_some(experiments)
}

/// Loads the files and the experiments they depend on, and plans them; on failure the
/// problems are printed and the exit code returned.
fn plan_of(files: &[PathBuf]) -> Result<engine::Plan, i32> {
    let experiments = load_all(files).ok_or(INVALID)?;
    let experiments = with_dependencies(experiments);
    engine::Plan::build(experiments).map_err(|error| {
        eprintln!("error[plan]: {error}");
        INVALID
    })
}

/// Adds the experiments named by `depends_on`, found among the `.toml` files beside
/// each experiment.
fn with_dependencies(mut experiments: Vec<Experiment>) -> Vec<Experiment> {
    let mut index = 0;
    while index < experiments.len() {
        let wanted: Vec<String> = experiments[index]
            .depends_on
            .iter()
            .filter(|name| !experiments.iter().any(|e| &e.name == *name))
            .cloned()
            .collect();
        if !wanted.is_empty() {
            let folder = experiments[index].path.parent().map(Path::to_path_buf).unwrap_or_default();
            let mut siblings: Vec<PathBuf> =
                std::fs::read_dir(if folder.as_os_str().is_empty() { Path::new(".") } else { &folder })
                    .map(|entries| {
                        entries
                            .filter_map(Result::ok)
                            .map(|e| e.path())
                            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                            .collect()
                    })
                    .unwrap_or_default();
            siblings.sort();
            for path in siblings {
                if experiments.iter().any(|e| e.path == path) {
                    continue;
                }
                if let Ok(candidate) = engine::load(&path)
                    && wanted.contains(&candidate.name)
                {
                    experiments.push(candidate);
                }
            }
        }
        index += 1;
    }
    experiments
}

pub struct RunArgs {
    pub fresh: bool,
    pub jobs: Option<usize>,
    pub data_dir: Option<PathBuf>,
    pub results: PathBuf,
    pub offline: bool,
    pub sample_ms: u64,
    pub cluster: ClusterFlags,
}

/// Where trials run; these flags win over the experiment file's `[execution]` keys.
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterFlags {
    /// `local` (worker processes here) or `slurm` (job arrays through sbatch).
    #[arg(long, value_enum)]
    pub backend: Option<BackendFlag>,
    /// Slurm partition.
    #[arg(long)]
    pub partition: Option<String>,
    /// Slurm account.
    #[arg(long)]
    pub account: Option<String>,
    /// Slurm quality of service.
    #[arg(long)]
    pub qos: Option<String>,
    /// Slurm's limit per task, e.g. `30m` (default: the protocol's timeout plus a minute).
    #[arg(long)]
    pub time: Option<String>,
    /// Generic resources for GPU candidates (default `gpu:1`).
    #[arg(long)]
    pub gres: Option<String>,
    /// Ask Slurm for whole nodes (`true`/`false`; default: true under exclusive isolation).
    #[arg(long)]
    pub exclusive: Option<bool>,
    /// Tasks of one job array running at once.
    #[arg(long)]
    pub max_parallel: Option<u32>,
    /// A further sbatch argument (repeatable), e.g. `--sbatch-arg=--constraint=epyc`.
    #[arg(long = "sbatch-arg", allow_hyphen_values = true)]
    pub sbatch_args: Vec<String>,
    /// Cancel and record as failed a task still queued this long, e.g. `2h` (default `1d`).
    #[arg(long)]
    pub queue_timeout: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum BackendFlag {
    Local,
    Slurm,
}

impl ClusterFlags {
    /// The flags as engine options, or the message for a duration that does not parse.
    fn options(&self) -> Result<(Option<spec::model::Backend>, spec::SlurmOptions), String> {
        let duration = |flag: &str, text: &Option<String>| -> Result<Option<f64>, String> {
            text.as_deref()
                .map(|t| match units::parse_duration(t) {
                    Ok(seconds) if seconds > 0.0 => Ok(seconds),
                    Ok(_) => Err(format!("--{flag}: `{t}` is not a positive duration")),
                    Err(e) => Err(format!("--{flag}: {e}")),
                })
                .transpose()
        };
        let backend = self.backend.map(|b| match b {
            BackendFlag::Local => spec::model::Backend::Local,
            BackendFlag::Slurm => spec::model::Backend::Slurm,
        });
        Ok((
            backend,
            spec::SlurmOptions {
                partition: self.partition.clone(),
                account: self.account.clone(),
                qos: self.qos.clone(),
                time_seconds: duration("time", &self.time)?,
                gres: self.gres.clone(),
                exclusive: self.exclusive,
                max_parallel: self.max_parallel,
                sbatch_args: self.sbatch_args.clone(),
                queue_timeout_seconds: duration("queue-timeout", &self.queue_timeout)?,
            },
        ))
    }
}

/// Aggregates and reports in child processes (`tradeoff report`): polars work in the
/// scheduler would raise its peak memory, which Linux folds into the `ru_maxrss` of
/// every worker it starts afterwards.
struct ReportFinisher;

impl ReportFinisher {
    fn child(args: &[&str], dir: &Path) -> Result<String, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let output =
            std::process::Command::new(exe).args(args).arg(dir).output().map_err(|e| e.to_string())?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
        }
    }
}

impl engine::Finisher for ReportFinisher {
    fn aggregate(&self, _experiment: &Experiment, dir: &Path) -> Result<String, String> {
        Self::child(&["report", "--summary-only"], dir)
    }

    fn report(&self, _experiment: &Experiment, dir: &Path) -> Result<String, String> {
        Self::child(&["report", "--quiet"], dir)
    }
}

pub fn run(files: &[PathBuf], args: RunArgs) -> i32 {
    let plan = match plan_of(files) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    let (backend, slurm) = match args.cluster.options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return INVALID;
        }
    };
    let options = engine::RunOptions {
        results_root: args.results,
        fresh: args.fresh,
        jobs: args.jobs,
        data_dir: args.data_dir,
        allow_download: !args.offline,
        sampler_period_ms: args.sample_ms,
        progress: std::io::stderr().is_terminal(),
        backend,
        slurm,
        ..engine::RunOptions::default()
    };
    let started = std::time::Instant::now();
    engine::interrupt::install();
    let summary = match engine::run(&plan, &options, &ReportFinisher) {
        Ok(summary) => summary,
        Err(error) => {
            eprintln!("error: {error}");
            return match error {
                engine::run::RunError::Config(_)
                | engine::run::RunError::Launch(engine::launch::LaunchError::Cluster(_)) => INVALID,
                _ => INTERNAL,
            };
        }
    };
    if let Some(cancelled) = &summary.interrupted {
        eprintln!("interrupted: {cancelled}; the records made so far are kept, and a re-run resumes");
        return INTERRUPTED;
    }
    for outcome in &summary.experiments {
        println!(
            "{}: {} trials recorded, {} already recorded, {} failed ({:.1} s)",
            outcome.name,
            outcome.recorded,
            outcome.skipped,
            outcome.failed,
            started.elapsed().as_secs_f64()
        );
        for message in &outcome.messages {
            println!("  {message}");
        }
        for error in &outcome.errors {
            println!("  error: {error}");
        }
    }
    // The answer, once every trial is done (analysing earlier would grow the scheduler,
    // whose peak memory Linux folds into every worker's `ru_maxrss`).
    for outcome in summary.experiments.iter().filter(|o| o.errors.is_empty()) {
        if let Ok(analysis) = report::analyse(&outcome.dir) {
            println!();
            print!("{}", report::terminal::summary(&analysis, None, colour()));
        }
    }
    if summary.all_ok() { OK } else { FAILED }
}

pub fn status(dir: &Path) -> i32 {
    match engine::status::status(dir) {
        Ok(status) => {
            print!("{}", engine::status::describe(dir, &status));
            OK
        }
        Err(error) => {
            eprintln!("error: cannot read the status of `{}`: {error}", dir.display());
            INVALID
        }
    }
}

pub fn check(files: &[PathBuf]) -> i32 {
    let Some(experiments) = load_all(files) else { return INVALID };
    for experiment in &experiments {
        let run = experiment.candidates.iter().filter(|c| c.is_run()).count();
        let per_candidate = experiment.protocol.repetitions * experiment.protocol.evaluation.splits();
        println!(
            "{}: ok — {} candidate(s) after expansion ({} run, {} declared), {} recorded trial(s) + {} warm-up(s), metrics: {}",
            experiment.path.display(),
            experiment.candidates.len(),
            run,
            experiment.candidates.len() - run,
            run as u32 * per_candidate,
            run as u32 * experiment.protocol.warmup,
            experiment.metrics.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
        );
    }
    OK
}

pub fn plan(files: &[PathBuf], dot: Option<&Path>) -> i32 {
    let plan = match plan_of(files) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    match dot {
        Some(path) if path == Path::new("-") => print!("{}", plan.to_dot()),
        Some(path) => {
            if let Err(error) = std::fs::write(path, plan.to_dot()) {
                eprintln!("error: cannot write `{}`: {error}", path.display());
                return INTERNAL;
            }
            println!("wrote {}", path.display());
        }
        None => print!("{}", plan.describe()),
    }
    OK
}

/// Whether to colour what goes to stdout: a terminal, and no `NO_COLOR`.
fn colour() -> bool {
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

pub fn compare(a: &Path, b: &Path) -> i32 {
    let analyse = |dir: &Path| {
        report::analyse(dir).map_err(|error| {
            eprintln!("error: {error}");
            INVALID
        })
    };
    let (a_analysis, b_analysis) = match (analyse(a), analyse(b)) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let across = report::across::compare(&a_analysis, &b_analysis);
    print!("{}", report::across::table(&across, "A", "B"));
    println!(
        "
A: {}
B: {}",
        a.display(),
        b.display()
    );
    OK
}

pub fn report(dir: &Path, summary_only: bool, quiet: bool) -> i32 {
    if summary_only {
        return match report::aggregate(dir) {
            Ok(analysis) => {
                println!("summary: {} ({} rows)", dir.join("summary.csv").display(), analysis.summary.len());
                OK
            }
            Err(error) => {
                eprintln!("error: {error}");
                INVALID
            }
        };
    }
    match report::render(dir) {
        Ok(path) => {
            match report::analyse(dir) {
                Ok(analysis) if !quiet => {
                    print!("{}", report::terminal::summary(&analysis, Some(&path), colour()))
                }
                _ => println!("report: {}", path.display()),
            }
            OK
        }
        Err(error) => {
            eprintln!("error: {error}");
            INVALID
        }
    }
}

pub fn hw(json: bool) -> i32 {
    let inventory = meter::HardwareInventory::probe();
    if json {
        println!("{}", serde_json::to_string_pretty(&inventory).expect("an inventory serializes"));
        return OK;
    }
    println!(
        "CPU        {} ({}), {} logical / {} physical cores{}",
        inventory.cpu.brand,
        inventory.cpu.arch,
        inventory.cpu.logical_cores,
        inventory.cpu.physical_cores.map(|c| c.to_string()).unwrap_or_else(|| "?".into()),
        inventory.cpu.frequency_mhz.map(|f| format!(", {f} MHz")).unwrap_or_default()
    );
    println!(
        "memory     {:.1} GiB total, {:.1} GiB available",
        gib(inventory.memory.total_bytes),
        gib(inventory.memory.available_bytes)
    );
    println!("OS         {} {}, kernel {}", inventory.os.name, inventory.os.version, inventory.os.kernel);
    println!(
        "virtual    {}",
        inventory.virtualization.as_deref().unwrap_or("no sign of a hypervisor or container")
    );
    println!(
        "cgroup     memory limit {}, CPU limit {}",
        inventory
            .cgroup
            .memory_limit_bytes
            .map(|b| format!("{:.1} GiB", gib(b)))
            .unwrap_or_else(|| "none".into()),
        inventory.cgroup.cpu_limit.map(|c| format!("{c} CPUs")).unwrap_or_else(|| "none".into())
    );
    match &inventory.gpus.unavailable {
        Some(reason) if inventory.gpus.devices.is_empty() => println!("GPU        none: {reason}"),
        _ => {
            println!(
                "NVML       driver {}, NVML {}",
                inventory.gpus.driver_version.as_deref().unwrap_or("?"),
                inventory.gpus.nvml_version.as_deref().unwrap_or("?")
            );
            for gpu in &inventory.gpus.devices {
                println!(
                    "GPU {}      {} {} — {:.0} GiB, power limit {} W (default {} W), MIG {}, energy counter {}, power reading {}",
                    gpu.index,
                    gpu.name,
                    gpu.uuid,
                    gpu.memory_bytes.map(gib).unwrap_or(0.0),
                    gpu.power_limit_w.map(|w| w.to_string()).unwrap_or_else(|| "?".into()),
                    gpu.default_power_limit_w.map(|w| w.to_string()).unwrap_or_else(|| "?".into()),
                    gpu.mig_mode,
                    if gpu.energy_counter { "yes" } else { "no" },
                    if gpu.power_usage { "yes" } else { "no" }
                );
            }
        }
    }
    match &inventory.rapl.unavailable {
        Some(reason) => println!("RAPL       unavailable: {reason}"),
        None => println!(
            "RAPL       {}",
            inventory.rapl.zones.iter().map(|z| z.name.clone()).collect::<Vec<_>>().join(", ")
        ),
    }
    let model = meter::estimate::CpuPowerModel::new(&inventory.cpu.brand, inventory.cpu.logical_cores, None);
    println!(
        "CPU energy {}",
        if inventory.rapl.unavailable.is_some() {
            format!("estimated: {}", model.describe())
        } else {
            "measured by RAPL".into()
        }
    );
    println!("fingerprint {}", inventory.fingerprint);
    OK
}

fn gib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 30) as f64
}

pub fn schema(out: &Path) -> i32 {
    let files = [
        ("experiment.schema.json", spec::schema_json()),
        ("run-record.schema.json", record::record_schema_json()),
    ];
    if let Err(error) = std::fs::create_dir_all(out) {
        eprintln!("error: cannot create `{}`: {error}", out.display());
        return INTERNAL;
    }
    for (name, text) in files {
        let path = out.join(name);
        if let Err(error) = std::fs::write(&path, text) {
            eprintln!("error: cannot write `{}`: {error}", path.display());
            return INTERNAL;
        }
        println!("wrote {}", path.display());
    }
    OK
}

pub fn audit(dir: &Path) -> i32 {
    let audit = match report::audit::audit(dir) {
        Ok(audit) => audit,
        Err(error) => {
            eprintln!("error: {error}");
            return INVALID;
        }
    };
    let analysis = &audit.analysis;
    println!(
        "{}: {} records, {} summary rows recomputed",
        dir.display(),
        audit.records,
        analysis.summary.len()
    );
    for note in audit.notes.iter().take(10) {
        println!("  note: {note}");
    }
    if audit.notes.len() > 10 {
        println!(
            "  note: ... and {} more records superseded by later records of their slots",
            audit.notes.len() - 10
        );
    }
    let decision = &analysis.decision;
    for check in &decision.constraints {
        if check.status != report::decide::Status::Met {
            println!(
                "  constraint: `{}` {} `{}` {} ({})",
                check.candidate,
                check.status.as_str(),
                check.metric,
                check.bound,
                check.reason
            );
        }
    }
    if !decision.frontier.members.is_empty() {
        println!("  frontier: {}", decision.frontier.members.join(", "));
    }
    if let Some(pick) = &decision.pick {
        println!("  pick: {}", pick.candidate);
    }
    for check in &decision.claims {
        println!("  claim `{}`: {}", check.claim.check, check.verdict.as_str());
    }
    for reproduction in &analysis.published {
        for check in &reproduction.checks {
            println!(
                "  published {} {}: printed {}, recomputed {} ({:+.2}%) — {}",
                reproduction.candidate,
                check.key,
                check.printed,
                check.from_printed,
                check.difference() * 100.0,
                check.verdict.as_str()
            );
        }
        if let Some(sentence) = reproduction.sentence() {
            println!("    {sentence}");
        }
    }
    for row in &analysis.scenarios {
        println!("  {} under {}: {:.1} kg CO2e", row.candidate, row.scenario, row.co2_g / 1000.0);
    }
    if audit.problems.is_empty() {
        println!("audit passed: every figure follows from the records");
        OK
    } else {
        for problem in &audit.problems {
            println!("MISMATCH {problem}");
        }
        println!("audit failed: {} problem(s)", audit.problems.len());
        FAILED
    }
}

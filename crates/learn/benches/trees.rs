//! `just bench-trees`: our decision tree and random forest against scikit-learn's, on
//! Fashion-MNIST's official split and smaller tables where fixed costs weigh more.
//!
//! Each side runs several times (`BENCH_RUNS` or `--runs`, default 3), interleaved (ours,
//! theirs, ours, ...) so that a slow spell of a shared machine hits both; the table shows
//! medians with min–max, and the median and range of the per-pair ratios. Each run is its
//! own process (this binary re-invoked, or `benches/sklearn_trees.py` in the project's
//! Python environment), so its peak memory is its own. A run's fit is timed once, its
//! prediction of the test set five times (the median kept: one call is short enough for a
//! slow spell to decide it). Both sides learn from the same
//! encoded features: this binary writes each table to a scratch folder for Python.
//!
//! `--profile` (with `--features profile`, `just bench-trees-profile`) adds a profile of
//! one forest fit on Fashion-MNIST (or `--profile-table NAME`): time per phase and node
//! size, and per tree level the bytes touched against the machine's measured read
//! bandwidth. `--tables a,b` and `--only tree|forest` narrow the comparison (`--tables
//! none` skips it).
//!
//! Needs `TRADEOFF_DATA_DIR` pointing at the data folder (Fashion-MNIST directly or under
//! `fashion-mnist/`; the other tables under their own folders, see its SOURCES.md); a
//! table whose files are missing is skipped with a note.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use learn::Learner;
use learn::forest::RandomForest;
use learn::grow::Criterion;
use learn::profile::{self, BUCKETS, PHASES};
use learn::tree_learner::{DecisionTree, MaxFeatures, TreeParams};

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
struct Row {
    learner: String,
    fit_s: f64,
    predict_s: f64,
    accuracy: f64,
    model_bytes: u64,
    peak_rss_bytes: u64,
    #[serde(default)]
    profile: Option<profile::Report>,
}

fn peak_rss_bytes() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    // SAFETY: initialised by the call above (zeroed before).
    (unsafe { usage.assume_init() }.ru_maxrss as u64) * 1024
}

/// A table with a fixed train/test split.
struct Bench {
    train: data::Table,
    test: data::Table,
    n_classes: usize,
}

const TABLES: [&str; 4] = ["fashion-mnist", "letter-recognition", "adult", "optdigits"];

fn data_dir() -> PathBuf {
    PathBuf::from(std::env::var("TRADEOFF_DATA_DIR").expect("TRADEOFF_DATA_DIR"))
}

fn load(name: &str) -> Result<Bench, String> {
    let dir = data_dir();
    let csv = |target: &str, columns: Vec<String>| data::TableOptions {
        header: false,
        columns,
        ..data::TableOptions::new(target)
    };
    let (train, test, n_classes) = match name {
        "fashion-mnist" => {
            let locations = data::Locations { allow_download: false, ..data::Locations::from_env() };
            let dataset = data::builtin::load("fashion-mnist", &locations).map_err(|e| e.to_string())?;
            let n_classes = dataset.n_classes();
            (dataset.train, dataset.test.ok_or("no official split")?, n_classes)
        }
        // The UCI documentation's split: the first 16,000 rows train, the last 4,000 test.
        "letter-recognition" => {
            let columns =
                std::iter::once("letter".to_string()).chain((1..=16).map(|i| format!("x{i}"))).collect();
            let path = dir.join("letter-recognition/letter-recognition.data");
            let dataset = data::tabular::load(&path, None, data::Format::Csv, &csv("letter", columns))
                .map_err(|e| e.to_string())?;
            let all = dataset.train;
            let (first, last): (Vec<usize>, Vec<usize>) = (0..all.rows).partition(|&r| r < 16_000);
            (all.select(&first), all.select(&last), dataset.class_names.len())
        }
        // The publisher's split, categories one-hot, `?` kept missing for the trees to route.
        "adult" => {
            let columns = [
                "age",
                "workclass",
                "fnlwgt",
                "education",
                "education-num",
                "marital-status",
                "occupation",
                "relationship",
                "race",
                "sex",
                "capital-gain",
                "capital-loss",
                "hours-per-week",
                "native-country",
                "income",
            ]
            .map(String::from)
            .to_vec();
            let mut options = csv("income", columns);
            options.comment = Some("|".into());
            options.na_values = vec!["?".into()];
            options.missing = data::Missing::Native;
            options.target_map = [("<=50K.", "<=50K"), (">50K.", ">50K")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            let dataset = data::tabular::load(
                &dir.join("adult/adult.data"),
                Some(&dir.join("adult/adult.test")),
                data::Format::Csv,
                &options,
            )
            .map_err(|e| e.to_string())?;
            let n_classes = dataset.class_names.len();
            (dataset.train, dataset.test.ok_or("no test file")?, n_classes)
        }
        "optdigits" => {
            let columns =
                (0..64).map(|i| format!("p{i}")).chain(std::iter::once("digit".to_string())).collect();
            let dataset = data::tabular::load(
                &dir.join("optdigits/optdigits.tra"),
                Some(&dir.join("optdigits/optdigits.tes")),
                data::Format::Csv,
                &csv("digit", columns),
            )
            .map_err(|e| e.to_string())?;
            let n_classes = dataset.class_names.len();
            (dataset.train, dataset.test.ok_or("no test file")?, n_classes)
        }
        other => return Err(format!("unknown table {other}")),
    };
    Ok(Bench { train, test, n_classes })
}

fn model(which: &str) -> Box<dyn Learner> {
    let params = |criterion, max_features| TreeParams {
        criterion,
        max_depth: None,
        min_samples_split: 2,
        min_samples_leaf: 1,
        max_features,
    };
    match which {
        "tree" => Box::new(DecisionTree::new(params(Criterion::Entropy, MaxFeatures::All))),
        "forest" => Box::new(RandomForest::new(100, true, params(Criterion::Gini, MaxFeatures::Sqrt))),
        other => panic!("unknown learner {other}"),
    }
}

/// Predictions timed per run, the median kept (both sides: see `sklearn_trees.py`).
const PREDICT_CALLS: usize = 5;

fn run_one(which: &str, table: &str) -> Row {
    let bench = load(table).expect("the table loads");
    let mut model = model(which);
    profile::take();
    let start = Instant::now();
    model.fit(&bench.train, bench.n_classes, 0).expect("fit");
    let fit_s = start.elapsed().as_secs_f64();
    let profile = profile::take();
    // Prediction is short: the median of several calls, as on scikit-learn's side.
    let mut calls = Vec::with_capacity(PREDICT_CALLS);
    let mut predicted = Vec::new();
    for _ in 0..PREDICT_CALLS {
        let start = Instant::now();
        predicted = model.predict(&bench.test.x, bench.test.cols);
        calls.push(start.elapsed().as_secs_f64());
    }
    calls.sort_by(f64::total_cmp);
    let predict_s = calls[PREDICT_CALLS / 2];
    let correct = predicted.iter().zip(&bench.test.y).filter(|(p, y)| p == y).count();
    Row {
        learner: which.to_string(),
        fit_s,
        predict_s,
        accuracy: correct as f64 / bench.test.rows as f64,
        model_bytes: model.to_bytes().len() as u64,
        peak_rss_bytes: peak_rss_bytes(),
        profile,
    }
}

/// Writes a table where the Python side reads it (see `benches/sklearn_trees.py`).
fn export(bench: &Bench, folder: &Path) {
    std::fs::create_dir_all(folder).expect("scratch folder");
    let floats = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let ints = |v: &[u32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(folder.join(name), bytes).expect("table written");
    write("x_train.f32", floats(&bench.train.x));
    write("y_train.u32", ints(&bench.train.y));
    write("x_test.f32", floats(&bench.test.x));
    write("y_test.u32", ints(&bench.test.y));
    let meta = serde_json::json!({ "rows": bench.train.rows, "cols": bench.train.cols, "test_rows": bench.test.rows });
    write("meta.json", meta.to_string().into_bytes());
}

fn python() -> String {
    std::env::var("TRADEOFF_PYTHON")
        .or_else(|_| std::env::var("VIRTUAL_ENV").map(|v| format!("{v}/bin/python")))
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python").into())
}

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../benches/sklearn_trees.py");

fn json_of(output: std::process::Output, what: &str) -> serde_json::Value {
    assert!(output.status.success(), "{what}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn ours(exe: &Path, learner: &str, table: &str, with_profile: bool) -> Row {
    let mut command = Command::new(exe);
    command.args(["--child", learner, table]);
    if with_profile {
        command.arg("--profile");
    }
    let value = json_of(command.output().expect("child runs"), "our child");
    serde_json::from_value(value).expect("child row")
}

fn theirs(folder: &Path, learner: &str) -> Row {
    let output = Command::new(python())
        .args([SCRIPT, "run", &folder.display().to_string(), learner])
        .output()
        .expect("python runs");
    serde_json::from_value(json_of(output, "scikit-learn")).expect("sklearn row")
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(str::trim)
                .map(String::from)
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Read bandwidth of a streaming sum over 1 GiB, best of three: all cores, then one.
fn bandwidth() -> (f64, f64) {
    use rayon::prelude::*;
    let words = (1usize << 30) / 8;
    let buffer: Vec<u64> = (0..words as u64).into_par_iter().map(|i| i.wrapping_mul(0x9E37_79B9)).collect();
    let measure = |parallel: bool| {
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let start = Instant::now();
            let sum: u64 = if parallel {
                buffer
                    .par_chunks(1 << 16)
                    .map(|c| c.iter().fold(0u64, |a, &b| a.wrapping_add(b)))
                    .reduce(|| 0, u64::wrapping_add)
            } else {
                buffer.iter().fold(0u64, |a, &b| a.wrapping_add(b))
            };
            std::hint::black_box(sum);
            best = best.min(start.elapsed().as_secs_f64());
        }
        (words * 8) as f64 / best / 1e9
    };
    (measure(true), measure(false))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

/// `median [min-max]` of a figure over runs.
fn spread(values: &[f64], digits: usize) -> String {
    let mut sorted = values.to_vec();
    let m = median(&mut sorted);
    format!("{m:.digits$} [{:.digits$}-{:.digits$}]", sorted[0], sorted[sorted.len() - 1])
}

fn ratio_spread(ours: &[f64], theirs: &[f64]) -> String {
    let mut ratios: Vec<f64> = theirs.iter().zip(ours).map(|(t, o)| t / o).collect();
    let m = median(&mut ratios);
    format!("{m:.1}x [{:.1}-{:.1}]", ratios[0], ratios[ratios.len() - 1])
}

fn print_profile(report: &profile::Report, table: &str, fit_s: f64, bandwidth: (f64, f64)) {
    let threads = rayon::current_num_threads();
    let ms = |ns: u64| ns as f64 / 1e6;
    println!(
        "\nProfile of one forest fit on {table} ({fit_s:.2} s wall while profiled; CPU time summed over {threads} threads):"
    );
    print!("{:<16}", "phase \\ rows");
    for (lo, hi) in BUCKETS {
        let label = if hi == usize::MAX { format!(">={lo}") } else { format!("{lo}-{}", hi - 1) };
        print!("{label:>12}");
    }
    println!("{:>12}{:>8}", "total ms", "share");
    let total: u64 = report.phase_ns.iter().flatten().sum();
    for ((_, name), row) in PHASES.iter().zip(&report.phase_ns) {
        print!("{name:<16}");
        for &ns in row {
            print!("{:>12.0}", ms(ns));
        }
        let sum: u64 = row.iter().sum();
        println!("{:>12.0}{:>7.1}%", ms(sum), 100.0 * sum as f64 / total.max(1) as f64);
    }
    print!("{:<16}", "nodes");
    for n in report.bucket_nodes {
        print!("{n:>12}");
    }
    println!();
    print!("{:<16}", "rows (sum)");
    for n in report.bucket_rows {
        print!("{n:>12}");
    }
    println!();
    println!(
        "\nPer tree level: bytes the histogram fill and partition touched (row lines of 64 B, \
         column lines, indices) against the read bandwidth measured here ({:.1} GB/s all cores, {:.1} GB/s one core):",
        bandwidth.0, bandwidth.1
    );
    println!("{:>5} {:>12} {:>12} {:>12} {:>14}", "level", "rows", "MB touched", "CPU ms", "GB/s per core");
    let mut bytes_total = 0u64;
    let mut ns_total = 0u64;
    for level in 0..report.level_ns.len() {
        let (ns, bytes, rows) = (report.level_ns[level], report.level_bytes[level], report.level_rows[level]);
        bytes_total += bytes;
        ns_total += ns;
        if ns == 0 {
            continue;
        }
        if level < 24 || level % 8 == 0 {
            println!(
                "{level:>5} {rows:>12} {:>12.0} {:>12.0} {:>14.2}",
                bytes as f64 / 1e6,
                ms(ns),
                bytes as f64 / ns as f64
            );
        }
    }
    let bound = bytes_total as f64 / (bandwidth.0 * 1e9);
    println!(
        "all levels: {:.1} GB touched in {:.2} s CPU ({:.2} GB/s per core); at the measured all-core bandwidth \
         they need {:.2} s: the fit ({fit_s:.2} s) is {:.1}x the memory-bound limit",
        bytes_total as f64 / 1e9,
        ns_total as f64 / 1e9,
        bytes_total as f64 / ns_total.max(1) as f64,
        bound,
        fit_s / bound
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let with_profile = args.iter().any(|a| a == "--profile");
    // Children: whatever they allocate stays out of the parent's peak memory, which
    // Linux passes on to every later child at exec.
    if let Some(position) = args.iter().position(|a| a == "--child") {
        let row = run_one(&args[position + 1], &args[position + 2]);
        println!("{}", serde_json::to_string(&row).expect("json"));
        return;
    }
    if let Some(position) = args.iter().position(|a| a == "--export") {
        match load(&args[position + 1]) {
            Ok(bench) => {
                export(&bench, Path::new(&args[position + 2]));
                let missing = bench.train.x.iter().filter(|v| v.is_nan()).count();
                let facts = [bench.train.rows, bench.test.rows, bench.train.cols, bench.n_classes, missing];
                println!("{}", serde_json::json!(facts));
            }
            Err(error) => println!("{}", serde_json::json!(error)),
        }
        return;
    }
    if args.iter().any(|a| a == "--bandwidth") {
        println!("{}", serde_json::json!(bandwidth()));
        return;
    }
    let value_of = |flag: &str| args.iter().position(|a| a == flag).map(|p| args[p + 1].clone());
    let runs: usize = value_of("--runs")
        .or_else(|| std::env::var("BENCH_RUNS").ok())
        .map_or(3, |r| r.parse().expect("a number of runs"))
        .max(1);
    let only = value_of("--only");
    let learners: Vec<&str> =
        ["tree", "forest"].into_iter().filter(|l| only.as_deref().is_none_or(|o| o == *l)).collect();
    // The last `--tables` wins (the profile recipe passes `none` before the user's).
    let tables: Vec<String> =
        args.iter().rposition(|a| a == "--tables").map(|p| args[p + 1].clone()).map_or_else(
            || TABLES.iter().map(|t| t.to_string()).collect(),
            |list| list.split(',').filter(|t| *t != "none").map(String::from).collect(),
        );
    if with_profile && !profile::ENABLED {
        eprintln!("--profile needs the `profile` feature: just bench-trees-profile");
        std::process::exit(2);
    }
    let exe = std::env::current_exe().expect("own path");
    let scratch = std::env::temp_dir().join(format!("tradeoff-bench-trees-{}", std::process::id()));

    let bandwidth = json_of(Command::new(&exe).arg("--bandwidth").output().expect("child runs"), "bandwidth");
    let (all_cores, one_core) = (bandwidth[0].as_f64().expect("GB/s"), bandwidth[1].as_f64().expect("GB/s"));
    let info = json_of(Command::new(python()).args([SCRIPT, "info"]).output().expect("python runs"), "info");
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "machine: {}, {threads} logical cores, rayon threads {}",
        cpu_model(),
        rayon::current_num_threads()
    );
    println!(
        "tradeoff: SIMD path {} (detected best: {}), memory read bandwidth {all_cores:.1} GB/s all cores, {one_core:.1} GB/s one core",
        learn::simd::path(),
        learn::simd::Level::detect().name()
    );
    let pools: Vec<String> = info["threadpools"]
        .as_array()
        .map(|pools| {
            pools
                .iter()
                .map(|p| {
                    format!(
                        "{} {} ({} threads)",
                        p["internal_api"].as_str().unwrap_or("?"),
                        p["prefix"].as_str().unwrap_or("?"),
                        p["num_threads"]
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    println!(
        "scikit-learn {} (numpy {}, Python {}): forest n_jobs={} = {} joblib workers, {} CPUs visible; threadpoolctl: {}{}",
        info["sklearn"].as_str().unwrap_or("?"),
        info["numpy"].as_str().unwrap_or("?"),
        info["python"].as_str().unwrap_or("?"),
        info["forest_n_jobs"],
        info["joblib_workers_for_n_jobs_minus_1"],
        info["affinity"],
        pools.join(", "),
        match info["env"].as_object() {
            Some(env) if !env.is_empty() => format!("; env {}", serde_json::Value::Object(env.clone())),
            _ => String::new(),
        }
    );
    println!(
        "{runs} runs per side, interleaved (ours, scikit-learn, ours, ...); median [min-max]; ratios are scikit-learn / \
         tradeoff per run pair (higher is better for us); accuracy as our difference"
    );
    for table in &tables {
        let folder = scratch.join(table);
        let output = Command::new(&exe).args(["--export", table, &folder.display().to_string()]).output();
        let facts = json_of(output.expect("child runs"), "export");
        let Some(facts) = facts.as_array() else {
            println!("\n{table}: skipped ({facts})");
            continue;
        };
        let fact = |i: usize| facts[i].as_u64().expect("a count");
        println!(
            "\n{table} ({} train / {} test rows, {} features, {} classes{})",
            fact(0),
            fact(1),
            fact(2),
            fact(3),
            if fact(4) > 0 {
                format!(", {} missing training values routed natively", fact(4))
            } else {
                String::new()
            }
        );
        println!(
            "{:<22} {:>22} {:>24} {:>9} {:>12} {:>8}",
            "learner", "fit s", "predict s", "accuracy", "model bytes", "peak MB"
        );
        for learner in &learners {
            let (mut ours_rows, mut theirs_rows) = (Vec::new(), Vec::new());
            for _ in 0..runs {
                ours_rows.push(ours(&exe, learner, table, false));
                theirs_rows.push(theirs(&folder, learner));
            }
            let fit = |rows: &[Row]| rows.iter().map(|r| r.fit_s).collect::<Vec<_>>();
            let predict = |rows: &[Row]| rows.iter().map(|r| r.predict_s).collect::<Vec<_>>();
            let digits = |rows: &[Row]| if rows.iter().all(|r| r.fit_s >= 10.0) { 1 } else { 2 };
            for (who, rows) in [("tradeoff", &ours_rows), ("scikit-learn", &theirs_rows)] {
                let last = rows.last().expect("a run");
                println!(
                    "{:<22} {:>22} {:>24} {:>9.4} {:>12} {:>8.0}",
                    format!("{learner} {who}"),
                    spread(&fit(rows), digits(rows)),
                    spread(&predict(rows), 4),
                    last.accuracy,
                    last.model_bytes,
                    last.peak_rss_bytes as f64 / 1e6
                );
            }
            let (o, t) = (ours_rows.last().expect("a run"), theirs_rows.last().expect("a run"));
            println!(
                "{:<22} {:>22} {:>24} {:>+9.4} {:>11.1}x {:>7.2}x",
                format!("{learner} ratio"),
                ratio_spread(&fit(&ours_rows), &fit(&theirs_rows)),
                ratio_spread(&predict(&ours_rows), &predict(&theirs_rows)),
                o.accuracy - t.accuracy,
                t.model_bytes as f64 / o.model_bytes as f64,
                t.peak_rss_bytes as f64 / o.peak_rss_bytes as f64,
            );
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if with_profile {
        let table = value_of("--profile-table").unwrap_or_else(|| "fashion-mnist".into());
        let row = ours(&exe, "forest", &table, true);
        match &row.profile {
            Some(report) => print_profile(report, &table, row.fit_s, (all_cores, one_core)),
            None => println!("no profile came back"),
        }
    }
}

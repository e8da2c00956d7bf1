//! `just bench-trees`: our decision tree and random forest against scikit-learn's, on
//! Fashion-MNIST's official split, side by side in one run.
//!
//! Each learner runs in its own child process (this binary, re-invoked) so that its peak
//! memory is its own. scikit-learn runs through `benches/sklearn_trees.py` in the
//! project's Python environment. Needs `TRADEOFF_DATA_DIR` pointing at a folder with the
//! four Fashion-MNIST files (directly or under `fashion-mnist/`).

use std::process::Command;
use std::time::Instant;

use learn::Learner;
use learn::forest::RandomForest;
use learn::grow::Criterion;
use learn::tree_learner::{DecisionTree, MaxFeatures, TreeParams};

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
struct Row {
    learner: String,
    fit_s: f64,
    predict_s: f64,
    accuracy: f64,
    model_bytes: u64,
    peak_rss_bytes: u64,
}

fn peak_rss_bytes() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    // SAFETY: initialised by the call above (zeroed before).
    (unsafe { usage.assume_init() }.ru_maxrss as u64) * 1024
}

fn run_one(which: &str) -> Row {
    let locations = data::Locations { allow_download: false, ..data::Locations::from_env() };
    let dataset =
        data::builtin::load("fashion-mnist", &locations).expect("Fashion-MNIST (set TRADEOFF_DATA_DIR)");
    let test = dataset.test.as_ref().expect("official split");
    let tree_params = |criterion, max_features| TreeParams {
        criterion,
        max_depth: None,
        min_samples_split: 2,
        min_samples_leaf: 1,
        max_features,
    };
    let mut model: Box<dyn Learner> = match which {
        "tree" => Box::new(DecisionTree::new(tree_params(Criterion::Entropy, MaxFeatures::All))),
        "forest" => Box::new(RandomForest::new(100, true, tree_params(Criterion::Gini, MaxFeatures::Sqrt))),
        other => panic!("unknown learner {other}"),
    };
    let start = Instant::now();
    model.fit(&dataset.train, dataset.n_classes(), 0).expect("fit");
    let fit_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let predicted = model.predict(&test.x, test.cols);
    let predict_s = start.elapsed().as_secs_f64();
    let correct = predicted.iter().zip(&test.y).filter(|(p, y)| p == y).count();
    Row {
        learner: which.to_string(),
        fit_s,
        predict_s,
        accuracy: correct as f64 / test.rows as f64,
        model_bytes: model.to_bytes().len() as u64,
        peak_rss_bytes: peak_rss_bytes(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|a| a == "--child") {
        let row = run_one(&args[position + 1]);
        println!("{}", serde_json::to_string(&row).expect("json"));
        return;
    }
    let only: Option<String> = args.iter().position(|a| a == "--only").map(|p| args[p + 1].clone());
    let learners: Vec<&str> =
        ["tree", "forest"].into_iter().filter(|l| only.as_deref().is_none_or(|o| o == *l)).collect();
    let exe = std::env::current_exe().expect("own path");
    let mut ours = Vec::new();
    for learner in &learners {
        let output = Command::new(&exe).args(["--child", learner]).output().expect("child runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        ours.push(serde_json::from_slice::<Row>(&output.stdout).expect("child row"));
    }
    // The project's Python environment (`just setup`), wherever cargo runs this from.
    let python = std::env::var("TRADEOFF_PYTHON")
        .or_else(|_| std::env::var("VIRTUAL_ENV").map(|v| format!("{v}/bin/python")))
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python").into());
    let data_dir = std::env::var("TRADEOFF_DATA_DIR").expect("TRADEOFF_DATA_DIR");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../benches/sklearn_trees.py");
    let mut theirs = Vec::new();
    for learner in &learners {
        let output =
            Command::new(&python).args([script, &data_dir, "--only", learner]).output().expect("python runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        theirs.push(serde_json::from_slice::<Row>(&output.stdout).expect("sklearn row"));
    }
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("Fashion-MNIST, official split (60000 train / 10000 test), {threads} logical cores");
    println!(
        "{:<22} {:>9} {:>11} {:>9} {:>12} {:>10}",
        "learner", "fit s", "predict s", "accuracy", "model bytes", "peak MB"
    );
    for (ours, theirs) in ours.iter().zip(&theirs) {
        for (who, row) in [("tradeoff", ours), ("scikit-learn", theirs)] {
            println!(
                "{:<22} {:>9.2} {:>11.3} {:>9.4} {:>12} {:>10.0}",
                format!("{} {}", row.learner, who),
                row.fit_s,
                row.predict_s,
                row.accuracy,
                row.model_bytes,
                row.peak_rss_bytes as f64 / 1e6
            );
        }
        println!(
            "{:<22} {:>8.1}x {:>10.1}x {:>+9.4} {:>11.1}x {:>9.2}x",
            format!("{} ratio", ours.learner),
            theirs.fit_s / ours.fit_s,
            theirs.predict_s / ours.predict_s,
            ours.accuracy - theirs.accuracy,
            theirs.model_bytes as f64 / ours.model_bytes as f64,
            theirs.peak_rss_bytes as f64 / ours.peak_rss_bytes as f64,
        );
    }
    println!(
        "ratios: scikit-learn / tradeoff for times, bytes and memory (higher is better for us); accuracy as a difference"
    );
}

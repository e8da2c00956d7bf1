//! `just bench-torch`: the lecture's MLP through `torch.mlp` against the same loop in
//! PyTorch (Python), same data, same thread count, in one run.
//!
//! Fashion-MNIST from `TRADEOFF_DATA_DIR`; 10 epochs, batch 128, Adam 1e-3, CPU. Each side
//! runs twice and its faster run counts, so a cold start on either side does not decide.

use std::process::Command;
use std::time::Instant;

fn ours(threads: usize) -> (f64, f64, u64) {
    let locations = data::Locations { allow_download: false, ..data::Locations::from_env() };
    let dataset =
        data::builtin::load("fashion-mnist", &locations).expect("Fashion-MNIST (set TRADEOFF_DATA_DIR)");
    let test = dataset.test.as_ref().expect("official split");
    let params = serde_json::json!({
        "hidden": [300, 100], "epochs": 10, "batch_size": 128, "optimizer": "adam", "learning_rate": 1e-3
    });
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a pool");
    pool.install(|| {
        let mut model =
            (torch::learners()[0].build)(params.as_object().expect("a map"), "cpu").expect("valid params");
        let start = Instant::now();
        model.fit(&dataset.train, 10, 0).expect("fit");
        let seconds = start.elapsed().as_secs_f64();
        let predicted = model.predict(&test.x, test.cols);
        let correct = predicted.iter().zip(&test.y).filter(|(p, y)| p == y).count();
        (seconds, correct as f64 / test.rows as f64, model.facts().parameters.unwrap_or(0))
    })
}

fn pytorch(threads: usize) -> (f64, f64) {
    // The project's Python environment (`just setup`), wherever cargo runs this from.
    let python = std::env::var("TRADEOFF_PYTHON")
        .or_else(|_| std::env::var("VIRTUAL_ENV").map(|v| format!("{v}/bin/python")))
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python").into());
    let data_dir = std::env::var("TRADEOFF_DATA_DIR").expect("TRADEOFF_DATA_DIR");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../benches/torch_mlp.py");
    let output =
        Command::new(python).args([script, &data_dir, &threads.to_string()]).output().expect("python runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let row: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON row");
    (row["train_s"].as_f64().expect("seconds"), row["accuracy"].as_f64().expect("accuracy"))
}

fn main() {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut best_ours = (f64::INFINITY, 0.0, 0);
    let mut best_theirs = (f64::INFINITY, 0.0);
    for _ in 0..2 {
        let run = ours(threads);
        if run.0 < best_ours.0 {
            best_ours = run;
        }
        let run = pytorch(threads);
        if run.0 < best_theirs.0 {
            best_theirs = run;
        }
    }
    println!(
        "Fashion-MNIST, MLP 784-300-100-10 (ReLU), 10 epochs, batch 128, Adam 1e-3, CPU, {threads} threads"
    );
    println!("{:<18} {:>10} {:>10} {:>12}", "", "train s", "accuracy", "parameters");
    println!("{:<18} {:>10.2} {:>10.4} {:>12}", "tradeoff torch.mlp", best_ours.0, best_ours.1, best_ours.2);
    println!("{:<18} {:>10.2} {:>10.4} {:>12}", "PyTorch (Python)", best_theirs.0, best_theirs.1, 266_610);
    println!(
        "ratio: {:.3}x PyTorch's train time (target <= 1.05), accuracy {:+.4} (target within 0.01)",
        best_ours.0 / best_theirs.0,
        best_ours.1 - best_theirs.1
    );
}

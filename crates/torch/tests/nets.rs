//! The libtorch learners on small data: the lecture's parameter count, determinism on the
//! CPU, convergence on a separable toy set, and a diverging loss reported as such.

#![cfg(feature = "libtorch")]

use data::Table;
use data::rng::Rng;
use learn::{LearnError, Learner};
use serde_json::json;

fn build(name: &str, params: serde_json::Value) -> Box<dyn Learner> {
    let kind = torch::learners().into_iter().find(|k| k.name == name).unwrap();
    (kind.build)(params.as_object().unwrap(), "cpu").unwrap()
}

/// Two well-separated blobs per class in `cols` dimensions.
fn blobs(rows: usize, cols: usize, classes: u32, seed: u64) -> Table {
    let mut rng = Rng::new(seed);
    let mut x = Vec::with_capacity(rows * cols);
    let mut y = Vec::with_capacity(rows);
    for r in 0..rows {
        let class = (r as u32) % classes;
        for c in 0..cols {
            let centre = if c % classes as usize == class as usize { 4.0 } else { 0.0 };
            x.push(centre + rng.next_f64() as f32);
        }
        y.push(class);
    }
    Table::new(x, y, cols)
}

#[test]
fn the_lectures_mlp_has_266610_parameters() {
    let table = blobs(64, 784, 10, 1);
    let mut mlp = build("torch.mlp", json!({ "hidden": [300, 100], "epochs": 1 }));
    mlp.fit(&table, 10, 0).unwrap();
    // 784*300+300 + 300*100+100 + 100*10+10
    assert_eq!(mlp.facts().parameters, Some(266_610));
    // float32 weights plus two vectors of 784 for the standardisation.
    assert_eq!(mlp.to_bytes().len(), (266_610 + 2 * 784) * 4);
}

#[test]
fn the_same_seed_gives_the_same_weights_on_the_cpu() {
    let table = blobs(300, 20, 3, 2);
    let fit = |seed| {
        let mut mlp = build("torch.mlp", json!({ "hidden": [16], "epochs": 3, "batch_size": 32 }));
        mlp.fit(&table, 3, seed).unwrap();
        mlp.to_bytes()
    };
    assert_eq!(fit(7), fit(7));
    assert_ne!(fit(7), fit(8));
}

#[test]
fn a_tiny_run_learns_a_separable_toy_set() {
    let table = blobs(400, 8, 4, 3);
    let params = json!({ "hidden": [32], "epochs": 30, "batch_size": 32, "learning_rate": 0.01 });
    let mut net =
        torch::TorchNet::from_params(torch::Architecture::Mlp, params.as_object().unwrap(), "cpu").unwrap();
    net.fit(&table, 4, 1).unwrap();
    // The mean training loss falls below a threshold (it starts near ln 4 = 1.39).
    assert_eq!(net.epoch_losses.len(), 30);
    assert!(net.epoch_losses[0] > 0.3, "{:?}", net.epoch_losses);
    assert!(*net.epoch_losses.last().unwrap() < 0.05, "{:?}", net.epoch_losses);
    let mlp: Box<dyn Learner> = Box::new(net);
    let predicted = mlp.predict(&table.x, table.cols);
    let correct = predicted.iter().zip(&table.y).filter(|(p, y)| p == y).count();
    assert_eq!(correct, table.rows, "a separable set is learned exactly");
    assert_eq!(mlp.predict_one(table.row(1)), table.y[1]);
}

#[test]
fn a_convolutional_net_trains_on_square_images() {
    let digits = data::builtin::load("digits", &data::Locations::default()).unwrap();
    let train = digits.train.select(&(0..1500).collect::<Vec<_>>());
    let mut cnn = build(
        "torch.cnn",
        json!({ "channels": [8, 16], "hidden": [32], "epochs": 15, "learning_rate": 0.003 }),
    );
    cnn.fit(&train, 10, 0).unwrap();
    let test = digits.test.as_ref().unwrap();
    let predicted = cnn.predict(&test.x, test.cols);
    let accuracy = predicted.iter().zip(&test.y).filter(|(p, y)| p == y).count() as f64 / test.rows as f64;
    assert!(accuracy > 0.8, "accuracy {accuracy}");
    let mut bad = build("torch.cnn", json!({ "epochs": 1 }));
    let error = bad.fit(&blobs(10, 10, 2, 0), 2, 0).unwrap_err();
    assert!(error.to_string().contains("square"), "{error}");
}

#[test]
fn an_absurd_learning_rate_diverges_with_a_reason() {
    let table = blobs(200, 10, 2, 4);
    let mut mlp =
        build("torch.mlp", json!({ "hidden": [64], "epochs": 5, "optimizer": "sgd", "learning_rate": 1e12 }));
    match mlp.fit(&table, 2, 0) {
        Err(LearnError::Diverged(reason)) => assert!(reason.contains("loss became"), "{reason}"),
        other => panic!("expected divergence, got {:?}", other.map(|_| ())),
    }
}

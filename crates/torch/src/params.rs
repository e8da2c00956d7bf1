//! The networks' hyperparameters: names, defaults, ranges and devices. Plain Rust, no
//! libtorch, so that a build without libtorch still validates experiment files that
//! name a torch learner.

use learn::{ParamError, Params};
use serde_json::{Map, Value};

pub const MLP_PARAMS: &[&str] = &[
    "hidden",
    "activation",
    "dropout",
    "epochs",
    "update_epochs",
    "batch_size",
    "optimizer",
    "learning_rate",
    "momentum",
    "weight_decay",
];
pub const CNN_PARAMS: &[&str] = &[
    "channels",
    "hidden",
    "dropout",
    "epochs",
    "update_epochs",
    "batch_size",
    "optimizer",
    "learning_rate",
    "momentum",
    "weight_decay",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// Fully connected layers (the lecture's 784-300-100-10 by default).
    Mlp,
    /// 3x3 convolutions with max pooling on square images, then dense layers.
    Cnn,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetParams {
    pub hidden: Vec<i64>,
    pub channels: Vec<i64>,
    pub activation: &'static str,
    pub dropout: f64,
    pub epochs: usize,
    /// Epochs of a warm-started update (default: a tenth of `epochs`, at least 1).
    pub update_epochs: usize,
    pub batch_size: i64,
    pub optimizer: &'static str,
    pub learning_rate: f64,
    pub momentum: f64,
    pub weight_decay: f64,
}

pub fn parse(
    architecture: Architecture,
    map: &Map<String, Value>,
    device: &str,
) -> Result<NetParams, Vec<ParamError>> {
    let mut p = Params::new(map);
    let default_hidden: &[i64] = match architecture {
        Architecture::Mlp => &[300, 100],
        Architecture::Cnn => &[128],
    };
    let epochs = p.int("epochs", 10, 1, 100_000) as usize;
    let params = NetParams {
        hidden: p.int_list("hidden", default_hidden, 1, 1 << 20),
        channels: p.int_list("channels", &[16, 32], 1, 4096),
        activation: p.choice("activation", "relu", &["relu", "tanh", "sigmoid"]),
        dropout: p.float("dropout", 0.0, 0.0, 0.95),
        epochs,
        update_epochs: p.int("update_epochs", epochs.div_ceil(10) as i64, 1, 100_000) as usize,
        batch_size: p.int("batch_size", 128, 1, 1 << 24),
        optimizer: p.choice("optimizer", "adam", &["adam", "sgd"]),
        learning_rate: p.float("learning_rate", 1e-3, 1e-12, 1e12),
        momentum: p.float("momentum", 0.0, 0.0, 1.0),
        weight_decay: p.float("weight_decay", 0.0, 0.0, 1e6),
    };
    if let Err(message) = device.parse::<spec::Device>() {
        p.push(ParamError { param: None, message, expected: Some(spec::Device::EXPECTED.into()) });
    }
    p.finish(params)
}

/// A torch learner as the validator sees it.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub name: &'static str,
    pub params: &'static [&'static str],
    pub check: fn(&Map<String, Value>) -> Vec<ParamError>,
}

/// The torch learners' names, hyperparameters and checks, libtorch or not.
pub fn entries() -> Vec<Entry> {
    vec![
        Entry {
            name: "torch.mlp",
            params: MLP_PARAMS,
            check: |m| parse(Architecture::Mlp, m, "cpu").err().unwrap_or_default(),
        },
        Entry {
            name: "torch.cnn",
            params: CNN_PARAMS,
            check: |m| parse(Architecture::Cnn, m, "cpu").err().unwrap_or_default(),
        },
    ]
}

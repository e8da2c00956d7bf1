//! Neural-network learners through tch/libtorch: `torch.mlp` and `torch.cnn`, on CPU or
//! CUDA.
//!
//! The hyperparameters (`params`) are plain Rust and always built, so any build can
//! validate an experiment naming a torch learner. The networks (`net`, behind the
//! `libtorch` feature) run only in the `tradeoff-torch` worker: linking libtorch into
//! every worker would add its ~100 MB of mapped pages to the peak memory measured for
//! native learners. One training loop serves CPU and CUDA; the only device-specific step
//! is `synchronize`, which waits for CUDA before a clock is read.

pub mod params;

#[cfg(feature = "libtorch")]
mod net;

pub use params::{Architecture, NetParams, entries};

/// The libtorch learner kinds (none without the `libtorch` feature).
pub fn learners() -> Vec<learn::LearnerKind> {
    #[cfg(feature = "libtorch")]
    {
        vec![net::MLP, net::CNN]
    }
    #[cfg(not(feature = "libtorch"))]
    {
        Vec::new()
    }
}

#[cfg(feature = "libtorch")]
pub use net::{TorchNet, parse_device};

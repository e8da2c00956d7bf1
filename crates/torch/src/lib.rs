//! Neural-network learners through tch/libtorch: `torch.mlp` and `torch.cnn`, on CPU or
//! CUDA. Everything that touches libtorch sits behind the `libtorch` feature, so the rest
//! of the workspace builds and tests on a machine without it.
//!
//! Both learners share one training loop (`net.rs`): the device is chosen once, the data
//! moved to it once, and the same code runs on CPU and CUDA; the only device-specific
//! step is `synchronize`, which waits for CUDA before a clock is read.

/// The learners this crate provides when built with libtorch.
pub const LEARNER_NAMES: &[&str] = &["torch.mlp", "torch.cnn"];

#[cfg(feature = "libtorch")]
mod net;

/// The learner kinds of this build (none without the `libtorch` feature).
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
pub use net::{Architecture, NetParams, TorchNet, parse_device};

//! Learners that misbehave on purpose, for testing how the engine records failures:
//! `test.panic`, `test.abort`, `test.sleep` (sleeps `seconds`, then predicts the
//! majority class), `test.gpu` (sleeps and says it trains on GPU 0, to test GPU metering
//! with a fake NVML) and `test.constant` (the majority class at once). They exist only
//! when `TRADEOFF_TEST_LEARNERS=1`, so no experiment can name them by accident.

use serde_json::{Map, Value};

use crate::{LearnError, Learner, LearnerKind, ModelFacts, ParamError, Params};

pub fn enabled() -> bool {
    std::env::var("TRADEOFF_TEST_LEARNERS").is_ok_and(|v| v == "1")
}

pub const TEST_LEARNERS: &[LearnerKind] = &[
    LearnerKind {
        name: "test.panic",
        params: &[],
        accepts_device: false,
        accepts_missing: false,
        build: |p, _| build(p, Behaviour::Panic),
    },
    LearnerKind {
        name: "test.abort",
        params: &[],
        accepts_device: false,
        accepts_missing: false,
        build: |p, _| build(p, Behaviour::Abort),
    },
    LearnerKind {
        name: "test.sleep",
        params: &["seconds"],
        accepts_device: false,
        accepts_missing: false,
        build: |p, _| build(p, Behaviour::Sleep),
    },
    LearnerKind {
        name: "test.gpu",
        params: &["seconds"],
        accepts_device: true,
        accepts_missing: false,
        build: |p, _| build(p, Behaviour::Gpu),
    },
    LearnerKind {
        name: "test.constant",
        params: &["megabytes"],
        accepts_device: false,
        accepts_missing: false,
        build: |p, _| build(p, Behaviour::Constant),
    },
];

#[derive(Debug, Clone, Copy)]
enum Behaviour {
    Panic,
    Abort,
    Sleep,
    /// Sleeps like `Sleep`, and says it trains on GPU 0, so its energy is metered there.
    Gpu,
    Constant,
}

fn build(map: &Map<String, Value>, behaviour: Behaviour) -> Result<Box<dyn Learner>, Vec<ParamError>> {
    let mut params = Params::new(map);
    let seconds = params.float("seconds", 0.0, 0.0, 3600.0);
    let megabytes = params.int("megabytes", 0, 0, 1 << 16) as usize;
    params.finish(Box::new(Misbehaving { behaviour, seconds, megabytes, majority: 0 }) as Box<dyn Learner>)
}

#[derive(Debug)]
struct Misbehaving {
    behaviour: Behaviour,
    seconds: f64,
    megabytes: usize,
    majority: u32,
}

impl Learner for Misbehaving {
    fn fit(&mut self, train: &data::Table, n_classes: usize, _seed: u64) -> Result<(), LearnError> {
        match self.behaviour {
            Behaviour::Panic => panic!("test.panic was asked to panic"),
            Behaviour::Abort => std::process::abort(),
            Behaviour::Sleep | Behaviour::Gpu => {
                std::thread::sleep(std::time::Duration::from_secs_f64(self.seconds))
            }
            Behaviour::Constant => {}
        }
        if self.megabytes > 0 {
            // Touch every page so the allocation shows in the resident set.
            let block = vec![1u8; self.megabytes << 20];
            std::hint::black_box(&block);
        }
        let mut counts = vec![0usize; n_classes];
        for &y in &train.y {
            counts[y as usize] += 1;
        }
        self.majority = (0..n_classes).max_by_key(|&c| (counts[c], std::cmp::Reverse(c))).unwrap_or(0) as u32;
        Ok(())
    }

    fn predict(&self, x: &[f32], cols: usize) -> Vec<u32> {
        vec![self.majority; x.len() / cols.max(1)]
    }

    fn to_bytes(&self) -> Vec<u8> {
        self.majority.to_le_bytes().to_vec()
    }

    fn facts(&self) -> ModelFacts {
        ModelFacts { parameters: Some(1), ..ModelFacts::default() }
    }

    fn gpu(&self) -> Option<u32> {
        matches!(self.behaviour, Behaviour::Gpu).then_some(0)
    }
}

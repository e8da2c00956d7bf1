//! The seed schedule of an experiment: which seed each repetition's split and each trial
//! slot's learner get, all derived from the experiment's seed.
//!
//! A *slot* is one (repetition, fold). Every candidate in a slot gets the same split and
//! the same learner seed (common random numbers), so candidates are compared on equal
//! terms and two candidates with the same learner and hyperparameters predict the same.
//! The engine plans with this schedule and the report checks records against it, so both
//! read it from here.

use crate::rng::derive_seed;

/// The seed that assigns rows to folds (or to the holdout) in `repetition`. With
/// `reshuffle`, every repetition draws its own split (repeated k-fold); without, every
/// repetition reuses the first one.
pub fn split(experiment_seed: u64, repetition: u32, reshuffle: bool) -> u64 {
    if reshuffle {
        derive_seed(experiment_seed, &format!("split/{repetition}"))
    } else {
        split(experiment_seed, 0, true)
    }
}

/// The learner's seed in one slot, shared by every candidate.
pub fn learner(experiment_seed: u64, repetition: u32, fold: u32) -> u64 {
    derive_seed(experiment_seed, &format!("learner/{repetition}/{fold}"))
}

/// The learner's seed of an unrecorded warm-up trial.
pub fn warmup(experiment_seed: u64, warmup: u32) -> u64 {
    derive_seed(experiment_seed, &format!("warmup/{warmup}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repetitions_reshuffle_unless_told_not_to() {
        assert_ne!(split(7, 0, true), split(7, 1, true));
        assert_eq!(split(7, 0, false), split(7, 3, false));
        assert_eq!(split(7, 0, false), split(7, 0, true));
        assert_ne!(learner(7, 0, 0), learner(7, 0, 1));
        assert_ne!(learner(7, 0, 0), learner(7, 1, 0));
        assert_eq!(learner(7, 2, 1), learner(7, 2, 1));
    }
}

//! `majority`: the baseline every technique must beat. It predicts the most frequent
//! training class for every row (the lowest class index on ties) and scores each class
//! by its training share, so its ROC AUC is 0.5 and its balanced accuracy 1/classes.
//! Missing feature values do not matter to it.

use serde_json::{Map, Value};

use crate::{LearnError, Learner, LearnerKind, ModelFacts, ParamError, Params, Scores};

pub const MAJORITY: LearnerKind = LearnerKind {
    name: "majority",
    params: &[],
    accepts_device: false,
    accepts_missing: true,
    build: |params, _device| Ok(Box::new(Majority::from_params(params)?)),
};

#[derive(Debug, Clone, Default)]
pub struct Majority {
    class: u32,
    shares: Vec<f32>,
}

impl Majority {
    pub fn from_params(map: &Map<String, Value>) -> Result<Self, Vec<ParamError>> {
        Params::new(map).finish(Majority::default())
    }
}

impl Learner for Majority {
    fn fit(&mut self, train: &data::Table, n_classes: usize, _seed: u64) -> Result<(), LearnError> {
        if train.rows == 0 {
            return Err(LearnError::InvalidData("no training rows".into()));
        }
        let mut counts = vec![0usize; n_classes];
        for &label in &train.y {
            let slot = counts.get_mut(label as usize).ok_or_else(|| {
                LearnError::InvalidData(format!("label {label} is not below the {n_classes} classes"))
            })?;
            *slot += 1;
        }
        // The first of the most frequent classes: `max_by_key` would take the last.
        let best = counts.iter().copied().max().unwrap_or(0);
        self.class = counts.iter().position(|&c| c == best).unwrap_or(0) as u32;
        self.shares = counts.iter().map(|&c| c as f32 / train.rows as f32).collect();
        Ok(())
    }

    fn predict(&self, x: &[f32], cols: usize) -> Vec<u32> {
        vec![self.class; x.len() / cols.max(1)]
    }

    fn predict_one(&self, _row: &[f32]) -> u32 {
        self.class
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = b"TRMJ\x01".to_vec();
        out.extend_from_slice(&self.class.to_le_bytes());
        for share in &self.shares {
            out.extend_from_slice(&share.to_le_bytes());
        }
        out
    }

    fn facts(&self) -> ModelFacts {
        ModelFacts { parameters: Some(1), nodes: Some(1), leaves: Some(1), depth: Some(0) }
    }

    fn predict_scores(&self, x: &[f32], cols: usize) -> Option<Scores> {
        let rows = x.len() / cols.max(1);
        Some(Scores {
            values: self.shares.repeat(rows),
            kind: "the training share of each class, the same for every row",
        })
    }

    fn mean_path_length(&self, _x: &[f32], _cols: usize) -> Option<f64> {
        Some(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicts_the_most_frequent_class_and_scores_by_share() {
        let train = data::Table::new(vec![0.0, f32::NAN, 1.0, 2.0, 3.0], vec![2, 1, 1, 2, 0], 1);
        let mut model = Majority::default();
        model.fit(&train, 3, 0).unwrap();
        // Classes 1 and 2 tie with two rows each: the lower index wins.
        assert_eq!(model.predict(&[5.0, f32::NAN], 1), vec![1, 1]);
        let scores = model.predict_scores(&[5.0], 1).unwrap();
        assert_eq!(scores.values, vec![0.2, 0.4, 0.4]);
    }
}

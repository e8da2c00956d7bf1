//! Filling missing feature values from a trial's own training rows, so that no test row
//! ever informs the value it is given (the fill is learned per fold, like a model).
//!
//! Numbers get the median of the training rows' values; a category gets its most frequent
//! training category (for a one-hot column group: that category's indicator set to 1 and
//! the others to 0).

use crate::table::{FeatureKind, FeatureSource, Table};

/// What each feature's missing values become.
#[derive(Debug, Clone, PartialEq)]
pub struct Imputer {
    /// Per feature: the value a missing entry takes.
    fills: Vec<f32>,
}

impl Imputer {
    /// Learns the fills from `train`; `sources` says how each feature was encoded.
    pub fn fit(train: &Table, sources: &[FeatureSource]) -> Imputer {
        let mut fills = vec![0.0f32; train.cols];
        let column = |c: usize| (0..train.rows).map(move |r| train.x[r * train.cols + c]);
        let mut c = 0;
        while c < train.cols {
            let kind = sources.get(c).map_or(FeatureKind::Numeric, |s| s.kind.clone());
            match kind {
                FeatureKind::Numeric => {
                    let mut values: Vec<f32> = column(c).filter(|v| !v.is_nan()).collect();
                    values.sort_by(f32::total_cmp);
                    fills[c] = match values.len() {
                        0 => 0.0,
                        n if n % 2 == 1 => values[n / 2],
                        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
                    };
                    c += 1;
                }
                FeatureKind::Ordinal => {
                    fills[c] = most_frequent(column(c).filter(|v| !v.is_nan()).map(|v| v as i64)).unwrap_or(0)
                        as f32;
                    c += 1;
                }
                FeatureKind::OneHot => {
                    // The indicators of one source column are adjacent.
                    let name = &sources[c].column;
                    let end = (c..train.cols)
                        .find(|&k| {
                            sources.get(k).is_none_or(|s| &s.column != name || s.kind != FeatureKind::OneHot)
                        })
                        .unwrap_or(train.cols);
                    let counts: Vec<usize> =
                        (c..end).map(|k| column(k).filter(|v| *v == 1.0).count()).collect();
                    let best =
                        (0..counts.len()).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).unwrap_or(0);
                    for (i, k) in (c..end).enumerate() {
                        fills[k] = if i == best { 1.0 } else { 0.0 };
                    }
                    c = end;
                }
            }
        }
        Imputer { fills }
    }

    /// Replaces every missing value of `table`.
    pub fn apply(&self, table: &mut Table) {
        for (i, value) in table.x.iter_mut().enumerate() {
            if value.is_nan() {
                *value = self.fills[i % table.cols];
            }
        }
    }

    pub fn fills(&self) -> &[f32] {
        &self.fills
    }
}

fn most_frequent(values: impl Iterator<Item = i64>) -> Option<i64> {
    let mut counts = std::collections::BTreeMap::new();
    for v in values {
        *counts.entry(v).or_insert(0usize) += 1;
    }
    counts.into_iter().max_by_key(|(v, n)| (*n, std::cmp::Reverse(*v))).map(|(v, _)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> Vec<FeatureSource> {
        let source = |column: &str, kind| FeatureSource { column: column.into(), kind };
        vec![
            source("age", FeatureKind::Numeric),
            source("work", FeatureKind::OneHot),
            source("work", FeatureKind::OneHot),
            source("grade", FeatureKind::Ordinal),
        ]
    }

    #[test]
    fn fills_come_from_the_training_rows_alone() {
        let nan = f32::NAN;
        // age 20, 40, missing; work = B, B, A, missing; grade 2, 2, 1, missing.
        let train = Table::new(
            vec![
                20.0, 0.0, 1.0, 2.0, //
                40.0, 0.0, 1.0, 2.0, //
                nan, 1.0, 0.0, 1.0, //
                30.0, nan, nan, nan,
            ],
            vec![0, 1, 0, 1],
            4,
        );
        let imputer = Imputer::fit(&train, &sources());
        // Median of 20, 40, 30; work B (indicator 2); grade 2.
        assert_eq!(imputer.fills(), &[30.0, 0.0, 1.0, 2.0]);
        // Test rows with extreme values change nothing: the fill was fixed by training.
        let mut test = Table::new(vec![1000.0, 1.0, 0.0, 9.0, nan, nan, nan, nan], vec![0, 1], 4);
        let again = Imputer::fit(&train, &sources());
        again.apply(&mut test);
        assert_eq!(test.row(1), &[30.0, 0.0, 1.0, 2.0]);
        assert_eq!(test.row(0), &[1000.0, 1.0, 0.0, 9.0]);
    }
}

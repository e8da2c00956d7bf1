//! `logistic_regression`: multinomial (softmax) logistic regression on standardised
//! features, L2-regularised like scikit-learn's (`c` is its `C`), trained by mini-batch
//! Adam. Gradients are summed over fixed row blocks in a fixed order, so the weights are
//! the same for a seed whatever the thread count.

use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::{LearnError, Learner, LearnerKind, ModelFacts, ParamError, Params, Scores, Update};
use data::rng::Rng;

pub const LOGISTIC_REGRESSION: LearnerKind = LearnerKind {
    name: "logistic_regression",
    params: &["c", "epochs", "learning_rate", "batch_size", "update_epochs"],
    accepts_device: false,
    accepts_missing: false,
    build: |params, _device| Ok(Box::new(LogisticRegression::from_params(params)?)),
};

#[derive(Debug, Clone)]
pub struct LogisticRegression {
    c: f64,
    epochs: usize,
    learning_rate: f64,
    batch_size: usize,
    /// Epochs of a warm-started update (default: a tenth of `epochs`, at least 1).
    update_epochs: usize,
    /// `n_classes x (cols + 1)`, bias last.
    weights: Vec<f32>,
    mean: Vec<f32>,
    scale: Vec<f32>,
    cols: usize,
    n_classes: usize,
}

const BLOCK: usize = 32;

impl LogisticRegression {
    pub fn from_params(map: &Map<String, Value>) -> Result<Self, Vec<ParamError>> {
        let mut params = Params::new(map);
        let epochs = params.int("epochs", 50, 1, 100_000) as usize;
        let model = LogisticRegression {
            c: params.float("c", 1.0, 1e-9, 1e9),
            epochs,
            learning_rate: params.float("learning_rate", 0.01, 1e-9, 10.0),
            batch_size: params.int("batch_size", 128, 1, 1 << 20) as usize,
            update_epochs: params.int("update_epochs", epochs.div_ceil(10) as i64, 1, 100_000) as usize,
            weights: Vec::new(),
            mean: Vec::new(),
            scale: Vec::new(),
            cols: 0,
            n_classes: 0,
        };
        params.finish(model)
    }

    fn logits(&self, row: &[f32], out: &mut [f32]) {
        let stride = self.cols + 1;
        for (class, logit) in out.iter_mut().enumerate() {
            let w = &self.weights[class * stride..(class + 1) * stride];
            let mut sum = w[self.cols];
            for j in 0..self.cols {
                sum += w[j] * (row[j] - self.mean[j]) * self.scale[j];
            }
            *logit = sum;
        }
    }
}

fn softmax(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut total = 0.0;
    for l in logits.iter_mut() {
        *l = (*l - max).exp();
        total += *l;
    }
    for l in logits.iter_mut() {
        *l /= total;
    }
}

impl Learner for LogisticRegression {
    fn fit(&mut self, train: &data::Table, n_classes: usize, seed: u64) -> Result<(), LearnError> {
        crate::check_table(train, n_classes)?;
        let (rows, cols) = (train.rows, train.cols);
        self.cols = cols;
        self.n_classes = n_classes;
        self.mean = (0..cols)
            .map(|j| (0..rows).map(|r| f64::from(train.x[r * cols + j])).sum::<f64>() as f32 / rows as f32)
            .collect();
        self.scale = (0..cols)
            .map(|j| {
                let m = self.mean[j];
                let var = (0..rows).map(|r| f64::from(train.x[r * cols + j] - m).powi(2)).sum::<f64>()
                    / rows as f64;
                if var > 1e-12 { 1.0 / var.sqrt() as f32 } else { 0.0 }
            })
            .collect();
        self.weights = vec![0.0; n_classes * (cols + 1)];
        self.train_epochs(train, self.epochs, seed)
    }

    fn predict(&self, x: &[f32], cols: usize) -> Vec<u32> {
        x.par_chunks(cols * 256)
            .flat_map_iter(|chunk| {
                let mut logits = vec![0.0f32; self.n_classes];
                chunk
                    .chunks_exact(cols)
                    .map(|row| {
                        self.logits(row, &mut logits);
                        argmax(&logits)
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn predict_one(&self, row: &[f32]) -> u32 {
        let mut logits = vec![0.0f32; self.n_classes];
        self.logits(row, &mut logits);
        argmax(&logits)
    }

    fn predict_scores(&self, x: &[f32], cols: usize) -> Option<Scores> {
        let mut values = vec![0.0f32; x.len() / cols * self.n_classes];
        for (row, out) in x.chunks_exact(cols).zip(values.chunks_exact_mut(self.n_classes)) {
            self.logits(row, out);
            softmax(out);
        }
        Some(Scores { values, kind: "softmax probabilities" })
    }

    /// Continues from the fitted weights (and the first fit's standardisation) for
    /// `update_epochs` epochs over all rows, old and new.
    fn update(&mut self, train: &data::Table, n_classes: usize, seed: u64) -> Result<Update, LearnError> {
        if self.weights.is_empty() || n_classes != self.n_classes || train.cols != self.cols {
            self.fit(train, n_classes, seed)?;
            return Ok(Update::Refit);
        }
        crate::check_table(train, n_classes)?;
        self.train_epochs(train, self.update_epochs, seed)?;
        Ok(Update::WarmStart(format!(
            "{} epochs of Adam over all {} rows from the fitted weights (the fit took {})",
            self.update_epochs, train.rows, self.epochs
        )))
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = b"TRLR\x01".to_vec();
        out.extend_from_slice(&(self.cols as u32).to_le_bytes());
        out.extend_from_slice(&(self.n_classes as u32).to_le_bytes());
        for v in self.weights.iter().chain(&self.mean).chain(&self.scale) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    fn facts(&self) -> ModelFacts {
        ModelFacts { parameters: Some(self.weights.len() as u64), ..ModelFacts::default() }
    }
}

impl LogisticRegression {
    /// Mini-batch Adam from the current weights (fresh moments) for `epochs` epochs.
    fn train_epochs(&mut self, train: &data::Table, epochs: usize, seed: u64) -> Result<(), LearnError> {
        let (rows, cols, n_classes) = (train.rows, train.cols, self.n_classes);
        let stride = cols + 1;
        let (mut m, mut v) = (vec![0.0f64; self.weights.len()], vec![0.0f64; self.weights.len()]);
        let l2 = 1.0 / (self.c * rows as f64);
        let mut order: Vec<usize> = (0..rows).collect();
        let mut rng = Rng::new(seed);
        let mut step = 0i32;
        for _ in 0..epochs {
            rng.shuffle(&mut order);
            let mut epoch_loss = 0.0f64;
            for batch in order.chunks(self.batch_size) {
                let partials: Vec<(Vec<f64>, f64)> = batch
                    .par_chunks(BLOCK)
                    .map(|block| {
                        let mut gradient = vec![0.0f64; self.weights.len()];
                        let mut probabilities = vec![0.0f32; n_classes];
                        let mut loss = 0.0f64;
                        for &r in block {
                            let row = train.row(r);
                            self.logits(row, &mut probabilities);
                            softmax(&mut probabilities);
                            let label = train.y[r] as usize;
                            loss -= f64::from(probabilities[label].max(1e-30)).ln();
                            for class in 0..n_classes {
                                let error =
                                    f64::from(probabilities[class]) - if class == label { 1.0 } else { 0.0 };
                                let g = &mut gradient[class * stride..(class + 1) * stride];
                                for j in 0..cols {
                                    g[j] += error * f64::from((row[j] - self.mean[j]) * self.scale[j]);
                                }
                                g[cols] += error;
                            }
                        }
                        (gradient, loss)
                    })
                    .collect();
                let mut gradient = vec![0.0f64; self.weights.len()];
                for (partial, loss) in &partials {
                    epoch_loss += loss;
                    for (g, p) in gradient.iter_mut().zip(partial) {
                        *g += p;
                    }
                }
                step += 1;
                let n = batch.len() as f64;
                let (b1, b2) = (0.9f64, 0.999f64);
                for (i, w) in self.weights.iter_mut().enumerate() {
                    let penalty = if i % stride == cols { 0.0 } else { l2 * f64::from(*w) };
                    let g = gradient[i] / n + penalty;
                    m[i] = b1 * m[i] + (1.0 - b1) * g;
                    v[i] = b2 * v[i] + (1.0 - b2) * g * g;
                    let m_hat = m[i] / (1.0 - b1.powi(step));
                    let v_hat = v[i] / (1.0 - b2.powi(step));
                    *w -= (self.learning_rate * m_hat / (v_hat.sqrt() + 1e-8)) as f32;
                }
            }
            if !epoch_loss.is_finite() {
                return Err(LearnError::Diverged(format!("the loss became {epoch_loss}")));
            }
        }
        Ok(())
    }
}

fn argmax(values: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best as u32
}

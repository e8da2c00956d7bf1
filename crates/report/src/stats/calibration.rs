//! Does each interval keep its promise, and does each test hold its error rate? A seeded
//! simulation answers with numbers: synthetic trials from known distributions, many
//! simulated experiments, and the share whose interval covers the true value, or whose
//! test says "holds" when the candidates are equal (and when they truly differ).
//!
//! The suite: normal, lognormal (heavy-tailed timings), bimodal (a machine switching
//! between two speeds), and accuracies from a binomial test set, at n = 3, 5, 10, 30, 50
//! and 100;
//! fold estimates correlated as k-fold cross-validation makes them; and a test set of
//! 1,000 rows for the row-level tests. `cargo test` checks the thresholds and
//! `just bench-stats` prints the table.

use statrs::distribution::{ContinuousCDF, Normal};

use data::rng::{Rng, derive_seed};

use super::intervals::{self, Interval};
use super::paired::{self, Test};
use super::resample;

/// A distribution of trial values with its true median and mean.
#[derive(Debug, Clone, Copy)]
pub enum Distribution {
    Normal,
    Lognormal,
    Bimodal,
    BinomialAccuracy,
}

impl Distribution {
    pub const ALL: [Distribution; 4] = [
        Distribution::Normal,
        Distribution::Lognormal,
        Distribution::Bimodal,
        Distribution::BinomialAccuracy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Distribution::Normal => "normal(10, 1)",
            Distribution::Lognormal => "lognormal(ln 10, 0.6)",
            Distribution::Bimodal => "bimodal 0.7 N(10, .5) + 0.3 N(13, .5)",
            Distribution::BinomialAccuracy => "accuracy: Binomial(500, 0.9) / 500",
        }
    }

    pub fn sample(self, rng: &mut Rng) -> f64 {
        match self {
            Distribution::Normal => 10.0 + normal(rng),
            Distribution::Lognormal => 10.0 * (0.6 * normal(rng)).exp(),
            Distribution::Bimodal => {
                if rng.next_f64() < 0.7 {
                    10.0 + 0.5 * normal(rng)
                } else {
                    13.0 + 0.5 * normal(rng)
                }
            }
            Distribution::BinomialAccuracy => {
                (0..500).filter(|_| rng.next_f64() < 0.9).count() as f64 / 500.0
            }
        }
    }

    pub fn true_median(self) -> f64 {
        match self {
            Distribution::Normal | Distribution::Lognormal => 10.0,
            Distribution::Bimodal => {
                let cdf =
                    |x: f64| 0.7 * standard().cdf((x - 10.0) / 0.5) + 0.3 * standard().cdf((x - 13.0) / 0.5);
                let (mut low, mut high) = (8.0, 15.0);
                for _ in 0..100 {
                    let mid = (low + high) / 2.0;
                    if cdf(mid) < 0.5 { low = mid } else { high = mid }
                }
                (low + high) / 2.0
            }
            // 450 = n p is an integer, so it is the binomial's median.
            Distribution::BinomialAccuracy => 0.9,
        }
    }

    pub fn true_mean(self) -> f64 {
        match self {
            Distribution::Normal => 10.0,
            Distribution::Lognormal => 10.0 * (0.18f64).exp(),
            Distribution::Bimodal => 0.7 * 10.0 + 0.3 * 13.0,
            Distribution::BinomialAccuracy => 0.9,
        }
    }
}

fn standard() -> Normal {
    Normal::new(0.0, 1.0).expect("the standard normal")
}

/// A standard normal draw by inversion (statrs' inverse CDF).
fn normal(rng: &mut Rng) -> f64 {
    let u = rng.next_f64().clamp(1e-300, 1.0 - 1e-16);
    standard().inverse_cdf(u)
}

/// The share of simulated experiments whose interval covered the true value.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub method: &'static str,
    pub distribution: &'static str,
    pub n: usize,
    pub experiments: usize,
    /// Experiments in which the method produced an interval.
    pub produced: usize,
    pub covered: usize,
    /// The level the method claims (its achieved level for exact methods).
    pub claimed: f64,
    pub approximate: bool,
}

impl Coverage {
    pub fn rate(&self) -> Option<f64> {
        (self.produced > 0).then(|| self.covered as f64 / self.produced as f64)
    }
}

/// How often a test says "holds" (one-sided, at `alpha`) when the candidates are equal,
/// and when the true difference is three standard errors.
#[derive(Debug, Clone)]
pub struct Rates {
    pub method: &'static str,
    pub setting: String,
    pub n: usize,
    pub experiments: usize,
    pub null_holds: f64,
    pub power: f64,
}

pub const SIZES: [usize; 6] = [3, 5, 10, 30, 50, 100];
pub const LEVEL: f64 = 0.95;
pub const ALPHA: f64 = 0.05;

fn tally(
    method: &'static str,
    distribution: &'static str,
    n: usize,
    experiments: usize,
    truth: f64,
    mut interval: impl FnMut(&mut Rng) -> Result<Interval, String>,
    rng: &mut Rng,
) -> Coverage {
    let (mut produced, mut covered, mut claimed, mut approximate) = (0, 0, LEVEL, false);
    for _ in 0..experiments {
        if let Ok(i) = interval(rng) {
            produced += 1;
            covered += usize::from(i.contains(truth));
            claimed = i.level;
            approximate |= i.approximate;
        }
    }
    Coverage { method, distribution, n, experiments, produced, covered, claimed, approximate }
}

/// Coverage of the summary intervals: median (order statistics), mean (t) and the
/// corrected resampled t on correlated fold estimates, `experiments` times each.
pub fn coverage(experiments: usize, seed: u64) -> Vec<Coverage> {
    let mut out = Vec::new();
    for distribution in Distribution::ALL {
        for n in SIZES {
            let mut rng = Rng::new(derive_seed(seed, &format!("coverage/{}/{n}", distribution.name())));
            let sample = |rng: &mut Rng| -> Vec<f64> {
                let mut v: Vec<f64> = (0..n).map(|_| distribution.sample(rng)).collect();
                v.sort_by(f64::total_cmp);
                v
            };
            out.push(tally(
                "median: order statistics",
                distribution.name(),
                n,
                experiments,
                distribution.true_median(),
                |rng| intervals::median(&sample(rng), LEVEL),
                &mut rng,
            ));
            out.push(tally(
                "mean: Student t",
                distribution.name(),
                n,
                experiments,
                distribution.true_mean(),
                |rng| intervals::mean(&sample(rng), LEVEL),
                &mut rng,
            ));
        }
    }
    // k-fold estimates share training rows: equicorrelated with rho = 1/k (Nadeau & Bengio's
    // model, test/train = rho / (1 - rho)). 5 folds x 1, 2 and 6 repetitions.
    for repetitions in [1usize, 2, 6] {
        let (k, rho) = (5usize, 0.2f64);
        let n = k * repetitions;
        let correlated = |rng: &mut Rng| -> Vec<f64> {
            let shared = normal(rng);
            (0..n).map(|_| 0.9 + 0.01 * (rho.sqrt() * shared + (1.0 - rho).sqrt() * normal(rng))).collect()
        };
        let mut rng = Rng::new(derive_seed(seed, &format!("coverage/folds/{n}")));
        let setting = "accuracy over 5 folds, correlation 0.2";
        out.push(tally(
            "mean: corrected resampled t",
            setting,
            n,
            experiments,
            0.9,
            |rng| intervals::corrected_mean(&correlated(rng), rho / (1.0 - rho), LEVEL),
            &mut rng,
        ));
        out.push(tally(
            "mean: plain t (wrong here)",
            setting,
            n,
            experiments,
            0.9,
            |rng| intervals::mean(&correlated(rng), LEVEL).map(|i| Interval { approximate: false, ..i }),
            &mut rng,
        ));
    }
    out
}

fn rates(
    method: &'static str,
    setting: String,
    n: usize,
    experiments: usize,
    mut test: impl FnMut(&mut Rng, bool) -> Test,
    rng: &mut Rng,
) -> Rates {
    let mut null = 0;
    let mut power = 0;
    for _ in 0..experiments {
        null += usize::from(test(rng, false).p_positive <= ALPHA);
        power += usize::from(test(rng, true).p_positive <= ALPHA);
    }
    Rates {
        method,
        setting,
        n,
        experiments,
        null_holds: null as f64 / experiments as f64,
        power: power as f64 / experiments as f64,
    }
}

/// Null "holds" rates and power of the paired tests. Each slot has a shared effect (the
/// same split and seed for both candidates) plus each candidate's own noise; under the
/// alternative the first candidate is larger by three standard errors of the mean
/// difference.
pub fn comparisons(experiments: usize, seed: u64) -> Vec<Rates> {
    let mut out = Vec::new();
    for distribution in Distribution::ALL {
        // The noise's standard deviation, estimated once from a large sample.
        let mut rng = Rng::new(derive_seed(seed, &format!("sd/{}", distribution.name())));
        let large: Vec<f64> = (0..20_000).map(|_| distribution.sample(&mut rng)).collect();
        let sd = super::std_dev(&large);
        for n in [5usize, 10, 30] {
            let shift = 3.0 * (2.0f64).sqrt() * sd / (n as f64).sqrt();
            let differences = |rng: &mut Rng, alternative: bool| -> Vec<f64> {
                (0..n)
                    .map(|_| {
                        let shared = 5.0 * normal(rng);
                        let a = shared + distribution.sample(rng) + if alternative { shift } else { 0.0 };
                        let b = shared + distribution.sample(rng);
                        a - b
                    })
                    .collect()
            };
            let mut rng = Rng::new(derive_seed(seed, &format!("compare/{}/{n}", distribution.name())));
            out.push(rates(
                "Wilcoxon signed-rank",
                distribution.name().to_string(),
                n,
                experiments,
                |rng, alternative| paired::wilcoxon(&differences(rng, alternative), 1.0 - 2.0 * ALPHA),
                &mut rng,
            ));
            out.push(rates(
                "paired t",
                distribution.name().to_string(),
                n,
                experiments,
                |rng, alternative| paired::t(&differences(rng, alternative), 1.0 - 2.0 * ALPHA),
                &mut rng,
            ));
        }
    }
    // Correlated fold differences: the corrected resampled t, and the plain t it replaces.
    for repetitions in [2usize, 6] {
        let (k, rho) = (5usize, 0.2f64);
        let n = k * repetitions;
        let se = (0.01f64.powi(2) * (rho + (1.0 - rho) / n as f64)).sqrt();
        let differences = |rng: &mut Rng, alternative: bool| -> Vec<f64> {
            let shared = normal(rng);
            let shift = if alternative { 3.0 * se } else { 0.0 };
            (0..n).map(|_| shift + 0.01 * (rho.sqrt() * shared + (1.0 - rho).sqrt() * normal(rng))).collect()
        };
        let mut rng = Rng::new(derive_seed(seed, &format!("compare/folds/{n}")));
        let setting = format!("fold differences, 5 folds x {repetitions}, correlation 0.2");
        out.push(rates(
            "corrected resampled t",
            setting.clone(),
            n,
            experiments,
            |rng, alternative| paired::corrected_t(&differences(rng, alternative), rho / (1.0 - rho), 0.9),
            &mut rng,
        ));
        out.push(rates(
            "plain paired t (wrong here)",
            setting,
            n,
            experiments,
            |rng, alternative| paired::t(&differences(rng, alternative), 0.9),
            &mut rng,
        ));
    }
    // One fixed test set of 1,000 rows: both right 80%, only one right 10% of the rows,
    // split evenly (null) or 6.5% / 3.5% (three standard errors of the difference).
    let rows = 1000;
    let draw = |rng: &mut Rng, alternative: bool| -> (Vec<u32>, Vec<u32>, Vec<u32>) {
        let only_first = if alternative { 0.065 } else { 0.05 };
        let mut truth = Vec::with_capacity(rows);
        let mut first = Vec::with_capacity(rows);
        let mut second = Vec::with_capacity(rows);
        for _ in 0..rows {
            let u = rng.next_f64();
            let (a, b) = if u < 0.8 {
                (true, true)
            } else if u < 0.8 + only_first {
                (true, false)
            } else if u < 0.9 {
                (false, true)
            } else {
                (false, false)
            };
            truth.push(0);
            first.push(u32::from(!a));
            second.push(u32::from(!b));
        }
        (truth, first, second)
    };
    let mut rng = Rng::new(derive_seed(seed, "compare/mcnemar"));
    out.push(rates(
        "McNemar's exact test",
        "one test set, 10% discordant rows".into(),
        rows,
        experiments,
        |rng, alternative| {
            let (truth, a, b) = draw(rng, alternative);
            let only_a = truth.iter().zip(&a).zip(&b).filter(|((t, x), y)| x == t && y != t).count() as u64;
            let only_b = truth.iter().zip(&a).zip(&b).filter(|((t, x), y)| x != t && y == t).count() as u64;
            let (p_positive, p_negative) = paired::mcnemar(only_a, only_b);
            Test {
                estimate: 0.0,
                interval: Err(String::new()),
                p_positive,
                p_negative,
                n: rows,
                method: "McNemar",
            }
        },
        &mut rng,
    ));
    let bootstrap_experiments = (experiments / 4).max(100);
    let mut rng = Rng::new(derive_seed(seed, "compare/bootstrap"));
    out.push(rates(
        "paired bootstrap over test rows",
        "one test set, 10% discordant rows (500 resamples)".into(),
        rows,
        bootstrap_experiments,
        |rng, alternative| {
            let (truth, a, b) = draw(rng, alternative);
            let first = resample::Predicted::classes(vec![a]);
            let second = resample::Predicted::classes(vec![b]);
            let test = resample::TestRows::plain(&truth, 2);
            let effect = |draw: &resample::Draw| {
                resample::metric_under(draw, &test, &first, "accuracy", false)
                    - resample::metric_under(draw, &test, &second, "accuracy", false)
            };
            let estimate = effect(&resample::Draw::identity(rows, 1));
            let draws: Vec<f64> = resample::draws(rng.next_u64(), rows, 1, 500).iter().map(effect).collect();
            resample::test(estimate, &draws, rows, 0.9)
        },
        &mut rng,
    ));
    out
}

/// Both suites as a table, for `just bench-stats`.
pub fn table(coverage: &[Coverage], rates: &[Rates]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "Interval coverage of the true value (nominal 95%)");
    let _ = writeln!(
        out,
        "{:<30} {:<40} {:>4} {:>9} {:>9} {:>9}",
        "method", "distribution", "n", "produced", "coverage", "claimed"
    );
    for c in coverage {
        let rate = c.rate().map_or("declined".to_string(), |r| format!("{:.1}%", r * 100.0));
        let claimed = if c.produced == 0 {
            "-".to_string()
        } else if c.approximate {
            format!("≈{:.1}%", c.claimed * 100.0)
        } else {
            format!("{:.1}%", c.claimed * 100.0)
        };
        let _ = writeln!(
            out,
            "{:<30} {:<40} {:>4} {:>9} {:>9} {:>9}",
            c.method,
            c.distribution,
            c.n,
            format!("{}/{}", c.produced, c.experiments),
            rate,
            claimed
        );
    }
    let _ = writeln!(
        out,
        "\nOne-sided tests at alpha = {ALPHA}: \"holds\" under the null, and power at 3 standard errors"
    );
    let _ = writeln!(
        out,
        "{:<32} {:<52} {:>5} {:>6} {:>10} {:>7}",
        "method", "setting", "n", "sims", "null holds", "power"
    );
    for r in rates {
        let _ = writeln!(
            out,
            "{:<32} {:<52} {:>5} {:>6} {:>9.1}% {:>6.1}%",
            r.method,
            r.setting,
            r.n,
            r.experiments,
            r.null_holds * 100.0,
            r.power * 100.0
        );
    }
    out
}

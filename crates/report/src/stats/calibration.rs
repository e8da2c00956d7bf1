//! Does each interval keep its promise, and does each test hold its error rate? A seeded
//! simulation answers with numbers: synthetic trials from known distributions, many
//! simulated experiments, and the share whose interval covers the true value, or whose
//! test says "holds" when the candidates are equal (and when they truly differ).
//!
//! Each method is called through the function the report dispatches to
//! (`summary::measured_interval`, `summary::fixed_set_interval`, `compare::slot_test`),
//! so the simulation checks the method the report would choose, not only the formula:
//! - per-slot figures from normal, lognormal (heavy-tailed timings), bimodal (a machine
//!   switching between two speeds) and binomial-accuracy distributions at n = 3 to 100:
//!   medians (order statistics), means (Student t), paired differences (Hodges–Lehmann
//!   from the Walsh averages), and the Wilcoxon, paired t, sign and one-sample t tests;
//! - fold estimates correlated as k-fold cross-validation makes them (the corrected
//!   resampled t, and the plain t as the check that must fail);
//! - one fixed test set: Clopper–Pearson, the bootstrap over rows, the bootstrap over
//!   rows and repetitions (rows and learner seeds crossed), McNemar and the paired
//!   bootstrap;
//! - Holm's family-wise error over claims that share candidates (and no correction, the
//!   check that must fail).
//!
//! Simulated experiments run in parallel, each from its own seed, so the figures do not
//! depend on the thread count. `cargo test` checks the thresholds, `just bench-stats`
//! prints the tables.

use rayon::prelude::*;
use statrs::distribution::{Binomial, Continuous, ContinuousCDF, DiscreteCDF, Normal};

use data::rng::{Rng, derive_seed};

use super::intervals::{self, Interval};
use super::paired::{self, Test};
use super::{multiple, resample};
use crate::compare::slot_test;
use crate::summary::{fixed_set_interval, measured_interval};

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
                // By inversion of the binomial's CDF (statrs), one uniform per draw.
                static CDF: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
                let cdf = CDF.get_or_init(|| {
                    let binomial = Binomial::new(0.9, 500).expect("a valid binomial");
                    (0..=500).map(|k| binomial.cdf(k)).collect()
                });
                let u = rng.next_f64();
                cdf.partition_point(|p| *p < u).min(500) as f64 / 500.0
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
    pub distribution: String,
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

/// How often a test says "holds" (one-sided, at `alpha`, in either direction) when the
/// candidates are equal, and how often when the true difference is three standard errors.
#[derive(Debug, Clone)]
pub struct Rates {
    pub method: &'static str,
    pub setting: String,
    pub n: usize,
    /// Simulated experiments behind the null rate and behind the power.
    pub null_experiments: usize,
    pub experiments: usize,
    /// The larger of the two directions' false "holds" rates.
    pub null_holds: f64,
    pub power: f64,
}

impl Rates {
    /// The Monte Carlo allowance on the null rate: three standard errors of a 5% rate at
    /// this many experiments (0.65 points at 10,000, 1.03 at 4,000). Three, not two: some
    /// sixty rows are checked at once, and an exact test whose rate is 5% exactly would
    /// exceed two standard errors in about one row of them by chance.
    pub fn tolerance(&self) -> f64 {
        3.0 * (ALPHA * (1.0 - ALPHA) / self.null_experiments as f64).sqrt()
    }
}

/// How often any claim of a family is wrongly said to hold, with Holm's correction (or
/// without, the check that must fail).
#[derive(Debug, Clone)]
pub struct Familywise {
    pub method: &'static str,
    pub setting: String,
    pub claims: usize,
    /// Claims whose null is true (the candidates are equal).
    pub nulls: usize,
    pub experiments: usize,
    /// Share of experiments with at least one false "holds".
    pub rate: f64,
}

/// The median, mean and difference intervals of one simulated experiment.
type Three = (Result<Interval, String>, Result<Interval, String>, Result<Interval, String>);

/// Per-slot sample sizes of the interval simulation.
pub const SIZES: [usize; 6] = [3, 5, 10, 30, 50, 100];
/// Per-slot sample sizes of the test simulation.
pub const PAIRED_SIZES: [usize; 4] = [3, 5, 10, 30];
pub const LEVEL: f64 = 0.95;
pub const ALPHA: f64 = 0.05;
/// Every interval the report prints unmarked covers at least this often...
pub const COVERAGE_FLOOR: f64 = 0.93;
/// ...and one marked approximate at least this often; below it the report declines.
pub const APPROXIMATE_FLOOR: f64 = 0.90;
/// Bootstrap resamples per simulated experiment (the report uses `resample::DRAWS`,
/// 2,000; a percentile interval's coverage barely moves between 500 and 2,000).
pub const SIMULATED_DRAWS: usize = 500;
/// Null rates of the exact and t tests are estimated from this many times the
/// experiments (the paired bootstrap's from twice), so their Monte Carlo allowance is
/// small. The test over rows and repetitions, the slowest, runs half the experiments.
pub const NULL_FACTOR: usize = 5;

/// Runs `experiments` simulated experiments in parallel, each from its own seed.
fn simulate<T: Send>(
    experiments: usize,
    seed: u64,
    label: &str,
    run: impl Fn(&mut Rng) -> T + Sync,
) -> Vec<T> {
    let base = derive_seed(seed, label);
    (0..experiments).into_par_iter().map(|i| run(&mut Rng::new(derive_seed(base, &i.to_string())))).collect()
}

fn tally(
    method: &'static str,
    setting: String,
    n: usize,
    truth: f64,
    intervals: &[Result<Interval, String>],
) -> Coverage {
    let produced: Vec<&Interval> = intervals.iter().filter_map(|i| i.as_ref().ok()).collect();
    Coverage {
        method,
        distribution: setting,
        n,
        experiments: intervals.len(),
        produced: produced.len(),
        covered: produced.iter().filter(|i| i.contains(truth)).count(),
        claimed: produced.iter().map(|i| i.level).fold(f64::INFINITY, f64::min).min(1.0),
        approximate: produced.iter().any(|i| i.approximate),
    }
}

/// Coverage of every interval the report prints, `experiments` simulated experiments per
/// row.
pub fn coverage(experiments: usize, seed: u64) -> Vec<Coverage> {
    let mut out = Vec::new();
    for distribution in Distribution::ALL {
        for n in SIZES {
            let label = format!("coverage/{}/{n}", distribution.name());
            let results = simulate(experiments, seed, &label, |rng| {
                let mut values: Vec<f64> = (0..n).map(|_| distribution.sample(rng)).collect();
                values.sort_by(f64::total_cmp);
                // Two exchangeable candidates: their differences are symmetric about 0.
                let differences: Vec<f64> =
                    (0..n).map(|_| distribution.sample(rng) - distribution.sample(rng)).collect();
                (
                    measured_interval(&values, true, LEVEL),
                    measured_interval(&values, false, LEVEL),
                    slot_test(&differences, true, true, LEVEL).interval,
                )
            });
            let column = |f: fn(&Three) -> &Result<Interval, String>| {
                results.iter().map(|r| f(r).clone()).collect::<Vec<_>>()
            };
            let name = distribution.name().to_string();
            out.push(tally(
                "median: order statistics",
                name.clone(),
                n,
                distribution.true_median(),
                &column(|r| &r.0),
            ));
            out.push(tally("mean: Student t", name.clone(), n, distribution.true_mean(), &column(|r| &r.1)));
            out.push(tally(
                "difference: Hodges–Lehmann",
                format!("{name}, difference of two"),
                n,
                0.0,
                &column(|r| &r.2),
            ));
        }
    }
    // k-fold estimates share training rows: equicorrelated with rho = 1/k (Nadeau & Bengio's
    // model, test/train = rho / (1 - rho)). 5 folds x 1, 2 and 6 repetitions.
    for repetitions in [1usize, 2, 6] {
        let (k, rho) = (5usize, 0.2f64);
        let n = k * repetitions;
        let results = simulate(experiments, seed, &format!("coverage/folds/{n}"), |rng| {
            let shared = normal(rng);
            let values: Vec<f64> = (0..n)
                .map(|_| 0.9 + 0.01 * (rho.sqrt() * shared + (1.0 - rho).sqrt() * normal(rng)))
                .collect();
            (
                intervals::corrected_mean(&values, rho / (1.0 - rho), LEVEL),
                intervals::student_t(&values, LEVEL).map(|i| Interval { approximate: false, ..i }),
            )
        });
        let setting = "accuracy over 5 folds, correlation 0.2".to_string();
        let corrected: Vec<_> = results.iter().map(|r| r.0.clone()).collect();
        let plain: Vec<_> = results.iter().map(|r| r.1.clone()).collect();
        out.push(tally("mean: corrected resampled t", setting.clone(), n, 0.9, &corrected));
        out.push(tally("mean: plain t (wrong here)", setting, n, 0.9, &plain));
    }
    out.extend(fixed_test_set(experiments, seed));
    out
}

/// One fixed test set, through the summary's dispatch: one repetition's accuracy
/// (Clopper–Pearson), balanced accuracy (the bootstrap over rows), and accuracy over
/// several repetitions with rows and learner seeds crossed (the bootstrap over rows and
/// repetitions).
fn fixed_test_set(experiments: usize, seed: u64) -> Vec<Coverage> {
    let mut out = Vec::new();
    let named = |results: &[Result<Interval, String>]| {
        results.iter().find_map(|r| r.as_ref().ok().map(|i| i.method)).unwrap_or("none")
    };
    for rows in [30usize, 100, 1000] {
        let truth = vec![0u32; rows];
        let results = simulate(experiments, seed, &format!("coverage/clopper-pearson/{rows}"), |rng| {
            let predicted: Vec<u32> = (0..rows).map(|_| u32::from(rng.next_f64() >= 0.9)).collect();
            let test = resample::TestRows::plain(&truth, 2);
            let predicted = resample::Predicted::classes(vec![predicted]);
            Ok(fixed_set_interval(
                &test,
                &predicted,
                "accuracy",
                false,
                rng.next_u64(),
                SIMULATED_DRAWS,
                LEVEL,
            )
            .1)
        });
        out.push(tally(named(&results), "accuracy 0.9, one repetition".into(), rows, 0.9, &results));
    }
    // Balanced accuracy of a classifier that gets 80% of negatives and 60% of positives
    // right (true value 0.7), 30% positives.
    let rows = 200;
    let results = simulate(experiments, seed, "coverage/bootstrap-rows", |rng| {
        let truth: Vec<u32> = (0..rows).map(|_| u32::from(rng.next_f64() < 0.3)).collect();
        let predicted: Vec<u32> = truth
            .iter()
            .map(|&t| {
                let right = rng.next_f64() < if t == 1 { 0.6 } else { 0.8 };
                if right { t } else { 1 - t }
            })
            .collect();
        let test = resample::TestRows::plain(&truth, 2);
        let predicted = resample::Predicted::classes(vec![predicted]);
        Ok(fixed_set_interval(
            &test,
            &predicted,
            "balanced_accuracy",
            false,
            rng.next_u64(),
            SIMULATED_DRAWS,
            LEVEL,
        )
        .1)
    });
    out.push(tally(named(&results), "balanced accuracy 0.7, one repetition".into(), rows, 0.7, &results));
    for (spread, rows, seed_sd, sizes) in CROSSED_SETTINGS {
        for &repetitions in sizes {
            let model = Crossed::new(seed_sd);
            let truth = vec![0u32; rows];
            let label = format!("coverage/crossed/{seed_sd}/{repetitions}");
            let results = simulate(experiments, seed, &label, |rng| {
                let difficulty: Vec<f64> = (0..rows).map(|_| normal(rng)).collect();
                let by_repetition: Vec<Vec<u32>> =
                    (0..repetitions).map(|_| model.predict(rng, &difficulty, 0.0)).collect();
                let test = resample::TestRows::plain(&truth, 2);
                let predicted = resample::Predicted::classes(by_repetition);
                Ok(fixed_set_interval(
                    &test,
                    &predicted,
                    "accuracy",
                    false,
                    rng.next_u64(),
                    CROSSED_DRAWS,
                    LEVEL,
                )
                .1)
            });
            let setting = format!("accuracy 0.85, {rows} rows, {spread}");
            out.push(tally(named(&results), setting, repetitions, CROSSED_ACCURACY, &results));
        }
    }
    out
}

/// Rows and learner seeds crossed: a prediction is right when `a + d + e < t`, with
/// `a ~ N(0, 1)` how hard the row is (shared by every repetition and candidate), `d ~ N(0,
/// s^2)` the seed's effect (one per repetition and candidate), `e ~ N(0, 0.5^2)` the
/// rest; `t` puts accuracy over new rows and seeds at 0.85. A seed's accuracy moves by
/// about 0.195 s.
#[derive(Debug, Clone, Copy)]
struct Crossed {
    seed_sd: f64,
    threshold: f64,
    sigma: f64,
}

impl Crossed {
    fn new(seed_sd: f64) -> Crossed {
        let sigma = (1.0 + 0.25 + seed_sd * seed_sd).sqrt();
        Crossed { seed_sd, threshold: standard().inverse_cdf(CROSSED_ACCURACY) * sigma, sigma }
    }

    /// One repetition's predictions (0 = right), with the threshold moved by `shift`.
    fn predict(&self, rng: &mut Rng, difficulty: &[f64], shift: f64) -> Vec<u32> {
        let seed = self.seed_sd * normal(rng);
        difficulty.iter().map(|a| u32::from(a + seed + 0.5 * normal(rng) >= self.threshold + shift)).collect()
    }

    /// The threshold shift that raises accuracy by `gain`.
    fn shift_for(&self, gain: f64) -> f64 {
        gain * self.sigma / standard().pdf(self.threshold / self.sigma)
    }
}

const CROSSED_ACCURACY: f64 = 0.85;
/// Row resamples behind the rows' variance in the crossed simulation.
const CROSSED_DRAWS: usize = 200;
/// (words, test rows, seed effect s, repetitions). The rows' standard error of accuracy
/// is about 0.036 with 100 rows and 0.011 with 1,000, and a seed moves accuracy by about
/// 0.195 s.
const CROSSED_SETTINGS: [(&str, usize, f64, &[usize]); 3] = [
    ("seed SD 1/6 of the rows' SE", 100, 0.03, &[3]),
    ("seed SD = the rows' SE", 100, 0.18, &[3, 10]),
    ("seed SD 3x the rows' SE", 1000, 0.17, &[3]),
];

fn rates(
    method: &'static str,
    setting: String,
    n: usize,
    (null_experiments, experiments): (usize, usize),
    seed: u64,
    test: impl Fn(&mut Rng, bool) -> Test + Sync,
) -> Rates {
    let label = format!("rates/{method}/{setting}/{n}");
    let null = simulate(null_experiments, seed, &format!("{label}/null"), |rng| {
        let t = test(rng, false);
        (t.p_positive <= ALPHA, t.p_negative <= ALPHA)
    });
    let power =
        simulate(experiments, seed, &format!("{label}/power"), |rng| test(rng, true).p_positive <= ALPHA);
    let share = |count: usize, of: usize| count as f64 / of as f64;
    Rates {
        method,
        setting,
        n,
        null_experiments,
        experiments,
        null_holds: share(null.iter().filter(|r| r.0).count(), null_experiments)
            .max(share(null.iter().filter(|r| r.1).count(), null_experiments)),
        power: share(power.iter().filter(|r| **r).count(), experiments),
    }
}

/// Null "holds" rates and power of the tests behind comparisons, through the dispatch the
/// report uses. Two candidates in a slot share an effect (the same split and seed) plus
/// each one's own noise; under the alternative the first is larger by three standard
/// errors of the mean difference. Against a bound, values at the true median (sign test)
/// or mean (t), or three standard errors above it.
pub fn comparisons(experiments: usize, seed: u64) -> Vec<Rates> {
    let mut out = Vec::new();
    let cheap = (NULL_FACTOR * experiments, experiments);
    for distribution in Distribution::ALL {
        // The noise's standard deviation, estimated once from a large sample.
        let mut rng = Rng::new(derive_seed(seed, &format!("sd/{}", distribution.name())));
        let large: Vec<f64> = (0..20_000).map(|_| distribution.sample(&mut rng)).collect();
        let sd = super::std_dev(&large);
        for n in PAIRED_SIZES {
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
            let name = distribution.name().to_string();
            let level = 1.0 - 2.0 * ALPHA;
            out.push(rates("Wilcoxon signed-rank", name.clone(), n, cheap, seed, |rng, alternative| {
                slot_test(&differences(rng, alternative), true, true, level)
            }));
            out.push(rates("paired t", name.clone(), n, cheap, seed, |rng, alternative| {
                slot_test(&differences(rng, alternative), true, false, level)
            }));
            let above = |truth: f64| {
                move |rng: &mut Rng, alternative: bool| -> Vec<f64> {
                    let shift = if alternative { 3.0 * sd / (n as f64).sqrt() } else { 0.0 };
                    (0..n).map(|_| distribution.sample(rng) + shift - truth).collect()
                }
            };
            let (median, mean) = (above(distribution.true_median()), above(distribution.true_mean()));
            out.push(rates("sign test (bound)", name.clone(), n, cheap, seed, |rng, alternative| {
                slot_test(&median(rng, alternative), false, true, level)
            }));
            out.push(rates("one-sample t (bound)", name, n, cheap, seed, |rng, alternative| {
                slot_test(&mean(rng, alternative), false, false, level)
            }));
        }
    }
    // Correlated fold differences: the corrected resampled t, and the plain t it replaces.
    for repetitions in [2usize, 6] {
        let (k, rho) = (5usize, 0.2f64);
        let n = k * repetitions;
        let se = (0.01f64.powi(2) * (rho + (1.0 - rho) / n as f64)).sqrt();
        let differences = move |rng: &mut Rng, alternative: bool| -> Vec<f64> {
            let shared = normal(rng);
            let shift = if alternative { 3.0 * se } else { 0.0 };
            (0..n).map(|_| shift + 0.01 * (rho.sqrt() * shared + (1.0 - rho).sqrt() * normal(rng))).collect()
        };
        let setting = format!("fold differences, 5 folds x {repetitions}, correlation 0.2");
        out.push(rates("corrected resampled t", setting.clone(), n, cheap, seed, |rng, alternative| {
            paired::corrected_t(&differences(rng, alternative), rho / (1.0 - rho), 0.9)
        }));
        out.push(rates("plain paired t (wrong here)", setting, n, cheap, seed, |rng, alternative| {
            paired::t(&differences(rng, alternative), 0.9)
        }));
    }
    // One fixed test set: both right on 80% of the rows, one only on 10%, split evenly
    // (null) or apart by three standard errors of the difference, sqrt(0.1 / rows).
    for (rows, bootstrap) in [(1000usize, false), (200, true)] {
        let gap = 3.0 * (0.1 / rows as f64).sqrt() / 2.0;
        let draw = move |rng: &mut Rng, alternative: bool| -> (Vec<u32>, Vec<u32>, Vec<u32>) {
            let only_first = if alternative { 0.05 + gap } else { 0.05 };
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
                first.push(u32::from(!a));
                second.push(u32::from(!b));
            }
            (vec![0; rows], first, second)
        };
        let setting = format!("one test set, {rows} rows, 10% discordant");
        if !bootstrap {
            out.push(rates("McNemar's exact test", setting, rows, cheap, seed, |rng, alternative| {
                let (truth, a, b) = draw(rng, alternative);
                let only = |x: &[u32], y: &[u32]| {
                    truth.iter().zip(x).zip(y).filter(|((t, x), y)| x == t && y != t).count() as u64
                };
                let (p_positive, p_negative) = paired::mcnemar(only(&a, &b), only(&b, &a));
                Test {
                    estimate: 0.0,
                    interval: Err(String::new()),
                    p_positive,
                    p_negative,
                    n: rows,
                    method: "McNemar",
                }
            }));
            continue;
        }
        out.push(rates(
            "paired bootstrap over test rows",
            format!("{setting} ({SIMULATED_DRAWS} resamples)"),
            rows,
            (2 * experiments, experiments),
            seed,
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
                let draws: Vec<f64> =
                    resample::draws(rng.next_u64(), rows, 1, SIMULATED_DRAWS).iter().map(effect).collect();
                resample::test(estimate, &draws, rows, 0.9)
            },
        ));
    }
    // Two candidates on one test set over several repetitions, rows and seeds crossed
    // (each candidate its own seeds): the test the report uses for their mean difference.
    let (spread, rows, seed_sd, sizes) = CROSSED_SETTINGS[1];
    {
        for &repetitions in sizes {
            let model = Crossed::new(seed_sd);
            let truth = vec![0u32; rows];
            let experiment = |rng: &mut Rng, shift: f64| -> Test {
                let difficulty: Vec<f64> = (0..rows).map(|_| normal(rng)).collect();
                let first = resample::Predicted::classes(
                    (0..repetitions).map(|_| model.predict(rng, &difficulty, shift)).collect(),
                );
                let second = resample::Predicted::classes(
                    (0..repetitions).map(|_| model.predict(rng, &difficulty, 0.0)).collect(),
                );
                let test = resample::TestRows::plain(&truth, 2);
                let effect = |draw: &resample::Draw| {
                    resample::metric_under(draw, &test, &first, "accuracy", false)
                        - resample::metric_under(draw, &test, &second, "accuracy", false)
                };
                let estimate = effect(&resample::Draw::identity(rows, repetitions));
                let by_repetition = resample::per_repetition(rows, repetitions, &effect);
                let draws: Vec<f64> = resample::row_draws(rng.next_u64(), rows, repetitions, CROSSED_DRAWS)
                    .iter()
                    .map(effect)
                    .collect();
                resample::crossed_test(estimate, &by_repetition, &draws, rows, 1.0 - 2.0 * ALPHA)
            };
            // Three standard errors of the difference, measured on null experiments.
            let pilot = simulate(400, seed, &format!("crossed-sd/{seed_sd}/{repetitions}"), |rng| {
                experiment(rng, 0.0).estimate
            });
            let shift = model.shift_for(3.0 * super::std_dev(&pilot));
            out.push(rates(
                "t on rows (bootstrap) + seeds",
                format!("one test set, {rows} rows, {spread}"),
                repetitions,
                (experiments / 2, experiments / 2),
                seed,
                |rng, alternative| experiment(rng, if alternative { shift } else { 0.0 }),
            ));
        }
    }
    out
}

/// Holm's family-wise error: `claims` claims `accuracy[c0] > accuracy[ci]` sharing the
/// candidate `c0` (so their tests are correlated), each a paired t over 10 slots; `nulls`
/// of them true nulls, the others three standard errors apart. The rate is the share of
/// experiments in which any true null is said to hold.
pub fn familywise(experiments: usize, seed: u64) -> Vec<Familywise> {
    let n = 10;
    let mut out = Vec::new();
    for (claims, nulls) in [(2usize, 2usize), (5, 5), (10, 10), (10, 5)] {
        let shift = 3.0 * (2.0f64).sqrt() / (n as f64).sqrt();
        let label = format!("familywise/{claims}/{nulls}");
        let results = simulate(NULL_FACTOR * experiments, seed, &label, |rng| {
            // Per slot: a shared effect, then each candidate's own noise.
            let slots: Vec<Vec<f64>> = (0..n)
                .map(|_| {
                    let shared = 5.0 * normal(rng);
                    (0..=claims).map(|_| shared + normal(rng)).collect()
                })
                .collect();
            let p: Vec<f64> = (1..=claims)
                .map(|i| {
                    let effect = if i > nulls { shift } else { 0.0 };
                    let d: Vec<f64> = slots.iter().map(|s| s[0] + effect - s[i]).collect();
                    slot_test(&d, true, false, 1.0 - 2.0 * ALPHA).p_positive
                })
                .collect();
            let holm = multiple::holm(&p);
            (holm[..nulls].iter().any(|q| *q <= ALPHA), p[..nulls].iter().any(|q| *q <= ALPHA))
        });
        let experiments = results.len();
        let rate = |f: fn(&(bool, bool)) -> bool| {
            results.iter().filter(|r| f(r)).count() as f64 / experiments as f64
        };
        let setting = format!("{claims} claims sharing a candidate, paired t, n = {n}");
        out.push(Familywise {
            method: "Holm",
            setting: setting.clone(),
            claims,
            nulls,
            experiments,
            rate: rate(|r| r.0),
        });
        if nulls == claims && claims >= 5 {
            out.push(Familywise {
                method: "no correction (wrong here)",
                setting,
                claims,
                nulls,
                experiments,
                rate: rate(|r| r.1),
            });
        }
    }
    out
}

/// The suites as tables, for `just bench-stats`.
pub fn table(coverage: &[Coverage], rates: &[Rates], familywise: &[Familywise]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Interval coverage of the true value (nominal 95%; unmarked must reach {:.0}%, approximate {:.0}%)",
        COVERAGE_FLOOR * 100.0,
        APPROXIMATE_FLOOR * 100.0
    );
    let _ = writeln!(
        out,
        "{:<42} {:<52} {:>4} {:>9} {:>9} {:>9}",
        "method", "setting", "n", "produced", "coverage", "claimed"
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
            "{:<42} {:<52} {:>4} {:>9} {:>9} {:>9}",
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
        "\nn: values per figure (trial slots), test rows for Clopper–Pearson and the row bootstrap, repetitions for the bootstrap over rows and repetitions."
    );
    let _ = writeln!(
        out,
        "\nOne-sided tests at alpha = {ALPHA}: \"holds\" under the null (the worse direction), and power at 3 standard errors"
    );
    let _ = writeln!(
        out,
        "{:<32} {:<52} {:>5} {:>7} {:>10} {:>9} {:>6} {:>7}",
        "method", "setting", "n", "sims", "null holds", "allowance", "sims", "power"
    );
    for r in rates {
        let _ = writeln!(
            out,
            "{:<32} {:<52} {:>5} {:>7} {:>9.2}% {:>8.2}% {:>6} {:>6.1}%",
            r.method,
            r.setting,
            r.n,
            r.null_experiments,
            r.null_holds * 100.0,
            r.tolerance() * 100.0,
            r.experiments,
            r.power * 100.0
        );
    }
    let _ =
        writeln!(out, "\nFamily-wise error: the share of experiments in which any true null is said to hold");
    let _ = writeln!(
        out,
        "{:<28} {:<44} {:>7} {:>6} {:>7} {:>9}",
        "method", "setting", "claims", "nulls", "sims", "FWER"
    );
    for f in familywise {
        let _ = writeln!(
            out,
            "{:<28} {:<44} {:>7} {:>6} {:>7} {:>8.2}%",
            f.method,
            f.setting,
            f.claims,
            f.nulls,
            f.experiments,
            f.rate * 100.0
        );
    }
    out
}

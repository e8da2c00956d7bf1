//! The qualities a trial measures beyond fit and predict: robustness to input noise,
//! stability under training-data changes, update cost, cost per prediction, and the
//! missing-value policy applied to a trial's split.
//!
//! Kept apart from the worker's timing and metering so each quality's definition reads
//! in one place. Every random draw is seeded from the trial's seed and a label, so a
//! re-run draws the same noise and the same replaced rows.

use std::time::Instant;

use data::rng::{Rng, derive_seed};
use meter::footprint;

/// Applies the candidate's missing-value policy to its split: `impute` fills from the
/// training rows only; `native` leaves NaN for a learner that routes it; `error` refuses.
/// Returns a note for the record when anything was missing.
pub fn apply_missing(
    policy: data::Missing,
    accepts_missing: bool,
    learner: &str,
    sources: &[data::FeatureSource],
    train: &mut data::Table,
    test: &mut data::Table,
) -> Result<Option<String>, String> {
    let missing = |t: &data::Table| t.x.iter().filter(|v| v.is_nan()).count();
    let (in_train, in_test) = (missing(train), missing(test));
    if in_train + in_test == 0 {
        return Ok(None);
    }
    match policy {
        data::Missing::Error => Err(format!(
            "{in_train} training and {in_test} test values are missing and this candidate's `missing` is \"error\""
        )),
        data::Missing::Native if !accepts_missing => Err(format!(
            "learner `{learner}` cannot learn from missing values; set `missing = \"impute\"` for this candidate"
        )),
        data::Missing::Native => Ok(Some(format!(
            "{in_train} training and {in_test} test values missing, left to the learner (native)"
        ))),
        data::Missing::Impute => {
            let imputer = data::missing::Imputer::fit(train, sources);
            imputer.apply(train);
            imputer.apply(test);
            Ok(Some(format!(
                "{in_train} training and {in_test} test values missing, imputed from this split's training rows \
                 (median for numbers, most frequent category)"
            )))
        }
    }
}

/// Each training column's standard deviation over its non-missing values.
fn column_deviations(train: &data::Table) -> Vec<f64> {
    (0..train.cols)
        .map(|c| {
            let values: Vec<f64> = (0..train.rows)
                .map(|r| f64::from(train.x[r * train.cols + c]))
                .filter(|v| !v.is_nan())
                .collect();
            if values.len() < 2 {
                return 0.0;
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64).sqrt()
        })
        .collect()
}

/// The test rows with Gaussian noise of `sigma` training standard deviations added to
/// every feature (missing values stay missing).
pub fn noisy_copy(train: &data::Table, test: &data::Table, sigma: f64, seed: u64) -> Vec<f32> {
    let deviations = column_deviations(train);
    let mut rng = Rng::new(derive_seed(seed, &format!("noise:{sigma}")));
    let mut x = test.x.clone();
    for (i, value) in x.iter_mut().enumerate() {
        let noise = sigma * deviations[i % test.cols] * standard_normal(&mut rng);
        *value = (f64::from(*value) + noise) as f32;
    }
    x
}

/// One draw from N(0, 1) by the Box–Muller transform (exact, not an approximation).
fn standard_normal(rng: &mut Rng) -> f64 {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    let u = 1.0 - rng.next_f64();
    let v = rng.next_f64();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// The training rows with a `share` of them (chosen at random) replaced by rows drawn
/// with replacement from the training rows: the data a colleague might have had.
pub fn perturbed_training_rows(train: &data::Table, share: f64, seed: u64) -> (data::Table, usize) {
    let n = train.rows;
    let replaced = ((share * n as f64).round() as usize).min(n);
    let mut rng = Rng::new(derive_seed(seed, "instability"));
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let mut rows: Vec<usize> = (0..n).collect();
    for &r in &order[..replaced] {
        rows[r] = rng.below(n as u64) as usize;
    }
    (train.select(&rows), replaced)
}

/// The share of positions where two predictions differ.
pub fn changed_share(a: &[u32], b: &[u32]) -> f64 {
    let changed = a.iter().zip(b).filter(|(x, y)| x != y).count();
    changed as f64 / a.len().max(1) as f64
}

/// What an update took: its seconds, how the learner did it, and the rows.
pub struct UpdateTiming {
    pub seconds: f64,
    pub how: learn::Update,
    pub base_rows: usize,
    pub new_rows: usize,
}

/// Fits a fresh model on the training rows but a `new_share` (relative to the rest), then
/// times how long it takes to take in the remaining rows.
pub fn time_update(
    model: &mut dyn learn::Learner,
    train: &data::Table,
    n_classes: usize,
    new_share: f64,
    seed: u64,
) -> Result<UpdateTiming, String> {
    let n = train.rows;
    let base_rows = ((n as f64 / (1.0 + new_share)).round() as usize).clamp(1, n);
    let mut rng = Rng::new(derive_seed(seed, "update"));
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let base = train.select(&order[..base_rows]);
    model.fit(&base, n_classes, seed).map_err(|e| format!("fitting the rows before the update: {e}"))?;
    // Old rows first, then the new ones, as the update contract says.
    let all = train.select(&order);
    model.synchronize();
    let started = Instant::now();
    let how = model.update(&all, n_classes, seed).map_err(|e| format!("the update: {e}"))?;
    model.synchronize();
    Ok(UpdateTiming { seconds: started.elapsed().as_secs_f64(), how, base_rows, new_rows: n - base_rows })
}

/// What the prices and throughput say `per` predictions cost: machine time at the rental
/// price plus energy at the electricity price (with PUE), whichever are declared.
pub fn inference_cost(
    per: f64,
    predictions_per_second: f64,
    devices: f64,
    energy_per_prediction: Option<footprint::EnergyInput>,
    rental: Option<&footprint::DatedPrice>,
    electricity: Option<&footprint::DatedPrice>,
    pue: footprint::Pue,
) -> Result<footprint::Derived, String> {
    let mut parts: Vec<footprint::Derived> = Vec::new();
    let mut left_out = Vec::new();
    match rental {
        Some(price) => {
            let seconds = per / predictions_per_second;
            let mut part = footprint::rental_cost(seconds, devices, price);
            part.formula = format!(
                "machine time: {seconds:.4e} s x {devices} device(s) x {} USD/h (declared, {}) / 3600",
                price.usd, price.date
            );
            parts.push(part);
        }
        None => left_out.push("machine time (no `rental_price`)"),
    }
    match (electricity, energy_per_prediction) {
        (Some(tariff), Some(energy)) => {
            let scaled = footprint::EnergyInput {
                joules: energy.joules * per,
                method: energy.method,
                range: energy.range.map(|[low, high]| [low * per, high * per]),
            };
            let mut part = footprint::electricity_cost(scaled, pue, tariff);
            part.formula = format!("energy: {}", part.formula);
            parts.push(part);
        }
        (Some(_), None) => left_out.push("energy (not measured)"),
        (None, _) => left_out.push("energy (no `electricity_price`)"),
    }
    if parts.is_empty() {
        return Err(format!(
            "inference_cost not computed: declare `rental_price` and/or `electricity_price` in [environment] ({})",
            left_out.join(", ")
        ));
    }
    let value: f64 = parts.iter().map(|p| p.value).sum();
    let range = parts.iter().any(|p| p.range.is_some()).then(|| {
        let low: f64 = parts.iter().map(|p| p.range.map_or(p.value, |r| r[0])).sum();
        let high: f64 = parts.iter().map(|p| p.range.map_or(p.value, |r| r[1])).sum();
        [low, high]
    });
    let mut inputs = std::collections::BTreeMap::new();
    for part in &parts {
        inputs.extend(part.inputs.clone());
    }
    let method = units::Method::weakest(parts.iter().map(|p| p.method)).expect("at least one part");
    let mut formula = format!(
        "{per} predictions at {predictions_per_second:.1}/s: {}",
        parts.iter().map(|p| p.formula.as_str()).collect::<Vec<_>>().join(" + ")
    );
    if !left_out.is_empty() {
        formula.push_str(&format!("; not included: {}", left_out.join(", ")));
    }
    Ok(footprint::Derived { value, method, formula, inputs, range })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_muller_draws_have_zero_mean_and_unit_variance() {
        let mut rng = Rng::new(7);
        let draws: Vec<f64> = (0..200_000).map(|_| standard_normal(&mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let variance = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((variance - 1.0).abs() < 0.01, "{variance}");
    }

    #[test]
    fn noise_is_scaled_by_each_training_columns_deviation() {
        // Column 0 varies (sd 1), column 1 is constant (sd 0): only column 0 gets noise.
        let train = data::Table::new(vec![-1.0, 5.0, 1.0, 5.0], vec![0, 1], 2);
        let test = data::Table::new(vec![0.0, 5.0, 0.0, f32::NAN], vec![0, 1], 2);
        let noisy = noisy_copy(&train, &test, 0.5, 3);
        assert_ne!(noisy[0], 0.0);
        assert_eq!(noisy[1], 5.0);
        assert!(noisy[3].is_nan());
        let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&noisy), bits(&noisy_copy(&train, &test, 0.5, 3)), "seeded");
    }

    #[test]
    fn perturbation_replaces_the_declared_share() {
        let train = data::Table::new((0..100).map(|v| v as f32).collect(), vec![0; 100], 1);
        let (perturbed, replaced) = perturbed_training_rows(&train, 0.1, 1);
        assert_eq!(replaced, 10);
        assert_eq!(perturbed.rows, 100);
        let kept = perturbed.x.iter().zip(&train.x).filter(|(a, b)| a == b).count();
        // The ten replaced rows were drawn anew; a draw can land on its own row.
        assert!((90..100).contains(&kept), "{kept}");
    }

    #[test]
    fn cost_adds_the_declared_parts_and_says_what_it_left_out() {
        let price = footprint::DatedPrice { usd: 3.6, date: "2026-01".into(), note: None };
        // 1000 predictions at 1000/s: one second at 3.6 USD/h = 0.001 USD.
        let cost =
            inference_cost(1000.0, 1000.0, 1.0, None, Some(&price), None, footprint::Pue::new(None)).unwrap();
        assert!((cost.value - 0.001).abs() < 1e-12, "{}", cost.value);
        assert!(cost.formula.contains("not included: energy (no `electricity_price`)"), "{}", cost.formula);
        let tariff = footprint::DatedPrice { usd: 0.36, date: "2026-01".into(), note: None };
        let energy = footprint::EnergyInput::exact(10.0, units::Method::Counter);
        // 10 J per prediction x 1000 = 10 kJ = 1/360 kWh x 1.0 PUE x 0.36 USD = 0.001 USD.
        let both = inference_cost(
            1000.0,
            1000.0,
            1.0,
            Some(energy),
            Some(&price),
            Some(&tariff),
            footprint::Pue::new(Some(1.0)),
        )
        .unwrap();
        assert!((both.value - 0.002).abs() < 1e-12, "{}", both.value);
        assert!(inference_cost(1.0, 1.0, 1.0, None, None, None, footprint::Pue::new(None)).is_err());
    }
}

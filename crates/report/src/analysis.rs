//! Everything a report shows, computed from a results folder: the summary, the
//! constraint verdicts, the frontier, the pick, the claims, the published figures of
//! declared candidates and CO2 under other scenarios.

use spec::model::{ClaimSection, PriorityMethod};
use spec::{Direction, Experiment};

use crate::claims::{Checked, Claim, Interval};
use crate::decide::{self, Figures, Frontier, Pick, Violation};
use crate::results::Results;
use crate::summary::{self, SummaryRow};

#[derive(Debug)]
pub struct Analysis {
    pub results: Results,
    pub summary: Vec<SummaryRow>,
    pub decision: Decision,
    pub published: Vec<PublishedCheck>,
    pub scenarios: Vec<ScenarioRow>,
}

#[derive(Debug)]
pub struct Decision {
    pub candidates: Vec<String>,
    pub violations: Vec<Violation>,
    pub feasible: Vec<String>,
    pub objectives: Vec<(String, Direction)>,
    pub noise_aware: bool,
    pub frontier: Frontier,
    pub pick: Option<Pick>,
    pub claims: Vec<(ClaimSection, Result<Checked, String>)>,
}

/// A published figure of a declared candidate against the one recomputed from its inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedCheck {
    pub candidate: String,
    pub figure: String,
    pub published: f64,
    pub recomputed: f64,
    pub matches: bool,
    /// The same figure from the inputs as printed in the source, when they differ.
    pub as_printed: Option<(f64, bool)>,
    pub correction: Option<String>,
}

/// CO2 of one candidate under one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioRow {
    pub scenario: String,
    pub candidate: String,
    pub intensity: meter::footprint::CarbonIntensity,
    pub pue: f64,
    pub co2_g: f64,
}

impl Analysis {
    pub fn row(&self, candidate: &str, metric: &str) -> Option<&SummaryRow> {
        self.summary.iter().find(|r| r.candidate == candidate && r.metric == metric)
    }

    pub fn of(results: Results) -> Result<Analysis, polars::prelude::PolarsError> {
        let summary = summary::summarise(&results.experiment, &results.usable())?;
        let decision = decide(&results.experiment, &summary);
        let published = published(&results);
        let scenarios = scenarios(&results, &summary);
        Ok(Analysis { results, summary, decision, published, scenarios })
    }
}

fn decide(experiment: &Experiment, summary: &[SummaryRow]) -> Decision {
    let candidates: Vec<String> = experiment
        .candidates
        .iter()
        .map(|c| c.name.clone())
        .filter(|c| summary.iter().any(|r| &r.candidate == c))
        .collect();
    let violations = decide::violations(&candidates, &experiment.file.constraints, summary);
    let feasible: Vec<String> =
        candidates.iter().filter(|c| !violations.iter().any(|v| &v.candidate == *c)).cloned().collect();
    let objectives = decide::objectives(experiment);
    let priorities = experiment.file.priorities.as_ref();
    let noise_aware = priorities.and_then(|p| p.noise_aware).unwrap_or(true);
    let frontier = decide::frontier(&feasible, &objectives, summary, noise_aware);
    let pick = priorities.and_then(|p| match p.method.unwrap_or(PriorityMethod::Weighted) {
        PriorityMethod::Weighted => {
            let weights: Vec<(String, f64, Direction)> = p
                .weights
                .iter()
                .filter(|(_, w)| **w > 0.0)
                .filter_map(|(m, w)| experiment.metric(m).map(|r| (m.clone(), *w, r.info.direction)))
                .collect();
            decide::weighted(&frontier.members, &weights, summary)
        }
        PriorityMethod::Lexicographic => {
            let order: Vec<(String, Direction)> = p
                .order
                .iter()
                .filter_map(|m| experiment.metric(m).map(|r| (m.clone(), r.info.direction)))
                .collect();
            decide::lexicographic(&frontier.members, &order, p.tolerance.unwrap_or(0.01), summary)
        }
    });
    let lookup = |metric: &str, candidate: &str| -> Option<Interval> {
        summary.figure(candidate, metric).map(|f| Interval { value: f.value, low: f.low, high: f.high })
    };
    let claims = experiment
        .file
        .claims
        .iter()
        .map(|claim| {
            (
                claim.clone(),
                Claim::parse(&claim.check).map_err(|e| e.to_string()).and_then(|c| c.check(&lookup)),
            )
        })
        .collect();
    Decision { candidates, violations, feasible, objectives, noise_aware, frontier, pick, claims }
}

/// Pounds in a gram, for published figures in lb.
const LB_PER_G: f64 = 1.0 / 453.592_37;

fn published(results: &Results) -> Vec<PublishedCheck> {
    let experiment = &results.experiment;
    let environment = &experiment.file.environment;
    let pue = environment.pue.unwrap_or(1.0);
    let intensity = match &environment.carbon_intensity {
        Some(spec::model::CarbonIntensity::Grams(g)) => *g,
        Some(spec::model::CarbonIntensity::Region(code)) => {
            meter::footprint::lookup_region(code).map_or(475.0, |r| r.g_per_kwh)
        }
        None => meter::footprint::world_default().g_per_kwh,
    };
    let mut out = Vec::new();
    for candidate in &experiment.candidates {
        let Some(declared) = &candidate.declared else { continue };
        let figures = |hours: f64, power: Option<f64>| -> Vec<(&'static str, f64)> {
            let mut figures = Vec::new();
            if let Some(power) = power {
                let kwh = power * hours / 1000.0;
                figures.push(("energy_kwh_pue", kwh * pue));
                figures.push(("co2_lb", kwh * pue * intensity * LB_PER_G));
            }
            if let (Some([low, high]), Some(devices)) = (declared.price_per_device_hour, declared.devices) {
                figures.push(("cost_low_usd", hours * f64::from(devices) * low));
                figures.push(("cost_high_usd", hours * f64::from(devices) * high));
            }
            figures
        };
        let Some(hours) = declared.hours else { continue };
        let power = declared.power_w;
        let printed_hours = declared.as_printed.get("hours").copied().unwrap_or(hours);
        let printed_power = declared.as_printed.get("power_w").copied().or(power);
        let differs = printed_hours != hours || printed_power != power;
        let printed = figures(printed_hours, printed_power);
        for (name, recomputed) in figures(hours, power) {
            let Some(&published) = declared.published.get(name) else { continue };
            let as_printed = differs.then(|| {
                let value = printed.iter().find(|(n, _)| *n == name).map_or(f64::NAN, |(_, v)| *v);
                (value, rounds_to(value, published))
            });
            out.push(PublishedCheck {
                candidate: candidate.name.clone(),
                figure: name.to_string(),
                published,
                recomputed,
                matches: rounds_to(recomputed, published),
                as_printed,
                correction: declared.correction.clone(),
            });
        }
    }
    out
}

/// Whether `value` rounds to the published figure (papers print whole numbers).
fn rounds_to(value: f64, published: f64) -> bool {
    (value - published).abs() <= 0.5 + 1e-9
}

fn scenarios(results: &Results, summary: &[SummaryRow]) -> Vec<ScenarioRow> {
    let experiment = &results.experiment;
    let mut out = Vec::new();
    for scenario in &experiment.file.environment.scenarios {
        let intensity = match &scenario.carbon_intensity {
            spec::model::CarbonIntensity::Grams(g) => meter::footprint::declared_intensity(*g),
            spec::model::CarbonIntensity::Region(code) => match meter::footprint::lookup_region(code) {
                Some(region) => region,
                None => continue,
            },
        };
        for candidate in &experiment.candidates {
            let Some(row) =
                summary.iter().find(|r| r.candidate == candidate.name && r.metric == "train_energy")
            else {
                continue;
            };
            let joules = units::Unit::parse(&row.unit)
                .and_then(|u| u.convert(row.value, units::Unit::base(units::Dimension::Energy)));
            let Some(joules) = joules else { continue };
            out.push(ScenarioRow {
                scenario: scenario.name.clone(),
                candidate: candidate.name.clone(),
                intensity: intensity.clone(),
                pue: scenario.pue,
                co2_g: joules / 3.6e6 * scenario.pue * intensity.g_per_kwh,
            });
        }
    }
    out
}

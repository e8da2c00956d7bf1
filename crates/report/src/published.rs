//! Published figures of declared candidates, recomputed from the experiment file alone.
//!
//! Each declared candidate's line items (device-hours, energy, CO2 gross and net, idle
//! energy, embodied emissions, cost) follow from its inputs by the formulas of
//! `spec::declared`. Every figure the experiment says was published is recomputed twice:
//! from the inputs as the source prints them (the audit's question: does the table follow
//! from its own inputs?) and from the inputs as declared (where the experiment corrects
//! one, e.g. 79 h -> 79.2 h). A printed figure is matched when the recomputed one rounds
//! to it at its last printed digit. Where it is not, the report gives the relative
//! difference and the smallest change of a single input, all others as printed, that
//! brings the figure (or every figure of the candidate at once) to its printed value:
//! the formulas are sums of products of inputs, so that value is solved exactly.
//!
//! The audit also checks that each declared candidate's record was made from the
//! declared table the report shows: a printed figure edited after the run, without a
//! run, is named.

use std::fmt::Write as _;

use spec::declared::{Defaults, Derivation, LineId, Origin, parts, plain, published_key, with_space};
use spec::model::DeclaredInputs;

use crate::format::number;
use crate::trials::Trials;
use crate::{Analysis, Results};

/// How a printed figure compares with the one its inputs give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The printed inputs give a figure that rounds to the printed one.
    Exact,
    /// They do not, but the inputs as the experiment declares them (correcting one the
    /// source prints) do.
    Corrected,
    /// Not matched; within 1% of the printed figure.
    WithinOnePercent,
    /// Not matched; more than 1% away.
    BeyondOnePercent,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Exact => "exact",
            Verdict::Corrected => "exact with the declared correction",
            Verdict::WithinOnePercent => "within 1%",
            Verdict::BeyondOnePercent => "off by more than 1%",
        }
    }
}

/// A change of one input that brings figures to their printed values.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The input as written in the file (`hours`, `[environment] pue`, ...).
    pub input: String,
    pub unit: &'static str,
    /// Its value as printed.
    pub from: f64,
    /// The reconciling value nearest to `from`.
    pub to: f64,
    /// Every value of the input that reconciles.
    pub interval: [f64; 2],
    /// The experiment's own value of the input, where it corrects the printed one and
    /// lies in `interval`.
    pub declared: Option<f64>,
    pub note: Option<String>,
}

impl Change {
    pub fn relative(&self) -> f64 {
        (self.to - self.from) / self.from
    }

    /// "`hours` 79 → 79.199 h (+0.25%; any value from 79.199 to 79.205)".
    pub fn describe(&self) -> String {
        let interval = if self.interval[1].is_infinite() {
            format!("any value from {}", precise(self.interval[0]))
        } else {
            format!("any value from {} to {}", precise(self.interval[0]), precise(self.interval[1]))
        };
        format!(
            "`{}` {} → {}{} ({}; {interval})",
            self.input,
            plain(self.from),
            precise(self.to),
            with_space(self.unit),
            percent(self.relative())
        )
    }

    /// "`hours` 79 → 79.1993 h (+0.25%)".
    pub fn brief(&self) -> String {
        format!(
            "`{}` {} → {}{} ({})",
            self.input,
            plain(self.from),
            precise(self.to),
            with_space(self.unit),
            percent(self.relative())
        )
    }
}

/// One printed figure against the recomputed ones.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureCheck {
    /// The published key (`energy_mwh`, `co2_t`, ...).
    pub key: String,
    pub line: LineId,
    pub unit: &'static str,
    pub printed: f64,
    /// The unit of the last printed digit.
    pub resolution: f64,
    /// From the inputs as the source prints them.
    pub from_printed: f64,
    /// From the inputs as the experiment declares them.
    pub from_declared: f64,
    /// The interval the declared inputs' ranges give, if any input has one.
    pub range: Option<[f64; 2]>,
    pub verdict: Verdict,
    /// The smallest single-input changes that bring this figure alone to its printed
    /// value (several when they tie), empty when it is matched.
    pub changes: Vec<Change>,
    /// Every input's change that brings this figure alone to its printed value, smallest
    /// first: what the figure rests on.
    pub rests_on: Vec<Change>,
    /// Inputs of the figure no feasible value of which reconciles it (a utilisation above
    /// 1, a PUE below 1).
    pub cannot: Vec<String>,
}

impl FigureCheck {
    /// (recomputed from the printed inputs - printed) / printed.
    pub fn difference(&self) -> f64 {
        (self.from_printed - self.printed) / self.printed
    }

    /// Whether the printed figure lies in the interval of the declared inputs' ranges.
    pub fn within_range(&self) -> Option<bool> {
        let [low, high] = self.range?;
        let half = self.resolution / 2.0;
        Some(self.printed + half >= low && self.printed - half <= high)
    }
}

/// A declared candidate, its line items and its published figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Reproduction {
    pub candidate: String,
    pub source: Option<String>,
    pub derivation: Derivation,
    pub checks: Vec<FigureCheck>,
    /// Single-input changes that bring every printed figure of the candidate to its value
    /// at once, smallest first; empty when every figure matches, or when no single input
    /// reconciles them all.
    pub joint: Vec<Change>,
}

impl Reproduction {
    pub fn all_exact(&self) -> bool {
        self.checks.iter().all(|c| c.verdict == Verdict::Exact)
    }

    /// The joint changes that tie with the smallest.
    pub fn smallest_joint(&self) -> Vec<&Change> {
        smallest(&self.joint)
    }

    /// The report's sentence about the candidate's printed figures.
    pub fn sentence(&self) -> Option<String> {
        if self.checks.is_empty() {
            return None;
        }
        let name = &self.candidate;
        let keys = |checks: &[&FigureCheck]| {
            checks.iter().map(|c| format!("`{}`", c.key)).collect::<Vec<_>>().join(", ")
        };
        if self.all_exact() {
            let checks: Vec<&FigureCheck> = self.checks.iter().collect();
            return Some(format!(
                "`{name}`: every printed figure ({}) follows from the printed inputs.",
                keys(&checks)
            ));
        }
        let exact: Vec<&FigureCheck> = self.checks.iter().filter(|c| c.verdict == Verdict::Exact).collect();
        let off: Vec<&FigureCheck> = self.checks.iter().filter(|c| c.verdict != Verdict::Exact).collect();
        let mut text = format!("`{name}`: ");
        if !exact.is_empty() {
            let _ = write!(
                text,
                "{} follow{} from the printed inputs; ",
                keys(&exact),
                if exact.len() == 1 { "s" } else { "" }
            );
        }
        let described: Vec<String> = off
            .iter()
            .map(|c| {
                format!(
                    "`{}` printed {} {}, recomputed {} ({})",
                    c.key,
                    plain(c.printed),
                    c.unit,
                    shown(c.from_printed, c.resolution),
                    percent(c.difference())
                )
            })
            .collect();
        let worst = off.iter().map(|c| c.difference().abs()).fold(0.0, f64::max);
        let _ = write!(
            text,
            "{} {}",
            described.join("; "),
            if worst <= 0.01 { "(within 1%)" } else { "(more than 1% off)" }
        );
        let joint = self.smallest_joint();
        match joint.first() {
            Some(first) => {
                let _ = write!(
                    text,
                    ". One change of one input reconciles {}: {}",
                    if self.checks.len() == 1 { "it" } else { "every printed figure" },
                    first.describe()
                );
                if joint.len() > 1 {
                    let others: Vec<String> = joint[1..]
                        .iter()
                        .map(|c| {
                            format!(
                                "`{}` {} → {}{}",
                                c.input,
                                plain(c.from),
                                precise(c.to),
                                with_space(c.unit)
                            )
                        })
                        .collect();
                    let _ = write!(text, ", or equally {}", others.join(", "));
                }
                if let Some(declared) = joint.iter().find_map(|c| c.declared.map(|d| (c, d))) {
                    let (change, value) = declared;
                    let _ = write!(
                        text,
                        "; the experiment declares `{}` = {}{}",
                        change.input,
                        plain(value),
                        change.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
                    );
                }
                text.push('.');
            }
            None => {
                text.push_str(". No single input reconciles every printed figure; figure by figure: ");
                let per: Vec<String> = off
                    .iter()
                    .map(|c| match c.changes.first() {
                        Some(change) => format!("`{}` by {}", c.key, change.describe()),
                        None => format!("`{}` by no single input", c.key),
                    })
                    .collect();
                text.push_str(&per.join("; "));
                text.push('.');
            }
        }
        Some(text)
    }
}

/// The reproductions of every declared candidate of a results folder.
pub fn of(results: &Results) -> Vec<Reproduction> {
    let Some(environment) = &results.environment else { return Vec::new() };
    let defaults = Defaults {
        pue: environment.pue.value,
        pue_declared: !environment.pue.is_default,
        intensity_g_per_kwh: environment.carbon_intensity.g_per_kwh,
        intensity_method: environment.carbon_intensity.method,
    };
    results
        .experiment
        .candidates
        .iter()
        .filter_map(|c| Some(reproduce(&c.name, c.declared.as_ref()?, &defaults)))
        .collect()
}

/// One declared candidate's line items and its published figures against them.
pub fn reproduce(candidate: &str, declared: &DeclaredInputs, defaults: &Defaults) -> Reproduction {
    let derivation = Derivation::of(declared, defaults);
    let (values, printed) = (derivation.values(), derivation.printed());
    let names = parts(declared);
    let mut checks = Vec::new();
    let mut targets = Vec::new();
    for (key, figure) in &declared.published {
        let Some((id, unit)) = published_key(key, &names) else { continue };
        let Some(line) = derivation.line(&id) else { continue };
        let factor = unit.per_line_unit;
        let [low, high] = figure.accepts();
        let target = [low / factor, high / factor];
        targets.push((line.formula.clone(), target));
        let from_printed = line.formula.value(&printed) * factor;
        let from_declared = line.formula.value(&values) * factor;
        let fits = |v: f64| v >= low && v <= high;
        let difference = (from_printed - figure.value()) / figure.value();
        let verdict = if fits(from_printed) {
            Verdict::Exact
        } else if fits(from_declared) && derivation.corrects_the_source() {
            Verdict::Corrected
        } else if difference.abs() <= 0.01 {
            Verdict::WithinOnePercent
        } else {
            Verdict::BeyondOnePercent
        };
        let rests_on = if verdict == Verdict::Exact {
            Vec::new()
        } else {
            reconcile(&derivation, &[(line.formula.clone(), target)])
        };
        let changes: Vec<Change> = smallest(&rests_on).into_iter().cloned().collect();
        let cannot = if verdict == Verdict::Exact {
            Vec::new()
        } else {
            line.formula
                .inputs()
                .iter()
                .map(|&i| derivation.inputs[i].key.clone())
                .filter(|key| !rests_on.iter().any(|c| &c.input == key))
                .collect()
        };
        let range = derivation.evaluate(&id).and_then(|(_, r)| r).map(|[a, b]| [a * factor, b * factor]);
        checks.push(FigureCheck {
            key: key.clone(),
            line: id,
            unit: unit.symbol,
            printed: figure.value(),
            resolution: figure.resolution(),
            from_printed,
            from_declared,
            range,
            verdict,
            changes,
            rests_on,
            cannot,
        });
    }
    let joint = if checks.iter().all(|c| c.verdict == Verdict::Exact) {
        Vec::new()
    } else {
        reconcile(&derivation, &targets)
    };
    Reproduction {
        candidate: candidate.to_string(),
        source: declared.source.clone(),
        derivation,
        checks,
        joint,
    }
}

/// For each input, the values that put every target's formula in its interval (the
/// other inputs as printed), and the one nearest the printed value; smallest change first.
fn reconcile(derivation: &Derivation, targets: &[(spec::formula::Formula, [f64; 2])]) -> Vec<Change> {
    let printed = derivation.printed();
    let mut changes = Vec::new();
    'inputs: for (index, input) in derivation.inputs.iter().enumerate() {
        if !targets.iter().any(|(f, _)| f.depends_on(index)) {
            continue;
        }
        let mut allowed = feasible(&input.key);
        for (formula, [low, high]) in targets {
            let interval = match formula.solve(index, &printed, *low..=*high) {
                Ok(Some(interval)) => interval,
                Ok(None) | Err(_) => continue 'inputs,
            };
            allowed = [allowed[0].max(interval[0]), allowed[1].min(interval[1])];
            if allowed[0] > allowed[1] {
                continue 'inputs;
            }
        }
        let from = input.printed;
        let to = from.clamp(allowed[0], allowed[1]);
        if to == from {
            continue;
        }
        let declared =
            (input.value != input.printed && input.value >= allowed[0] && input.value <= allowed[1])
                .then_some(input.value);
        changes.push(Change {
            input: input.key.clone(),
            unit: input.unit,
            from,
            to,
            interval: allowed,
            declared,
            note: input.note.clone().filter(|_| input.origin == Origin::Declared),
        });
    }
    // Smallest change first; changes of the same size (to a ten-millionth) in the order the
    // inputs enter the formulas, a count of devices last (a fraction of a chip reads worst).
    let key = |c: &Change| {
        let size = c.relative().abs();
        let size = if size > 0.0 { (size.ln() * 1e7).round() as i64 } else { i64::MIN };
        (size, c.input == "devices")
    };
    changes.sort_by_key(key);
    changes
}

/// Values an input can take at all: a share is at most 1, a PUE at least 1, a count at
/// least 1.
fn feasible(key: &str) -> [f64; 2] {
    if key.starts_with("utilisation") || key.ends_with(".usage") {
        [0.0, 1.0]
    } else if key.contains("pue") || key == "devices" {
        [1.0, f64::INFINITY]
    } else {
        [0.0, f64::INFINITY]
    }
}

/// The changes that tie with the smallest (within a millionth of it).
fn smallest(changes: &[Change]) -> Vec<&Change> {
    let Some(first) = changes.first() else { return Vec::new() };
    let least = first.relative().abs();
    changes.iter().take_while(|c| c.relative().abs() <= least * (1.0 + 1e-6) + 1e-15).collect()
}

/// Up to six significant digits, no exponent for ordinary magnitudes.
fn precise(value: f64) -> String {
    if !value.is_finite() || value == 0.0 {
        return plain(value);
    }
    let magnitude = value.abs().log10().floor() as i32;
    if !(-4..15).contains(&magnitude) {
        return format!("{value:.5e}");
    }
    let decimals = (5 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

/// A recomputed figure to one digit beyond the printed one.
fn shown(value: f64, resolution: f64) -> String {
    if resolution >= 10.0 {
        return format!("{value:.0}");
    }
    let places = ((-resolution.log10()).ceil().max(0.0) as usize) + 1;
    format!("{value:.places$}")
}

fn percent(fraction: f64) -> String {
    let p = fraction * 100.0;
    if p.abs() < 0.00005 {
        "0.00%".into()
    } else if p.abs() < 0.005 {
        format!("{p:+.4}%")
    } else {
        format!("{p:+.2}%")
    }
}

/// The report's section: the printed figures against the recomputed ones, a sentence per
/// candidate, and every line item with its method, formula and inputs.
pub fn write_markdown(out: &mut String, analysis: &Analysis) {
    let reproductions = &analysis.published;
    if reproductions.iter().all(|r| r.checks.is_empty()) {
        return;
    }
    let Some(environment) = &analysis.results.environment else { return };
    let _ = writeln!(out, "## Published figures, recomputed\n");
    let intensity = &environment.carbon_intensity;
    let from_environment = reproductions
        .iter()
        .flat_map(|r| &r.derivation.inputs)
        .any(|i| i.origin == Origin::Environment || i.key.starts_with("pue (default"));
    let _ = writeln!(
        out,
        "Each printed figure is recomputed from the candidate's inputs as the source prints them and, where the experiment \
         corrects one, as declared{}. A figure matches when the recomputed one rounds to it at its last printed digit. Where \
         it does not, the last column gives the smallest change of one input, the others as printed, that brings it to its \
         printed value.\n",
        if from_environment {
            format!(
                "; unless a candidate declares its own, PUE {} and carbon intensity {} g/kWh ({})",
                number(environment.pue.value),
                number(intensity.g_per_kwh),
                intensity.name
            )
        } else {
            String::new()
        }
    );
    let corrected = reproductions.iter().any(|r| r.derivation.corrects_the_source());
    let ranged = reproductions.iter().flat_map(|r| &r.checks).any(|c| c.range.is_some());
    let _ = write!(out, "| candidate | figure | printed | recomputed | difference |");
    if corrected {
        let _ = write!(out, " with the declared inputs |");
    }
    if ranged {
        let _ = write!(out, " interval of the declared ranges |");
    }
    let _ = writeln!(out, " verdict | smallest single-input change |");
    let _ = writeln!(
        out,
        "|---|---|---|---|---|{}{}---|---|",
        if corrected { "---|" } else { "" },
        if ranged { "---|" } else { "" }
    );
    for reproduction in reproductions {
        for check in &reproduction.checks {
            let _ = write!(
                out,
                "| {} | {} ({}) | {} | {} | {} |",
                reproduction.candidate,
                check.key,
                check.line.label(),
                plain(check.printed),
                shown(check.from_printed, check.resolution),
                percent(check.difference())
            );
            if corrected {
                let _ = write!(out, " {} |", shown(check.from_declared, check.resolution));
            }
            if ranged {
                match (check.range, check.within_range()) {
                    (Some([low, high]), Some(within)) => {
                        let _ = write!(
                            out,
                            " {}–{} ({}) |",
                            shown(low, check.resolution),
                            shown(high, check.resolution),
                            if within {
                                "contains the printed figure"
                            } else {
                                "excludes the printed figure"
                            }
                        );
                    }
                    _ => {
                        let _ = write!(out, " — |");
                    }
                }
            }
            let change = match check.changes.as_slice() {
                [] => "—".to_string(),
                [only] => only.describe(),
                [first, rest @ ..] => format!(
                    "{} (or equally {})",
                    first.describe(),
                    rest.iter().map(|c| format!("`{}`", c.input)).collect::<Vec<_>>().join(", ")
                ),
            };
            let _ = writeln!(out, " {} | {change} |", check.verdict.as_str());
        }
    }
    let _ = writeln!(out);
    for reproduction in reproductions {
        if let Some(sentence) = reproduction.sentence() {
            let _ = writeln!(out, "- {sentence}");
        }
    }
    let _ = writeln!(out);
    let differing: Vec<(&str, &FigureCheck)> = reproductions
        .iter()
        .flat_map(|r| r.checks.iter().map(move |c| (r.candidate.as_str(), c)))
        .filter(|(_, c)| c.verdict != Verdict::Exact)
        .collect();
    if !differing.is_empty() {
        let _ = writeln!(out, "### What each differing figure rests on\n");
        let _ = writeln!(
            out,
            "For each printed figure that does not follow from the printed inputs, every input whose change alone brings it to its \
             printed value, smallest change first, and the inputs no feasible value of which does.\n"
        );
        for (candidate, check) in differing {
            let changes: Vec<String> = check.rests_on.iter().map(Change::brief).collect();
            let _ = writeln!(
                out,
                "- `{candidate}` `{}`: {}{}",
                check.key,
                if changes.is_empty() { "no single input".to_string() } else { changes.join(", ") },
                if check.cannot.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; not {}",
                        check.cannot.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                    )
                }
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "### Line items\n");
    let _ = writeln!(
        out,
        "Every figure the declared inputs give, each with its method (`declared`: given; `estimated`: a model stands in, such as \
         compute-based device-hours, TDP for power or the share of manufacturing emissions) and the formula and inputs it rests \
         on. Embodied emissions and idle energy are line items of their own, never part of operational CO2.\n"
    );
    let _ = writeln!(out, "| candidate | line item | value | interval | method | formula and inputs |");
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for reproduction in reproductions {
        for line in &reproduction.derivation.lines {
            let Some((value, range)) = reproduction.derivation.evaluate(&line.id) else { continue };
            let unit = line.id.unit();
            let _ = writeln!(
                out,
                "| {} | {} | {} {unit} | {} | {} | {} |",
                reproduction.candidate,
                line.id.label(),
                number(value),
                range
                    .map(|[a, b]| format!("{}–{} {unit}", number(a), number(b)))
                    .unwrap_or_else(|| "—".into()),
                line.method,
                reproduction.derivation.explain(&line.id).unwrap_or_default().replace('|', "\\|")
            );
        }
    }
    let _ = writeln!(out);
    let sources: Vec<String> = reproductions
        .iter()
        .filter_map(|r| r.source.as_ref().map(|s| format!("`{}`: {s}", r.candidate)))
        .collect();
    if !sources.is_empty() {
        let _ = writeln!(out, "Sources: {}.\n", sources.join("; "));
    }
}

/// Audit problems: a declared candidate's record made from other declared figures than
/// the experiment file shows (a printed figure or input edited without a run), or
/// recorded figures its inputs no longer give.
pub fn audit(results: &Results, trials: &Trials<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let current = &results.experiment;
    for candidate in &current.candidates {
        let Some(declared) = &candidate.declared else { continue };
        let Some(record) = trials.records.get(&candidate.name).and_then(|slots| slots.values().next()) else {
            continue;
        };
        if record.spec_sha256 != current.spec_sha256
            && let Some(text) = results.spec_versions.get(&record.spec_sha256)
        {
            let then = spec::parse(
                spec::SourceFile::new(format!("specs/{}.toml", record.spec_sha256), text.clone()),
                &results.layout.spec_version(&record.spec_sha256),
                &spec::Catalogue::permissive(),
            )
            .ok()
            .and_then(|old| {
                old.candidates.iter().find(|c| c.name == candidate.name).and_then(|c| c.declared.clone())
            });
            if then.as_ref() != Some(declared) {
                let value =
                    |d: Option<&DeclaredInputs>| d.map(|d| serde_json::to_value(d).unwrap_or_default());
                let (old, new) = (value(then.as_ref()), value(Some(declared)));
                let mut changed: Vec<String> = Vec::new();
                if let (Some(old), Some(new)) = (&old, &new) {
                    for (key, new_value) in new.as_object().into_iter().flatten() {
                        let old_value = &old[key];
                        if old_value == new_value {
                            continue;
                        }
                        match (old_value.as_object(), new_value.as_object()) {
                            (Some(o), Some(n)) if key == "published" || key == "as_printed" => {
                                for (k, v) in n {
                                    if o.get(k) != Some(v) {
                                        let before = o.get(k).map_or("(none)".into(), show);
                                        changed.push(format!("{key}.{k} {before} → {}", show(v)));
                                    }
                                }
                                for k in o.keys().filter(|k| !n.contains_key(*k)) {
                                    changed.push(format!("{key}.{k} removed"));
                                }
                            }
                            _ => changed.push(format!("{key} {} → {}", show(old_value), show(new_value))),
                        }
                    }
                }
                problems.push(format!(
                    "`{}`: the record was made from other declared figures (specs/{}.toml) than experiment.toml shows{}: \
                     a printed figure or input was edited without a run; run the experiment again",
                    candidate.name,
                    &record.spec_sha256[..record.spec_sha256.len().min(16)],
                    if changed.is_empty() { String::new() } else { format!(" ({})", changed.join("; ")) }
                ));
                continue;
            }
        }
        let Some(environment) = &results.environment else { continue };
        let defaults = Defaults {
            pue: environment.pue.value,
            pue_declared: !environment.pue.is_default,
            intensity_g_per_kwh: environment.carbon_intensity.g_per_kwh,
            intensity_method: environment.carbon_intensity.method,
        };
        for figure in Derivation::of(declared, &defaults).metric_figures() {
            let Some(measurement) = record.measurement(figure.metric) else { continue };
            let agrees = measurement.unit == figure.unit
                && (measurement.value - figure.value).abs() <= 1e-9 * figure.value.abs().max(1e-300)
                && measurement.method == figure.method;
            if !agrees {
                problems.push(format!(
                    "`{}` {}: recorded {} {} ({}), its declared inputs give {} {} ({})",
                    candidate.name,
                    figure.metric,
                    measurement.value,
                    measurement.unit,
                    measurement.method,
                    figure.value,
                    figure.unit,
                    figure.method
                ));
            }
        }
    }
    problems
}

/// A value of the experiment file as written: `192`, not `192.0`.
fn show(value: &serde_json::Value) -> String {
    match value.as_f64() {
        Some(number) => plain(number),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use units::Method;

    fn declared(text: &str) -> DeclaredInputs {
        toml::from_str(text).expect("a declared table")
    }

    fn defaults(pue: Option<f64>, intensity: f64) -> Defaults {
        Defaults {
            pue: pue.unwrap_or(1.0),
            pue_declared: pue.is_some(),
            intensity_g_per_kwh: intensity,
            intensity_method: Method::Declared,
        }
    }

    #[test]
    fn bert_matches_only_with_79_2_hours() {
        // Strubell et al. 2019 Table 3, BERT base: 12,041.51 W x 79 h x 1.58 / 1000 =
        // 1,503.04 kWh (printed 1,507); x 432.727 g/kWh = 650.4 kg = 1,433.9 lb (printed
        // 1,438); 64 x 79 x $0.74 = $3,741.44 (printed 3,751); x $2.48 = $12,538.88 (printed
        // 12,571). Every figure is linear in the hours, so each printed figure +- 0.5 gives an
        // interval of hours: energy 1506.5..1507.5 / 19.02559 = [79.1828, 79.2354]; CO2e
        // 1437.5..1438.5 lb / 18.15025 lb/h = [79.19934, 79.25444]; low cost 3750.5..3751.5
        // / 47.36 = [79.1913, 79.2124]; high cost 12570.5..12571.5 / 158.72 = [79.19922,
        // 79.20552]. Together: [79.19934, 79.20552], which holds 3.3 days = 79.2 h and is
        // +0.25% from 79.
        let bert = declared(
            r#"hardware = "V100"
devices = 64
hours = { value = 79.2, printed = 79, note = "3.3 days" }
power_w = 12041.51
price_per_device_hour = [0.74, 2.48]
published = { energy_kwh_pue = 1507, co2_lb = 1438, cost_low_usd = 3751, cost_high_usd = 12571 }"#,
        );
        let r = reproduce("bert-base", &bert, &defaults(Some(1.58), 432.727));
        assert_eq!(r.checks.len(), 4);
        assert!(r.checks.iter().all(|c| c.verdict == Verdict::Corrected), "{:?}", r.checks);
        let energy = r.checks.iter().find(|c| c.key == "energy_kwh_pue").unwrap();
        assert!((energy.from_printed - 12_041.51 * 79.0 * 1.58 / 1000.0).abs() < 1e-9);
        assert!((energy.from_declared - 1506.8).abs() < 0.05);
        let joint = r.smallest_joint();
        assert_eq!(joint.len(), 1, "only the hours reconcile the costs too: {joint:?}");
        let hours = joint[0];
        assert_eq!(hours.input, "hours");
        let lb_per_hour = 12_041.51 * 1.58 * 432.727 / 1e6 / 0.453_592_37;
        assert!((hours.interval[0] - 1437.5 / lb_per_hour).abs() < 1e-8, "{:?}", hours.interval);
        assert!((hours.interval[1] - 12_571.5 / 158.72).abs() < 1e-8, "{:?}", hours.interval);
        assert_eq!(hours.to, hours.interval[0]);
        assert_eq!(hours.declared, Some(79.2));
        let sentence = r.sentence().unwrap();
        assert!(sentence.contains("`hours` 79 → 79.1993 h (+0.25%"), "{sentence}");
        assert!(sentence.contains("the experiment declares `hours` = 79.2 (3.3 days)"), "{sentence}");
    }

    #[test]
    fn gshard_follows_from_unrounded_days() {
        // Patterson et al. 2021 Table 4, GShard-600B: 1,024 x 3.1 d x 24 x 288 W x 1.09 =
        // 23,916.17 kWh (printed 24.1 MWh, -0.76%); gross x 0.201 = 4.807 t (printed 4.8:
        // exact); net x 0.177 = 4.233 t (printed 4.3, -1.56%). In the days, energy needs
        // 24.05..24.15 / 7.714993 MWh per day = [3.11735, 3.13031], gross 4.75..4.85 /
        // 1.550714 t per day = [3.06314, 3.12763], net 4.25..4.35 / 1.365554 = [3.11233,
        // 3.18556]: together [3.11735, 3.12763], +0.56% from 3.1 (which 3.117 still prints as).
        let gshard = declared(
            "devices = 1024
days = 3.1
device_power_w = 288
pue = 1.09
carbon_intensity = 201
             net_carbon_intensity = 177
published = { energy_mwh = 24.1, co2_t = 4.8, co2_net_t = 4.3 }",
        );
        let r = reproduce("gshard-600b", &gshard, &defaults(None, 475.0));
        let verdict = |key: &str| r.checks.iter().find(|c| c.key == key).unwrap().verdict;
        assert_eq!(verdict("energy_mwh"), Verdict::WithinOnePercent);
        assert_eq!(verdict("co2_t"), Verdict::Exact);
        assert_eq!(verdict("co2_net_t"), Verdict::BeyondOnePercent);
        let per_day = 1024.0 * 24.0 * 288.0 * 1.09 / 1e6;
        let days = r.smallest_joint().into_iter().find(|c| c.input == "days").expect("days reconcile");
        assert!((days.interval[0] - 24.05 / per_day).abs() < 1e-9, "{:?}", days.interval);
        assert!((days.interval[1] - 4.85 / (per_day * 0.201)).abs() < 1e-9, "{:?}", days.interval);
        assert!((days.relative() - (24.05 / per_day / 3.1 - 1.0)).abs() < 1e-9);
        // Devices, power and PUE tie with the days: each enters the figures the same way.
        let tied: Vec<&str> = r.smallest_joint().iter().map(|c| c.input.as_str()).collect();
        for input in ["days", "devices", "device_power_w", "pue"] {
            assert!(tied.contains(&input), "{tied:?}");
        }
        // The net intensity alone cannot move the energy.
        assert!(!r.joint.iter().any(|c| c.input == "net_carbon_intensity"));
    }

    #[test]
    fn the_lecture_figure_rests_on_its_price_and_throughput() {
        // 3.14e23 FLOPs / (28e12 x 3600) = 3,115,079.37 V100-hours x $1.50 = $4,672,619,
        // printed "$4.6M" (4.55M to 4.65M): +1.58%. The price that reconciles is at most
        // 4.65e6 / 3,115,079.37 = $1.49274 (-0.48%); the throughput at least
        // 3.14e23 x 1.5 / (4.65e6 x 3.6e15) = 28.1363 TFLOP/s (+0.49%); a utilisation
        // above 1 would be needed, which is not possible.
        let lambda = declared(
            "flops = 3.14e23
device_tflops = 28
price_per_device_hour = 1.5
             published = { cost_usd = { value = 4600000, resolution = 100000 } }",
        );
        let r = reproduce("lambda", &lambda, &defaults(None, 475.0));
        let cost = &r.checks[0];
        assert_eq!(cost.verdict, Verdict::BeyondOnePercent);
        assert!((cost.difference() - (4_672_619.047_6 / 4.6e6 - 1.0)).abs() < 1e-9);
        let by_input = |name: &str| r.joint.iter().find(|c| c.input.starts_with(name));
        let price = by_input("price_per_device_hour").unwrap();
        assert!((price.to - 4.65e6 / (3.14e23 / 28e12 / 3600.0)).abs() < 1e-9);
        assert!((by_input("device_tflops").unwrap().to - 3.14e23 * 1.5 / (4.65e6 * 3.6e15)).abs() < 1e-9);
        assert!(by_input("utilisation").is_none(), "a utilisation above 1 reconciles nothing");
        assert_eq!(r.smallest_joint().len(), 2, "price and FLOPs tie: {:?}", r.joint);
    }

    #[test]
    fn a_range_is_carried_to_the_printed_figure() {
        // 3.14e23 FLOPs at 24.6..28 TFLOP/s x $1.50: $4,672,619 to $5,318,265.
        let measured = declared(
            "flops = 3.14e23
device_tflops = { value = 24.6, range = [24.6, 28] }
price_per_device_hour = 1.5
             published = { cost_usd = { value = 4600000, resolution = 100000 } }",
        );
        let r = reproduce("measured", &measured, &defaults(None, 475.0));
        let [low, high] = r.checks[0].range.unwrap();
        assert!((low - 3.14e23 / 28e12 / 3600.0 * 1.5).abs() < 1e-6);
        assert!((high - 3.14e23 / 24.6e12 / 3600.0 * 1.5).abs() < 1e-6);
        assert_eq!(r.checks[0].within_range(), Some(false));
    }

    #[test]
    fn numbers_as_the_table_shows_them() {
        assert_eq!(precise(79.19912345), "79.1991");
        assert_eq!(precise(4_650_000.0), "4650000");
        assert_eq!(shown(1506.8123, 1.0), "1506.8");
        assert_eq!(shown(85.32787, 0.1), "85.33");
        assert_eq!(shown(4_672_619.0, 1e5), "4672619");
        assert_eq!(percent(-0.002683), "-0.27%");
        assert_eq!(percent(0.000012), "+0.0012%");
    }

    #[test]
    fn shares_and_pue_stay_feasible() {
        assert_eq!(feasible("utilisation (default)"), [0.0, 1.0]);
        assert_eq!(feasible("embodied.gpus.usage"), [0.0, 1.0]);
        assert_eq!(feasible("[environment] pue"), [1.0, f64::INFINITY]);
        assert_eq!(feasible("hours"), [0.0, f64::INFINITY]);
    }
}

//! Numbers as reports show them: four significant digits, no exponent for ordinary
//! magnitudes; a comparison's estimate with its unit, the method of the figures compared
//! and its interval's level; and why a figure is missing.

use units::Method;

use crate::compare::{Comparison, Scale};
use crate::{Analysis, SummaryRow};

pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs().log10().floor() as i32;
    if !(-4..7).contains(&magnitude) {
        return format!("{value:.3e}");
    }
    let decimals = (3 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

/// "0.8512 [0.849, 0.853]", "0.08178 [0.07978, 0.08592] (estimated)", "0.8512 (no CI)"
/// when no interval keeps its promise; the method is named unless it is `counter`, and
/// "≈[...]" marks an approximate interval.
pub fn with_interval(row: &SummaryRow) -> String {
    let method = |extra: &str| match (row.method == Method::Counter, extra.is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!(" ({extra})"),
        (false, true) => format!(" ({})", row.method),
        (false, false) => format!(" ({}, {extra})", row.method),
    };
    let text = match &row.interval {
        Ok(i) if i.low == i.high => format!("{}{}", number(row.value), method("")),
        Ok(i) => format!(
            "{} {}[{}, {}]{}",
            number(row.value),
            if i.approximate { "≈" } else { "" },
            number(i.low),
            number(i.high),
            method("")
        ),
        Err(_) => format!("{}{}", number(row.value), method("no CI")),
    };
    match row.model_range {
        // A declared figure's range comes from its inputs', not from a model's constants.
        Some([low, high]) if row.interval.as_ref().is_err_and(|e| e == crate::summary::DECLARED) => {
            format!("{text}; inputs' range {}–{}", number(low), number(high))
        }
        Some([low, high]) => format!("{text}; model {}–{}", number(low), number(high)),
        None => text,
    }
}

/// A level as a percentage: "95%", "96.5%".
pub fn percent(level: f64) -> String {
    let text = format!("{:.1}", level * 100.0);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// What a comparison's numbers are: a difference or a ratio of which metric, in which
/// unit, between figures obtained by which methods.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub ratio: bool,
    /// The metric compared, when the claim relates one metric only.
    pub metric: Option<String>,
    /// The unit a difference is in (none for ratios and dimensionless figures).
    pub unit: Option<&'static str>,
    /// The methods of the figures compared, sorted.
    pub methods: Vec<Method>,
}

impl Effect {
    /// The effect of a comparison of the figures `references` names (metric, candidate).
    pub fn of(analysis: &Analysis, references: &[(&str, &str)], comparison: &Comparison) -> Effect {
        let mut metrics: Vec<&str> = references.iter().map(|(m, _)| *m).collect();
        metrics.sort();
        metrics.dedup();
        let mut methods: Vec<Method> =
            references.iter().filter_map(|(m, c)| analysis.row(c, m)).map(|r| r.method).collect();
        methods.sort();
        methods.dedup();
        let ratio = matches!(comparison.scale, Scale::Ratio { .. });
        let metric = (metrics.len() == 1).then(|| metrics[0].to_string());
        let unit = metric
            .as_deref()
            .and_then(|m| analysis.results.experiment.metric(m))
            .map(|m| m.unit.symbol)
            .filter(|s| !ratio && !s.is_empty() && *s != "ratio");
        Effect { ratio, metric, unit, methods }
    }

    /// The effect of a claim's check (its references parsed from the check).
    pub fn of_claim(analysis: &Analysis, check: &str, comparison: &Comparison) -> Effect {
        let parsed = spec::Claim::parse(check).ok();
        let references: Vec<(&str, &str)> = parsed
            .as_ref()
            .map(|c| c.references().into_iter().map(|(m, c, _)| (m, c)).collect())
            .unwrap_or_default();
        Effect::of(analysis, &references, comparison)
    }

    /// "train_energy difference", "train_time ratio".
    pub fn kind(&self) -> String {
        let what = if self.ratio { "ratio" } else { "difference" };
        match &self.metric {
            Some(metric) => format!("{metric} {what}"),
            None => what.to_string(),
        }
    }

    /// A value of the effect with its unit: "-0.8784 J", "6.498×".
    pub fn value(&self, value: f64) -> String {
        match (self.ratio, self.unit) {
            (true, _) => format!("{}×", number(value)),
            (false, Some(unit)) => format!("{} {unit}", number(value)),
            (false, None) => number(value),
        }
    }

    /// The methods in words: "estimated", "counter and estimated".
    pub fn methods(&self) -> String {
        let names: Vec<&str> = self.methods.iter().map(|m| m.as_str()).collect();
        match names.as_slice() {
            [] => "method unknown".into(),
            [one] => (*one).to_string(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        }
    }

    /// The estimate, its interval, the figures' method, the interval's level and the test:
    /// "train_energy difference -0.8784 J [-1.444, -0.1117] (estimated; 90% interval,
    /// Wilcoxon signed-rank, n = 15)".
    pub fn words(&self, comparison: &Comparison) -> String {
        let test = format!("{}, n = {}", comparison.test.method, comparison.test.n);
        match comparison.shown_interval() {
            Ok(i) => format!(
                "{} {} [{}, {}] ({}; {} interval, {test})",
                self.kind(),
                self.value(comparison.shown_estimate()),
                number(i.low),
                number(i.high),
                self.methods(),
                percent(i.level)
            ),
            Err(reason) => format!(
                "{} {} ({}; no interval: {reason}; {test})",
                self.kind(),
                self.value(comparison.shown_estimate()),
                self.methods()
            ),
        }
    }
}

/// Why `candidate` has no `metric` figure: the reason its trials' records give (a metric
/// that does not apply to the learner), else that no successful trial measured it.
pub fn missing(analysis: &Analysis, candidate: &str, metric: &str) -> String {
    let prefix = format!("`{metric}` is n/a for");
    let ignored: Vec<&str> = analysis.ignored.iter().map(|(_, r)| r.sha256.as_str()).collect();
    let records: Vec<&record::Record> = analysis
        .results
        .records
        .iter()
        .filter(|r| r.candidate == candidate && r.status == record::Status::Ok)
        .filter(|r| !ignored.contains(&r.sha256.as_str()))
        .collect();
    if records.is_empty() {
        return "no successful trial".into();
    }
    records
        .iter()
        .flat_map(|r| r.notes.iter())
        .find_map(|note| {
            let rest = note.strip_prefix(&prefix)?;
            Some(rest.split_once(": ").map_or(rest.trim(), |(_, why)| why.trim()).to_string())
        })
        .unwrap_or_else(|| "no successful trial measured it".into())
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn four_significant_digits() {
        assert_eq!(number(0.851234), "0.8512");
        assert_eq!(number(1234.5678), "1235");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(0.00012345), "0.0001234");
        assert_eq!(number(123456789.0), "1.235e8");
    }
}

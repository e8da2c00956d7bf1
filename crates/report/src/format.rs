//! Numbers as reports show them: four significant digits, no exponent for ordinary
//! magnitudes.

use crate::SummaryRow;

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

/// "0.8512 [0.8490, 0.8530] (counter)", or "0.8512 (counter, no CI)" when no interval
/// keeps its promise; "≈[...]" marks an approximate one.
pub fn with_interval(row: &SummaryRow) -> String {
    let text = match &row.interval {
        Ok(i) if i.low == i.high => format!("{} ({})", number(row.value), row.method),
        Ok(i) => format!(
            "{} {}[{}, {}] ({})",
            number(row.value),
            if i.approximate { "≈" } else { "" },
            number(i.low),
            number(i.high),
            row.method
        ),
        Err(_) => format!("{} ({}, no CI)", number(row.value), row.method),
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

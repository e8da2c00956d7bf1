//! Claims: a small expression language over metric summaries, such as
//! `train_time[forest] >= 5 * train_time[tree]` or `accuracy[mlp] > accuracy[forest]`.
//!
//! Grammar: `claim = sum comparison sum`, `comparison = >= | <= | > | <`,
//! `sum = product (("+" | "-") product)*`, `product = factor (("*" | "/") factor)*`,
//! `factor = number | metric "[" candidate "]" | "(" sum ")" | "-" factor`.
//!
//! A claim is evaluated on each side's statistic and on its 95% confidence interval
//! (interval arithmetic). It *holds* when the intervals support it throughout, *fails*
//! when they contradict it throughout, and is *undecided* when they overlap the bound.

use std::fmt;
use std::ops::Range;

/// A parse or reference problem, at a byte range of the claim text.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimError {
    pub span: Range<usize>,
    pub message: String,
    pub expected: String,
}

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at column {} (expected {})", self.message, self.span.start + 1, self.expected)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Greater => ">",
            Comparison::GreaterEqual => ">=",
            Comparison::Less => "<",
            Comparison::LessEqual => "<=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Metric { metric: String, candidate: String, span: Range<usize> },
    Negate(Box<Expr>),
    Binary(Box<Expr>, char, Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub left: Expr,
    pub comparison: Comparison,
    pub right: Expr,
}

/// A value with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Interval {
    pub fn exact(value: f64) -> Self {
        Interval { value, low: value, high: value }
    }

    fn combine(self, other: Interval, op: char) -> Interval {
        let apply = |a: f64, b: f64| match op {
            '+' => a + b,
            '-' => a - b,
            '*' => a * b,
            _ => a / b,
        };
        let value = apply(self.value, other.value);
        match op {
            '+' => Interval { value, low: self.low + other.low, high: self.high + other.high },
            '-' => Interval { value, low: self.low - other.high, high: self.high - other.low },
            _ => {
                if op == '/' && other.low <= 0.0 && other.high >= 0.0 {
                    return Interval { value, low: f64::NEG_INFINITY, high: f64::INFINITY };
                }
                let corners = [
                    apply(self.low, other.low),
                    apply(self.low, other.high),
                    apply(self.high, other.low),
                    apply(self.high, other.high),
                ];
                Interval {
                    value,
                    low: corners.iter().copied().fold(f64::INFINITY, f64::min),
                    high: corners.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Holds,
    Fails,
    Undecided,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Fails => "fails",
            Verdict::Undecided => "undecided",
        }
    }
}

/// A claim checked against the figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub verdict: Verdict,
    pub left: Interval,
    pub right: Interval,
    pub comparison: Comparison,
}

impl Claim {
    pub fn parse(text: &str) -> Result<Claim, ClaimError> {
        let mut parser = Parser { text, position: 0 };
        let left = parser.sum()?;
        parser.skip_space();
        let comparison = parser.comparison()?;
        let right = parser.sum()?;
        parser.skip_space();
        if parser.position < text.len() {
            return Err(parser.error("unexpected text after the claim", "the end of the claim"));
        }
        Ok(Claim { left, comparison, right })
    }

    /// Every `metric[candidate]` reference, for checking that they exist.
    pub fn references(&self) -> Vec<(&str, &str, Range<usize>)> {
        let mut out = Vec::new();
        for side in [&self.left, &self.right] {
            collect(side, &mut out);
        }
        out
    }

    /// Evaluates the claim; `lookup` gives a metric's figure for a candidate.
    pub fn check(&self, lookup: &dyn Fn(&str, &str) -> Option<Interval>) -> Result<Checked, String> {
        let left = evaluate(&self.left, lookup)?;
        let right = evaluate(&self.right, lookup)?;
        let verdict = match self.comparison {
            Comparison::GreaterEqual if left.low >= right.high => Verdict::Holds,
            Comparison::GreaterEqual if left.high < right.low => Verdict::Fails,
            Comparison::Greater if left.low > right.high => Verdict::Holds,
            Comparison::Greater if left.high <= right.low => Verdict::Fails,
            Comparison::LessEqual if left.high <= right.low => Verdict::Holds,
            Comparison::LessEqual if left.low > right.high => Verdict::Fails,
            Comparison::Less if left.high < right.low => Verdict::Holds,
            Comparison::Less if left.low >= right.high => Verdict::Fails,
            _ => Verdict::Undecided,
        };
        Ok(Checked { verdict, left, right, comparison: self.comparison })
    }
}

fn collect<'a>(expr: &'a Expr, out: &mut Vec<(&'a str, &'a str, Range<usize>)>) {
    match expr {
        Expr::Number(_) => {}
        Expr::Metric { metric, candidate, span } => out.push((metric, candidate, span.clone())),
        Expr::Negate(inner) => collect(inner, out),
        Expr::Binary(a, _, b) => {
            collect(a, out);
            collect(b, out);
        }
    }
}

fn evaluate(expr: &Expr, lookup: &dyn Fn(&str, &str) -> Option<Interval>) -> Result<Interval, String> {
    match expr {
        Expr::Number(n) => Ok(Interval::exact(*n)),
        Expr::Metric { metric, candidate, .. } => {
            lookup(metric, candidate).ok_or_else(|| format!("no figure for {metric}[{candidate}]"))
        }
        Expr::Negate(inner) => {
            let v = evaluate(inner, lookup)?;
            Ok(Interval { value: -v.value, low: -v.high, high: -v.low })
        }
        Expr::Binary(a, op, b) => Ok(evaluate(a, lookup)?.combine(evaluate(b, lookup)?, *op)),
    }
}

struct Parser<'a> {
    text: &'a str,
    position: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.position..]
    }

    fn skip_space(&mut self) {
        let trimmed = self.rest().trim_start();
        self.position = self.text.len() - trimmed.len();
    }

    fn error(&self, message: &str, expected: &str) -> ClaimError {
        let end = self.rest().chars().next().map_or(self.position, |c| self.position + c.len_utf8());
        ClaimError {
            span: self.position..end.max(self.position),
            message: message.into(),
            expected: expected.into(),
        }
    }

    fn comparison(&mut self) -> Result<Comparison, ClaimError> {
        for (symbol, comparison) in [
            (">=", Comparison::GreaterEqual),
            ("<=", Comparison::LessEqual),
            (">", Comparison::Greater),
            ("<", Comparison::Less),
        ] {
            if self.rest().starts_with(symbol) {
                self.position += symbol.len();
                return Ok(comparison);
            }
        }
        Err(self.error("missing comparison", "`>=`, `<=`, `>` or `<`"))
    }

    fn sum(&mut self) -> Result<Expr, ClaimError> {
        let mut left = self.product()?;
        loop {
            self.skip_space();
            match self.rest().chars().next() {
                Some(op @ ('+' | '-')) => {
                    self.position += 1;
                    let right = self.product()?;
                    left = Expr::Binary(Box::new(left), op, Box::new(right));
                }
                _ => return Ok(left),
            }
        }
    }

    fn product(&mut self) -> Result<Expr, ClaimError> {
        let mut left = self.factor()?;
        loop {
            self.skip_space();
            match self.rest().chars().next() {
                Some(op @ ('*' | '/')) => {
                    self.position += 1;
                    let right = self.factor()?;
                    left = Expr::Binary(Box::new(left), op, Box::new(right));
                }
                _ => return Ok(left),
            }
        }
    }

    fn factor(&mut self) -> Result<Expr, ClaimError> {
        self.skip_space();
        let start = self.position;
        let Some(first) = self.rest().chars().next() else {
            return Err(self.error("the claim ends too early", "a number, `metric[candidate]` or `(`"));
        };
        if first == '(' {
            self.position += 1;
            let inner = self.sum()?;
            self.skip_space();
            if !self.rest().starts_with(')') {
                return Err(self.error("unclosed parenthesis", "`)`"));
            }
            self.position += 1;
            return Ok(inner);
        }
        if first == '-' {
            self.position += 1;
            return Ok(Expr::Negate(Box::new(self.factor()?)));
        }
        if first.is_ascii_digit() || first == '.' {
            let length = self
                .rest()
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E' || c == '_'))
                .unwrap_or(self.rest().len());
            let text = &self.rest()[..length];
            return match text.replace('_', "").parse::<f64>() {
                Ok(n) => {
                    self.position += length;
                    Ok(Expr::Number(n))
                }
                Err(_) => Err(ClaimError {
                    span: start..start + length,
                    message: format!("`{text}` is not a number"),
                    expected: "a number such as `5` or `1.5`".into(),
                }),
            };
        }
        if first.is_ascii_alphabetic() || first == '_' {
            let length = self
                .rest()
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(self.rest().len());
            let metric = self.rest()[..length].to_string();
            self.position += length;
            if !self.rest().starts_with('[') {
                return Err(self.error(
                    &format!("`{metric}` needs a candidate"),
                    &format!("`[` after `{metric}`, as in `{metric}[tree]`"),
                ));
            }
            self.position += 1;
            let Some(close) = self.rest().find(']') else {
                return Err(self.error("unclosed `[`", "a candidate name and `]`"));
            };
            let candidate = self.rest()[..close].trim().to_string();
            if candidate.is_empty() {
                return Err(self.error("empty candidate name", "a candidate name"));
            }
            self.position += close + 1;
            return Ok(Expr::Metric { metric, candidate, span: start..self.position });
        }
        Err(self.error(&format!("unexpected `{first}`"), "a number, `metric[candidate]` or `(`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(metric: &str, candidate: &str) -> Option<Interval> {
        match (metric, candidate) {
            ("train_time", "forest") => Some(Interval { value: 60.0, low: 55.0, high: 65.0 }),
            ("train_time", "tree") => Some(Interval { value: 10.0, low: 9.0, high: 11.0 }),
            ("accuracy", "mlp") => Some(Interval { value: 0.88, low: 0.87, high: 0.89 }),
            ("accuracy", "forest") => Some(Interval { value: 0.875, low: 0.872, high: 0.878 }),
            ("accuracy", "tree") => Some(Interval { value: 0.80, low: 0.79, high: 0.81 }),
            _ => None,
        }
    }

    fn verdict(text: &str) -> Verdict {
        Claim::parse(text).unwrap().check(&figures).unwrap().verdict
    }

    #[test]
    fn verdicts_follow_the_intervals() {
        // 55 >= 5 * 11 = 55: holds throughout.
        assert_eq!(verdict("train_time[forest] >= 5 * train_time[tree]"), Verdict::Holds);
        // 65 < 6 * 11 = 66 but 60 < 60? the intervals overlap the bound.
        assert_eq!(verdict("train_time[forest] >= 6 * train_time[tree]"), Verdict::Undecided);
        // At most 65 vs at least 8 * 9 = 72: fails throughout.
        assert_eq!(verdict("train_time[forest] >= 8 * train_time[tree]"), Verdict::Fails);
        // [0.87, 0.89] vs [0.872, 0.878]: overlap.
        assert_eq!(verdict("accuracy[mlp] > accuracy[forest]"), Verdict::Undecided);
        assert_eq!(verdict("accuracy[tree] < accuracy[forest] - 0.05"), Verdict::Holds);
        assert_eq!(verdict("(accuracy[forest] - accuracy[tree]) / accuracy[tree] > 0.05"), Verdict::Holds);
    }

    #[test]
    fn parse_errors_name_their_position() {
        let error = Claim::parse("accuracy[mlp] >> 1").unwrap_err();
        assert_eq!((error.span.start, error.message.as_str()), (15, "unexpected `>`"));
        let error = Claim::parse("accuracy > 0.8").unwrap_err();
        assert_eq!(error.span.start, 8);
        assert!(error.expected.contains("`[` after `accuracy`"), "{}", error.expected);
        let error = Claim::parse("accuracy[mlp] 0.8").unwrap_err();
        assert_eq!((error.span.start, error.message.as_str()), (14, "missing comparison"));
        let error = Claim::parse("(accuracy[mlp] > 0.8").unwrap_err();
        assert_eq!(error.message, "unclosed parenthesis");
        let error = Claim::parse("accuracy[mlp] > 0.8 extra").unwrap_err();
        assert_eq!(error.span.start, 20);
        assert_eq!(
            Claim::parse("accuracy[tree/max_depth=10] > 0.5").unwrap().references()[0].1,
            "tree/max_depth=10"
        );
    }

    #[test]
    fn a_missing_figure_is_reported() {
        let claim = Claim::parse("accuracy[knn] > 0.5").unwrap();
        assert_eq!(claim.check(&figures).unwrap_err(), "no figure for accuracy[knn]");
    }
}

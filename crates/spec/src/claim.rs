//! Claims: the expression language in which an experiment states what its results show,
//! such as `train_time[forest] >= 5 * train_time[tree]` or `accuracy[mlp] > accuracy[forest]`.
//!
//! Grammar: `claim = sum comparison sum`, `comparison = >= | <= | > | <`,
//! `sum = product (("+" | "-") product)*`, `product = factor (("*" | "/") factor)*`,
//! `factor = number | metric "[" candidate "]" | "(" sum ")" | "-" factor`.
//!
//! The grammar is part of the file format, so it lives here and `tradeoff check` reports
//! its errors at their column; deciding whether a claim holds is the report's job.

use std::fmt;
use std::ops::Range;

/// A parse problem, at a byte range of the claim text.
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

    /// Whether the claim says the left side is the larger one.
    pub fn left_larger(self) -> bool {
        matches!(self, Comparison::Greater | Comparison::GreaterEqual)
    }

    /// Whether equality satisfies the claim.
    pub fn admits_equality(self) -> bool {
        matches!(self, Comparison::GreaterEqual | Comparison::LessEqual)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Metric { metric: String, candidate: String, span: Range<usize> },
    Negate(Box<Expr>),
    Binary(Box<Expr>, char, Box<Expr>),
}

impl Expr {
    /// Evaluates with each `metric[candidate]` replaced by `lookup`'s value; `None` if a
    /// reference has no value.
    pub fn evaluate(&self, lookup: &mut dyn FnMut(&str, &str) -> Option<f64>) -> Option<f64> {
        match self {
            Expr::Number(n) => Some(*n),
            Expr::Metric { metric, candidate, .. } => lookup(metric, candidate),
            Expr::Negate(inner) => inner.evaluate(lookup).map(|v| -v),
            Expr::Binary(a, op, b) => {
                let (a, b) = (a.evaluate(lookup)?, b.evaluate(lookup)?);
                Some(match op {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    _ => a / b,
                })
            }
        }
    }

    /// `metric[candidate]` itself, when the expression is one reference.
    fn reference(&self) -> Option<(&str, &str)> {
        match self {
            Expr::Metric { metric, candidate, .. } => Some((metric, candidate)),
            _ => None,
        }
    }

    /// `c * metric[x]`, `metric[x] * c` or `metric[x] / c` as (reference, factor).
    fn scaled_reference(&self) -> Option<((&str, &str), f64)> {
        if let Some(reference) = self.reference() {
            return Some((reference, 1.0));
        }
        match self {
            Expr::Binary(a, '*', b) => match (a.as_ref(), b.as_ref()) {
                (Expr::Number(c), other) | (other, Expr::Number(c)) => other.reference().map(|r| (r, *c)),
                _ => None,
            },
            Expr::Binary(a, '/', b) => match b.as_ref() {
                Expr::Number(c) if *c != 0.0 => a.reference().map(|r| (r, 1.0 / c)),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A claim read as a ratio between two references: `numerator / denominator` compared
/// with `bound`. `a >= 5 * b`, `a / b >= 5` and `a > b` (bound 1) all read this way.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioForm {
    pub metric: String,
    pub numerator: String,
    pub denominator: String,
    pub bound: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub left: Expr,
    pub comparison: Comparison,
    pub right: Expr,
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

    /// The claim as a ratio of one metric between two candidates, when it has that shape.
    pub fn ratio_form(&self) -> Option<RatioForm> {
        // a / b cmp c
        if let (Expr::Binary(a, '/', b), Expr::Number(c)) = (&self.left, &self.right)
            && let (Some((m1, x)), Some((m2, y))) = (a.reference(), b.reference())
            && m1 == m2
            && x != y
        {
            return Some(RatioForm {
                metric: m1.to_string(),
                numerator: x.to_string(),
                denominator: y.to_string(),
                bound: *c,
            });
        }
        // k1 * a cmp k2 * b  ->  a / b cmp k2 / k1
        let ((m1, x), k1) = self.left.scaled_reference()?;
        let ((m2, y), k2) = self.right.scaled_reference()?;
        (m1 == m2 && x != y && k1 > 0.0 && k2 > 0.0).then(|| RatioForm {
            metric: m1.to_string(),
            numerator: x.to_string(),
            denominator: y.to_string(),
            bound: k2 / k1,
        })
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
    fn ratio_forms_are_recognised() {
        let form = |text: &str| Claim::parse(text).unwrap().ratio_form();
        let expected = |n: &str, d: &str, bound: f64| {
            Some(RatioForm { metric: "t".into(), numerator: n.into(), denominator: d.into(), bound })
        };
        assert_eq!(form("t[a] >= 5 * t[b]"), expected("a", "b", 5.0));
        assert_eq!(form("t[a] / t[b] >= 5"), expected("a", "b", 5.0));
        assert_eq!(form("2 * t[a] < t[b]"), expected("a", "b", 0.5));
        assert_eq!(form("t[a] > t[b]"), expected("a", "b", 1.0));
        assert_eq!(form("t[a] > t[b] + 1"), None);
        assert_eq!(form("t[a] > u[b]"), None);
        assert_eq!(form("t[a] > 3"), None);
    }

    #[test]
    fn expressions_evaluate_with_a_lookup() {
        let claim = Claim::parse("(t[a] - t[b]) / t[b] > 0.05").unwrap();
        let mut lookup = |_: &str, c: &str| Some(if c == "a" { 11.0 } else { 10.0 });
        assert_eq!(claim.left.evaluate(&mut lookup), Some(0.1));
        assert_eq!(claim.left.evaluate(&mut |_, _| None), None);
    }
}

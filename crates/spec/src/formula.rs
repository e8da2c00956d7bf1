//! Figures derived from declared inputs, kept symbolic: a figure is a sum of terms, each
//! a positive coefficient times a product of inputs raised to integer powers (in practice
//! +1 or -1). Every published figure the audits need has that shape (energy = power x
//! hours x PUE, device-hours = FLOPs / (throughput x utilisation), embodied = kg x
//! device-hours / lifetime, life cycle = operational + idle + embodied), and the shape
//! keeps three things exact, with no iteration and no approximation:
//!
//! - the value;
//! - the interval, when inputs carry ranges: every input is positive and every term is
//!   monotone in each input, so a term's extremes are at the ends of its inputs' ranges,
//!   and a sum of terms in which each input moves every term the same way has its
//!   extremes where the terms have theirs (an input raised to +1 in one term and -1 in
//!   another gives an outer bound, which is still a valid interval);
//! - the values of one input that bring a figure into a target interval, all others held:
//!   in that input the figure is `a + b x` or `a + c / x`, solved directly.

use std::ops::RangeInclusive;

/// A sum of terms over inputs numbered `0..n`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Formula {
    terms: Vec<Term>,
}

/// `coefficient x product of inputs[i]^power`.
#[derive(Debug, Clone, PartialEq)]
struct Term {
    coefficient: f64,
    /// (input, power), sorted by input, powers never 0.
    factors: Vec<(usize, i32)>,
}

impl Term {
    fn value(&self, values: &[f64]) -> f64 {
        self.factors.iter().fold(self.coefficient, |acc, &(i, p)| acc * values[i].powi(p))
    }

    fn power_of(&self, input: usize) -> i32 {
        self.factors.iter().find(|(i, _)| *i == input).map_or(0, |(_, p)| *p)
    }

    fn times(&self, other: &Term) -> Term {
        let mut factors = self.factors.clone();
        for &(i, p) in &other.factors {
            match factors.iter_mut().find(|(j, _)| *j == i) {
                Some(entry) => entry.1 += p,
                None => factors.push((i, p)),
            }
        }
        factors.retain(|(_, p)| *p != 0);
        factors.sort_unstable();
        Term { coefficient: self.coefficient * other.coefficient, factors }
    }
}

impl Formula {
    /// A constant.
    pub fn constant(value: f64) -> Formula {
        Formula { terms: vec![Term { coefficient: value, factors: Vec::new() }] }
    }

    /// One input, to the first power.
    pub fn input(index: usize) -> Formula {
        Formula { terms: vec![Term { coefficient: 1.0, factors: vec![(index, 1)] }] }
    }

    pub fn plus(&self, other: &Formula) -> Formula {
        let mut terms = self.terms.clone();
        terms.extend(other.terms.iter().cloned());
        Formula { terms }
    }

    pub fn times(&self, other: &Formula) -> Formula {
        let terms = self.terms.iter().flat_map(|a| other.terms.iter().map(move |b| a.times(b))).collect();
        Formula { terms }
    }

    pub fn scaled(&self, factor: f64) -> Formula {
        self.times(&Formula::constant(factor))
    }

    /// Division by a single term (a product of inputs); `None` for a sum, whose
    /// reciprocal is no sum of terms.
    pub fn divided_by(&self, other: &Formula) -> Option<Formula> {
        let [term] = other.terms.as_slice() else { return None };
        let reciprocal = Term {
            coefficient: 1.0 / term.coefficient,
            factors: term.factors.iter().map(|&(i, p)| (i, -p)).collect(),
        };
        Some(self.times(&Formula { terms: vec![reciprocal] }))
    }

    /// The inputs the figure depends on, in index order.
    pub fn inputs(&self) -> Vec<usize> {
        let mut inputs: Vec<usize> =
            self.terms.iter().flat_map(|t| t.factors.iter().map(|(i, _)| *i)).collect();
        inputs.sort_unstable();
        inputs.dedup();
        inputs
    }

    pub fn depends_on(&self, input: usize) -> bool {
        self.terms.iter().any(|t| t.power_of(input) != 0)
    }

    pub fn value(&self, values: &[f64]) -> f64 {
        self.terms.iter().map(|t| t.value(values)).sum()
    }

    /// The interval of the figure when input `i` lies anywhere in `ranges[i]` (all
    /// positive).
    pub fn interval(&self, ranges: &[[f64; 2]]) -> [f64; 2] {
        let mut low = 0.0;
        let mut high = 0.0;
        for term in &self.terms {
            let (mut l, mut h) = (term.coefficient, term.coefficient);
            for &(i, p) in &term.factors {
                let [a, b] = ranges[i];
                if p > 0 {
                    l *= a.powi(p);
                    h *= b.powi(p);
                } else {
                    l *= b.powi(p);
                    h *= a.powi(p);
                }
            }
            low += l;
            high += h;
        }
        [low, high]
    }

    /// The values of input `input` that put the figure in `target` (inclusive), every
    /// other input at `values`. `Ok(None)`: no positive value does; `Err`: the figure is
    /// not of the form `a + b x` or `a + c / x` in that input.
    pub fn solve(
        &self,
        input: usize,
        values: &[f64],
        target: RangeInclusive<f64>,
    ) -> Result<Option<[f64; 2]>, &'static str> {
        let (mut constant, mut linear, mut reciprocal) = (0.0, 0.0, 0.0);
        for term in &self.terms {
            let power = term.power_of(input);
            let rest = term
                .factors
                .iter()
                .filter(|(i, _)| *i != input)
                .fold(term.coefficient, |acc, &(i, p)| acc * values[i].powi(p));
            match power {
                0 => constant += rest,
                1 => linear += rest,
                -1 => reciprocal += rest,
                _ => return Err("the input appears squared"),
            }
        }
        let (low, high) = (*target.start() - constant, *target.end() - constant);
        let solution = match (linear != 0.0, reciprocal != 0.0) {
            (false, false) => return Ok((low <= 0.0 && high >= 0.0).then_some([0.0, f64::INFINITY])),
            (true, true) => return Err("the input appears both multiplied and divided"),
            // b x in [low, high]
            (true, false) => [low / linear, high / linear],
            // c / x in [low, high]: x in [c / high, c / low]
            (false, true) => {
                if high <= 0.0 {
                    return Ok(None);
                }
                [reciprocal / high, if low > 0.0 { reciprocal / low } else { f64::INFINITY }]
            }
        };
        let [a, b] = solution;
        let (a, b) = (a.max(0.0), b);
        Ok((b > 0.0 && a <= b).then_some([a, b]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_sums_and_quotients() {
        // energy kWh = power W x hours / 1000 x PUE; inputs: 0 power, 1 hours, 2 PUE.
        let energy = Formula::input(0).times(&Formula::input(1)).times(&Formula::input(2)).scaled(1e-3);
        assert!((energy.value(&[12_041.51, 79.2, 1.58]) - 12_041.51 * 79.2 * 1.58 / 1000.0).abs() < 1e-9);
        assert_eq!(energy.inputs(), vec![0, 1, 2]);
        // device-hours = FLOPs / (throughput x 3600): inputs 3 FLOPs, 4 FLOP/s.
        let hours = Formula::input(3).divided_by(&Formula::input(4).scaled(3600.0)).unwrap();
        assert!((hours.value(&[0.0, 0.0, 0.0, 3.14e23, 28e12]) - 3.14e23 / 28e12 / 3600.0).abs() < 1e-6);
        // x / x cancels.
        let one = Formula::input(0).divided_by(&Formula::input(0)).unwrap();
        assert!(one.inputs().is_empty());
        assert_eq!(one.value(&[5.0]), 1.0);
        // No division by a sum.
        assert!(Formula::input(0).divided_by(&Formula::input(0).plus(&Formula::input(1))).is_none());
    }

    #[test]
    fn intervals_follow_monotone_terms() {
        // x / y with x in [1, 2], y in [4, 8]: [1/8, 2/4].
        let ratio = Formula::input(0).divided_by(&Formula::input(1)).unwrap();
        assert_eq!(ratio.interval(&[[1.0, 2.0], [4.0, 8.0]]), [0.125, 0.5]);
        // x + 3 y with x in [1, 2], y in [1, 1]: [4, 5].
        let sum = Formula::input(0).plus(&Formula::input(1).scaled(3.0));
        assert_eq!(sum.interval(&[[1.0, 2.0], [1.0, 1.0]]), [4.0, 5.0]);
    }

    #[test]
    fn one_input_is_solved_for_a_target() {
        // Strubell et al. Table 3, BERT: 12,041.51 W x h x 1.58 / 1000 prints as 1,507 kWh,
        // so it lies in [1506.5, 1507.5]: h in [1506.5, 1507.5] / 19.0255858 = [79.1828, 79.2354].
        let energy = Formula::input(0).times(&Formula::input(1)).times(&Formula::input(2)).scaled(1e-3);
        let values = [12_041.51, 79.0, 1.58];
        let [low, high] = energy.solve(1, &values, 1506.5..=1507.5).unwrap().unwrap();
        let per_hour = 12_041.51 * 1.58 / 1000.0;
        assert!((low - 1506.5 / per_hour).abs() < 1e-9 && (high - 1507.5 / per_hour).abs() < 1e-9);
        assert!((low - 79.1828).abs() < 1e-4, "{low}");
        // Through a quotient: device-hours = 3.14e23 / (t x 3.6e15) in [3.0e6, 3.1e6] for t
        // (TFLOP/s) in [3.14e23 / 3.6e15 / 3.1e6, .. / 3.0e6] = [28.136, 29.074].
        let hours = Formula::input(0).divided_by(&Formula::input(1).scaled(3.6e15)).unwrap();
        let [low, high] = hours.solve(1, &[3.14e23, 28.0], 3.0e6..=3.1e6).unwrap().unwrap();
        assert!(
            (low - 3.14e23 / 3.6e15 / 3.1e6).abs() < 1e-9 && (high - 3.14e23 / 3.6e15 / 3.0e6).abs() < 1e-9
        );
        // A sum: a + b x with a = 10, b = 2, target [14, 16] -> x in [2, 3].
        let sum = Formula::constant(10.0).plus(&Formula::input(0).scaled(2.0));
        assert_eq!(sum.solve(0, &[1.0], 14.0..=16.0).unwrap(), Some([2.0, 3.0]));
        // Out of reach: the constant part alone exceeds the target.
        assert_eq!(sum.solve(0, &[1.0], 5.0..=6.0).unwrap(), None);
        // An input the figure does not depend on either already fits or never will.
        assert_eq!(sum.solve(1, &[1.0, 1.0], 11.0..=13.0).unwrap(), Some([0.0, f64::INFINITY]));
        assert_eq!(sum.solve(1, &[1.0, 1.0], 20.0..=21.0).unwrap(), None);
        // Squared inputs are refused, not approximated.
        let square = Formula::input(0).times(&Formula::input(0));
        assert!(square.solve(0, &[1.0], 4.0..=9.0).is_err());
    }
}

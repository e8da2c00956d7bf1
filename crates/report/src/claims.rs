//! Claims decided together: each claim's paired comparison gives one-sided p-values for
//! "holds" and for "fails"; Holm's step-down procedure over the experiment's claims
//! decides each family at `protocol.alpha`, so the chance that any "holds" is wrong is at
//! most alpha whatever the number of claims, and likewise for "fails". For any one claim
//! at most one of the two can be wrong. A claim without the evidence to decide (too few
//! trials, equal figures, a missing figure) is undecided, with the reason.

use spec::Claim;
use spec::model::ClaimSection;

use crate::compare::{Comparison, Evidence, Scale};
use crate::format::number;
use crate::stats::multiple::holm;

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

/// One claim checked.
#[derive(Debug, Clone)]
pub struct ClaimCheck {
    pub claim: ClaimSection,
    pub verdict: Verdict,
    pub comparison: Result<Comparison, String>,
    /// One-sided p-values for "holds" and "fails", and their Holm-adjusted values.
    pub p_holds: f64,
    pub p_fails: f64,
    pub adjusted_holds: f64,
    pub adjusted_fails: f64,
    /// Why it is undecided, or the figures that decided.
    pub reason: String,
}

/// Checks every claim of the experiment together.
pub fn check(claims: &[ClaimSection], evidence: &Evidence<'_>) -> Vec<ClaimCheck> {
    let alpha = evidence.alpha();
    let evaluated: Vec<(Result<Comparison, String>, bool)> = claims
        .iter()
        .map(|section| match Claim::parse(&section.check) {
            Err(error) => (Err(error.to_string()), true),
            Ok(claim) => (evidence.claim(&claim, &section.check), claim.comparison.left_larger()),
        })
        .collect();
    let p = |holds: bool| -> Vec<f64> {
        evaluated
            .iter()
            .map(|(c, larger)| c.as_ref().map_or(1.0, |c| c.p(if holds { *larger } else { !*larger })))
            .collect()
    };
    let (p_holds, p_fails) = (p(true), p(false));
    let (adjusted_holds, adjusted_fails) = (holm(&p_holds), holm(&p_fails));
    claims
        .iter()
        .zip(evaluated)
        .enumerate()
        .map(|(i, (claim, (comparison, _)))| {
            let (verdict, reason) = match &comparison {
                Err(reason) => (Verdict::Undecided, reason.clone()),
                Ok(c) if c.identical => (
                    Verdict::Undecided,
                    "the two sides are equal in every paired trial: no difference to test".to_string(),
                ),
                Ok(_) if adjusted_holds[i] <= alpha => (Verdict::Holds, String::new()),
                Ok(_) if adjusted_fails[i] <= alpha => (Verdict::Fails, String::new()),
                Ok(c) => (
                    Verdict::Undecided,
                    undecided_reason(
                        c,
                        p_holds[i].min(p_fails[i]),
                        adjusted_holds[i].min(adjusted_fails[i]),
                        alpha,
                    ),
                ),
            };
            ClaimCheck {
                claim: claim.clone(),
                verdict,
                comparison,
                p_holds: p_holds[i],
                p_fails: p_fails[i],
                adjusted_holds: adjusted_holds[i],
                adjusted_fails: adjusted_fails[i],
                reason,
            }
        })
        .collect()
}

fn undecided_reason(comparison: &Comparison, p: f64, adjusted: f64, alpha: f64) -> String {
    if let Err(reason) = &comparison.test.interval
        && p > alpha
    {
        return reason.clone();
    }
    let bound = match comparison.scale {
        Scale::Difference => "0".to_string(),
        Scale::Ratio { bound } => number(bound),
    };
    if p <= alpha {
        format!(
            "p = {} but {} after Holm's correction for the experiment's claims",
            number(p),
            number(adjusted)
        )
    } else {
        format!("the evidence does not separate it from {bound}: p = {} > {alpha}", number(p))
    }
}

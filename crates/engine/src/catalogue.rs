//! What this build can run, assembled from the learner crates and the built-in datasets,
//! in the form the spec validator consults.

use learn::LearnerKind;
use spec::{Catalogue, DatasetEntry, Diagnostic, LearnerEntry, ParamProblem};

/// How to get the torch learners into a build that lacks them.
pub const TORCH_HINT: &str =
    "this binary was built without libtorch: run `just setup` once, then `just build` (cargo build --release --features torch)";

/// Every learner kind this build has.
pub fn learner_kinds() -> Vec<LearnerKind> {
    let mut kinds = learn::native_learners();
    kinds.extend(torch::learners());
    kinds
}

pub fn find_kind(name: &str) -> Option<LearnerKind> {
    learner_kinds().into_iter().find(|k| k.name == name)
}

/// The catalogue for `tradeoff check` and planning.
pub fn catalogue() -> Catalogue {
    let mut learners: Vec<LearnerEntry> = learner_kinds()
        .into_iter()
        .map(|kind| LearnerEntry {
            name: kind.name.to_string(),
            unavailable: None,
            accepts_device: kind.accepts_device,
            params: kind.params.iter().map(|p| p.to_string()).collect(),
            check: Box::new(move |params| match (kind.build)(params, "cpu") {
                Ok(_) => Vec::new(),
                Err(errors) => errors
                    .into_iter()
                    .map(|e| ParamProblem { param: e.param, message: e.message, expected: e.expected })
                    .collect(),
            }),
        })
        .collect();
    for name in torch::LEARNER_NAMES {
        if !learners.iter().any(|l| l.name == *name) {
            learners.push(LearnerEntry {
                name: name.to_string(),
                unavailable: Some(TORCH_HINT.to_string()),
                accepts_device: true,
                params: Vec::new(),
                check: Box::new(|_| Vec::new()),
            });
        }
    }
    let datasets = data::builtin::BUILTINS
        .iter()
        .map(|(name, official_split)| DatasetEntry { name: name.to_string(), official_split: *official_split })
        .collect();
    Catalogue { learners, datasets, checks: vec![Box::new(check_region)], permissive: false }
}

/// The carbon intensity region must be in the shipped table.
fn check_region(file: &spec::model::ExperimentFile, spans: &spec::structure::SpanIndex) -> Vec<Diagnostic> {
    let Some(spec::model::CarbonIntensity::Region(code)) = &file.environment.carbon_intensity else {
        return Vec::new();
    };
    if meter::footprint::lookup_region(code).is_some() {
        return Vec::new();
    }
    let path = spec::structure::Path::root().key("environment").key("carbon_intensity");
    let table = meter::footprint::carbon_table();
    let codes: Vec<&str> = table.iter().map(|r| r.code.as_str()).collect();
    vec![
        Diagnostic::new("spec::unknown-region", spans.value(&path), format!("unknown region `{code}`"))
            .expected("a code from the shipped table (a country such as `DE`, a US state such as `US-VA`, `gcp:europe-west9`, `aws:us-east-1`, `WORLD`) or g CO2e/kWh as a number")
            .found(format!("`{code}`"))
            .maybe_help(spec::did_you_mean(code, codes.iter().copied())),
    ]
}

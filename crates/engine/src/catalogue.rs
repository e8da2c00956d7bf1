//! What this build can run, assembled from the learner crates and the built-in datasets,
//! in the form the spec validator consults.

use spec::{Catalogue, DatasetEntry, Diagnostic, LearnerEntry, ParamProblem};

/// How to get the torch learners into a build that lacks them.
pub const TORCH_HINT: &str = "the torch learners run in the `tradeoff-torch` worker, which is not beside this binary: \
     run `just build` (it sets up libtorch with `just setup` and builds both binaries)";

/// The worker binary that runs torch learners, beside `exe`.
pub fn torch_worker(exe: &std::path::Path) -> std::path::PathBuf {
    exe.with_file_name("tradeoff-torch")
}

/// Whether a learner runs in the torch worker.
pub fn is_torch(learner: &str) -> bool {
    learner.starts_with("torch.")
}

/// The catalogue for `tradeoff check` and planning.
pub fn catalogue() -> Catalogue {
    let mut learners: Vec<LearnerEntry> = learn::native_learners()
        .into_iter()
        .map(|kind| LearnerEntry {
            name: kind.name.to_string(),
            unavailable: None,
            accepts_device: kind.accepts_device,
            params: kind.params.iter().map(|p| p.to_string()).collect(),
            check: Box::new(move |params| {
                (kind.build)(params, "cpu").err().map(problems).unwrap_or_default()
            }),
        })
        .collect();
    let worker_present = std::env::current_exe().map(|exe| torch_worker(&exe).is_file()).unwrap_or(false);
    for entry in torch::entries() {
        learners.push(LearnerEntry {
            name: entry.name.to_string(),
            unavailable: (!worker_present).then(|| TORCH_HINT.to_string()),
            accepts_device: true,
            params: entry.params.iter().map(|p| p.to_string()).collect(),
            check: Box::new(move |params| problems((entry.check)(params))),
        });
    }
    let datasets = data::builtin::BUILTINS
        .iter()
        .map(|(name, official_split)| DatasetEntry {
            name: name.to_string(),
            official_split: *official_split,
        })
        .collect();
    Catalogue { learners, datasets, checks: vec![Box::new(check_region)], permissive: false }
}

/// A learner's parameter errors in the validator's terms.
fn problems(errors: Vec<learn::ParamError>) -> Vec<ParamProblem> {
    errors
        .into_iter()
        .map(|e| ParamProblem { param: e.param, message: e.message, expected: e.expected })
        .collect()
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

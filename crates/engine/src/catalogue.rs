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
            accepts_missing: kind.accepts_missing,
            params: kind.params.iter().map(|p| p.to_string()).collect(),
            any_params: false,
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
            accepts_missing: false,
            params: entry.params.iter().map(|p| p.to_string()).collect(),
            any_params: false,
            check: Box::new(move |params| problems((entry.check)(params))),
        });
    }
    learners.push(LearnerEntry {
        name: crate::command::LEARNER.to_string(),
        unavailable: None,
        accepts_device: true,
        // The command gets NaN for a missing value and decides what to do with it.
        accepts_missing: true,
        params: Vec::new(),
        any_params: true,
        check: Box::new(|_| Vec::new()),
    });
    let datasets = data::builtin::BUILTINS
        .iter()
        .map(|(name, official_split)| DatasetEntry {
            name: name.to_string(),
            official_split: *official_split,
        })
        .collect();
    Catalogue {
        learners,
        datasets,
        checks: vec![Box::new(check_region)],
        dataset_check: Some(Box::new(check_data_file)),
        command_check: Some(Box::new(check_command)),
        permissive: false,
    }
}

/// How a table file becomes a dataset, in the data crate's terms (none for built-ins).
pub fn table_options(dataset: &spec::DatasetRef) -> Option<data::TableOptions> {
    let target = dataset.target.as_ref()?;
    Some(data::TableOptions {
        target: target.clone(),
        drop: dataset.drop.clone(),
        categorical: match dataset.categorical {
            spec::model::CategoricalEncoding::Onehot => data::Categorical::OneHot,
            spec::model::CategoricalEncoding::Native => data::Categorical::Native,
        },
        header: dataset.header,
        columns: dataset.columns.clone(),
        separator: match dataset.separator {
            spec::FieldSeparator::Byte(byte) => data::Separator::Byte(byte),
            spec::FieldSeparator::Whitespace => data::Separator::Whitespace,
        },
        comment: dataset.comment.clone(),
        na_values: dataset.na_values.clone(),
        missing: missing_policy(dataset.missing),
        target_map: dataset.target_map.clone(),
        categorical_ok: dataset.categorical_ok.clone(),
        max_categorical_share: dataset.max_categorical_share,
        protected: dataset.protected.clone(),
    })
}

pub fn missing_policy(policy: spec::model::MissingPolicy) -> data::Missing {
    match policy {
        spec::model::MissingPolicy::Error => data::Missing::Error,
        spec::model::MissingPolicy::Native => data::Missing::Native,
        spec::model::MissingPolicy::Impute => data::Missing::Impute,
    }
}

/// Opens a table file cheaply (its header and first rows): a missing file, an unreadable
/// first rows, or a column named in `[dataset]` that the file lacks is a diagnostic at the
/// key that names it, with did-you-mean over the real columns.
fn check_data_file(dataset: &spec::DatasetRef, spans: &spec::structure::SpanIndex) -> Vec<Diagnostic> {
    let spec::DatasetLocation::File { path, format } = &dataset.location else { return Vec::new() };
    let Some(options) = table_options(dataset) else { return Vec::new() };
    let section = spec::structure::Path::root().key("dataset");
    let format = match format {
        spec::model::TableFormat::Csv => data::Format::Csv,
        spec::model::TableFormat::Parquet => data::Format::Parquet,
    };
    let mut diagnostics = Vec::new();
    let mut columns = None;
    for (key, file) in [("path", Some(path)), ("test_path", dataset.test_path.as_ref())] {
        let Some(file) = file else { continue };
        let span = spans.value(&section.key(key));
        let problem = match std::fs::metadata(file) {
            Err(error) => Some(format!("cannot open `{}`: {error}", file.display())),
            Ok(metadata) if !metadata.is_file() => {
                Some(format!("`{}` is not a regular file", file.display()))
            }
            Ok(_) => match data::tabular::peek(file, format, &options, 100) {
                Ok(names) => {
                    columns.get_or_insert(names);
                    None
                }
                Err(error) => Some(error.to_string()),
            },
        };
        if let Some(problem) = problem {
            diagnostics.push(
                Diagnostic::new("spec::unreadable-data", span, "the data file cannot be used")
                    .expected("a readable table file (the path is relative to the experiment file's folder)")
                    .found(problem),
            );
        }
    }
    let Some(columns) = columns else { return diagnostics };
    let known = || columns.iter().map(String::as_str);
    let mut unknown = |name: &str, span: std::ops::Range<usize>| {
        if !columns.iter().any(|c| c == name) {
            diagnostics.push(
                Diagnostic::new("spec::unknown-column", span, format!("the data has no column `{name}`"))
                    .expected(format!("one of the file's columns: {}", spec::one_of(known())))
                    .found(format!("`{name}`"))
                    .maybe_help(spec::did_you_mean(name, known())),
            );
        }
    };
    if let Some(target) = &dataset.target {
        unknown(target, spans.value(&section.key("target")));
    }
    for key in ["drop", "protected", "categorical_ok"] {
        let names = match key {
            "drop" => &dataset.drop,
            "protected" => &dataset.protected,
            _ => &dataset.categorical_ok,
        };
        for (i, name) in names.iter().enumerate() {
            unknown(name, spans.value(&section.key(key).index(i)));
        }
    }
    diagnostics
}

/// A `command` candidate's program must be found and executable where trials run it.
fn check_command(command: &spec::CommandSpec, span: std::ops::Range<usize>) -> Option<Diagnostic> {
    let program = &command.argv[0];
    match crate::command::resolve_program(program, &command.dir) {
        Ok(_) => None,
        Err(problem) => Some(
            Diagnostic::new("spec::command-not-found", span, format!("cannot run `{program}`"))
                .expected(if program.contains('/') {
                    "an executable file (a relative path resolves against the experiment file's folder)"
                } else {
                    "a program on PATH, or a path to an executable file"
                })
                .found(problem),
        ),
    }
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

//! Experiment files: the serde model of the TOML format, validation that reports every
//! problem with `file:line:col`, sweep expansion, and the JSON Schema export.
//!
//! Loading runs three passes over one file and keeps going after each problem:
//! TOML syntax, then structure (the schema generated from [`model`], see [`structure`]),
//! then meaning ([`validate`], with the [`Catalogue`] of what the build can run). Only a
//! file with no problems becomes an [`Experiment`].

mod catalogue;
pub mod claim;
pub mod declared;
mod device;
mod diagnostic;
mod experiment;
pub mod formula;
mod metrics;
pub mod model;
mod source;
pub mod structure;
mod validate;

use std::path::Path as FsPath;

use sha2::{Digest, Sha256};

pub use catalogue::{
    Catalogue, CommandCheck, DatasetCheck, DatasetEntry, FileCheck, LearnerEntry, ParamCheck, ParamProblem,
};
pub use claim::{Claim, ClaimError, Comparison, Expr, RatioForm};
pub use device::Device;
pub use diagnostic::{Diagnostic, FileDiagnostics, did_you_mean, one_of};
pub use experiment::{
    Candidate, CommandSpec, DatasetLocation, DatasetRef, Evaluation, Execution, Experiment, FieldSeparator,
    MetricRequest, Protocol, SlurmOptions,
};
pub use metrics::{Direction, METRICS, MetricInfo, metric_info};
pub use source::{Position, SourceFile};
pub use validate::expand;

/// Why a file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{path}`: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{}", .0.render())]
    Invalid(Box<FileDiagnostics>),
}

/// Reads and validates an experiment file. `display_name` is how diagnostics name it.
pub fn load(path: &FsPath, catalogue: &Catalogue) -> Result<Experiment, LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| LoadError::Io { path: path.display().to_string(), source })?;
    parse(SourceFile::new(path.display().to_string(), text), path, catalogue)
        .map_err(|d| LoadError::Invalid(Box::new(d)))
}

/// Validates experiment text; `path` locates relative dataset paths.
pub fn parse(
    source: SourceFile,
    path: &FsPath,
    catalogue: &Catalogue,
) -> Result<Experiment, FileDiagnostics> {
    let fail = |source: SourceFile, mut diagnostics: Vec<Diagnostic>| {
        diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
        FileDiagnostics { file: source, diagnostics }
    };
    let (document, syntax_errors) = toml::de::DeTable::parse_recoverable(&source.text);
    if !syntax_errors.is_empty() {
        let diagnostics = syntax_errors
            .iter()
            .map(|error| {
                let span = error.span().unwrap_or(0..0);
                Diagnostic::new("spec::syntax", span, "invalid TOML")
                    .expected("valid TOML (https://toml.io)")
                    .found(error.message().trim_end_matches('\n').to_string())
            })
            .collect();
        return Err(fail(source, diagnostics));
    }
    let schema = schema_value();
    let structure = structure::check(&document, &schema);
    let spans = structure.spans.clone();
    let mut diagnostics = structure.diagnostics;
    // Read on without what the structural check rejected, so the meaning of the rest is
    // checked in the same pass; if even that cannot be read, stop here.
    let readable = if diagnostics.is_empty() {
        toml::from_str::<model::ExperimentFile>(&source.text).map_err(|e| (e.span(), e.message().to_string()))
    } else {
        structure::pruned(&document, &structure.rejected)
            .try_into::<model::ExperimentFile>()
            .map_err(|e| (None, e.message().to_string()))
    };
    let file = match readable {
        Ok(file) => file,
        Err(_) if !diagnostics.is_empty() => return Err(fail(source, diagnostics)),
        Err((span, message)) => {
            let diagnostic =
                Diagnostic::new("spec::invalid", span.unwrap_or(0..0), "invalid experiment file")
                    .expected("a value the schema admits")
                    .found(message.trim_end_matches('\n').to_string());
            return Err(fail(source, vec![diagnostic]));
        }
    };
    let directory = path.parent().unwrap_or(FsPath::new("."));
    let (resolved, problems) = validate::validate(&file, &spans, catalogue, directory);
    diagnostics.extend(problems);
    for check in &catalogue.checks {
        diagnostics.extend(check(&file, &spans));
    }
    // The data is opened only when the rest of the file is sound: a typo elsewhere should
    // not cost a read of a large table.
    if diagnostics.is_empty()
        && let Some(check) = &catalogue.dataset_check
        && let Some(dataset) = resolved.as_ref().and_then(|r| r.dataset.as_ref())
    {
        diagnostics.extend(check(dataset, &spans));
    }
    let resolved = match resolved {
        Some(resolved) if diagnostics.is_empty() => resolved,
        _ => return Err(fail(source, diagnostics)),
    };
    let spec_sha256 = hex::encode(Sha256::digest(source.text.as_bytes()));
    Ok(Experiment {
        spans,
        path: path.to_path_buf(),
        spec_sha256,
        name: file.experiment.name.clone(),
        seed: file.experiment.seed,
        depends_on: file.experiment.depends_on.clone(),
        dataset: resolved.dataset,
        protocol: resolved.protocol,
        candidates: resolved.candidates,
        metrics: resolved.metrics,
        execution: resolved.execution,
        file,
        source,
    })
}

/// The JSON Schema of experiment files, as a JSON value.
pub fn schema_value() -> serde_json::Value {
    schemars::schema_for!(model::ExperimentFile).to_value()
}

/// The JSON Schema of experiment files, as committed to `schemas/experiment.schema.json`.
pub fn schema_json() -> String {
    let mut text = serde_json::to_string_pretty(&schema_value()).expect("a schema serializes");
    text.push('\n');
    text
}

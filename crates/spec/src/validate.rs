//! Semantic checks on a structurally valid file, and the construction of the validated
//! [`Experiment`]: names that must exist, keys that exclude each other, sweeps that must
//! not be empty, hyperparameters checked by their learner. Every problem is collected.

use std::collections::HashMap;
use std::path::Path as FsPath;

use serde_json::{Map, Value};

use crate::catalogue::Catalogue;
use crate::claim::Claim;
use crate::device::Device;
use crate::diagnostic::{Diagnostic, did_you_mean, one_of};
use crate::experiment::{
    Candidate, DatasetLocation, DatasetRef, Evaluation, Execution, FieldSeparator, MetricRequest, Protocol,
    SlurmOptions,
};
use crate::metrics::{METRICS, metric_info};
use crate::model::{
    CategoricalEncoding, ExperimentFile, Isolation, MissingPolicy, PriorityMethod, SplitKind, Statistic,
    TableFormat,
};
use crate::structure::{Path, SpanIndex};

/// The parts of an [`crate::Experiment`] that validation resolves.
pub(crate) struct Resolved {
    pub dataset: Option<DatasetRef>,
    pub protocol: Protocol,
    pub candidates: Vec<Candidate>,
    pub metrics: Vec<MetricRequest>,
    pub execution: Execution,
}

pub(crate) fn validate(
    file: &ExperimentFile,
    spans: &SpanIndex,
    catalogue: &Catalogue,
    experiment_dir: &FsPath,
) -> (Option<Resolved>, Vec<Diagnostic>) {
    let mut v = Validator { spans, catalogue, diagnostics: Vec::new() };
    v.experiment(file);
    let dataset = v.dataset(file, experiment_dir);
    let protocol = v.protocol(file);
    let candidates = v.candidates(file, experiment_dir);
    let metrics = v.metrics(file, &protocol);
    v.references(file, &candidates, &metrics);
    let execution = v.execution(file);
    if v.diagnostics.is_empty() {
        (Some(Resolved { dataset, protocol, candidates, metrics, execution }), Vec::new())
    } else {
        (None, v.diagnostics)
    }
}

struct Validator<'a> {
    spans: &'a SpanIndex,
    catalogue: &'a Catalogue,
    diagnostics: Vec<Diagnostic>,
}

fn root() -> Path {
    Path::root()
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

impl Validator<'_> {
    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn at(&self, path: &Path) -> std::ops::Range<usize> {
        self.spans.value(path)
    }

    fn experiment(&mut self, file: &ExperimentFile) {
        let path = root().key("experiment").key("name");
        if !is_name(&file.experiment.name) {
            self.push(
                Diagnostic::new(
                    "spec::invalid-name",
                    self.at(&path),
                    "the experiment name cannot name a folder",
                )
                .expected("letters, digits, `-`, `_` or `.`, starting with a letter or digit")
                .found(format!("`{}`", file.experiment.name)),
            );
        }
        for (i, dependency) in file.experiment.depends_on.iter().enumerate() {
            if dependency == &file.experiment.name {
                let path = root().key("experiment").key("depends_on").index(i);
                self.push(
                    Diagnostic::new("plan::cycle", self.at(&path), "an experiment cannot depend on itself")
                        .expected("the name of another experiment")
                        .found(format!("`{dependency}`")),
                );
            }
        }
    }

    fn dataset(&mut self, file: &ExperimentFile, experiment_dir: &FsPath) -> Option<DatasetRef> {
        let section_path = root().key("dataset");
        let Some(dataset) = &file.dataset else {
            if file.candidates.iter().any(|c| c.declared.is_none()) {
                self.push(
                    Diagnostic::new("spec::missing-key", 0..0, "missing table `[dataset]`")
                        .expected("a `[dataset]` table: candidates that run need data")
                        .found("nothing")
                        .help("add `[dataset]` with `source = \"digits\"`, or give every candidate `declared` figures"),
                );
            }
            return None;
        };
        let given: Vec<&str> = [
            dataset.source.as_ref().map(|_| "source"),
            dataset.path.as_ref().map(|_| "path"),
            dataset.url.as_ref().map(|_| "url"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if given.len() != 1 {
            let span = match given.get(1) {
                Some(second) => self.spans.key(&section_path.key(second)),
                None => self.spans.key(&section_path),
            };
            self.push(
                Diagnostic::new("spec::dataset-location", span, "the dataset needs exactly one location")
                    .expected("one of `source`, `path` or `url`")
                    .found(if given.is_empty() { "none".to_string() } else { one_of(given.iter().copied()) }),
            );
            return None;
        }
        let format_of = |name: &str| -> Option<TableFormat> {
            dataset.format.or_else(|| {
                let lower = name.to_ascii_lowercase();
                if lower.ends_with(".csv") || lower.ends_with(".csv.gz") || lower.ends_with(".data") {
                    Some(TableFormat::Csv)
                } else if lower.ends_with(".parquet") || lower.ends_with(".pq") {
                    Some(TableFormat::Parquet)
                } else {
                    None
                }
            })
        };
        let location = if let Some(source) = &dataset.source {
            if self.catalogue.dataset(source).is_none() && !self.catalogue.permissive {
                let known: Vec<&str> = self.catalogue.datasets.iter().map(|d| d.name.as_str()).collect();
                self.push(
                    Diagnostic::new(
                        "spec::unknown-dataset",
                        self.at(&section_path.key("source")),
                        format!("unknown built-in dataset `{source}`"),
                    )
                    .expected(one_of(known.iter().copied()))
                    .found(format!("`{source}`"))
                    .maybe_help(did_you_mean(source, known.iter().copied()))
                    .help_or("or use `path = \"...\"` for a CSV or Parquet file"),
                );
                return None;
            }
            DatasetLocation::Builtin { name: source.clone() }
        } else {
            let (key, name) = match (&dataset.path, &dataset.url) {
                (Some(path), _) => ("path", path),
                (None, Some(url)) => ("url", url),
                (None, None) => unreachable!("exactly one location was given"),
            };
            let Some(format) = format_of(name) else {
                self.push(
                    Diagnostic::new(
                        "spec::dataset-format",
                        self.at(&section_path.key(key)),
                        "cannot tell the file format from its name",
                    )
                    .expected("a name ending in `.csv` or `.parquet`, or `format = \"csv\"`")
                    .found(format!("`{name}`")),
                );
                return None;
            };
            if dataset.target.is_none() {
                self.push(
                    Diagnostic::new(
                        "spec::missing-key",
                        self.spans.key(&section_path),
                        "a table needs a target column",
                    )
                    .expected("`target = \"<column>\"` in `[dataset]`")
                    .found("nothing"),
                );
            }
            if key == "path" {
                let path = self.local_path(name, &section_path.key("path"), experiment_dir)?;
                DatasetLocation::File { path, format }
            } else {
                match &dataset.sha256 {
                    Some(sha) if sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()) => {
                        DatasetLocation::Url { url: name.clone(), sha256: sha.to_ascii_lowercase(), format }
                    }
                    Some(sha) => {
                        self.push(
                            Diagnostic::new(
                                "spec::invalid-checksum",
                                self.at(&section_path.key("sha256")),
                                "not a SHA-256",
                            )
                            .expected("64 hexadecimal digits")
                            .found(format!("`{sha}` ({} characters)", sha.len())),
                        );
                        return None;
                    }
                    None => {
                        self.push(
                            Diagnostic::new(
                                "spec::missing-key",
                                self.spans.key(&section_path.key("url")),
                                "a download needs its checksum",
                            )
                            .expected("`sha256 = \"<64 hex digits>\"` next to `url`")
                            .found("nothing"),
                        );
                        return None;
                    }
                }
            }
        };
        Some(DatasetRef {
            location,
            target: dataset.target.clone(),
            drop: dataset.drop.clone(),
            categorical: dataset.categorical.unwrap_or(CategoricalEncoding::Onehot),
            subsample: dataset.subsample,
            test_path: self.test_path(dataset, experiment_dir),
            header: self.header(dataset),
            columns: dataset.columns.clone(),
            separator: self.separator(dataset),
            comment: dataset.comment.clone().filter(|c| !c.is_empty()),
            na_values: dataset.na_values.clone().unwrap_or_else(|| vec![String::new(), "NA".into()]),
            missing: dataset.missing.unwrap_or(MissingPolicy::Error),
            target_map: dataset.target_map.clone(),
            categorical_ok: dataset.categorical_ok.clone(),
            max_categorical_share: dataset.max_categorical_share.unwrap_or(0.5),
            protected: dataset.protected.clone(),
            min_group_size: dataset.min_group_size.unwrap_or(30),
            positive: dataset.positive.clone(),
        })
    }

    /// The separate test file, only beside a local table.
    fn test_path(
        &mut self,
        dataset: &crate::model::DatasetSection,
        experiment_dir: &FsPath,
    ) -> Option<std::path::PathBuf> {
        let test = dataset.test_path.as_ref()?;
        if dataset.path.is_none() {
            self.push(
                Diagnostic::new(
                    "spec::test-path",
                    self.at(&root().key("dataset").key("test_path")),
                    "a test file goes with a table file",
                )
                .expected("`path = \"...\"` beside `test_path`")
                .found(if dataset.source.is_some() {
                    "a built-in `source`"
                } else {
                    "a `url`"
                }),
            );
            return None;
        }
        self.local_path(test, &root().key("dataset").key("test_path"), experiment_dir)
    }

    /// A local file's path: `${NAME}` expanded from the environment (so a committed file
    /// can say `${TRADEOFF_DATA_DIR}/adult/adult.data`), then relative to the experiment
    /// file's folder. Reading back a results folder leaves an unset variable as written.
    fn local_path(
        &mut self,
        written: &str,
        at: &Path,
        experiment_dir: &FsPath,
    ) -> Option<std::path::PathBuf> {
        match expand_variables(written, |name| std::env::var(name).ok()) {
            Ok(expanded) => Some(experiment_dir.join(expanded)),
            Err(_) if self.catalogue.permissive => Some(experiment_dir.join(written)),
            Err(variable) => {
                self.push(
                    Diagnostic::new(
                        "spec::unset-variable",
                        self.at(at),
                        format!("the path names `${{{variable}}}`, which is not set"),
                    )
                    .expected(format!("`{variable}` set in the environment"))
                    .found(format!("`{written}`"))
                    .help(if variable == "TRADEOFF_DATA_DIR" {
                        "export TRADEOFF_DATA_DIR=<the folder holding your datasets>".to_string()
                    } else {
                        format!("export {variable}=... before running tradeoff")
                    }),
                );
                // The file fails; the rest of the dataset section is still checked.
                Some(experiment_dir.join(written))
            }
        }
    }

    /// Whether the table has a header; without one, `columns` must name its columns.
    fn header(&mut self, dataset: &crate::model::DatasetSection) -> bool {
        let header = dataset.header.unwrap_or(true);
        let path = root().key("dataset");
        if !header && dataset.columns.is_empty() {
            self.push(
                Diagnostic::new(
                    "spec::missing-key",
                    self.spans.key(&path.key("header")),
                    "a file without a header needs its column names",
                )
                .expected("`columns = [\"...\", ...]` naming every column in order")
                .found("`header = false` and no `columns`"),
            );
        }
        if header && !dataset.columns.is_empty() {
            self.push(
                Diagnostic::new(
                    "spec::conflicting-keys",
                    self.spans.key(&path.key("columns")),
                    "`columns` names the columns of a file without a header",
                )
                .expected("`header = false` with `columns`, or no `columns`")
                .found("`columns` and a header"),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (i, column) in dataset.columns.iter().enumerate() {
            if !seen.insert(column) {
                self.push(
                    Diagnostic::new(
                        "spec::duplicate-column",
                        self.at(&path.key("columns").index(i)),
                        format!("column `{column}` is named twice"),
                    )
                    .expected("unique column names")
                    .found(format!("`{column}` again")),
                );
            }
        }
        header
    }

    /// One byte, or runs of whitespace.
    fn separator(&mut self, dataset: &crate::model::DatasetSection) -> FieldSeparator {
        match dataset.separator.as_deref() {
            None => FieldSeparator::Byte(b','),
            Some("whitespace") => FieldSeparator::Whitespace,
            Some(text) if text.len() == 1 && text.is_ascii() => FieldSeparator::Byte(text.as_bytes()[0]),
            Some(text) => {
                self.push(
                    Diagnostic::new(
                        "spec::invalid-separator",
                        self.at(&root().key("dataset").key("separator")),
                        "not a usable field separator",
                    )
                    .expected("one ASCII character (`\",\"`, `\";\"`, `\"\\t\"`) or `\"whitespace\"` for runs of spaces")
                    .found(format!("`{text:?}`")),
                );
                FieldSeparator::Byte(b',')
            }
        }
    }

    fn protocol(&mut self, file: &ExperimentFile) -> Protocol {
        let section = &file.protocol;
        let path = root().key("protocol");
        let chosen: Vec<&str> = [
            section.folds.map(|_| "folds"),
            section.holdout.map(|_| "holdout"),
            section.split.map(|_| "split"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if chosen.len() > 1 {
            self.push(
                Diagnostic::new(
                    "spec::conflicting-keys",
                    self.spans.key(&path.key(chosen[1])),
                    format!("`{}` and `{}` both choose the test data", chosen[0], chosen[1]),
                )
                .expected("one of `folds`, `holdout` or `split`")
                .found(one_of(chosen.iter().copied())),
            );
        }
        let builtin_official = file
            .dataset
            .as_ref()
            .and_then(|d| d.source.as_deref())
            .and_then(|s| self.catalogue.dataset(s))
            .map(|d| d.official_split);
        let evaluation = match (section.folds, section.holdout, section.split) {
            (Some(k), _, _) => Evaluation::Folds(k),
            (None, Some(h), _) => Evaluation::Holdout(h),
            (None, None, Some(SplitKind::Official)) => {
                if builtin_official == Some(false)
                    || file.dataset.as_ref().is_some_and(|d| d.source.is_none() && d.test_path.is_none())
                {
                    self.push(
                        Diagnostic::new(
                            "spec::no-official-split",
                            self.at(&path.key("split")),
                            "this dataset has no official split",
                        )
                        .expected("`folds = <k>` or `holdout = <share>`, or a `test_path` in `[dataset]`")
                        .found("`split = \"official\"`"),
                    );
                }
                Evaluation::Official
            }
            (None, None, None) if builtin_official == Some(true) => Evaluation::Official,
            (None, None, None) if file.dataset.as_ref().is_some_and(|d| d.test_path.is_some()) => {
                Evaluation::Official
            }
            (None, None, None) => Evaluation::Holdout(0.25),
        };
        let timeout_seconds = self.duration(
            section.timeout.as_deref(),
            &path.key("timeout"),
            1e9,
            "`\"90s\"`, `\"20m\"` or `\"1h\"`",
        );
        let idle_baseline_seconds = self.duration(
            section.idle_baseline.as_deref(),
            &path.key("idle_baseline"),
            600.0,
            "`\"5s\"` (at most 10 minutes)",
        );
        Protocol {
            idle_baseline_seconds,
            noise_threshold: section.noise_threshold.unwrap_or(0.10),
            reshuffle: section.reshuffle.unwrap_or(true),
            alpha: section.alpha.unwrap_or(0.05),
            repetitions: section.repetitions.unwrap_or(1),
            warmup: section.warmup.unwrap_or(0),
            statistic: section.statistic.unwrap_or(Statistic::Median),
            evaluation,
            isolation: section.isolation.unwrap_or(Isolation::Exclusive),
            timeout_seconds,
            threads: section.threads,
            latency_samples: section.latency_samples.unwrap_or(1000),
        }
    }

    fn execution(&mut self, file: &ExperimentFile) -> Execution {
        let section = &file.execution;
        let path = root().key("execution");
        let time_seconds = self.duration(
            section.time.as_deref(),
            &path.key("time"),
            366.0 * 86400.0,
            "`\"30m\"` or `\"2h\"`",
        );
        let queue_timeout_seconds = self.duration(
            section.queue_timeout.as_deref(),
            &path.key("queue_timeout"),
            366.0 * 86400.0,
            "`\"1h\"` or `\"2d\"`",
        );
        for (i, argument) in section.sbatch_args.iter().enumerate() {
            // Options the launcher sets itself would be silently overridden or duplicated.
            let owned = ["--array", "--output", "--error", "--parsable", "--wrap", "-o", "-e", "-a"];
            if owned.iter().any(|o| argument == o || argument.starts_with(&format!("{o}="))) {
                self.push(
                    Diagnostic::new(
                        "spec::sbatch-arg",
                        self.at(&path.key("sbatch_args").index(i)),
                        "this sbatch option is set by tradeoff itself",
                    )
                    .expected("options other than --array, --output, --error, --parsable and --wrap")
                    .found(format!("`{argument}`")),
                );
            }
        }
        for (key, value) in
            [("partition", &section.partition), ("account", &section.account), ("qos", &section.qos)]
        {
            if value.as_deref().is_some_and(|v| v.is_empty() || v.contains(char::is_whitespace)) {
                self.push(
                    Diagnostic::new(
                        "spec::invalid-name",
                        self.at(&path.key(key)),
                        format!("`execution.{key}` is not a Slurm name"),
                    )
                    .expected("a name without spaces")
                    .found(format!("`{}`", value.as_deref().unwrap_or_default())),
                );
            }
        }
        Execution {
            backend: section.backend.unwrap_or(crate::model::Backend::Local),
            slurm: SlurmOptions {
                partition: section.partition.clone(),
                account: section.account.clone(),
                qos: section.qos.clone(),
                time_seconds,
                gres: section.gres.clone(),
                exclusive: section.exclusive,
                max_parallel: section.max_parallel,
                sbatch_args: section.sbatch_args.clone(),
                queue_timeout_seconds,
            },
        }
    }

    /// A positive duration of at most `max` seconds, or a diagnostic at `path`.
    fn duration(&mut self, text: Option<&str>, path: &Path, max: f64, example: &str) -> Option<f64> {
        let text = text?;
        let problem = match units::parse_duration(text) {
            Ok(seconds) if seconds > 0.0 && seconds <= max => return Some(seconds),
            Ok(_) => format!("`\"{text}\"` is out of range"),
            Err(message) => message,
        };
        self.push(
            Diagnostic::new(
                "spec::invalid-duration",
                self.at(path),
                format!("`{path}` is not a usable duration"),
            )
            .expected(format!("a positive duration such as {example}"))
            .found(problem),
        );
        None
    }

    fn candidates(&mut self, file: &ExperimentFile, experiment_dir: &FsPath) -> Vec<Candidate> {
        let mut expanded = Vec::new();
        let mut first_seen: HashMap<&str, usize> = HashMap::new();
        let known_learners: Vec<&str> = self.catalogue.learners.iter().map(|l| l.name.as_str()).collect();
        if file.candidates.is_empty() {
            self.push(
                Diagnostic::new("spec::no-candidates", 0..0, "the experiment has no candidates")
                    .expected("at least one `[[candidates]]` table")
                    .found("none"),
            );
        }
        for (index, section) in file.candidates.iter().enumerate() {
            let path = root().key("candidates").index(index);
            if !is_name(&section.name) {
                self.push(
                    Diagnostic::new(
                        "spec::invalid-name",
                        self.at(&path.key("name")),
                        "not a usable candidate name",
                    )
                    .expected("letters, digits, `-`, `_` or `.`, starting with a letter or digit")
                    .found(format!("`{}`", section.name)),
                );
            }
            if let Some(&first) = first_seen.get(section.name.as_str()) {
                let first_span = self.at(&root().key("candidates").index(first).key("name"));
                self.push(
                    Diagnostic::new(
                        "spec::duplicate-candidate",
                        self.at(&path.key("name")),
                        format!("candidate `{}` is defined twice", section.name),
                    )
                    .expected("a name not used by another candidate")
                    .found(format!("`{}` again", section.name))
                    .related(first_span, "first defined here"),
                );
            } else {
                first_seen.insert(&section.name, index);
            }
            let device = match section.device.as_deref().map(str::parse::<Device>) {
                None => Device::Cpu,
                Some(Ok(device)) => device,
                Some(Err(_)) => {
                    let written = section.device.clone().unwrap_or_default();
                    self.push(
                        Diagnostic::new(
                            "spec::invalid-device",
                            self.at(&path.key("device")),
                            format!("unknown device `{written}`"),
                        )
                        .expected(Device::EXPECTED)
                        .found(format!("`{written}`")),
                    );
                    Device::Cpu
                }
            };
            if let Some(declared) = &section.declared {
                self.diagnostics.extend(crate::declared::check(declared, &path.key("declared"), self.spans));
                if section.learner != "declared" {
                    self.push(
                        Diagnostic::new(
                            "spec::declared-learner",
                            self.at(&path.key("learner")),
                            "a candidate with declared figures is not run",
                        )
                        .expected("`learner = \"declared\"`")
                        .found(format!("`{}`", section.learner)),
                    );
                }
                expanded.push(Candidate {
                    name: section.name.clone(),
                    base_name: section.name.clone(),
                    section: index,
                    learner: section.learner.clone(),
                    params: Map::new(),
                    device,
                    threads: section.threads,
                    declared: section.declared.clone(),
                    missing: MissingPolicy::Error,
                    command: None,
                });
                continue;
            }
            let command = self.command(section, &path, experiment_dir);
            if self.catalogue.permissive && self.catalogue.learner(&section.learner).is_none() {
                expanded.extend(expand(&section.params).into_iter().map(|(sweep, params)| {
                    Candidate {
                        name: point_name(&section.name, &sweep),
                        base_name: section.name.clone(),
                        section: index,
                        learner: section.learner.clone(),
                        params,
                        device,
                        threads: section.threads,
                        declared: None,
                        missing: section
                            .missing
                            .or(file.dataset.as_ref().and_then(|d| d.missing))
                            .unwrap_or(MissingPolicy::Error),
                        command: command.clone(),
                    }
                }));
                continue;
            }
            let Some(learner) = self.catalogue.learner(&section.learner) else {
                let message = if section.learner == "declared" {
                    "learner `declared` needs a `declared` table".to_string()
                } else {
                    format!("unknown learner `{}`", section.learner)
                };
                self.push(
                    Diagnostic::new("spec::unknown-learner", self.at(&path.key("learner")), message)
                        .expected(one_of(known_learners.iter().copied()))
                        .found(format!("`{}`", section.learner))
                        .maybe_help(did_you_mean(&section.learner, known_learners.iter().copied())),
                );
                continue;
            };
            if let Some(reason) = &learner.unavailable {
                self.push(
                    Diagnostic::new(
                        "spec::learner-unavailable",
                        self.at(&path.key("learner")),
                        format!("learner `{}` is not in this build", section.learner),
                    )
                    .expected("a learner this build includes")
                    .found(format!("`{}`", section.learner))
                    .help(reason.clone()),
                );
                continue;
            }
            // What the candidate does with missing values, and whether its learner can.
            let missing = section
                .missing
                .or(file.dataset.as_ref().and_then(|d| d.missing))
                .unwrap_or(MissingPolicy::Error);
            if missing == MissingPolicy::Native && !learner.accepts_missing {
                let (span, where_) = if section.missing.is_some() {
                    (self.at(&path.key("missing")), "this candidate")
                } else {
                    (self.at(&root().key("dataset").key("missing")), "`[dataset]`")
                };
                self.push(
                    Diagnostic::new(
                        "spec::missing-unsupported",
                        span,
                        format!("learner `{}` cannot learn from missing values (`missing = \"native\"` in {where_})", section.learner),
                    )
                    .expected("`missing = \"impute\"` for this candidate (each trial fills missing values from its training rows)")
                    .found("`missing = \"native\"`")
                    .help(format!("add `missing = \"impute\"` to the `{}` candidate", section.name)),
                );
            }
            if section.device.is_some() && !learner.accepts_device && device != Device::Cpu {
                self.push(
                    Diagnostic::new(
                        "spec::invalid-device",
                        self.at(&path.key("device")),
                        format!("learner `{}` runs on the CPU only", section.learner),
                    )
                    .expected("`cpu` or no `device`")
                    .found(format!("`{}`", section.device.as_deref().unwrap_or_default())),
                );
            }
            for key in section.params.keys() {
                if !learner.any_params && !learner.params.iter().any(|p| p == key) {
                    let param_path = path.key("params").key(key);
                    self.push(
                        Diagnostic::new(
                            "spec::unknown-param",
                            self.spans.key(&param_path),
                            format!("learner `{}` has no hyperparameter `{key}`", section.learner),
                        )
                        .expected(one_of(learner.params.iter().map(String::as_str)))
                        .found(format!("`{key}`"))
                        .maybe_help(did_you_mean(key, learner.params.iter().map(String::as_str))),
                    );
                }
            }
            let mut empty_sweep = false;
            for (key, value) in &section.params {
                if value.as_array().is_some_and(Vec::is_empty) {
                    empty_sweep = true;
                    self.push(
                        Diagnostic::new(
                            "spec::empty-sweep",
                            self.at(&path.key("params").key(key)),
                            format!("the sweep over `{key}` has no values"),
                        )
                        .expected("a value, or a list of at least one value")
                        .found("`[]`")
                        .help(format!(
                            "a list-valued hyperparameter is written as a list of lists: `{key} = [[...]]`"
                        )),
                    );
                }
            }
            if empty_sweep {
                continue;
            }
            // Unknown hyperparameters are reported above; the learner checks the rest.
            let known: std::collections::BTreeMap<String, Value> = section
                .params
                .iter()
                .filter(|(k, _)| learner.any_params || learner.params.iter().any(|p| p == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let points = expand(&known);
            let mut reported: Vec<(Option<String>, String)> = Vec::new();
            for (sweep, params) in points {
                for problem in (learner.check)(&params) {
                    let key = (problem.param.clone(), problem.message.clone());
                    if reported.contains(&key) {
                        continue;
                    }
                    reported.push(key);
                    let (span, found) = match &problem.param {
                        Some(param) => (
                            self.at(&path.key("params").key(param)),
                            params.get(param).map(|v| format!("`{v}`")).unwrap_or_else(|| "nothing".into()),
                        ),
                        None => (self.at(&path.key("params")), "these hyperparameters".to_string()),
                    };
                    let mut diagnostic = Diagnostic::new(
                        "spec::invalid-param",
                        span,
                        match &problem.param {
                            Some(param) => format!("`{param}` of `{}`: {}", section.name, problem.message),
                            None => format!("candidate `{}`: {}", section.name, problem.message),
                        },
                    )
                    .found(found);
                    if let Some(expected) = &problem.expected {
                        diagnostic = diagnostic.expected(expected.clone());
                    }
                    self.push(diagnostic);
                }
                expanded.push(Candidate {
                    name: point_name(&section.name, &sweep),
                    base_name: section.name.clone(),
                    section: index,
                    learner: section.learner.clone(),
                    params,
                    device,
                    threads: section.threads,
                    declared: None,
                    missing,
                    command: command.clone(),
                });
            }
        }
        expanded
    }

    /// A `command` candidate's program: `command` is required with `learner = "command"`
    /// and refused with any other learner (as are `predict_one` and `data_format`); the
    /// build checks that the program can be run.
    fn command(
        &mut self,
        section: &crate::model::CandidateSection,
        path: &Path,
        experiment_dir: &FsPath,
    ) -> Option<crate::CommandSpec> {
        const LEARNER: &str = "command";
        if section.learner != LEARNER {
            for (key, given) in [
                ("command", section.command.is_some()),
                ("predict_one", section.predict_one.is_some()),
                ("data_format", section.data_format.is_some()),
            ] {
                if given {
                    self.push(
                        Diagnostic::new(
                            "spec::command-key",
                            self.spans.key(&path.key(key)),
                            format!("`{key}` is for `learner = \"command\"` only"),
                        )
                        .expected(format!("no `{key}` for learner `{}`", section.learner))
                        .found(format!("`{key}`"))
                        .help("to run your own program as a candidate, write `learner = \"command\"`"),
                    );
                }
            }
            return None;
        }
        let argv = match &section.command {
            Some(argv) if argv.first().is_some_and(|program| !program.trim().is_empty()) => argv.clone(),
            Some(_) => {
                self.push(
                    Diagnostic::new(
                        "spec::empty-command",
                        self.at(&path.key("command")),
                        "the command is empty",
                    )
                    .expected("the program and its arguments, e.g. `[\"python3\", \"learners/hgb.py\"]`")
                    .found("no program"),
                );
                return None;
            }
            None => {
                self.push(
                    Diagnostic::new(
                        "spec::missing-key",
                        self.at(&path.key("learner")),
                        "a `command` candidate needs the command to run",
                    )
                    .expected("`command = [\"program\", \"argument\", ...]` in this candidate")
                    .found("no `command`"),
                );
                return None;
            }
        };
        let spec = crate::CommandSpec {
            argv,
            dir: experiment_dir.to_path_buf(),
            predict_one: section.predict_one.unwrap_or(false),
            data_format: section.data_format.unwrap_or_default(),
        };
        if !self.catalogue.permissive
            && let Some(check) = &self.catalogue.command_check
            && let Some(diagnostic) = check(&spec, self.at(&path.key("command").index(0)))
        {
            self.push(diagnostic);
        }
        Some(spec)
    }

    fn metrics(&mut self, file: &ExperimentFile, protocol: &Protocol) -> Vec<MetricRequest> {
        let mut requests = Vec::new();
        // Report order follows the metric table, not the file.
        for info in METRICS {
            let Some(section) = file.metrics.get(info.name) else { continue };
            let path = root().key("metrics").key(info.name);
            let unit_symbol = section.unit.as_deref().unwrap_or(info.default_unit);
            let unit = units::Unit::parse(unit_symbol)
                .expect("the schema only admits units of the metric's dimension");
            if let Some(batch) = section.batch
                && info.name == "inference_latency"
                && batch != 1
            {
                self.push(
                    Diagnostic::new(
                        "spec::out-of-range",
                        self.at(&path.key("batch")),
                        "latency is measured one sample at a time",
                    )
                    .expected("`batch = 1` (use `inference_throughput` for batches)")
                    .found(format!("`{batch}`")),
                );
            }
            // Quality figures are averaged over trial slots (the cross-validation estimate)
            // unless the metric says otherwise; measured figures follow the protocol.
            let default_statistic = if info.from_predictions { Statistic::Mean } else { protocol.statistic };
            if info.needs_groups && file.dataset.as_ref().is_none_or(|d| d.protected.is_empty()) {
                self.push(
                    Diagnostic::new(
                        "spec::missing-key",
                        self.spans.key(&path),
                        format!(
                            "`{}` compares groups, and the dataset names no protected attribute",
                            info.name
                        ),
                    )
                    .expected("`protected = [\"<column>\"]` in `[dataset]`")
                    .found("no `protected`"),
                );
            }
            requests.push(MetricRequest {
                info,
                unit,
                statistic: section.statistic.unwrap_or(default_statistic),
                percentile: section.percentile.unwrap_or(50.0),
                batch: section.batch,
                sigma: section.sigma.unwrap_or(0.1),
                resample: section.resample.unwrap_or(0.1),
                new_rows: section.new_rows.unwrap_or(0.1),
                per: section.per.unwrap_or(1e6),
            });
        }
        if file.metrics.is_empty() {
            self.push(
                Diagnostic::new("spec::no-metrics", 0..0, "the experiment measures nothing")
                    .expected("a `[metrics]` table with at least one metric, e.g. `accuracy = {}`")
                    .found("no metrics"),
            );
        }
        requests
    }

    /// Constraints, priorities and claims may only name metrics and candidates that exist.
    fn references(&mut self, file: &ExperimentFile, candidates: &[Candidate], metrics: &[MetricRequest]) {
        let metric_names: Vec<&str> = metrics.iter().map(|m| m.name()).collect();
        self.claims(file, candidates, &metric_names);
        for (i, constraint) in file.constraints.iter().enumerate() {
            let path = root().key("constraints").index(i);
            self.metric_reference(&constraint.metric, &path.key("metric"), &metric_names);
            let absolute = constraint.min.is_some() || constraint.max.is_some();
            let relative = constraint.min_ratio.is_some() || constraint.max_ratio.is_some();
            if !absolute && !relative {
                self.push(
                    Diagnostic::new(
                        "spec::empty-constraint",
                        self.spans.key(&path),
                        "the constraint sets no bound",
                    )
                    .expected("`min`, `max`, or `baseline` with `min_ratio` / `max_ratio`")
                    .found("none of them"),
                );
            }
            match (&constraint.baseline, relative) {
                (Some(baseline), _) => {
                    let span = self.at(&path.key("baseline"));
                    self.candidate_reference(baseline, span, candidates)
                }
                (None, true) => self.push(
                    Diagnostic::new("spec::missing-key", self.spans.key(&path), "a ratio needs a baseline")
                        .expected("`baseline = \"<candidate>\"`")
                        .found("nothing"),
                ),
                (None, false) => {}
            }
        }
        if let Some(priorities) = &file.priorities {
            let path = root().key("priorities");
            for (metric, weight) in &priorities.weights {
                let weight_path = path.key("weights").key(metric);
                if metric_info(metric).is_none() || !metric_names.contains(&metric.as_str()) {
                    self.metric_reference_at(metric, self.spans.key(&weight_path), &metric_names);
                }
                if !(weight.is_finite() && *weight >= 0.0) {
                    self.push(
                        Diagnostic::new(
                            "spec::out-of-range",
                            self.at(&weight_path),
                            "a weight must be a non-negative number",
                        )
                        .expected("a number >= 0")
                        .found(format!("`{weight}`")),
                    );
                }
            }
            for (i, metric) in priorities.order.iter().enumerate() {
                self.metric_reference(metric, &path.key("order").index(i), &metric_names);
            }
            for (metric, [worst, best]) in &priorities.scales {
                let scale_path = path.key("scales").key(metric);
                if !metric_names.contains(&metric.as_str()) {
                    self.metric_reference_at(metric, self.spans.key(&scale_path), &metric_names);
                }
                if !(worst.is_finite() && best.is_finite()) || worst == best {
                    self.push(
                        Diagnostic::new(
                            "spec::out-of-range",
                            self.at(&scale_path),
                            "a scale needs two different finite values",
                        )
                        .expected("`[worst, best]` in the metric's unit, e.g. `[0.8, 1.0]` for accuracy")
                        .found(format!("`[{worst}, {best}]`")),
                    );
                }
            }
            let method = priorities.method.unwrap_or(PriorityMethod::Weighted);
            let empty = match method {
                PriorityMethod::Weighted => priorities.weights.values().all(|w| *w <= 0.0),
                PriorityMethod::Lexicographic => priorities.order.is_empty(),
            };
            if empty {
                let (key, expected) = match method {
                    PriorityMethod::Weighted => ("weights", "at least one positive weight in `weights`"),
                    PriorityMethod::Lexicographic => ("order", "at least one metric in `order`"),
                };
                self.push(
                    Diagnostic::new(
                        "spec::empty-priorities",
                        self.spans.key(&path),
                        "the priorities cannot pick anything",
                    )
                    .expected(expected)
                    .found(format!("no `{key}`")),
                );
            }
        }
    }

    /// Each claim must parse and name measured metrics and existing candidates.
    fn claims(&mut self, file: &ExperimentFile, candidates: &[Candidate], metric_names: &[&str]) {
        for (i, claim) in file.claims.iter().enumerate() {
            let span = self.at(&root().key("claims").index(i).key("check"));
            // Offsets inside a basic string map to the file after its opening quote.
            let at = |range: std::ops::Range<usize>| {
                (span.start + 1 + range.start)..(span.start + 1 + range.end.max(range.start + 1))
            };
            let parsed = match Claim::parse(&claim.check) {
                Ok(parsed) => parsed,
                Err(error) => {
                    self.push(
                        Diagnostic::new(
                            "claim::syntax",
                            at(error.span.clone()),
                            format!("cannot read the claim: {}", error.message),
                        )
                        .expected(error.expected.clone())
                        .found(format!(
                            "`{}`",
                            claim
                                .check
                                .get(error.span.start..)
                                .unwrap_or("")
                                .chars()
                                .take(20)
                                .collect::<String>()
                        )),
                    );
                    continue;
                }
            };
            for (metric, candidate, range) in parsed.references() {
                if !metric_names.contains(&metric) {
                    self.push(
                        Diagnostic::new(
                            "claim::unknown-metric",
                            at(range.clone()),
                            format!("the claim uses `{metric}`, which is not measured"),
                        )
                        .expected(format!(
                            "a metric from `[metrics]`: {}",
                            one_of(metric_names.iter().copied())
                        ))
                        .found(format!("`{metric}`"))
                        .maybe_help(did_you_mean(metric, metric_names.iter().copied())),
                    );
                }
                self.candidate_reference(candidate, at(range), candidates);
            }
        }
    }

    fn metric_reference(&mut self, metric: &str, path: &Path, known: &[&str]) {
        if !known.contains(&metric) {
            self.metric_reference_at(metric, self.at(path), known);
        }
    }

    fn metric_reference_at(&mut self, metric: &str, span: std::ops::Range<usize>, known: &[&str]) {
        let message = if metric_info(metric).is_some() {
            format!("metric `{metric}` is not measured by this experiment")
        } else {
            format!("unknown metric `{metric}`")
        };
        let help = if metric_info(metric).is_some() {
            Some(format!("add `{metric} = {{}}` to `[metrics]`"))
        } else {
            did_you_mean(metric, known.iter().copied())
        };
        self.push(
            Diagnostic::new("spec::unknown-metric", span, message)
                .expected(format!("a metric from `[metrics]`: {}", one_of(known.iter().copied())))
                .found(format!("`{metric}`"))
                .maybe_help(help),
        );
    }

    /// A name must be one candidate; the name of a sweep stands for several, so it is
    /// refused with the names of its points.
    fn candidate_reference(&mut self, name: &str, span: std::ops::Range<usize>, candidates: &[Candidate]) {
        if candidates.iter().any(|c| c.name == name) {
            return;
        }
        let points: Vec<&str> =
            candidates.iter().filter(|c| c.base_name == name).map(|c| c.name.as_str()).collect();
        if !points.is_empty() {
            self.push(
                Diagnostic::new(
                    "spec::sweep-reference",
                    span,
                    format!("`{name}` is a sweep of {} candidates, not one candidate", points.len()),
                )
                .expected(format!("one of its points: {}", one_of(points.iter().copied())))
                .found(format!("`{name}`")),
            );
            return;
        }
        let known: Vec<&str> = candidates.iter().map(|c| c.name.as_str()).collect();
        self.push(
            Diagnostic::new("spec::unknown-candidate", span, format!("unknown candidate `{name}`"))
                .expected(format!("a candidate: {}", one_of(known.iter().copied())))
                .found(format!("`{name}`"))
                .maybe_help(did_you_mean(name, known.iter().copied())),
        );
    }
}

impl Diagnostic {
    /// Adds `help` only when no other help was given.
    fn help_or(self, help: &str) -> Self {
        if self.help.is_some() { self } else { self.help(help) }
    }
}

/// `tree`, or `tree/max_depth=10/criterion=gini` for a point of a sweep.
fn point_name(base: &str, sweep: &[(String, Value)]) -> String {
    if sweep.is_empty() {
        base.to_string()
    } else {
        let labels: Vec<String> = sweep.iter().map(|(k, v)| format!("{k}={}", compact(v))).collect();
        format!("{base}/{}", labels.join("/"))
    }
}

/// A value as it appears in an expanded candidate's name.
fn compact(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string().replace(' ', ""),
    }
}

/// One point of a sweep: its coordinates (the swept keys and their values) and its
/// complete hyperparameters.
pub type SweepPoint = (Vec<(String, Value)>, Map<String, Value>);

/// Expands list-valued hyperparameters into their grid, in key order, keeping the sweep
/// coordinates of each point.
pub fn expand(params: &std::collections::BTreeMap<String, Value>) -> Vec<SweepPoint> {
    let mut points: Vec<SweepPoint> = vec![(Vec::new(), Map::new())];
    for (key, value) in params {
        match value {
            Value::Array(values) => {
                let mut next = Vec::with_capacity(points.len() * values.len());
                for (sweep, map) in &points {
                    for choice in values {
                        let mut sweep = sweep.clone();
                        // A one-value list fixes the value; it does not name a point.
                        if values.len() > 1 {
                            sweep.push((key.clone(), choice.clone()));
                        }
                        let mut map = map.clone();
                        map.insert(key.clone(), choice.clone());
                        next.push((sweep, map));
                    }
                }
                points = next;
            }
            scalar => {
                for (_, map) in &mut points {
                    map.insert(key.clone(), scalar.clone());
                }
            }
        }
    }
    points
}

/// `text` with every `${NAME}` replaced by `lookup(NAME)`; the first unset name is the error.
pub(crate) fn expand_variables(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        out.push_str(&lookup(name).ok_or_else(|| name.to_string())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod variable_tests {
    use super::expand_variables;

    #[test]
    fn variables_expand_and_an_unset_one_is_named() {
        let lookup = |name: &str| (name == "DATA").then(|| "/srv/data".to_string());
        assert_eq!(
            expand_variables("${DATA}/adult/adult.data", lookup).unwrap(),
            "/srv/data/adult/adult.data"
        );
        assert_eq!(expand_variables("plain/file.csv", lookup).unwrap(), "plain/file.csv");
        assert_eq!(expand_variables("${NOPE}/x", lookup).unwrap_err(), "NOPE");
        assert_eq!(expand_variables("odd${DATA", lookup).unwrap(), "odd${DATA");
    }
}

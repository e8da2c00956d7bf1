//! The messages between the scheduler and its worker processes: a [`Job`] goes to the
//! worker's stdin as JSON; the worker's last stdout line is its [`Outcome`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use units::Measurement;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Job {
    Prepare(Box<PrepareJob>),
    Trial(Box<TrialJob>),
}

/// Load a dataset from its source and write the binary cache trials read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrepareJob {
    pub source: SourceJob,
    /// How a table file becomes a dataset (none for built-in datasets).
    pub table: Option<data::TableOptions>,
    /// The positive class as written in the target column, checked against the classes.
    pub positive: Option<String>,
    pub subsample: Option<u64>,
    pub seed: u64,
    pub cache_path: PathBuf,
    pub data_dir: Option<PathBuf>,
    pub allow_download: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceJob {
    Builtin { name: String },
    File { path: PathBuf, test_path: Option<PathBuf>, parquet: bool },
    Url { url: String, sha256: String, parquet: bool },
}

/// One trial: fit, evaluate and measure one candidate on one split.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrialJob {
    pub cache_path: PathBuf,
    pub learner: String,
    pub params: Map<String, Value>,
    pub device: String,
    pub evaluation: spec::Evaluation,
    pub fold: u32,
    pub split_seed: u64,
    pub seed: u64,
    pub threads: usize,
    pub metrics: Vec<MetricJob>,
    /// What the candidate does with missing feature values.
    pub missing: data::Missing,
    /// The positive class's index and the smallest group a fairness figure counts.
    pub positive: Option<u32>,
    pub min_group_size: u64,
    pub latency_samples: u32,
    pub energy: EnergyJob,
    /// Where to write the model's rules (trees), if wanted.
    pub rules_path: Option<PathBuf>,
    /// Where to write the test predictions (absolute) and how the record names the file
    /// (relative to the results folder); none for warm-ups.
    pub predictions: Option<(PathBuf, String)>,
    /// Send back the machine's hardware inventory (a cluster node's, which the
    /// orchestrator cannot see).
    #[serde(default)]
    pub report_hardware: bool,
    /// The program of a `command` candidate, its folder made absolute.
    #[serde(default)]
    pub command: Option<spec::CommandSpec>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricJob {
    pub name: String,
    pub percentile: f64,
    pub batch: Option<u32>,
    /// `noise_accuracy`: noise in training standard deviations.
    pub sigma: f64,
    /// `prediction_instability`: share of training rows redrawn.
    pub resample: f64,
    /// `update_time`: share of further training rows.
    pub new_rows: f64,
    /// `inference_cost`: predictions the cost is for.
    pub per: f64,
}

/// What the worker needs to meter energy and derive CO2 and cost.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnergyJob {
    pub powercap_root: PathBuf,
    pub cpu_tdp_w: Option<f64>,
    pub sampler_period_ms: u64,
    pub intensity: meter::footprint::CarbonIntensity,
    pub pue: meter::footprint::Pue,
    pub rental_price: Option<meter::footprint::DatedPrice>,
    pub electricity_price: Option<meter::footprint::DatedPrice>,
    /// Parts whose power the experiment declares: (part, watts).
    pub declared_power: Vec<(String, f64)>,
    /// Idle power is measured this long before training, for the dynamic energy.
    pub idle_baseline_seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Prepared(record::DatasetFacts),
    Trial(Box<TrialResult>),
    Failed { reason: String },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrialResult {
    pub measurements: BTreeMap<String, Measurement>,
    pub notes: Vec<String>,
    pub split: Option<record::SplitFacts>,
    pub predictions: Option<record::Artifact>,
    /// The worker's own CPU time and peak RSS at its end (`getrusage`), for launchers
    /// that cannot reap it themselves.
    #[serde(default)]
    pub usage: Option<meter::rusage::Usage>,
    /// The machine the trial ran on, when the job asked for it.
    #[serde(default)]
    pub hardware: Option<meter::HardwareInventory>,
}

/// Building the jobs and keys of a plan's nodes: what the scheduler hands a launcher.
pub(crate) mod build {
    use std::path::Path;

    use record::{DatasetFacts, ResultsDir};
    use serde_json::json;
    use spec::Experiment;

    use super::{EnergyJob, PrepareJob, SourceJob, TrialJob};
    use crate::launch::{ClusterRequest, Needs};
    use crate::plan::TrialNode;
    use crate::run::RunOptions;

    /// `experiment: candidate fold 1 rep 0`, for people.
    pub(crate) fn trial_label(experiment: &Experiment, trial: &TrialNode) -> String {
        let candidate = &experiment.candidates[trial.candidate].name;
        if trial.warmup {
            format!("{}: {candidate} warm-up {}", experiment.name, trial.repetition + 1)
        } else {
            format!("{}: {candidate} fold {} rep {}", experiment.name, trial.fold, trial.repetition)
        }
    }

    /// The job that loads an experiment's dataset and writes the cache trials read; none
    /// when every candidate declares its figures.
    pub(crate) fn prepare_job(
        experiment: &Experiment,
        dir: &ResultsDir,
        options: &RunOptions,
    ) -> Option<PrepareJob> {
        let dataset = experiment.dataset.as_ref()?;
        let source = match &dataset.location {
            spec::DatasetLocation::Builtin { name } => SourceJob::Builtin { name: name.clone() },
            spec::DatasetLocation::File { path, format } => SourceJob::File {
                path: path.clone(),
                test_path: dataset.test_path.clone(),
                parquet: *format == spec::model::TableFormat::Parquet,
            },
            spec::DatasetLocation::Url { url, sha256, format } => SourceJob::Url {
                url: url.clone(),
                sha256: sha256.clone(),
                parquet: *format == spec::model::TableFormat::Parquet,
            },
        };
        // A candidate may override the dataset's missing-value policy: the table keeps its
        // missing values when any candidate handles them, and each trial then applies its
        // own candidate's policy (one that says `error` fails there, naming the counts).
        let mut table = crate::catalogue::table_options(dataset);
        if let Some(table) = &mut table
            && experiment
                .candidates
                .iter()
                .any(|c| c.is_run() && c.missing != spec::model::MissingPolicy::Error)
        {
            table.missing = data::Missing::Native;
        }
        Some(PrepareJob {
            source,
            table,
            positive: dataset.positive.clone(),
            subsample: dataset.subsample,
            seed: data::rng::derive_seed(experiment.seed, "subsample"),
            cache_path: dir.dataset_cache(),
            data_dir: options.data_dir.clone(),
            allow_download: options.allow_download,
        })
    }

    /// Everything a worker needs to run one trial.
    pub(crate) struct TrialInputs<'a> {
        pub dir: &'a ResultsDir,
        pub dataset: &'a DatasetFacts,
        pub threads: usize,
        pub energy: &'a EnergyJob,
        pub report_hardware: bool,
    }

    pub(crate) fn trial_job(
        experiment: &Experiment,
        trial: &TrialNode,
        inputs: &TrialInputs<'_>,
    ) -> TrialJob {
        let candidate = &experiment.candidates[trial.candidate];
        let wants_rules = !trial.warmup && trial.fold == 0 && trial.repetition == 0;
        TrialJob {
            cache_path: inputs.dir.dataset_cache(),
            learner: candidate.learner.clone(),
            params: candidate.params.clone(),
            device: candidate.device.to_string(),
            evaluation: experiment.protocol.evaluation,
            fold: trial.fold,
            split_seed: trial.split_seed,
            seed: trial.seed,
            threads: candidate.threads.map_or(inputs.threads, |t| t as usize),
            metrics: crate::worker::metric_jobs(experiment),
            missing: crate::catalogue::missing_policy(candidate.missing),
            positive: experiment
                .dataset
                .as_ref()
                .and_then(|d| d.positive.as_ref())
                .and_then(|p| inputs.dataset.class_names.iter().position(|c| c == p))
                .map(|i| i as u32),
            min_group_size: experiment.dataset.as_ref().map_or(0, |d| d.min_group_size),
            latency_samples: experiment.protocol.latency_samples,
            energy: inputs.energy.clone(),
            rules_path: wants_rules
                .then(|| inputs.dir.models().join(format!("{}.rules.txt", file_safe(&candidate.name)))),
            predictions: None,
            report_hardware: inputs.report_hardware,
            command: candidate.command.as_ref().map(|c| spec::CommandSpec {
                // Absolute: the worker starts the command from there, wherever it runs.
                dir: std::path::absolute(if c.dir.as_os_str().is_empty() { Path::new(".") } else { &c.dir })
                    .unwrap_or_else(|_| c.dir.clone()),
                ..c.clone()
            }),
        }
    }

    /// Everything that determines a trial's outcome, hashed: the same key means the same
    /// inputs, the same code (the binary's hash) and the same machine (`machine`: this
    /// machine's hardware fingerprint, or the cluster partition trials are sent to).
    pub(crate) fn trial_key(
        experiment: &Experiment,
        trial: &TrialNode,
        job: &TrialJob,
        dataset: &DatasetFacts,
        code_sha256: &str,
        machine: &str,
    ) -> String {
        let candidate = &experiment.candidates[trial.candidate];
        let inputs = json!({
            "experiment": experiment.name,
            "candidate": candidate.name,
            "learner": candidate.learner,
            "params": candidate.params,
            "device": candidate.device.to_string(),
            "fold": trial.fold,
            "repetition": trial.repetition,
            "seed": trial.seed,
            "evaluation": job.evaluation,
            "split_seed": job.split_seed,
            "dataset": dataset.sha256,
            "metrics": job.metrics.iter().map(|m| json!([m.name, m.percentile, m.batch, m.sigma, m.resample, m.new_rows, m.per])).collect::<Vec<_>>(),
            "missing": job.missing,
            "positive": job.positive,
            "min_group_size": job.min_group_size,
            "latency_samples": job.latency_samples,
            "threads": job.threads,
            "energy": {
                "cpu_tdp_w": job.energy.cpu_tdp_w,
                "intensity": job.energy.intensity.g_per_kwh,
                "pue": job.energy.pue.value,
                "rental": job.energy.rental_price.as_ref().map(|p| p.usd),
                "electricity": job.energy.electricity_price.as_ref().map(|p| p.usd),
                "declared_power": job.energy.declared_power,
                "idle_baseline": job.energy.idle_baseline_seconds,
            },
            "code": code_sha256,
            "hardware": machine,
        });
        // A command's program and the files it names: editing the script re-runs its trials.
        let mut inputs = inputs;
        if let Some(command) = &job.command {
            inputs["command"] = json!({
                "argv": command.argv,
                "predict_one": command.predict_one,
                "data_format": command.data_format,
                "files": crate::command::named_files(&command.argv, &command.dir),
            });
        }
        record::hash_value(&inputs)
    }

    pub(crate) fn energy_job(experiment: &Experiment, options: &RunOptions) -> EnergyJob {
        let environment = &experiment.file.environment;
        let dated = |price: &spec::model::Price| meter::footprint::DatedPrice {
            usd: price.usd,
            date: price.date.clone(),
            note: price.note.clone(),
        };
        EnergyJob {
            powercap_root: options.powercap_root.clone(),
            cpu_tdp_w: environment.cpu_tdp_w,
            sampler_period_ms: options.sampler_period_ms,
            intensity: crate::resolve_intensity(experiment),
            pue: meter::footprint::Pue::new(environment.pue),
            rental_price: environment.rental_price.as_ref().map(dated),
            electricity_price: environment.electricity_price.as_ref().map(dated),
            declared_power: environment
                .declared_power_w
                .iter()
                .map(|(part, watts)| (part.clone(), *watts))
                .collect(),
            idle_baseline_seconds: experiment.protocol.idle_baseline_seconds,
        }
    }

    /// What a Slurm job asks for, for one unit: the experiment's `[execution]` keys with
    /// the command line's winning, and the defaults that follow from the protocol.
    pub(crate) fn cluster_request(
        experiment: &Experiment,
        slurm: &spec::SlurmOptions,
        spool: &Path,
        needs: Needs,
        gpu: bool,
    ) -> ClusterRequest {
        let mut args = vec![format!("--cpus-per-task={}", needs.cpu.max(1))];
        for (flag, value) in
            [("--partition", &slurm.partition), ("--account", &slurm.account), ("--qos", &slurm.qos)]
        {
            if let Some(value) = value {
                args.push(format!("{flag}={value}"));
            }
        }
        // The protocol's timeout plus a minute to start up: the scheduler cancels at the
        // timeout itself; Slurm's own limit is the backstop.
        let time = slurm.time_seconds.or(experiment.protocol.timeout_seconds.map(|t| t + 60.0));
        if let Some(seconds) = time {
            args.push(format!("--time={}", crate::launch::slurm::minutes(seconds)));
        }
        if gpu {
            args.push(format!("--gres={}", slurm.gres.as_deref().unwrap_or("gpu:1")));
        }
        if slurm.exclusive.unwrap_or(needs.exclusive) {
            args.push("--exclusive".into());
        }
        args.extend(slurm.sbatch_args.iter().cloned());
        ClusterRequest {
            spool: spool.to_path_buf(),
            args,
            max_parallel: slurm.max_parallel,
            partition: slurm.partition.clone(),
        }
    }

    /// What stands for "the same machine" in the trial keys of a cluster run: the
    /// partition and the resources asked for (the node is only known once it ran).
    pub(crate) fn cluster_machine(request: &ClusterRequest) -> String {
        let resources: Vec<&str> = request
            .args
            .iter()
            .map(String::as_str)
            .filter(|a| !a.starts_with("--time=") && !a.starts_with("--account=") && !a.starts_with("--qos="))
            .collect();
        format!("slurm {}", resources.join(" "))
    }

    pub(crate) fn file_safe(name: &str) -> String {
        name.chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' })
            .collect()
    }

    #[cfg(test)]
    impl TrialJob {
        /// A job for tests that never run it.
        pub(crate) fn example() -> TrialJob {
            TrialJob {
                cache_path: "cache.bin".into(),
                learner: "decision_tree".into(),
                params: serde_json::Map::new(),
                device: "cpu".into(),
                evaluation: spec::Evaluation::Holdout(0.25),
                fold: 0,
                split_seed: 0,
                seed: 0,
                threads: 1,
                metrics: Vec::new(),
                missing: data::Missing::Error,
                positive: None,
                min_group_size: 0,
                latency_samples: 10,
                energy: EnergyJob {
                    powercap_root: "/nonexistent".into(),
                    cpu_tdp_w: None,
                    sampler_period_ms: 100,
                    intensity: meter::footprint::world_default(),
                    pue: meter::footprint::Pue::new(None),
                    rental_price: None,
                    electricity_price: None,
                    declared_power: Vec::new(),
                    idle_baseline_seconds: None,
                },
                rules_path: None,
                predictions: None,
                report_hardware: false,
                command: None,
            }
        }
    }
}

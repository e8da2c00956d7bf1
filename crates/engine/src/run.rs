//! Running a plan: ready nodes start under resource slots, each trial in its own worker
//! process, records appended as trials end, trials already recorded skipped.
//!
//! Slots: one per CPU thread a trial uses (all logical cores unless the experiment says
//! otherwise), one per GPU. A timed trial of an `exclusive` experiment runs alone.
//! Preparation of datasets may run beside other work. Aggregation and reports are the
//! caller's ([`Finisher`]): the engine knows nothing of them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use petgraph::Direction;
use petgraph::graph::NodeIndex;
use record::{DatasetFacts, Environment, GitState, Record, RecordStore, ResultsDir, Status};
use serde_json::json;
use sha2::{Digest, Sha256};
use spec::{Experiment, model::Isolation};

use crate::job::{EnergyJob, Job, Outcome, PrepareJob, SourceJob, TrialJob};
use crate::plan::{Node, Plan, TrialNode};
use crate::process::{self, Exit};
use crate::progress::Progress;

/// Aggregation and reporting, supplied by the caller.
pub trait Finisher {
    fn aggregate(&self, experiment: &Experiment, dir: &Path) -> Result<String, String>;
    fn report(&self, experiment: &Experiment, dir: &Path) -> Result<String, String>;
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Where `results/<experiment>/` folders go.
    pub results_root: PathBuf,
    /// Start over instead of skipping recorded trials.
    pub fresh: bool,
    /// CPU slots (default: logical cores).
    pub jobs: Option<usize>,
    pub data_dir: Option<PathBuf>,
    pub allow_download: bool,
    pub powercap_root: PathBuf,
    pub sampler_period_ms: u64,
    /// The binary that serves `worker` jobs for native learners and datasets (this one).
    pub worker: PathBuf,
    /// The binary that serves torch learners (`tradeoff-torch`, linked with libtorch).
    pub torch_worker: PathBuf,
    pub progress: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            results_root: PathBuf::from("results"),
            fresh: false,
            jobs: None,
            data_dir: None,
            allow_download: true,
            powercap_root: PathBuf::from(meter::rapl::POWERCAP_ROOT),
            sampler_period_ms: meter::sampler::DEFAULT_PERIOD.as_millis() as u64,
            worker: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("tradeoff")),
            torch_worker: crate::catalogue::torch_worker(
                &std::env::current_exe().unwrap_or_else(|_| PathBuf::from("tradeoff")),
            ),
            progress: false,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct ExperimentOutcome {
    pub name: String,
    pub dir: PathBuf,
    pub recorded: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Steps that failed (preparation, aggregation, report), with the reason.
    pub errors: Vec<String>,
    /// What the finisher said (where the report is).
    pub messages: Vec<String>,
}

#[derive(Debug, Default, Clone)]
pub struct RunSummary {
    pub experiments: Vec<ExperimentOutcome>,
}

impl RunSummary {
    pub fn all_ok(&self) -> bool {
        self.experiments.iter().all(|e| e.failed == 0 && e.errors.is_empty())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] record::StoreError),
    #[error("cannot write `{path}`: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("cannot start a worker (`{exe}`): {source}")]
    Spawn { exe: String, source: std::io::Error },
}

/// Per-experiment state during a run.
struct State {
    dir: ResultsDir,
    store: RecordStore,
    recorded_keys: HashSet<String>,
    dataset: Option<DatasetFacts>,
    failed: bool,
    energy: EnergyJob,
    threads: usize,
    outcome: ExperimentOutcome,
}

struct Running {
    node: NodeIndex,
    pid: i32,
    started: Instant,
    started_at: String,
    deadline: Option<Instant>,
    timed_out: bool,
    cpu: usize,
    gpu: Option<u32>,
    exclusive: bool,
    /// The key checked when the trial started; its record carries it.
    trial_key: Option<String>,
}

/// Facts about this run that every record carries.
struct RunFacts {
    hardware: meter::HardwareInventory,
    code_sha256: String,
    torch_code_sha256: String,
    tool_version: String,
}

pub fn run(plan: &Plan, options: &RunOptions, finisher: &dyn Finisher) -> Result<RunSummary, RunError> {
    let hardware = meter::HardwareInventory::probe_with(&options.powercap_root);
    let facts = RunFacts {
        code_sha256: file_sha256(&options.worker),
        torch_code_sha256: file_sha256(&options.torch_worker),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        hardware,
    };
    let cpu_capacity = options.jobs.unwrap_or(facts.hardware.cpu.logical_cores).max(1);
    let mut states = Vec::new();
    for experiment in &plan.experiments {
        let dir = ResultsDir::of(&options.results_root, &experiment.name);
        let runs = dir.runs();
        if options.fresh && runs.exists() {
            let backup = dir.root().join(format!("runs.{}.jsonl.bak", jiff::Timestamp::now().as_second()));
            std::fs::rename(&runs, &backup)
                .map_err(|source| RunError::Io { path: runs.display().to_string(), source })?;
        }
        keep_experiment_file(experiment, &dir)?;
        let (store, existing) = RecordStore::open(&runs)?;
        let recorded_keys =
            existing.iter().filter(|r| r.status == Status::Ok).map(|r| r.trial_key.clone()).collect();
        let threads = experiment.protocol.threads.map_or(cpu_capacity, |t| t as usize).min(cpu_capacity);
        states.push(State {
            outcome: ExperimentOutcome {
                name: experiment.name.clone(),
                dir: dir.root().to_path_buf(),
                ..Default::default()
            },
            dir,
            store,
            recorded_keys,
            dataset: None,
            failed: false,
            energy: energy_job(experiment, options),
            threads,
        });
    }

    let total_trials = plan.trials().count();
    let mut progress = Progress::new(total_trials, options.progress);
    let mut remaining_preds: HashMap<NodeIndex, usize> = plan
        .graph
        .node_indices()
        .map(|n| (n, plan.graph.neighbors_directed(n, Direction::Incoming).count()))
        .collect();
    let mut ready: Vec<NodeIndex> =
        remaining_preds.iter().filter(|(_, c)| **c == 0).map(|(n, _)| *n).collect();
    let mut running: HashMap<usize, Running> = HashMap::new();
    let (sender, receiver) = mpsc::channel::<Exit>();
    let mut next_token = 0usize;
    let mut cpu_used = 0usize;
    let mut gpus_busy: HashSet<u32> = HashSet::new();
    let mut done = 0usize;
    let node_count = plan.graph.node_count();

    while done < node_count {
        ready.sort();
        // Start what fits, in plan order; an exclusive node first in line waits for the
        // machine to drain rather than being overtaken.
        let mut index = 0;
        while index < ready.len() {
            let node = ready[index];
            let needs =
                requirements(plan, &states, node, cpu_capacity, !facts.hardware.gpus.devices.is_empty());
            let exclusive_running = running.values().any(|r| r.exclusive);
            let fits = if needs.exclusive {
                running.is_empty()
            } else {
                !exclusive_running
                    && cpu_used + needs.cpu <= cpu_capacity.max(needs.cpu)
                    && needs.gpu.is_none_or(|g| !gpus_busy.contains(&g))
            };
            if !fits {
                if needs.exclusive {
                    break;
                }
                index += 1;
                continue;
            }
            ready.remove(index);
            match start(
                plan,
                &mut states,
                node,
                options,
                &facts,
                &sender,
                next_token,
                &mut progress,
                finisher,
            )? {
                Started::Running { pid, deadline, trial_key } => {
                    cpu_used += needs.cpu;
                    if let Some(g) = needs.gpu {
                        gpus_busy.insert(g);
                    }
                    running.insert(
                        next_token,
                        Running {
                            node,
                            pid,
                            started: Instant::now(),
                            started_at: now(),
                            deadline,
                            timed_out: false,
                            cpu: needs.cpu,
                            gpu: needs.gpu,
                            exclusive: needs.exclusive,
                            trial_key,
                        },
                    );
                    next_token += 1;
                }
                Started::Finished => {
                    done += 1;
                    release(plan, node, &mut remaining_preds, &mut ready);
                }
            }
        }
        if running.is_empty() {
            if ready.is_empty() && done < node_count {
                break; // nothing can make progress (should not happen in an acyclic plan)
            }
            continue;
        }
        let wait = running
            .values()
            .filter_map(|r| r.deadline)
            .map(|d| d.saturating_duration_since(Instant::now()))
            .min()
            .unwrap_or(Duration::from_secs(3600));
        match receiver.recv_timeout(wait.max(Duration::from_millis(1))) {
            Ok(exit) => {
                let Some(job) = running.remove(&exit.token) else { continue };
                cpu_used -= job.cpu;
                if let Some(g) = job.gpu {
                    gpus_busy.remove(&g);
                }
                finish(plan, &mut states, &job, &exit, &facts, &mut progress)?;
                done += 1;
                release(plan, job.node, &mut remaining_preds, &mut ready);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                for job in running.values_mut() {
                    if !job.timed_out && job.deadline.is_some_and(|d| d <= now) {
                        job.timed_out = true;
                        process::kill(job.pid);
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    progress.finish();
    Ok(RunSummary { experiments: states.into_iter().map(|s| s.outcome).collect() })
}

struct Needs {
    cpu: usize,
    gpu: Option<u32>,
    exclusive: bool,
}

fn requirements(
    plan: &Plan,
    states: &[State],
    node: NodeIndex,
    cpu_capacity: usize,
    gpus_present: bool,
) -> Needs {
    match &plan.graph[node] {
        Node::Trial(trial) => {
            let experiment = &plan.experiments[trial.experiment];
            let candidate = &experiment.candidates[trial.candidate];
            let threads =
                candidate.threads.map_or(states[trial.experiment].threads, |t| t as usize).min(cpu_capacity);
            // `auto` runs on GPU 0 when there is one, so it takes that GPU's slot too.
            let gpu = match candidate.device {
                spec::Device::Auto => gpus_present.then_some(0),
                device => device.gpu(),
            };
            let exclusive =
                experiment.protocol.isolation == Isolation::Exclusive && experiment.has_timed_metrics();
            Needs { cpu: threads.max(1), gpu, exclusive }
        }
        Node::Prepare { .. } => Needs { cpu: 1, gpu: None, exclusive: false },
        Node::Aggregate { .. } | Node::Report { .. } => Needs { cpu: 0, gpu: None, exclusive: false },
    }
}

fn release(
    plan: &Plan,
    node: NodeIndex,
    remaining: &mut HashMap<NodeIndex, usize>,
    ready: &mut Vec<NodeIndex>,
) {
    for next in plan.graph.neighbors_directed(node, Direction::Outgoing) {
        let count = remaining.get_mut(&next).expect("every node is counted");
        *count -= 1;
        if *count == 0 {
            ready.push(next);
        }
    }
}

enum Started {
    Running { pid: i32, deadline: Option<Instant>, trial_key: Option<String> },
    Finished,
}

#[allow(clippy::too_many_arguments)]
fn start(
    plan: &Plan,
    states: &mut [State],
    node: NodeIndex,
    options: &RunOptions,
    facts: &RunFacts,
    sender: &mpsc::Sender<Exit>,
    token: usize,
    progress: &mut Progress,
    finisher: &dyn Finisher,
) -> Result<Started, RunError> {
    let spawn = |job: &Job| {
        // Torch learners run in the worker linked with libtorch; everything else in the
        // lean one, so libtorch's pages never count in a native learner's peak memory.
        let exe = match job {
            Job::Trial(trial) if crate::catalogue::is_torch(&trial.learner) => &options.torch_worker,
            _ => &options.worker,
        };
        process::spawn(exe, job, token, sender.clone())
            .map_err(|source| RunError::Spawn { exe: exe.display().to_string(), source })
    };
    match &plan.graph[node] {
        Node::Prepare { experiment: e } => {
            let experiment = &plan.experiments[*e];
            let upstream_failed = experiment.depends_on.iter().any(|d| {
                plan.experiments.iter().position(|x| &x.name == d).is_some_and(|i| states[i].failed)
            });
            if upstream_failed {
                let state = &mut states[*e];
                state.failed = true;
                state.outcome.errors.push("not run: an experiment it depends on failed".into());
                return Ok(Started::Finished);
            }
            let Some(dataset) = &experiment.dataset else {
                let facts_none = DatasetFacts {
                    name: "none".into(),
                    sha256: "none".into(),
                    provenance: "no dataset: every candidate declares its figures".into(),
                    train_rows: 0,
                    test_rows: None,
                    features: 0,
                    classes: 0,
                    class_names: Vec::new(),
                    groups: Vec::new(),
                };
                write_environment(experiment, &states[*e], &facts_none, facts)?;
                record_declared(experiment, &mut states[*e], &facts_none, facts, progress)?;
                states[*e].dataset = Some(facts_none);
                return Ok(Started::Finished);
            };
            let cache_path = states[*e].dir.dataset_cache();
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
            let job = Job::Prepare(Box::new(PrepareJob {
                source,
                table: crate::catalogue::table_options(dataset),
                positive: dataset.positive.clone(),
                subsample: dataset.subsample,
                seed: data::rng::derive_seed(experiment.seed, "subsample"),
                cache_path,
                data_dir: options.data_dir.clone(),
                allow_download: options.allow_download,
            }));
            let pid = spawn(&job)?;
            // Preparation gets the trial timeout too: a dataset that hangs (a stalled download,
            // a pathological file) must not hang the run.
            let deadline =
                experiment.protocol.timeout_seconds.map(|s| Instant::now() + Duration::from_secs_f64(s));
            Ok(Started::Running { pid, deadline, trial_key: None })
        }
        Node::Trial(trial) => {
            let experiment = &plan.experiments[trial.experiment];
            let state = &mut states[trial.experiment];
            let label = trial_label(experiment, trial);
            let Some(dataset) = &state.dataset else {
                if !trial.warmup {
                    state.outcome.skipped += 1;
                }
                progress.step(&label, "skipped: no dataset");
                return Ok(Started::Finished);
            };
            let mut job = trial_job(experiment, trial, state);
            let key = trial_key(experiment, trial, &job, dataset, facts);
            if !trial.warmup {
                // Named by the trial key: a re-run of other code or inputs writes its own file.
                job.predictions = Some(state.dir.predictions(&key));
            }
            if !trial.warmup && state.recorded_keys.contains(&key) {
                state.outcome.skipped += 1;
                progress.step(&label, "already recorded");
                return Ok(Started::Finished);
            }
            let pid = spawn(&Job::Trial(Box::new(job)))?;
            progress.started(&label);
            let deadline =
                experiment.protocol.timeout_seconds.map(|s| Instant::now() + Duration::from_secs_f64(s));
            Ok(Started::Running { pid, deadline, trial_key: Some(key) })
        }
        Node::Aggregate { experiment: e } => {
            let state = &mut states[*e];
            if !state.failed {
                let result = finisher.aggregate(&plan.experiments[*e], state.dir.root());
                state.conclude("aggregation", result);
            }
            Ok(Started::Finished)
        }
        Node::Report { experiment: e } => {
            let state = &mut states[*e];
            if !state.failed {
                let result = finisher.report(&plan.experiments[*e], state.dir.root());
                state.conclude("report", result);
            }
            Ok(Started::Finished)
        }
    }
}

impl State {
    /// Records what a finishing step said; a failed step fails the experiment.
    fn conclude(&mut self, step: &str, result: Result<String, String>) {
        match result {
            Ok(message) => self.outcome.messages.push(message),
            Err(error) => {
                self.failed = true;
                self.outcome.errors.push(format!("{step} failed: {error}"));
            }
        }
    }
}

fn finish(
    plan: &Plan,
    states: &mut [State],
    job: &Running,
    exit: &Exit,
    facts: &RunFacts,
    progress: &mut Progress,
) -> Result<(), RunError> {
    let outcome: Option<Outcome> =
        exit.stdout.lines().rev().find(|l| !l.trim().is_empty()).and_then(|l| serde_json::from_str(l).ok());
    match &plan.graph[job.node] {
        Node::Prepare { experiment: e } => {
            let experiment = &plan.experiments[*e];
            let state = &mut states[*e];
            match outcome {
                Some(Outcome::Prepared(dataset)) if exit.code == Some(0) => {
                    write_environment(experiment, state, &dataset, facts)?;
                    record_declared(experiment, state, &dataset, facts, progress)?;
                    state.dataset = Some(dataset);
                }
                _ => {
                    state.failed = true;
                    let reason = if job.timed_out {
                        format!(
                            "timed out after {} (protocol timeout), killed",
                            human_seconds(experiment.protocol.timeout_seconds.unwrap_or(0.0))
                        )
                    } else {
                        process::failure_reason(exit)
                    };
                    progress.message(&format!("{}: dataset preparation failed: {reason}", experiment.name));
                    state.outcome.errors.push(format!("dataset preparation failed: {reason}"));
                }
            }
        }
        Node::Trial(trial) => {
            let experiment = &plan.experiments[trial.experiment];
            let state = &mut states[trial.experiment];
            let label = trial_label(experiment, trial);
            let seconds = job.started.elapsed().as_secs_f64();
            let (status, error, result) = match outcome {
                _ if job.timed_out => (
                    Status::Failed,
                    Some(format!(
                        "timed out after {} (protocol timeout), killed",
                        human_seconds(experiment.protocol.timeout_seconds.unwrap_or(seconds))
                    )),
                    None,
                ),
                Some(Outcome::Trial(result)) if exit.code == Some(0) => (Status::Ok, None, Some(result)),
                _ => (Status::Failed, Some(process::failure_reason(exit)), None),
            };
            if trial.warmup {
                progress.step(
                    &label,
                    &match &error {
                        None => format!("warm-up done ({seconds:.2} s), not recorded"),
                        Some(e) => format!("warm-up FAILED: {e}"),
                    },
                );
                return Ok(());
            }
            let dataset_sha256 =
                state.dataset.as_ref().expect("trials start after preparation").sha256.clone();
            let trial_key = job.trial_key.clone().expect("a trial's start sets its key");
            let candidate = &experiment.candidates[trial.candidate];
            let mut measurements = BTreeMap::new();
            let mut notes = Vec::new();
            let (mut split, mut predictions) = (None, None);
            if let Some(result) = result {
                measurements = result.measurements;
                notes = result.notes;
                split = result.split;
                predictions = result.predictions;
                if let Some(peak) = measurements.get_mut("peak_memory") {
                    // ru_maxrss as a cross-check: Linux folds the spawning process's peak into
                    // it at exec, so it is at least the scheduler's own.
                    let scheduler = meter::rusage::own_usage().peak_rss_bytes;
                    let note = peak.note.take().unwrap_or_default();
                    peak.note = Some(format!(
                        "{note}; cross-check: ru_maxrss (wait4) {:.1} MB, which includes the scheduler's own peak {:.1} MB",
                        exit.usage.peak_rss_bytes as f64 / 1e6,
                        scheduler as f64 / 1e6
                    ));
                }
                if experiment.metric("cpu_time").is_some() {
                    measurements.insert(
                        "cpu_time".into(),
                        units::Measurement::counter(exit.usage.cpu_seconds(), "s").with_note(
                            "user + system time of the worker process (wait4), data loading included",
                        ),
                    );
                }
            }
            let record = Record {
                schema_version: record::SCHEMA_VERSION,
                experiment: experiment.name.clone(),
                spec_sha256: experiment.spec_sha256.clone(),
                trial_key,
                git: git_of(experiment),
                tool_version: facts.tool_version.clone(),
                candidate: candidate.name.clone(),
                learner: candidate.learner.clone(),
                params: candidate.params.clone(),
                device: candidate.device.to_string(),
                fold: trial.fold,
                repetition: trial.repetition,
                seed: trial.seed,
                dataset_sha256,
                hardware_fingerprint: facts.hardware.fingerprint.clone(),
                status: status.clone(),
                error: error.clone(),
                started_at: job.started_at.clone(),
                ended_at: now(),
                measurements,
                split,
                predictions,
                notes,
                previous_sha256: String::new(),
                sha256: String::new(),
            };
            let record = state.store.append(record)?;
            match status {
                Status::Ok => {
                    state.outcome.recorded += 1;
                    state.recorded_keys.insert(record.trial_key.clone());
                    progress.step(&label, &format!("ok ({seconds:.2} s)"));
                }
                Status::Failed => {
                    state.outcome.failed += 1;
                    progress.step(&label, &format!("FAILED: {}", error.unwrap_or_default()));
                }
            }
        }
        Node::Aggregate { .. } | Node::Report { .. } => {}
    }
    Ok(())
}

/// Appends a record for each declared candidate not yet recorded with the same inputs.
fn record_declared(
    experiment: &Experiment,
    state: &mut State,
    dataset: &DatasetFacts,
    facts: &RunFacts,
    progress: &mut Progress,
) -> Result<(), RunError> {
    for candidate in experiment.candidates.iter().filter(|c| !c.is_run()) {
        let key = record::hash_value(&json!({
            "experiment": experiment.name,
            "candidate": candidate.name,
            "declared": candidate.declared,
            "intensity": state.energy.intensity.g_per_kwh,
            "pue": state.energy.pue.value,
            "metrics": experiment.metrics.iter().map(|m| m.name()).collect::<Vec<_>>(),
            "code": facts.code_sha256,
        }));
        if state.recorded_keys.contains(&key) {
            state.outcome.skipped += 1;
            continue;
        }
        let (measurements, notes) =
            crate::declared::measurements(experiment, candidate, &state.energy.intensity, state.energy.pue);
        let stamp = now();
        let record = Record {
            schema_version: record::SCHEMA_VERSION,
            experiment: experiment.name.clone(),
            spec_sha256: experiment.spec_sha256.clone(),
            trial_key: key.clone(),
            git: git_of(experiment),
            tool_version: facts.tool_version.clone(),
            candidate: candidate.name.clone(),
            learner: candidate.learner.clone(),
            params: candidate.params.clone(),
            device: candidate.device.to_string(),
            fold: 0,
            repetition: 0,
            seed: 0,
            dataset_sha256: dataset.sha256.clone(),
            hardware_fingerprint: facts.hardware.fingerprint.clone(),
            status: Status::Ok,
            error: None,
            started_at: stamp.clone(),
            ended_at: stamp,
            measurements,
            split: None,
            predictions: None,
            notes,
            previous_sha256: String::new(),
            sha256: String::new(),
        };
        state.store.append(record)?;
        state.recorded_keys.insert(key);
        state.outcome.recorded += 1;
        progress.message(&format!("{}: {} recorded from declared figures", experiment.name, candidate.name));
    }
    Ok(())
}

fn trial_label(experiment: &Experiment, trial: &TrialNode) -> String {
    let candidate = &experiment.candidates[trial.candidate].name;
    if trial.warmup {
        format!("{}: {candidate} warm-up {}", experiment.name, trial.repetition + 1)
    } else {
        format!("{}: {candidate} fold {} rep {}", experiment.name, trial.fold, trial.repetition)
    }
}

fn trial_job(experiment: &Experiment, trial: &TrialNode, state: &State) -> TrialJob {
    let candidate = &experiment.candidates[trial.candidate];
    let wants_rules = !trial.warmup && trial.fold == 0 && trial.repetition == 0;
    TrialJob {
        cache_path: state.dir.dataset_cache(),
        learner: candidate.learner.clone(),
        params: candidate.params.clone(),
        device: candidate.device.to_string(),
        evaluation: experiment.protocol.evaluation,
        fold: trial.fold,
        split_seed: trial.split_seed,
        seed: trial.seed,
        threads: candidate.threads.map_or(state.threads, |t| t as usize),
        metrics: crate::worker::metric_jobs(experiment),
        missing: crate::catalogue::missing_policy(candidate.missing),
        positive: experiment
            .dataset
            .as_ref()
            .and_then(|d| d.positive.as_ref())
            .and_then(|p| state.dataset.as_ref()?.class_names.iter().position(|c| c == p))
            .map(|i| i as u32),
        min_group_size: experiment.dataset.as_ref().map_or(0, |d| d.min_group_size),
        latency_samples: experiment.protocol.latency_samples,
        energy: state.energy.clone(),
        rules_path: wants_rules
            .then(|| state.dir.models().join(format!("{}.rules.txt", file_safe(&candidate.name)))),
        predictions: None,
    }
}

/// Everything that determines a trial's outcome, hashed: the same key means the same
/// inputs, the same code (the binary's hash) and the same machine.
fn trial_key(
    experiment: &Experiment,
    trial: &TrialNode,
    job: &TrialJob,
    dataset: &DatasetFacts,
    facts: &RunFacts,
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
        "code": if crate::catalogue::is_torch(&candidate.learner) { &facts.torch_code_sha256 } else { &facts.code_sha256 },
        "hardware": facts.hardware.fingerprint,
    });
    record::hash_value(&inputs)
}

fn energy_job(experiment: &Experiment, options: &RunOptions) -> EnergyJob {
    let environment = &experiment.file.environment;
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

fn dated(price: &spec::model::Price) -> meter::footprint::DatedPrice {
    meter::footprint::DatedPrice { usd: price.usd, date: price.date.clone(), note: price.note.clone() }
}

fn git_of(experiment: &Experiment) -> GitState {
    crate::git::state(experiment.path.parent().unwrap_or(Path::new(".")))
}

fn write_environment(
    experiment: &Experiment,
    state: &State,
    dataset: &DatasetFacts,
    facts: &RunFacts,
) -> Result<(), RunError> {
    let cpu = &facts.hardware.cpu;
    let mut gaps = Vec::new();
    if let Some(reason) = &facts.hardware.gpus.unavailable {
        gaps.push(format!("GPU: {reason}"));
    }
    if let Some(reason) = &facts.hardware.rapl.unavailable {
        gaps.push(format!("CPU and DRAM energy estimated: RAPL {reason}"));
    }
    let environment = Environment {
        schema_version: record::SCHEMA_VERSION,
        experiment: experiment.name.clone(),
        tool_version: facts.tool_version.clone(),
        rustc_version: env!("TRADEOFF_RUSTC_VERSION").to_string(),
        git: git_of(experiment),
        created_at: now(),
        hardware: facts.hardware.clone(),
        dataset: dataset.clone(),
        carbon_intensity: state.energy.intensity.clone(),
        pue: state.energy.pue,
        cpu_power_model: meter::estimate::CpuPowerModel::new(
            &cpu.brand,
            cpu.logical_cores,
            state.energy.cpu_tdp_w,
        ),
        rental_price: state.energy.rental_price.clone(),
        electricity_price: state.energy.electricity_price.clone(),
        threads: state.threads,
        energy_gaps: gaps,
    };
    let path = state.dir.environment();
    let text = serde_json::to_string_pretty(&environment).expect("an environment serializes") + "\n";
    std::fs::write(&path, text).map_err(|source| RunError::Io { path: path.display().to_string(), source })
}

/// Keeps the experiment file in its results folder: `experiment.toml` (what the report
/// reads) and `specs/<sha256>.toml`, every version that was run, so the audit can tell a
/// file that was run from one edited afterwards.
fn keep_experiment_file(experiment: &Experiment, dir: &ResultsDir) -> Result<(), RunError> {
    let write = |path: PathBuf| {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|source| RunError::Io { path: parent.display().to_string(), source })?;
        }
        std::fs::write(&path, &experiment.source.text)
            .map_err(|source| RunError::Io { path: path.display().to_string(), source })
    };
    write(dir.experiment())?;
    write(dir.spec_version(&experiment.spec_sha256))
}

/// SHA-256 of a file, streamed: reading the binary whole would grow the scheduler,
/// and Linux folds the scheduler's peak memory into every child's `ru_maxrss`.
fn file_sha256(path: &Path) -> String {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else { return "unknown".into() };
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(_) => return "unknown".into(),
        }
    }
    hex::encode(hasher.finalize())
}

fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' })
        .collect()
}

pub fn now() -> String {
    jiff::Timestamp::now().round(jiff::Unit::Millisecond).map(|t| t.to_string()).unwrap_or_default()
}

fn human_seconds(seconds: f64) -> String {
    if seconds >= 60.0 && seconds % 60.0 == 0.0 {
        format!("{} min", seconds / 60.0)
    } else {
        format!("{seconds} s")
    }
}

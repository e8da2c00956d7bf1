//! Running a plan: the scheduler ([`crate::schedule`]) starts ready nodes through a
//! launcher (worker processes here, or Slurm job arrays), and this module says what the
//! nodes mean: which job a node is, and what its end writes (records, the environment,
//! declared candidates' records). Trials already recorded are skipped.
//!
//! Aggregation and reports are the caller's ([`Finisher`]): the engine knows nothing of
//! them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use petgraph::graph::NodeIndex;
use record::{DatasetFacts, ExecutionFacts, RecordStore, ResultsDir, Status};
use sha2::{Digest, Sha256};
use spec::Experiment;
use spec::model::{Backend, Isolation};

use crate::environment::{self, EnvironmentInputs};
use crate::job::build::{self, TrialInputs};
use crate::job::{EnergyJob, Job, Outcome};
use crate::launch::local::LocalLauncher;
use crate::launch::slurm::SlurmLauncher;
use crate::launch::{Ended, Launch, LaunchError, Needs};
use crate::plan::{Node, Plan, TrialNode};
use crate::progress::Progress;
use crate::records::{self, Provenance};
use crate::schedule::{self, Begin, Limits, Ran, Scheduled, Stopped, Work};

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
    /// Where trials run, over the experiment files' `[execution] backend`.
    pub backend: Option<Backend>,
    /// Slurm options over the files' (a `Some` wins; `sbatch_args` are added).
    pub slurm: spec::SlurmOptions,
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
            backend: None,
            slurm: spec::SlurmOptions::default(),
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
    /// Set when Ctrl-C stopped the run: what was cancelled.
    pub interrupted: Option<String>,
}

impl RunSummary {
    pub fn all_ok(&self) -> bool {
        self.interrupted.is_none() && self.experiments.iter().all(|e| e.failed == 0 && e.errors.is_empty())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] record::StoreError),
    #[error("cannot write `{path}`: {source}")]
    Io { path: String, source: std::io::Error },
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error("{0}")]
    Config(String),
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
    /// Slurm's options for this experiment (file, then command line), on a cluster run.
    slurm: Option<spec::SlurmOptions>,
    /// The hardware `environment.json` describes: this machine, or on a cluster run the
    /// first node that reported.
    hardware: meter::HardwareInventory,
    hardware_is_node: bool,
}

/// Facts about this run that every record carries.
struct RunFacts {
    hardware: meter::HardwareInventory,
    code_sha256: String,
    torch_code_sha256: String,
    tool_version: String,
}

pub fn run(plan: &Plan, options: &RunOptions, finisher: &dyn Finisher) -> Result<RunSummary, RunError> {
    let backend = backend_of(plan, options)?;
    if backend == Backend::Slurm {
        SlurmLauncher::available().map_err(|e| RunError::Config(format!("backend = \"slurm\": {e}")))?;
    }
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
        environment::keep_experiment_file(experiment, &dir)?;
        let (store, existing) = RecordStore::open(&runs)?;
        let recorded_keys =
            existing.iter().filter(|r| r.status == Status::Ok).map(|r| r.trial_key.clone()).collect();
        let threads = experiment.protocol.threads.map_or(cpu_capacity, |t| t as usize).min(cpu_capacity);
        let slurm =
            (backend == Backend::Slurm).then(|| merge_slurm(&experiment.execution.slurm, &options.slurm));
        let node_hardware = slurm.as_ref().and_then(|_| environment::read_node_hardware(&dir));
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
            energy: build::energy_job(experiment, options),
            threads,
            slurm,
            hardware_is_node: node_hardware.is_some(),
            hardware: node_hardware.unwrap_or_else(|| facts.hardware.clone()),
        });
    }
    let queue_timeout = states
        .iter()
        .filter_map(|s| s.slurm.as_ref())
        .map(|s| s.queue_timeout_seconds.unwrap_or(86_400.0))
        .reduce(f64::min)
        .map(Duration::from_secs_f64);
    let total_trials = plan.trials().count();
    let mut work = Run {
        plan,
        options,
        finisher,
        gpus_present: !facts.hardware.gpus.devices.is_empty(),
        facts,
        states,
        progress: Progress::new(total_trials, options.progress),
        cpu_capacity,
        keys: HashMap::new(),
    };
    let limits = Limits { cpu_capacity, queue_timeout, interrupted: crate::interrupt::flag() };
    let scheduled = match backend {
        Backend::Local => schedule::schedule(&plan.graph, &mut work, &mut LocalLauncher::new(), &limits)?,
        Backend::Slurm => schedule::schedule(&plan.graph, &mut work, &mut SlurmLauncher::new(), &limits)?,
    };
    work.progress.finish();
    let interrupted = match scheduled {
        Scheduled::Complete => None,
        Scheduled::Interrupted(said) => Some(said.unwrap_or_else(|| "nothing was running".into())),
    };
    Ok(RunSummary { experiments: work.states.into_iter().map(|s| s.outcome).collect(), interrupted })
}

/// The backend every experiment of the plan runs on: the command line's, else the files'
/// (which must agree, since one scheduler drives them all).
fn backend_of(plan: &Plan, options: &RunOptions) -> Result<Backend, RunError> {
    if let Some(backend) = options.backend {
        return Ok(backend);
    }
    let mut backends: Vec<(Backend, &str)> =
        plan.experiments.iter().map(|e| (e.execution.backend, e.name.as_str())).collect();
    backends.sort_by_key(|(b, _)| *b == Backend::Slurm);
    match (backends.first(), backends.last()) {
        (Some((first, a)), Some((last, b))) if first != last => Err(RunError::Config(format!(
            "experiments `{a}` and `{b}` ask for different `[execution] backend`s; run them separately or pass `--backend`"
        ))),
        (Some((backend, _)), _) => Ok(*backend),
        _ => Ok(Backend::Local),
    }
}

/// The file's Slurm options with the command line's over them.
fn merge_slurm(file: &spec::SlurmOptions, flags: &spec::SlurmOptions) -> spec::SlurmOptions {
    spec::SlurmOptions {
        partition: flags.partition.clone().or(file.partition.clone()),
        account: flags.account.clone().or(file.account.clone()),
        qos: flags.qos.clone().or(file.qos.clone()),
        time_seconds: flags.time_seconds.or(file.time_seconds),
        gres: flags.gres.clone().or(file.gres.clone()),
        exclusive: flags.exclusive.or(file.exclusive),
        max_parallel: flags.max_parallel.or(file.max_parallel),
        sbatch_args: file.sbatch_args.iter().chain(&flags.sbatch_args).cloned().collect(),
        queue_timeout_seconds: flags.queue_timeout_seconds.or(file.queue_timeout_seconds),
    }
}

/// The plan's nodes as work for the scheduler.
struct Run<'a> {
    plan: &'a Plan,
    options: &'a RunOptions,
    finisher: &'a dyn Finisher,
    facts: RunFacts,
    states: Vec<State>,
    progress: Progress,
    cpu_capacity: usize,
    gpus_present: bool,
    /// The key each started trial was checked under, for its record.
    keys: HashMap<NodeIndex, String>,
}

impl Work for Run<'_> {
    fn needs(&self, node: NodeIndex) -> Needs {
        match &self.plan.graph[node] {
            Node::Trial(trial) => {
                let experiment = &self.plan.experiments[trial.experiment];
                let candidate = &experiment.candidates[trial.candidate];
                let threads = candidate
                    .threads
                    .map_or(self.states[trial.experiment].threads, |t| t as usize)
                    .min(self.cpu_capacity);
                // `auto` runs on GPU 0 when there is one, so it takes that GPU's slot too.
                let gpu = match candidate.device {
                    spec::Device::Auto => self.gpus_present.then_some(0),
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

    fn begin(&mut self, node: NodeIndex) -> Result<Begin, RunError> {
        let plan = self.plan;
        match &plan.graph[node] {
            Node::Prepare { experiment: e } => self.begin_prepare(node, *e),
            Node::Trial(trial) => {
                let experiment = &plan.experiments[trial.experiment];
                let label = build::trial_label(experiment, trial);
                let needs = self.needs(node);
                let Some((mut job, key, cluster)) = self.trial_parts(trial, needs) else {
                    let state = &mut self.states[trial.experiment];
                    if !trial.warmup {
                        state.outcome.skipped += 1;
                    }
                    self.progress.step(&label, "skipped: no dataset");
                    return Ok(Begin::Done);
                };
                let state = &mut self.states[trial.experiment];
                if !trial.warmup {
                    // Named by the trial key: a re-run of other code or inputs writes its own file.
                    job.predictions = Some(state.dir.predictions(&key));
                }
                if !trial.warmup && state.recorded_keys.contains(&key) {
                    state.outcome.skipped += 1;
                    self.progress.step(&label, "already recorded");
                    return Ok(Begin::Done);
                }
                let is_torch = crate::catalogue::is_torch(&experiment.candidates[trial.candidate].learner);
                let exe = if is_torch { &self.options.torch_worker } else { &self.options.worker };
                self.progress.started(&label);
                self.keys.insert(node, key.clone());
                let launch = Launch {
                    exe: exe.clone(),
                    job: Job::Trial(Box::new(job)),
                    needs,
                    key: Some(key),
                    label,
                    cluster,
                };
                let timeout = experiment.protocol.timeout_seconds.map(Duration::from_secs_f64);
                Ok(Begin::Launch(Box::new(launch), timeout))
            }
            Node::Aggregate { experiment: e } => {
                let state = &mut self.states[*e];
                if !state.failed {
                    let result = self.finisher.aggregate(&plan.experiments[*e], state.dir.root());
                    state.conclude("aggregation", result);
                }
                Ok(Begin::Done)
            }
            Node::Report { experiment: e } => {
                let state = &mut self.states[*e];
                if !state.failed {
                    let result = self.finisher.report(&plan.experiments[*e], state.dir.root());
                    state.conclude("report", result);
                }
                Ok(Begin::Done)
            }
        }
    }

    fn end(&mut self, node: NodeIndex, ended: Ended, ran: Ran) -> Result<(), RunError> {
        let plan = self.plan;
        match &plan.graph[node] {
            Node::Prepare { experiment: e } => self.end_prepare(*e, &ended, &ran),
            Node::Trial(trial) => {
                let experiment = &plan.experiments[trial.experiment];
                let label = build::trial_label(experiment, trial);
                if trial.warmup {
                    let (_, error, _) = records::judge(experiment, &ended, &ran);
                    let status = match error {
                        None => format!("warm-up done ({:.2} s), not recorded", ran.seconds),
                        Some(e) => format!("warm-up FAILED: {e}"),
                    };
                    self.progress.step(&label, &status);
                    return Ok(());
                }
                let dataset_sha256 = self.states[trial.experiment]
                    .dataset
                    .as_ref()
                    .expect("trials start after preparation")
                    .sha256
                    .clone();
                // The key checked when the trial started.
                let trial_key = self.keys.remove(&node).expect("a trial's start sets its key");
                let state = &mut self.states[trial.experiment];
                let provenance = Provenance {
                    experiment,
                    tool_version: &self.facts.tool_version,
                    git: git_of(experiment),
                    dataset_sha256: &dataset_sha256,
                    hardware_fingerprint: &state.hardware.fingerprint,
                };
                let record = records::trial_record(&provenance, trial, trial_key, &ended, &ran);
                let node_hardware = if record.status == Status::Ok { node_hardware_of(&ended) } else { None };
                let record = state.store.append(record)?;
                match record.status {
                    Status::Ok => {
                        state.outcome.recorded += 1;
                        state.recorded_keys.insert(record.trial_key.clone());
                        self.progress.step(&label, &format!("ok ({:.2} s)", ran.seconds));
                    }
                    Status::Failed => {
                        state.outcome.failed += 1;
                        self.progress
                            .step(&label, &format!("FAILED: {}", record.error.clone().unwrap_or_default()));
                    }
                }
                if let Some(hardware) = node_hardware
                    && !state.hardware_is_node
                {
                    // The first node to report describes the run's hardware from now on.
                    environment::write_node_hardware(&state.dir, &hardware)?;
                    state.hardware = hardware;
                    state.hardware_is_node = true;
                    self.rewrite_environment(trial.experiment)?;
                }
                Ok(())
            }
            Node::Aggregate { .. } | Node::Report { .. } => Ok(()),
        }
    }
}

/// The node hardware a worker reported, if it ran on a cluster node.
fn node_hardware_of(ended: &Ended) -> Option<meter::HardwareInventory> {
    let line = ended.stdout.lines().rev().find(|l| !l.trim().is_empty())?;
    match serde_json::from_str::<Outcome>(line).ok()? {
        Outcome::Trial(result) => result.hardware,
        _ => None,
    }
}

impl Run<'_> {
    /// A trial's job, its key and what a cluster is asked for; none before its dataset
    /// is prepared (or when preparation failed).
    fn trial_parts(
        &self,
        trial: &TrialNode,
        needs: Needs,
    ) -> Option<(crate::job::TrialJob, String, Option<crate::launch::ClusterRequest>)> {
        let experiment = &self.plan.experiments[trial.experiment];
        let state = &self.states[trial.experiment];
        let dataset = state.dataset.as_ref()?;
        let candidate = &experiment.candidates[trial.candidate];
        let inputs = TrialInputs {
            dir: &state.dir,
            dataset,
            threads: state.threads,
            energy: &state.energy,
            report_hardware: state.slurm.is_some(),
        };
        let job = build::trial_job(experiment, trial, &inputs);
        let cluster = state.slurm.as_ref().map(|slurm| {
            build::cluster_request(
                experiment,
                slurm,
                &state.dir.spool(),
                needs,
                candidate.device.gpu().is_some(),
            )
        });
        let machine = match &cluster {
            Some(request) => build::cluster_machine(request),
            None => self.facts.hardware.fingerprint.clone(),
        };
        let code = if crate::catalogue::is_torch(&candidate.learner) {
            &self.facts.torch_code_sha256
        } else {
            &self.facts.code_sha256
        };
        let key = build::trial_key(experiment, trial, &job, dataset, code, &machine);
        Some((job, key, cluster))
    }

    /// Writes `plan.json`: the keys of every recorded trial the current plan has, so the
    /// report and the audit use exactly these records and list the others.
    fn write_plan_keys(&self, e: usize) -> Result<(), RunError> {
        let experiment = &self.plan.experiments[e];
        let state = &self.states[e];
        let mut keys = Vec::new();
        for node in self.plan.graph.node_indices() {
            if let Node::Trial(trial) = &self.plan.graph[node]
                && trial.experiment == e
                && !trial.warmup
                && let Some((_, key, _)) = self.trial_parts(trial, self.needs(node))
            {
                keys.push(key);
            }
        }
        for candidate in experiment.candidates.iter().filter(|c| !c.is_run()) {
            keys.push(records::declared_key(experiment, candidate, &state.energy, &self.facts.code_sha256));
        }
        let plan = record::PlanKeys { spec_sha256: experiment.spec_sha256.clone(), trial_keys: keys };
        let path = state.dir.plan();
        let text = serde_json::to_string_pretty(&plan).expect("plan keys serialize") + "\n";
        std::fs::write(&path, text)
            .map_err(|source| RunError::Io { path: path.display().to_string(), source })
    }

    fn begin_prepare(&mut self, node: NodeIndex, e: usize) -> Result<Begin, RunError> {
        let plan = self.plan;
        let experiment = &plan.experiments[e];
        let upstream_failed = experiment.depends_on.iter().any(|d| {
            plan.experiments.iter().position(|x| &x.name == d).is_some_and(|i| self.states[i].failed)
        });
        if upstream_failed {
            let state = &mut self.states[e];
            state.failed = true;
            state.outcome.errors.push("not run: an experiment it depends on failed".into());
            return Ok(Begin::Done);
        }
        let Some(job) = build::prepare_job(experiment, &self.states[e].dir, self.options) else {
            let none = DatasetFacts {
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
            self.prepared(e, none)?;
            return Ok(Begin::Done);
        };
        let needs = self.needs(node);
        let state = &self.states[e];
        let cluster = state
            .slurm
            .as_ref()
            .map(|slurm| build::cluster_request(experiment, slurm, &state.dir.spool(), needs, false));
        let launch = Launch {
            exe: self.options.worker.clone(),
            job: Job::Prepare(Box::new(job)),
            needs,
            key: None,
            label: format!("{}: prepare dataset", experiment.name),
            cluster,
        };
        // Preparation gets the trial timeout too: a dataset that hangs (a stalled download,
        // a pathological file) must not hang the run.
        let timeout = experiment.protocol.timeout_seconds.map(Duration::from_secs_f64);
        Ok(Begin::Launch(Box::new(launch), timeout))
    }

    fn end_prepare(&mut self, e: usize, ended: &Ended, ran: &Ran) -> Result<(), RunError> {
        let experiment = &self.plan.experiments[e];
        let outcome: Option<Outcome> = ended
            .stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| serde_json::from_str(l).ok());
        match outcome {
            Some(Outcome::Prepared(dataset))
                if ended.code == Some(0) && ran.stopped.is_none() && ended.failure.is_none() =>
            {
                self.prepared(e, dataset)
            }
            _ => {
                let state = &mut self.states[e];
                state.failed = true;
                let reason = match ran.stopped {
                    Some(Stopped::TimedOut(_)) => format!(
                        "timed out after {} (protocol timeout), killed",
                        records::human_seconds(experiment.protocol.timeout_seconds.unwrap_or(0.0))
                    ),
                    Some(Stopped::NeverStarted(limit)) => format!(
                        "never started: still queued after {}",
                        records::human_seconds(limit.as_secs_f64())
                    ),
                    None => ended.failure.clone().unwrap_or_else(|| crate::process::failure_reason(ended)),
                };
                self.progress.message(&format!("{}: dataset preparation failed: {reason}", experiment.name));
                state.outcome.errors.push(format!("dataset preparation failed: {reason}"));
                Ok(())
            }
        }
    }

    /// The dataset is ready: write the environment and the declared candidates' records.
    fn prepared(&mut self, e: usize, dataset: DatasetFacts) -> Result<(), RunError> {
        self.states[e].dataset = Some(dataset);
        self.rewrite_environment(e)?;
        self.write_plan_keys(e)?;
        let experiment = &self.plan.experiments[e];
        let state = &mut self.states[e];
        let dataset = state.dataset.as_ref().expect("set above");
        for candidate in experiment.candidates.iter().filter(|c| !c.is_run()) {
            let key = records::declared_key(experiment, candidate, &state.energy, &self.facts.code_sha256);
            if state.recorded_keys.contains(&key) {
                state.outcome.skipped += 1;
                continue;
            }
            let provenance = Provenance {
                experiment,
                tool_version: &self.facts.tool_version,
                git: git_of(experiment),
                dataset_sha256: &dataset.sha256,
                hardware_fingerprint: &self.facts.hardware.fingerprint,
            };
            let record =
                records::declared_record(&provenance, candidate, &state.energy, &self.facts.code_sha256);
            state.store.append(record)?;
            state.recorded_keys.insert(key);
            state.outcome.recorded += 1;
            self.progress
                .message(&format!("{}: {} recorded from declared figures", experiment.name, candidate.name));
        }
        Ok(())
    }

    fn rewrite_environment(&self, e: usize) -> Result<(), RunError> {
        let experiment = &self.plan.experiments[e];
        let state = &self.states[e];
        let Some(dataset) = &state.dataset else { return Ok(()) };
        let execution = state.slurm.as_ref().map(|slurm| ExecutionFacts {
            backend: "slurm".into(),
            partition: slurm.partition.clone(),
            submitted_from: hostname(),
            hardware_from: if state.hardware_is_node {
                "the first compute node that ran a trial".into()
            } else {
                "the submitting machine (no compute node has reported yet)".into()
            },
        });
        let inputs = EnvironmentInputs {
            hardware: &state.hardware,
            tool_version: &self.facts.tool_version,
            git: git_of(experiment),
            dataset,
            energy: &state.energy,
            threads: state.threads,
            execution,
        };
        environment::write_environment(experiment, &state.dir, &inputs)
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

fn git_of(experiment: &Experiment) -> record::GitState {
    crate::git::state(experiment.path.parent().unwrap_or(Path::new(".")))
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map_or_else(|_| "unknown".into(), |h| h.trim().to_string())
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

pub fn now() -> String {
    jiff::Timestamp::now().round(jiff::Unit::Millisecond).map(|t| t.to_string()).unwrap_or_default()
}

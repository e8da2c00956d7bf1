//! Trials as Slurm job arrays: units that ask for the same resources are submitted
//! together with `sbatch --array`, each task running `tradeoff worker` on a job file in
//! the experiment's spool folder; `scontrol show job` is polled for their states, and each
//! finished task's output file is its outcome. The orchestrator stays the only writer of
//! the records.
//!
//! The spool keeps, per submitted array (`spool/<batch>/`): the job files, the script,
//! `batch.json` (the job id and which trial key each task serves) and the tasks' output.
//! A re-run re-attaches to a task of an earlier run by its trial key instead of
//! submitting it twice; a task whose outcome was recorded (or that Ctrl-C cancelled) is
//! marked `<index>.closed` and never collected again. Needs a file system shared by this
//! machine and the nodes (the results folder and the binaries), as Slurm clusters have.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{ClusterRequest, Ended, Event, Launch, LaunchError, Launcher, Token};

/// How often `scontrol` is asked by default (`TRADEOFF_SLURM_POLL_MS` overrides).
const DEFAULT_POLL: Duration = Duration::from_secs(1);
/// How long a completed task's output may take to appear on a shared file system.
const OUTPUT_GRACE: Duration = Duration::from_secs(15);

/// What `batch.json` holds: one submitted array.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Batch {
    /// Slurm's id of the array; none if the orchestrator died before `sbatch` answered
    /// (the job is then found by its name).
    pub job_id: Option<String>,
    /// `--job-name`, unique per batch.
    pub name: String,
    pub submitted_at: String,
    pub partition: Option<String>,
    pub tasks: Vec<BatchTask>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchTask {
    pub index: u32,
    pub key: Option<String>,
    pub label: String,
}

/// One submitted (or re-attached) unit.
#[derive(Debug, Clone)]
struct Task {
    job_id: String,
    index: u32,
    batch: PathBuf,
    partition: Option<String>,
    running: bool,
    /// When Slurm first said it ended (the output may lag on a shared file system).
    ended_seen: Option<Instant>,
}

/// A task of an earlier run, found in a spool.
#[derive(Debug, Clone)]
struct Earlier {
    batch: PathBuf,
    job_id: Option<String>,
    name: String,
    index: u32,
    partition: Option<String>,
}

pub struct SlurmLauncher {
    poll: Duration,
    last_poll: Option<Instant>,
    /// Units not yet submitted, by what their job asks for, in arrival order.
    pending: Vec<(GroupKey, Vec<(Token, Launch)>)>,
    tasks: HashMap<Token, Task>,
    /// Ended tasks whose outcome the scheduler has not yet said it recorded.
    ended: HashMap<Token, Task>,
    events: VecDeque<Event>,
    /// Per spool folder: the unclosed tasks of earlier runs by trial key.
    earlier: HashMap<PathBuf, HashMap<String, Earlier>>,
    batches: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct GroupKey {
    exe: PathBuf,
    request: ClusterRequest,
}

impl Default for SlurmLauncher {
    fn default() -> Self {
        Self::new()
    }
}

impl SlurmLauncher {
    pub fn new() -> Self {
        let poll = std::env::var("TRADEOFF_SLURM_POLL_MS")
            .ok()
            .and_then(|ms| ms.parse::<u64>().ok())
            .map_or(DEFAULT_POLL, Duration::from_millis);
        SlurmLauncher {
            poll,
            last_poll: None,
            pending: Vec::new(),
            tasks: HashMap::new(),
            ended: HashMap::new(),
            events: VecDeque::new(),
            earlier: HashMap::new(),
            batches: 0,
        }
    }

    /// Whether `sbatch` can be run at all, with the reason if not.
    pub fn available() -> Result<(), String> {
        match Command::new("sbatch").arg("--version").output() {
            Ok(out) if out.status.success() => Ok(()),
            Ok(out) => {
                Err(format!("`sbatch --version` failed: {}", String::from_utf8_lossy(&out.stderr).trim()))
            }
            Err(e) => Err(format!("`sbatch` cannot be run ({e}): is Slurm's client installed and on PATH?")),
        }
    }

    /// The unclosed tasks of earlier runs in a spool, by trial key (the latest wins).
    fn earlier_in(&mut self, spool: &Path) -> &HashMap<String, Earlier> {
        self.earlier.entry(spool.to_path_buf()).or_insert_with(|| {
            let mut found: HashMap<String, Earlier> = HashMap::new();
            for (batch_dir, batch) in read_batches(spool) {
                for task in &batch.tasks {
                    let Some(key) = &task.key else { continue };
                    if batch_dir.join(format!("{}.closed", task.index)).exists() {
                        continue;
                    }
                    found.insert(
                        key.clone(),
                        Earlier {
                            batch: batch_dir.clone(),
                            job_id: batch.job_id.clone(),
                            name: batch.name.clone(),
                            index: task.index,
                            partition: batch.partition.clone(),
                        },
                    );
                }
            }
            found
        })
    }

    /// Submits every pending group as one job array.
    fn submit_pending(&mut self) -> Result<(), LaunchError> {
        for (group, units) in std::mem::take(&mut self.pending) {
            self.batches += 1;
            let stamp = jiff::Timestamp::now();
            let name = format!("tradeoff-{}-{}-{}", stamp.as_millisecond(), std::process::id(), self.batches);
            // Absolute, so the tasks find their files whatever folder Slurm starts them in.
            let spool = std::path::absolute(&group.request.spool)
                .map_err(|source| io(&group.request.spool, source))?;
            let batch_dir = spool.join(&name);
            std::fs::create_dir_all(&batch_dir).map_err(|source| io(&batch_dir, source))?;
            let mut tasks = Vec::new();
            for (index, (_, launch)) in units.iter().enumerate() {
                let path = batch_dir.join(format!("{index}.job.json"));
                let text = serde_json::to_vec(&launch.job).expect("a job serializes");
                std::fs::write(&path, text).map_err(|source| io(&path, source))?;
                tasks.push(BatchTask {
                    index: index as u32,
                    key: launch.key.clone(),
                    label: launch.label.clone(),
                });
            }
            let script = batch_dir.join("run.sh");
            // The job files name the results folder relative to where `tradeoff run` was
            // started: the task starts there too.
            let here = std::env::current_dir().map_err(|source| io(Path::new("."), source))?;
            let exe = std::path::absolute(&group.exe).map_err(|source| io(&group.exe, source))?;
            let body = format!(
                "#!/bin/sh\n# Written by tradeoff: task N of this array serves the job in N.job.json.\ncd {} || exit 2\nexec {} worker < {}/\"$SLURM_ARRAY_TASK_ID.job.json\"\n",
                shell_quote(&here.display().to_string()),
                shell_quote(&exe.display().to_string()),
                shell_quote(&batch_dir.display().to_string())
            );
            std::fs::write(&script, body).map_err(|source| io(&script, source))?;
            let mut batch = Batch {
                job_id: None,
                name: name.clone(),
                submitted_at: crate::run::now(),
                partition: group.request.partition.clone(),
                tasks,
            };
            write_batch(&batch_dir, &batch)?;
            let mut array = format!("0-{}", units.len() - 1);
            if let Some(limit) = group.request.max_parallel {
                array.push_str(&format!("%{limit}"));
            }
            let mut command = Command::new("sbatch");
            command
                .arg("--parsable")
                .arg(format!("--job-name={name}"))
                .arg(format!("--array={array}"))
                .arg(format!("--output={}/%a.out", batch_dir.display()))
                .arg(format!("--error={}/%a.err", batch_dir.display()))
                .args(&group.request.args)
                .arg(&script);
            let output = command.output().map_err(|e| {
                LaunchError::Cluster(format!(
                    "cannot run `sbatch` ({e}): is Slurm's client installed and on PATH?"
                ))
            })?;
            if !output.status.success() {
                return Err(LaunchError::Cluster(format!(
                    "sbatch refused the job array ({} tasks, options {}): {}",
                    units.len(),
                    group.request.args.join(" "),
                    String::from_utf8_lossy(&output.stderr).trim()
                )));
            }
            let answer = String::from_utf8_lossy(&output.stdout);
            let job_id = answer.trim().split(';').next().unwrap_or_default().to_string();
            if job_id.is_empty() || !job_id.chars().all(|c| c.is_ascii_digit()) {
                return Err(LaunchError::Cluster(format!(
                    "sbatch answered `{}`, not a job id",
                    answer.trim()
                )));
            }
            batch.job_id = Some(job_id.clone());
            write_batch(&batch_dir, &batch)?;
            for (index, (token, _)) in units.into_iter().enumerate() {
                self.tasks.insert(
                    token,
                    Task {
                        job_id: job_id.clone(),
                        index: index as u32,
                        batch: batch_dir.clone(),
                        partition: group.request.partition.clone(),
                        running: false,
                        ended_seen: None,
                    },
                );
            }
        }
        Ok(())
    }

    /// Asks Slurm for the state of every task not yet ended and queues the events.
    fn poll(&mut self) {
        let jobs: BTreeSet<String> = self.tasks.values().map(|t| t.job_id.clone()).collect();
        let mut states: HashMap<(String, u32), TaskState> = HashMap::new();
        let mut unknown: BTreeSet<String> = BTreeSet::new();
        for job in &jobs {
            match show_job(job) {
                Some(found) => states.extend(found),
                None => {
                    unknown.insert(job.clone());
                }
            }
        }
        let mut tokens: Vec<Token> = self.tasks.keys().copied().collect();
        tokens.sort_unstable();
        for token in tokens {
            let task = self.tasks[&token].clone();
            let state = states.get(&(task.job_id.clone(), task.index)).cloned().or_else(|| {
                // Slurm forgot the job (past MinJobAge): the output file is all there is.
                unknown.contains(&task.job_id).then(|| TaskState::forgotten(&task))
            });
            let Some(state) = state else { continue };
            if state.is_running_or_done() && !task.running {
                self.tasks.get_mut(&token).expect("present").running = true;
                self.events.push_back(Event::Running { token, node: state.node.clone() });
            }
            if !state.is_final() {
                continue;
            }
            let stdout = read_lossy(&task.batch.join(format!("{}.out", task.index)));
            let stderr = read_lossy(&task.batch.join(format!("{}.err", task.index)));
            // A completed task's output can lag behind Slurm's word on a shared file system.
            if state.state == "COMPLETED" && last_line(&stdout).is_none() {
                let seen =
                    *self.tasks.get_mut(&token).expect("present").ended_seen.get_or_insert_with(Instant::now);
                if seen.elapsed() < OUTPUT_GRACE {
                    continue;
                }
            }
            if let Some(task) = self.tasks.remove(&token) {
                self.ended.insert(token, task);
            }
            let (code, signal) = state.exit;
            let failure = state.failure();
            self.events.push_back(Event::Ended(Ended {
                token,
                code,
                signal: signal.filter(|&s| s != 0),
                usage: None,
                stdout,
                stderr,
                failure,
                placement: Some(record::Placement {
                    backend: "slurm".into(),
                    job_id: task.job_id.clone(),
                    array_index: task.index,
                    node: state.node.clone().unwrap_or_default(),
                    partition: state.partition.clone().or(task.partition.clone()),
                }),
            }));
        }
        self.last_poll = Some(Instant::now());
    }

    fn scancel(&self, targets: &[String]) -> bool {
        if targets.is_empty() {
            return true;
        }
        Command::new("scancel").args(targets).output().is_ok_and(|o| o.status.success())
    }
}

impl Launcher for SlurmLauncher {
    fn places_work(&self) -> bool {
        true
    }

    fn start(&mut self, token: Token, launch: Launch) -> Result<bool, LaunchError> {
        let Some(request) = launch.cluster.clone() else {
            return Err(LaunchError::Cluster(format!("{}: no Slurm request for this unit", launch.label)));
        };
        if let Some(key) = &launch.key
            && let Some(earlier) = self.earlier_in(&request.spool).get(key).cloned()
        {
            let job_id = earlier.job_id.clone().or_else(|| job_id_by_name(&earlier.name));
            if let Some(job_id) = job_id {
                self.earlier.get_mut(&request.spool).expect("read above").remove(key);
                self.tasks.insert(
                    token,
                    Task {
                        job_id,
                        index: earlier.index,
                        batch: earlier.batch,
                        partition: earlier.partition,
                        running: false,
                        ended_seen: None,
                    },
                );
                return Ok(false);
            }
        }
        let group = GroupKey { exe: launch.exe.clone(), request };
        match self.pending.iter_mut().find(|(g, _)| *g == group) {
            Some((_, units)) => units.push((token, launch)),
            None => self.pending.push((group, vec![(token, launch)])),
        }
        Ok(false)
    }

    fn next(&mut self, timeout: Duration) -> Result<Option<Event>, LaunchError> {
        if let Some(event) = self.events.pop_front() {
            return Ok(Some(event));
        }
        self.submit_pending()?;
        let due = self.last_poll.map_or(Duration::ZERO, |last| self.poll.saturating_sub(last.elapsed()));
        if due > timeout {
            std::thread::sleep(timeout);
            return Ok(None);
        }
        std::thread::sleep(due);
        if !self.tasks.is_empty() {
            self.poll();
        } else {
            self.last_poll = Some(Instant::now());
        }
        Ok(self.events.pop_front())
    }

    fn cancel(&mut self, token: Token) {
        if let Some(task) = self.tasks.get(&token) {
            let target = format!("{}_{}", task.job_id, task.index);
            self.scancel(&[target]);
        }
    }

    fn cancel_all(&mut self) -> Option<String> {
        let mut jobs: BTreeSet<String> = BTreeSet::new();
        for task in self.tasks.values() {
            jobs.insert(task.job_id.clone());
            // Ctrl-C'd tasks are not collected by a later run: it submits them afresh.
            let _ = std::fs::write(task.batch.join(format!("{}.closed", task.index)), b"cancelled\n");
        }
        let pending: usize = self.pending.iter().map(|(_, units)| units.len()).sum();
        self.pending.clear();
        if jobs.is_empty() {
            return (pending > 0).then(|| format!("{pending} trial(s) were not submitted"));
        }
        let targets: Vec<String> = jobs.iter().cloned().collect();
        let ok = self.scancel(&targets);
        Some(format!(
            "{} Slurm job(s) {} ({} unfinished task(s)){}",
            if ok { "cancelled" } else { "could not cancel" },
            targets.join(", "),
            self.tasks.len(),
            if ok { "" } else { ": run `scancel` on them yourself" }
        ))
    }

    /// A recorded task is closed: no later run collects it again.
    fn collected(&mut self, token: Token) {
        if let Some(task) = self.ended.remove(&token) {
            let _ = std::fs::write(task.batch.join(format!("{}.closed", task.index)), b"recorded\n");
        }
    }
}

/// The batches of a spool folder, oldest first.
pub fn read_batches(spool: &Path) -> Vec<(PathBuf, Batch)> {
    let Ok(entries) = std::fs::read_dir(spool) else { return Vec::new() };
    let mut batches: Vec<(PathBuf, Batch)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter_map(|dir| {
            let text = std::fs::read_to_string(dir.join("batch.json")).ok()?;
            Some((dir, serde_json::from_str::<Batch>(&text).ok()?))
        })
        .collect();
    batches.sort_by(|a, b| a.1.submitted_at.cmp(&b.1.submitted_at).then(a.0.cmp(&b.0)));
    batches
}

fn write_batch(dir: &Path, batch: &Batch) -> Result<(), LaunchError> {
    let path = dir.join("batch.json");
    let temporary = dir.join("batch.json.tmp");
    let text = serde_json::to_string_pretty(batch).expect("a batch serializes") + "\n";
    std::fs::write(&temporary, text).map_err(|source| io(&temporary, source))?;
    std::fs::rename(&temporary, &path).map_err(|source| io(&path, source))
}

fn io(path: &Path, source: std::io::Error) -> LaunchError {
    LaunchError::Io { path: path.display().to_string(), source }
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

fn last_line(text: &str) -> Option<&str> {
    text.lines().rev().find(|l| !l.trim().is_empty())
}

/// `'text'` for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// One task's state as `scontrol show job` gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskState {
    pub state: String,
    pub reason: Option<String>,
    /// Exit code and signal (`ExitCode=3:0`).
    pub exit: (Option<i32>, Option<i32>),
    pub node: Option<String>,
    pub partition: Option<String>,
}

impl TaskState {
    fn forgotten(task: &Task) -> TaskState {
        let stdout = read_lossy(&task.batch.join(format!("{}.out", task.index)));
        let has_outcome = last_line(&stdout).is_some_and(|l| {
            matches!(
                serde_json::from_str::<crate::job::Outcome>(l),
                Ok(crate::job::Outcome::Trial(_) | crate::job::Outcome::Prepared(_))
            )
        });
        TaskState {
            state: if has_outcome { "COMPLETED".into() } else { "FORGOTTEN".into() },
            reason: None,
            exit: if has_outcome { (Some(0), Some(0)) } else { (None, None) },
            node: None,
            partition: None,
        }
    }

    pub fn is_final(&self) -> bool {
        matches!(
            self.state.as_str(),
            "COMPLETED"
                | "FAILED"
                | "TIMEOUT"
                | "OUT_OF_MEMORY"
                | "NODE_FAIL"
                | "PREEMPTED"
                | "CANCELLED"
                | "BOOT_FAIL"
                | "DEADLINE"
                | "REVOKED"
                | "SPECIAL_EXIT"
                | "FORGOTTEN"
        )
    }

    pub fn is_running_or_done(&self) -> bool {
        self.is_final() && self.state != "CANCELLED"
            || matches!(self.state.as_str(), "RUNNING" | "COMPLETING")
    }

    pub fn is_queued(&self) -> bool {
        !self.is_final() && !self.is_running_or_done()
    }

    /// Why Slurm ended the task, when it was Slurm and not the worker: a failure in words.
    pub fn failure(&self) -> Option<String> {
        let reason =
            self.reason.as_deref().filter(|r| *r != "None").map(|r| format!(" ({r})")).unwrap_or_default();
        let text = match self.state.as_str() {
            "COMPLETED" | "FAILED" => return None,
            "TIMEOUT" => "Slurm TIMEOUT: the task ran past its time limit (`[execution] time`, sbatch --time)".to_string(),
            "OUT_OF_MEMORY" => "Slurm OUT_OF_MEMORY: the task passed its memory limit (ask for more with sbatch_args, e.g. \"--mem=16G\")".into(),
            "NODE_FAIL" => format!("Slurm NODE_FAIL: the node {} failed", self.node.as_deref().unwrap_or("it ran on")),
            "PREEMPTED" => "Slurm PREEMPTED: the task was preempted by other work".into(),
            "CANCELLED" => format!("Slurm CANCELLED: the task was cancelled{reason}"),
            "BOOT_FAIL" => "Slurm BOOT_FAIL: the node failed to boot".into(),
            "DEADLINE" => "Slurm DEADLINE: the task passed its deadline".into(),
            "FORGOTTEN" => {
                "Slurm no longer knows the job (past MinJobAge) and the task left no outcome".into()
            }
            other => format!("Slurm {other}{reason}"),
        };
        Some(text)
    }
}

/// The tasks of a job array by (array job id, index), from `scontrol show job -o`; none
/// when Slurm does not know the job (any more).
pub fn show_job(job_id: &str) -> Option<TaskStates> {
    let output = Command::new("scontrol").args(["show", "job", "-o", job_id]).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let found = parse_show_job(&text);
    (!found.is_empty()).then_some(found)
}

/// Tasks by (array job id, index).
pub type TaskStates = HashMap<(String, u32), TaskState>;

/// Parses `scontrol show job -o` output: one line per job or array task; a line of an
/// array's still-pending tasks names them as `ArrayTaskId=3-7%2`.
pub fn parse_show_job(text: &str) -> TaskStates {
    let mut found = HashMap::new();
    for line in text.lines() {
        let fields: HashMap<&str, &str> = line.split_whitespace().filter_map(|t| t.split_once('=')).collect();
        let Some(state) = fields.get("JobState") else { continue };
        let job = fields.get("ArrayJobId").or(fields.get("JobId")).copied().unwrap_or_default().to_string();
        let indices = fields.get("ArrayTaskId").map_or_else(|| vec![0], |ids| expand_indices(ids));
        let exit = fields
            .get("ExitCode")
            .and_then(|e| e.split_once(':'))
            .map_or((None, None), |(code, signal)| (code.parse().ok(), signal.parse().ok()));
        let node = fields.get("NodeList").filter(|n| !n.starts_with('(')).map(|n| n.to_string());
        let partition = fields.get("Partition").map(|p| p.to_string());
        for index in indices {
            found.insert(
                (job.clone(), index),
                TaskState {
                    state: state.to_string(),
                    reason: fields.get("Reason").map(|r| r.to_string()),
                    exit,
                    node: node.clone(),
                    partition: partition.clone(),
                },
            );
        }
    }
    found
}

/// `3-7%2`, `1,4,6-8` → the indices.
fn expand_indices(text: &str) -> Vec<u32> {
    let text = text.split('%').next().unwrap_or_default();
    let mut indices = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
                    indices.extend(a..=b);
                }
            }
            None => indices.extend(part.parse::<u32>().ok()),
        }
    }
    indices
}

/// The array job id of a batch whose submission was not written down (found by its name).
fn job_id_by_name(name: &str) -> Option<String> {
    let output = Command::new("squeue").args(["-h", "-t", "all", "-n", name, "-o", "%F"]).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string)
}

/// `--time` in minutes (Slurm's unit), rounded up.
pub fn minutes(seconds: f64) -> String {
    format!("{}", (seconds / 60.0).ceil().max(1.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scontrol_lines_give_each_tasks_state_exit_and_node() {
        let text = "JobId=12 ArrayJobId=12 ArrayTaskId=5-7%2 JobName=t JobState=PENDING Reason=JobArrayTaskLimit Dependency=(null) ExitCode=0:0 NodeList=(null) Partition=debug\n\
JobId=14 ArrayJobId=12 ArrayTaskId=2 JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 NodeList=vm Partition=debug Command=/a path/run.sh\n\
JobId=15 ArrayJobId=12 ArrayTaskId=3 JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 NodeList=vm Partition=debug\n";
        let found = parse_show_job(text);
        assert_eq!(found.len(), 5);
        let pending = &found[&("12".to_string(), 6)];
        assert!(pending.is_queued());
        assert_eq!(pending.node, None);
        let failed = &found[&("12".to_string(), 2)];
        assert_eq!(failed.exit, (Some(3), Some(0)));
        assert_eq!(failed.node.as_deref(), Some("vm"));
        assert!(
            failed.is_final() && failed.failure().is_none(),
            "the worker's own reason explains a FAILED task"
        );
        let timeout = &found[&("12".to_string(), 3)];
        assert!(timeout.failure().unwrap().starts_with("Slurm TIMEOUT"));
        assert_eq!(expand_indices("1,4,6-8"), vec![1, 4, 6, 7, 8]);
    }

    #[test]
    fn times_round_up_to_whole_minutes_and_paths_are_quoted() {
        assert_eq!(minutes(61.0), "2");
        assert_eq!(minutes(5.0), "1");
        assert_eq!(shell_quote("/a b/it's"), r"'/a b/it'\''s'");
    }
}

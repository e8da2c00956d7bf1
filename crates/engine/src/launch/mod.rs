//! Where a unit of work runs: the seam between the scheduler, which decides *when* work
//! may start, and the machines that run it.
//!
//! A [`Launcher`] starts a worker binary on a [`Job`], reports when it began running and
//! how it ended, and can cancel it. [`local::LocalLauncher`] spawns worker processes on
//! this machine (the scheduler's slots decide what runs together); [`slurm::SlurmLauncher`]
//! hands them to Slurm as job arrays (the cluster decides, so the scheduler starts
//! everything that is ready). Tests drive the scheduler with a fake launcher.

pub mod local;
pub mod slurm;

use std::path::PathBuf;
use std::time::Duration;

use meter::rusage::Usage;

use crate::job::Job;

/// Names one started unit of work in the events that follow.
pub type Token = usize;

/// What a unit of work needs from the machine it runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Needs {
    /// CPU threads (slots).
    pub cpu: usize,
    /// The GPU it runs on, if any.
    pub gpu: Option<u32>,
    /// Whether it must run alone (a timed trial under `isolation = "exclusive"`).
    pub exclusive: bool,
}

/// One unit of work for a launcher: a worker binary and the job it serves.
#[derive(Debug, Clone)]
pub struct Launch {
    pub exe: PathBuf,
    pub job: Job,
    pub needs: Needs,
    /// The trial's key: a launcher that keeps work across runs (Slurm) finds it by this.
    pub key: Option<String>,
    /// For people: `experiment: candidate fold 1 rep 0`.
    pub label: String,
    /// What a cluster job asks for; ignored by the local launcher.
    pub cluster: Option<ClusterRequest>,
}

/// What a cluster launcher needs beyond the job: where to keep its files and what to ask
/// the cluster for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClusterRequest {
    /// The experiment's spool folder (shared with the nodes).
    pub spool: PathBuf,
    /// `sbatch` options (partition, time, resources, ...), in order.
    pub args: Vec<String>,
    /// Tasks of one array that may run at once.
    pub max_parallel: Option<u32>,
    /// The partition, for the records.
    pub partition: Option<String>,
}

/// What a launcher tells the scheduler.
#[derive(Debug, Clone)]
pub enum Event {
    /// A queued unit began running.
    Running { token: Token, node: Option<String> },
    /// A unit ended, however it ended.
    Ended(Ended),
}

/// How a unit of work ended.
#[derive(Debug, Clone, Default)]
pub struct Ended {
    pub token: Token,
    /// Exit code, when the worker exited.
    pub code: Option<i32>,
    /// Signal, when a signal killed it.
    pub signal: Option<i32>,
    /// Resource usage from `wait4`, where the launcher reaps the process itself.
    pub usage: Option<Usage>,
    pub stdout: String,
    pub stderr: String,
    /// Why the launcher or the cluster ended it (a Slurm end state), in words.
    pub failure: Option<String>,
    /// Where a cluster ran it.
    pub placement: Option<record::Placement>,
}

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("cannot start a worker (`{exe}`): {source}")]
    Spawn { exe: String, source: std::io::Error },
    #[error("cannot write `{path}`: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0}")]
    Cluster(String),
}

/// Starts, watches and cancels units of work.
pub trait Launcher {
    /// Whether the launcher places work itself (a cluster): the scheduler then starts all
    /// that is ready and leaves slots and exclusivity to it.
    fn places_work(&self) -> bool;

    /// Starts a unit. `Ok(true)`: it runs now; `Ok(false)`: it waits in a queue, and an
    /// [`Event::Running`] follows when it starts.
    fn start(&mut self, token: Token, launch: Launch) -> Result<bool, LaunchError>;

    /// The next event, waiting at most `timeout`; `Ok(None)` when nothing happened.
    fn next(&mut self, timeout: Duration) -> Result<Option<Event>, LaunchError>;

    /// Stops a started unit; its [`Event::Ended`] still follows.
    fn cancel(&mut self, token: Token);

    /// Stops everything started (on Ctrl-C) and says what it did, for the user.
    fn cancel_all(&mut self) -> Option<String>;

    /// Marks a unit's outcome as recorded, so a later run never collects it again.
    fn collected(&mut self, _token: Token) {}
}

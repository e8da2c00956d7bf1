//! From a finished trial to its record, in one place: what the worker measured, how the
//! worker ended (its exit, a time limit, a cluster's end state), and the provenance every
//! record carries. Declared candidates' records are built here too.

use std::collections::BTreeMap;

use record::{Record, Status};
use serde_json::json;
use spec::Experiment;

use crate::job::{Outcome, TrialResult};
use crate::launch::Ended;
use crate::plan::TrialNode;
use crate::schedule::{Ran, Stopped};

/// What every record of a run carries about where it came from.
pub(crate) struct Provenance<'a> {
    pub experiment: &'a Experiment,
    pub tool_version: &'a str,
    pub git: record::GitState,
    pub dataset_sha256: &'a str,
    /// The machine the orchestrator ran on; a worker's own report (a cluster node) wins.
    pub hardware_fingerprint: &'a str,
}

/// A trial's record: `ok` with its measurements when the worker sent a result and exited
/// cleanly, else `failed` with the reason in words.
pub(crate) fn trial_record(
    provenance: &Provenance<'_>,
    trial: &TrialNode,
    trial_key: String,
    ended: &Ended,
    ran: &Ran,
) -> Record {
    let experiment = provenance.experiment;
    let candidate = &experiment.candidates[trial.candidate];
    let (status, error, result) = judge(experiment, ended, ran);
    let mut measurements = BTreeMap::new();
    let mut notes = Vec::new();
    let (mut split, mut predictions) = (None, None);
    let mut hardware_fingerprint = provenance.hardware_fingerprint.to_string();
    if let Some(result) = result {
        let usage = ended.usage.or(result.usage);
        if let Some(hardware) = &result.hardware {
            hardware_fingerprint = hardware.fingerprint.clone();
        }
        measurements = result.measurements;
        notes = result.notes;
        split = result.split;
        predictions = result.predictions;
        if let Some(peak) = measurements.get_mut("peak_memory") {
            let note = peak.note.take().unwrap_or_default();
            let cross_check = match (ended.usage, result.usage) {
                // ru_maxrss from wait4: the process's peak over its whole life, so it also
                // holds what ran after the peak was read (the cold-latency cache flush,
                // quality measurements) and, as Linux folds the spawning process's peak
                // into it at exec, at least the scheduler's own.
                (Some(exit), _) => format!(
                    "{note}; cross-check: ru_maxrss (wait4) {:.1} MB, the worker's peak over its whole life (after the peak was read it also flushes caches for cold latency) and at least the scheduler's own peak {:.1} MB, folded in at exec",
                    exit.peak_rss_bytes as f64 / 1e6,
                    meter::rusage::own_usage().peak_rss_bytes as f64 / 1e6
                ),
                (None, Some(own)) => format!(
                    "{note}; cross-check: ru_maxrss (getrusage at the worker's end) {:.1} MB, its peak over its whole life",
                    own.peak_rss_bytes as f64 / 1e6
                ),
                (None, None) => note,
            };
            peak.note = Some(cross_check);
        }
        if experiment.metric("cpu_time").is_some()
            && let Some(usage) = usage
        {
            measurements.insert(
                "cpu_time".into(),
                units::Measurement::counter(usage.cpu_seconds(), "s")
                    .with_note("user + system time of the worker process (rusage), data loading included"),
            );
        }
    }
    Record {
        schema_version: record::SCHEMA_VERSION,
        experiment: experiment.name.clone(),
        spec_sha256: experiment.spec_sha256.clone(),
        trial_key,
        git: provenance.git.clone(),
        tool_version: provenance.tool_version.to_string(),
        candidate: candidate.name.clone(),
        learner: candidate.learner.clone(),
        params: candidate.params.clone(),
        device: candidate.device.to_string(),
        fold: trial.fold,
        repetition: trial.repetition,
        seed: trial.seed,
        dataset_sha256: provenance.dataset_sha256.to_string(),
        hardware_fingerprint,
        status,
        error,
        started_at: ran.started_at.clone(),
        ended_at: crate::run::now(),
        measurements,
        split,
        predictions,
        notes,
        placement: ended.placement.clone(),
        previous_sha256: String::new(),
        sha256: String::new(),
    }
}

/// How a trial went: its status, the reason it failed, and its result when it succeeded.
pub(crate) fn judge(
    experiment: &Experiment,
    ended: &Ended,
    ran: &Ran,
) -> (Status, Option<String>, Option<TrialResult>) {
    let outcome: Option<Outcome> =
        ended.stdout.lines().rev().find(|l| !l.trim().is_empty()).and_then(|l| serde_json::from_str(l).ok());
    let where_ = ended
        .placement
        .as_ref()
        .map(|p| {
            format!(
                " (Slurm job {}_{} on {})",
                p.job_id,
                p.array_index,
                if p.node.is_empty() { "no node" } else { &p.node }
            )
        })
        .unwrap_or_default();
    match (ran.stopped, outcome) {
        (Some(Stopped::TimedOut(limit)), _) => (
            Status::Failed,
            Some(format!(
                "timed out after {} (protocol timeout), {}{where_}",
                human_seconds(experiment.protocol.timeout_seconds.unwrap_or(limit.as_secs_f64())),
                if ended.placement.is_some() { "cancelled" } else { "killed" }
            )),
            None,
        ),
        (Some(Stopped::NeverStarted(limit)), _) => (
            Status::Failed,
            Some(format!(
                "never started: still queued after {} (`[execution] queue_timeout`), cancelled{where_}",
                human_seconds(limit.as_secs_f64())
            )),
            None,
        ),
        (None, _) if ended.failure.is_some() => {
            (Status::Failed, Some(format!("{}{where_}", ended.failure.clone().unwrap_or_default())), None)
        }
        (None, Some(Outcome::Trial(result))) if ended.code == Some(0) => (Status::Ok, None, Some(*result)),
        (None, _) => {
            (Status::Failed, Some(format!("{}{where_}", crate::process::failure_reason(ended))), None)
        }
    }
}

/// A record for each declared candidate, keyed by its inputs.
pub(crate) fn declared_record(
    provenance: &Provenance<'_>,
    candidate: &spec::Candidate,
    energy: &crate::job::EnergyJob,
    code_sha256: &str,
) -> Record {
    let experiment = provenance.experiment;
    let key = declared_key(experiment, candidate, energy, code_sha256);
    let (measurements, notes) =
        crate::declared::measurements(experiment, candidate, &energy.intensity, energy.pue);
    let stamp = crate::run::now();
    Record {
        schema_version: record::SCHEMA_VERSION,
        experiment: experiment.name.clone(),
        spec_sha256: experiment.spec_sha256.clone(),
        trial_key: key,
        git: provenance.git.clone(),
        tool_version: provenance.tool_version.to_string(),
        candidate: candidate.name.clone(),
        learner: candidate.learner.clone(),
        params: candidate.params.clone(),
        device: candidate.device.to_string(),
        fold: 0,
        repetition: 0,
        seed: 0,
        dataset_sha256: provenance.dataset_sha256.to_string(),
        hardware_fingerprint: provenance.hardware_fingerprint.to_string(),
        status: Status::Ok,
        error: None,
        started_at: stamp.clone(),
        ended_at: stamp,
        measurements,
        split: None,
        predictions: None,
        notes,
        placement: None,
        previous_sha256: String::new(),
        sha256: String::new(),
    }
}

/// What decides whether a declared candidate's record is current.
pub(crate) fn declared_key(
    experiment: &Experiment,
    candidate: &spec::Candidate,
    energy: &crate::job::EnergyJob,
    code_sha256: &str,
) -> String {
    record::hash_value(&json!({
        "experiment": experiment.name,
        "candidate": candidate.name,
        "declared": candidate.declared,
        "intensity": energy.intensity.g_per_kwh,
        "pue": energy.pue.value,
        "metrics": experiment.metrics.iter().map(|m| m.name()).collect::<Vec<_>>(),
        "code": code_sha256,
    }))
}

pub(crate) fn human_seconds(seconds: f64) -> String {
    if seconds >= 60.0 && seconds % 60.0 == 0.0 {
        format!("{} min", seconds / 60.0)
    } else {
        format!("{seconds} s")
    }
}

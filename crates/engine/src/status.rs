//! `tradeoff status DIR`: where a results folder stands. The planned trials (from the
//! experiment file kept in the folder), which are recorded, which failed last, and for a
//! cluster run which are still queued or running (the spool names the Slurm tasks;
//! `scontrol` says their state). Reads only; never changes the folder.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use record::{RecordStore, ResultsDir, Status};

use crate::launch::slurm;

/// One trial slot of the plan: candidate, repetition, fold.
type Slot = (String, u32, u32);

/// What the folder holds, counted.
#[derive(Debug, Default, PartialEq)]
pub struct FolderStatus {
    pub planned: usize,
    pub done: usize,
    /// The slots whose latest record failed, with the reason.
    pub failed: Vec<(String, String)>,
    /// Slurm tasks not yet recorded: label and state (`PENDING (Priority)`, `RUNNING on n1`).
    pub queued: Vec<(String, String)>,
    pub running: Vec<(String, String)>,
    /// Tasks that ended but whose outcome no run has collected yet.
    pub uncollected: Vec<(String, String)>,
}

impl FolderStatus {
    pub fn not_started(&self) -> usize {
        self.planned.saturating_sub(
            self.done + self.failed.len() + self.queued.len() + self.running.len() + self.uncollected.len(),
        )
    }
}

/// Reads the folder (and asks Slurm about its tasks, when it has a spool).
pub fn status(dir: &Path) -> Result<FolderStatus, String> {
    let layout = ResultsDir::new(dir);
    let experiment_path = layout.experiment();
    let experiment =
        spec::load(&experiment_path, &spec::Catalogue::permissive()).map_err(|e| e.to_string())?;
    let planned: Vec<Slot> = experiment
        .candidates
        .iter()
        .filter(|c| c.is_run())
        .flat_map(|c| {
            let splits = experiment.protocol.evaluation.splits();
            (0..experiment.protocol.repetitions)
                .flat_map(move |r| (0..splits).map(move |f| (c.name.clone(), r, f)))
        })
        .collect();
    let runs = layout.runs();
    let records =
        if runs.exists() { RecordStore::read(&runs).map_err(|e| e.to_string())? } else { Vec::new() };
    let mut latest: BTreeMap<Slot, &record::Record> = BTreeMap::new();
    for record in &records {
        latest.insert((record.candidate.clone(), record.repetition, record.fold), record);
    }
    let mut status = FolderStatus { planned: planned.len(), ..FolderStatus::default() };
    for slot in &planned {
        match latest.get(slot) {
            Some(record) if record.status == Status::Ok => status.done += 1,
            Some(record) => status.failed.push((
                format!("{} fold {} rep {}", slot.0, slot.2, slot.1),
                record.error.clone().unwrap_or_default(),
            )),
            None => {}
        }
    }
    let mut states: HashMap<String, Option<slurm::TaskStates>> = HashMap::new();
    for (batch_dir, batch) in slurm::read_batches(&layout.spool()) {
        let Some(job_id) = &batch.job_id else { continue };
        for task in &batch.tasks {
            if batch_dir.join(format!("{}.closed", task.index)).exists()
                || task.label.ends_with("prepare dataset")
            {
                continue;
            }
            let known = states.entry(job_id.clone()).or_insert_with(|| slurm::show_job(job_id));
            let label = format!("{} (Slurm {job_id}_{})", task.label, task.index);
            let Some(state) = known.as_ref().and_then(|k| k.get(&(job_id.clone(), task.index))) else {
                status.uncollected.push((label, "Slurm no longer knows it".into()));
                continue;
            };
            let said = match (&state.reason, &state.node) {
                (_, Some(node)) if !state.is_queued() => format!("{} on {node}", state.state),
                (Some(reason), _) if reason != "None" => format!("{} ({reason})", state.state),
                _ => state.state.clone(),
            };
            if state.is_queued() {
                status.queued.push((label, said));
            } else if state.is_final() {
                status.uncollected.push((label, said));
            } else {
                status.running.push((label, said));
            }
        }
    }
    Ok(status)
}

/// The status in words, for the terminal.
pub fn describe(dir: &Path, status: &FolderStatus) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {} planned trial(s)", dir.display(), status.planned);
    let _ = writeln!(out, "  done         {:>5}", status.done);
    let _ = writeln!(out, "  failed       {:>5}", status.failed.len());
    let _ = writeln!(out, "  running      {:>5}", status.running.len());
    let _ = writeln!(out, "  queued       {:>5}", status.queued.len());
    if !status.uncollected.is_empty() {
        let _ = writeln!(
            out,
            "  ended, not yet recorded {:>5}  (run `tradeoff run` again to collect)",
            status.uncollected.len()
        );
    }
    let _ = writeln!(out, "  not started  {:>5}", status.not_started());
    for (title, list) in [
        ("failed", &status.failed),
        ("running", &status.running),
        ("queued", &status.queued),
        ("ended, not yet recorded", &status.uncollected),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}:");
        for (label, said) in list.iter().take(20) {
            let _ = writeln!(out, "  {label}: {said}");
        }
        if list.len() > 20 {
            let _ = writeln!(out, "  ... and {} more", list.len() - 20);
        }
    }
    out
}

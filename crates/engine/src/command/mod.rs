//! `learner = "command"`: any program as a candidate, on the same split, seeds and
//! protocol as the built-in learners. The worker writes the trial's rows to a job folder,
//! runs the program from the experiment's folder, times the phases the program marks (or
//! the whole process, labelled so), meters its energy over the same windows, follows its
//! process tree's memory, and scores the predictions it wrote itself: the program's own
//! figures are never trusted. Whatever goes wrong (an exit code, a crash, malformed
//! predictions) is a failed trial that says what.
//!
//! The protocol the program sees is documented in the README ("Bring your own learner")
//! and implemented for Python in `clients/python/tradeoff_client.py`.

mod child;
mod handoff;
mod output;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};
use units::{Measurement, Method};

use crate::job::{TrialJob, TrialResult};
use crate::worker::{self, Split};
use output::{MarkKind, Phases};
use spec::CommandSpec;

/// The learner name of a command candidate.
pub const LEARNER: &str = "command";

/// What a command's single-row latency covers (the `scope` of its figure): in-process
/// calls of a built-in learner are another protocol, and the report does not rank the two.
pub const PIPE_ROUND_TRIP: &str = "round trip through the command's stdin and stdout";
/// What a command's throughput covers: one pass over the test rows, not repeated batches.
pub const ONE_MARKED_PASS: &str = "one pass between the command's predict marks";

/// The program to run: a path (relative to the experiment's folder) when it holds a `/`,
/// else a name looked up on `PATH`; it must be an executable file.
pub fn resolve_program(program: &str, dir: &Path) -> Result<PathBuf, String> {
    use std::os::unix::fs::PermissionsExt as _;
    let executable = |path: &Path| -> Result<(), String> {
        let metadata = std::fs::metadata(path).map_err(|e| format!("`{program}`: {e}"))?;
        if !metadata.is_file() {
            return Err(format!("`{program}` is not a file"));
        }
        if metadata.permissions().mode() & 0o111 == 0 {
            return Err(format!(
                "`{program}` is not executable: `chmod +x` it, or name its interpreter first (`[\"python3\", \"{program}\"]`)"
            ));
        }
        Ok(())
    };
    if program.contains('/') {
        let path = std::path::absolute(dir.join(program)).map_err(|e| format!("`{program}`: {e}"))?;
        executable(&path)?;
        return Ok(path);
    }
    let search = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&search)
        .map(|folder| folder.join(program))
        .find(|c| executable(c).is_ok())
        .ok_or_else(|| {
            let beside = dir.join(program).is_file();
            format!(
                "`{program}` is not on PATH{}",
                if beside {
                    format!(" (for the file beside the experiment, write `./{program}`)")
                } else {
                    String::new()
                }
            )
        })
}

/// The arguments that name files (relative to the experiment's folder, or absolute), with
/// the SHA-256 of each file: part of the trial key, so editing a script re-runs it.
pub fn named_files(argv: &[String], dir: &Path) -> Vec<(String, String)> {
    argv.iter()
        .filter_map(|arg| {
            let path = dir.join(arg);
            let bytes = std::fs::read(&path).ok().filter(|_| path.is_file())?;
            Some((arg.clone(), hex::encode(Sha256::digest(bytes))))
        })
        .collect()
}

/// Removes the job folders a worker killed by a signal left behind.
pub(crate) fn remove_job_folders_of(worker: i32) {
    handoff::remove_folders(|pid| pid as i32 == worker);
}

/// The device the command is told to use, and the GPU whose energy is metered.
fn resolve_device(job: &TrialJob) -> (String, Option<u32>) {
    match job.device.parse::<spec::Device>() {
        Ok(spec::Device::Cuda(index)) => (format!("cuda:{index}"), Some(index)),
        Ok(spec::Device::Auto) => {
            let gpus = meter::HardwareInventory::probe_with(&job.energy.powercap_root).gpus.devices;
            if gpus.is_empty() { ("cpu".into(), None) } else { ("cuda:0".into(), Some(0)) }
        }
        _ => ("cpu".into(), None),
    }
}

/// An energy window over the command's work, open or closed.
enum Window {
    Open(meter::energy::OpenWindow),
    Closed(meter::WindowEnergy),
}

/// The marks as they arrive: each phase's window opened and closed with the command's
/// process tree's CPU time at that moment.
struct Marks<'a> {
    meters: &'a meter::EnergyMeters,
    pid: i32,
    phases: Phases,
    fit: Option<Window>,
    predict: Option<Window>,
    started: HashMap<&'static str, Instant>,
    error: Option<String>,
    /// The command's CPU time once it has been reaped (its `/proc` entry is gone).
    final_cpu: Option<f64>,
}

impl Marks<'_> {
    fn cpu_now(&self) -> f64 {
        self.final_cpu.unwrap_or_else(|| child::tree_usage(self.pid).cpu_seconds)
    }

    fn take(&mut self, mark: child::Mark) {
        self.phases.first_mark.get_or_insert(mark.at);
        let kind = match output::parse_mark(&mark.text) {
            Ok(kind) => kind,
            Err(error) => {
                self.error.get_or_insert(error);
                return;
            }
        };
        match kind {
            MarkKind::Model(path) => self.phases.model = Some(path),
            MarkKind::Start(phase) => {
                if self.started.contains_key(phase) || self.window(phase).is_some() {
                    self.error.get_or_insert(format!("the command marked `{phase} start` twice"));
                    return;
                }
                self.started.insert(phase, mark.at);
                let cpu = self.cpu_now();
                *self.window(phase) = Some(Window::Open(self.meters.start_at(cpu)));
            }
            MarkKind::End(phase) => {
                let Some(started) = self.started.remove(phase) else {
                    self.error
                        .get_or_insert(format!("the command marked `{phase} end` without `{phase} start`"));
                    return;
                };
                let cpu = self.cpu_now();
                if let Some(Window::Open(open)) = self.window(phase).take() {
                    *self.window(phase) = Some(Window::Closed(self.meters.finish_at(open, cpu)));
                }
                let span = Some((started, mark.at));
                if phase == "fit" {
                    self.phases.fit = span;
                } else {
                    self.phases.predict = span;
                }
            }
        }
    }

    fn window(&mut self, phase: &str) -> &mut Option<Window> {
        if phase == "fit" { &mut self.fit } else { &mut self.predict }
    }

    /// The energy of a phase the command marked from start to end.
    fn energy(&mut self, phase: &str) -> Option<meter::WindowEnergy> {
        match self.window(phase).take() {
            Some(Window::Closed(energy)) => Some(energy),
            _ => None,
        }
    }
}

/// The last lines of a log the command wrote, for a failure's reason.
fn tail(path: &Path) -> String {
    let text = std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(8);
    lines[start..].join(" | ")
}

/// Bytes of a file, or of every file under a folder.
fn size_of(path: &Path) -> std::io::Result<u64> {
    let metadata = std::fs::metadata(path)?;
    if metadata.is_file() {
        return Ok(metadata.len());
    }
    let mut total = 0;
    for entry in std::fs::read_dir(path)? {
        total += size_of(&entry?.path())?;
    }
    Ok(total)
}

pub(crate) fn run_trial(job: &TrialJob) -> Result<TrialResult, String> {
    let command = job.command.as_ref().ok_or("a `command` trial came without its command")?;
    let program = resolve_program(&command.argv[0], &command.dir)?;
    let mut dataset = data::cache::read(&job.cache_path).map_err(|e| e.to_string())?;
    let Split { mut train, mut test, test_ids, train_ids, test_groups } = worker::split(job, &mut dataset)?;
    if test.rows == 0 {
        return Err("the split left no test rows".into());
    }
    let missing_note =
        crate::qualities::apply_missing(job.missing, true, LEARNER, &dataset.sources, &mut train, &mut test)?;
    let (device, gpu) = resolve_device(job);
    let folder = handoff::JobFolder::create()?;
    let rows = handoff::Rows { train: &train, train_ids: &train_ids, test: &test, test_ids: &test_ids };
    let handoff = handoff::write(&folder, job, command, &dataset, &rows, &device)?;
    let train_rows = train.rows;
    drop(train);
    let n_classes = dataset.n_classes();

    // The RAM estimate follows the command's process tree: the resident memory the loop
    // below last read, so the tree is walked once per reading, not again by the sampler.
    let tree_rss = Arc::new(AtomicU64::new(0));
    let meters =
        worker::open_meters(job, gpu.map(|index| vec![index]).as_deref()).with_rss_probe(Arc::new({
            let rss = tree_rss.clone();
            move || rss.load(Ordering::Relaxed)
        }));
    let mut result = worker::new_result(job, train_rows, test.rows, &meters, missing_note);
    let idle_watts = worker::idle_watts(job, &meters);

    // Fit and predict: the command's own process, its marks taken as they arrive, its
    // process tree's memory followed until it exits.
    let env = child::environment(&folder, job, "fit-predict");
    let whole = meters.start_at(0.0);
    let spawned = Instant::now();
    let running =
        child::start(command, &program, &env, &folder.log("stdout.txt"), &folder.log("stderr.txt"))?;
    let mut marks = Marks {
        meters: &meters,
        pid: running.pid,
        phases: Phases::default(),
        fit: None,
        predict: None,
        started: HashMap::new(),
        error: None,
        final_cpu: None,
    };
    let mut sampled_peak = child::TreeUsage::default();
    let ended = loop {
        match running.marks.recv_timeout(Duration::from_millis(50)) {
            Ok(mark) => {
                marks.take(mark);
                // Every mark that has arrived is taken before the command may be reaped.
                while let Ok(mark) = running.marks.try_recv() {
                    marks.take(mark);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(Duration::from_millis(50)),
        }
        let usage = child::tree_usage(running.pid);
        tree_rss.store(usage.rss_bytes, Ordering::Relaxed);
        if usage.rss_bytes > sampled_peak.rss_bytes {
            sampled_peak = usage;
        }
        if let Some(ended) = child::try_reap(running.pid) {
            break ended;
        }
    };
    let exited = Instant::now();
    let whole_energy = meters.finish_at(whole, ended.cpu_seconds);
    // Marks still in the pipe when it exited: read to the pipe's end (a descendant that
    // kept the descriptor open is not waited for beyond a second).
    marks.final_cpu = Some(ended.cpu_seconds);
    let deadline = Instant::now() + Duration::from_secs(1);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match running.marks.recv_timeout(left) {
            Ok(mark) => marks.take(mark),
            Err(_) => break,
        }
    }
    let stderr = folder.log("stderr.txt");
    match (ended.code, ended.signal) {
        (Some(0), _) => {}
        (Some(code), _) => {
            return Err(format!("the command exited with code {code}; its stderr ends: {}", tail(&stderr)));
        }
        (None, Some(signal)) => {
            return Err(format!(
                "the command was killed by {} (signal {signal}); its stderr ends: {}",
                crate::process::signal_name(signal),
                tail(&stderr)
            ));
        }
        (None, None) => return Err("the command ended in an unknown way".into()),
    }
    if let Some(error) = marks.error.take() {
        return Err(error);
    }
    if let Some(phase) = marks.started.keys().next() {
        return Err(format!("the command marked `{phase} start` but never `{phase} end`"));
    }
    let answers = output::read_predictions(&folder.predictions(), &test_ids, n_classes)?;

    // Training: the marked fit phase, else the whole process, labelled so.
    let (train_seconds, train_energy, time_note) = match (marks.phases.fit, marks.energy("fit")) {
        (Some((start, end)), Some(energy)) => (
            end.duration_since(start).as_secs_f64(),
            energy,
            "between the command's `fit start` and `fit end` marks (monotonic clock, taken as each mark arrived)"
                .to_string(),
        ),
        _ => {
            result.notes.push(
                "the command marked no fit phase: train_time and train_energy cover the whole command, \
                 start to exit (interpreter start-up, data loading and prediction included)"
                    .into(),
            );
            (
                exited.duration_since(spawned).as_secs_f64(),
                whole_energy.clone(),
                "the whole command process, start to exit (no fit marks)".to_string(),
            )
        }
    };
    let energy_ok =
        worker::record_training(&mut result, job, train_seconds, &time_note, &train_energy, idle_watts);
    let scores = answers.scores.map(|values| learn::Scores {
        values,
        kind: "the command's own class scores (score_0 ... in predictions.csv)",
    });
    let (predictions, _) = worker::record_quality(
        &mut result,
        job,
        &dataset,
        &test,
        test_ids,
        &test_groups,
        &answers.predicted,
        scores.as_ref(),
    );

    // Batch inference: the marked predict phase, one pass over the test rows.
    let wants = |name: &str| worker::wants(job, name);
    let mut per_second = None;
    if let (Some((start, end)), Some(energy)) = (marks.phases.predict, marks.energy("predict")) {
        let seconds = end.duration_since(start).as_secs_f64().max(1e-9);
        let rate = test.rows as f64 / seconds;
        per_second = Some((
            rate,
            energy.failures.is_empty().then(|| meter::footprint::EnergyInput {
                joules: energy.total.joules / test.rows as f64,
                method: energy.total.method,
                range: energy
                    .total
                    .range
                    .map(|[low, high]| [low / test.rows as f64, high / test.rows as f64]),
            }),
        ));
        result.measurements.insert(
            "inference_throughput".into(),
            Measurement::counter(rate, "1/s").with_scope(ONE_MARKED_PASS).with_note(format!(
                "one pass over the {} test rows between the command's `predict start` and `predict end` marks ({seconds:.4} s)",
                test.rows
            )),
        );
        if energy.failures.is_empty() {
            let per_thousand = 1000.0 / test.rows as f64;
            result.measurements.insert(
                "inference_energy".into(),
                worker::energy_measurement(
                    energy.total.joules * per_thousand,
                    &worker::scaled(&energy.total, per_thousand),
                    &format!("per 1000 predictions (one pass over {} test rows)", test.rows),
                ),
            );
        }
    } else if wants("inference_throughput") || wants("inference_energy") || wants("inference_cost") {
        result.notes.push(
            "`inference_throughput` and `inference_energy` are n/a: the command marked no predict phase"
                .into(),
        );
    }
    if let (Some(cost), Some((rate, energy))) =
        (job.metrics.iter().find(|m| m.name == "inference_cost"), per_second)
    {
        match crate::qualities::inference_cost(
            cost.per,
            rate,
            1.0,
            energy,
            job.energy.rental_price.as_ref(),
            job.energy.electricity_price.as_ref(),
            job.energy.pue,
        ) {
            Ok(derived) => {
                result.measurements.insert(
                    "inference_cost".into(),
                    worker::derived_measurement(derived, "USD", "inference"),
                );
            }
            Err(reason) => result.notes.push(reason),
        }
    }

    // Model size: the file or folder the command named.
    match &marks.phases.model {
        Some(path) => {
            let resolved = command.dir.join(path);
            match size_of(&resolved) {
                Ok(bytes) => {
                    result.measurements.insert(
                        "model_size".into(),
                        Measurement::counter(bytes as f64, "B").with_note(format!(
                            "bytes of `{}` as the command saved it (its `model` mark)",
                            Path::new(path).strip_prefix(&folder.path).unwrap_or(Path::new(path)).display()
                        )),
                    );
                }
                Err(e) => {
                    result.notes.push(format!("`model_size` n/a: the model the command named, `{path}`: {e}"))
                }
            }
        }
        None => result
            .notes
            .push("`model_size` n/a: the command named no model file (a `model PATH` mark)".into()),
    }

    // Memory: the whole process tree's.
    let (peak, method, how) = if sampled_peak.rss_bytes > ended.max_rss_bytes {
        (
            sampled_peak.rss_bytes,
            Method::Sampled,
            "the summed resident memory of its process tree, sampled every 50 ms",
        )
    } else {
        (
            ended.max_rss_bytes,
            Method::Counter,
            "the kernel's peak resident set (ru_maxrss) of its largest process",
        )
    };
    result.measurements.insert(
        "peak_memory".into(),
        Measurement::new(peak as f64, "B", method).with_note(format!(
            "the command's process tree, not tradeoff's worker: {how}; largest single process {:.1} MB (ru_maxrss), \
             largest sampled tree sum {:.1} MB over {} process(es)",
            ended.max_rss_bytes as f64 / 1e6,
            sampled_peak.rss_bytes as f64 / 1e6,
            sampled_peak.processes
        )),
    );
    if wants("baseline_memory") {
        result.notes.push(
            "`baseline_memory` is n/a for a command: its runtime cannot be started without its model".into(),
        );
    }

    // Single-row latency through the command's predict-one mode.
    if let Some(request) = job.metrics.iter().find(|m| m.name == "inference_latency") {
        if command.predict_one {
            let latency = serve_latency(job, command, &program, &folder, &test, &answers.predicted)?;
            result.measurements.insert(
                "inference_latency".into(),
                Measurement::counter(worker::percentile(&latency.0.seconds, request.percentile), "s")
                    .with_scope(PIPE_ROUND_TRIP)
                    .with_note(latency.0.describe(request.percentile)),
            );
            result.notes.extend(latency.1);
        } else {
            result.notes.push(
                "`inference_latency` n/a: the candidate declares no predict-one mode (`predict_one = true`)"
                    .into(),
            );
        }
    }
    for name in [
        "inference_latency_cold",
        "noise_accuracy",
        "noise_accuracy_drop",
        "prediction_instability",
        "update_time",
        "mean_path_length",
        "rules",
    ] {
        if wants(name) {
            result.notes.push(format!(
                "`{name}` is n/a for a command: it needs calls into the model that the protocol does not offer"
            ));
        }
    }
    worker::record_footprint(&mut result, job, train_seconds, &train_energy.total, energy_ok, 1.0);
    let startup = marks.phases.first_mark.map(|first| first.duration_since(spawned).as_secs_f64());
    let last = [marks.phases.fit.map(|f| f.1), marks.phases.predict.map(|p| p.1)].into_iter().flatten().max();
    result.notes.push(format!(
        "command hand-off: {:.1} MB of rows and job.json written in {:.4} s; start-up (spawn to first mark) {}; \
         exit after the last mark {}; whole command {:.4} s",
        handoff.bytes as f64 / 1e6,
        handoff.seconds,
        startup.map_or("n/a (no marks)".to_string(), |s| format!("{s:.4} s")),
        last.map_or("n/a".to_string(), |l| format!("{:.4} s", exited.duration_since(l).as_secs_f64())),
        exited.duration_since(spawned).as_secs_f64()
    ));
    if let Some((path, relative)) = &job.predictions {
        result.predictions = Some(predictions.write(path, relative).map_err(|e| e.to_string())?);
    }
    worker::keep_asked(&mut result, job, idle_watts.is_some());
    Ok(result)
}

/// Warm single-row latency through the command's predict-one mode; with a note when its
/// answers differ from its own batch predictions.
fn serve_latency(
    job: &TrialJob,
    command: &CommandSpec,
    program: &Path,
    folder: &handoff::JobFolder,
    test: &data::Table,
    batch: &[u32],
) -> Result<(crate::latency::Latencies, Vec<String>), String> {
    let env = child::environment(folder, job, "predict-one");
    let mut server =
        child::Server::start(command, program, &env, &folder.log("serve-stderr.txt")).map_err(|e| {
            format!("predict-one mode: {e}; its stderr ends: {}", tail(&folder.log("serve-stderr.txt")))
        })?;
    // Rows are formatted before timing: the call is the pipe round trip and the command's work.
    let texts: Vec<String> = (0..test.rows).map(|r| child::row_text(test.row(r))).collect();
    let mut error = None;
    let mut differ = 0usize;
    let mut calls = 0usize;
    let seed = data::rng::derive_seed(job.seed, "latency");
    let mut latency = crate::latency::warm_calls(
        test,
        job.latency_samples as usize,
        seed,
        |index, _| {
            if error.is_some() {
                return 0;
            }
            match server.call(&texts[index]) {
                Ok(class) => {
                    calls += 1;
                    differ += usize::from(batch[index] != class);
                    class
                }
                Err(e) => {
                    error = Some(e);
                    0
                }
            }
        },
        || {},
    );
    server.stop();
    if let Some(e) = error {
        return Err(format!(
            "predict-one mode: {e}; its stderr ends: {}",
            tail(&folder.log("serve-stderr.txt"))
        ));
    }
    latency.call = "one row written to the command's stdin as text, its class read back from its stdout (the pipe \
                    round trip and parsing included)";
    let mut notes = Vec::new();
    if differ > 0 {
        notes.push(format!(
            "predict-one answered {differ} of {calls} rows differently from the command's own batch predictions"
        ));
    }
    Ok((latency, notes))
}

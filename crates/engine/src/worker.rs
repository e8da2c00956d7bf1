//! The worker: the `tradeoff` binary run as a child process for one job. It prepares a
//! dataset, or runs one trial: load the prepared data, split it, fit, evaluate, and
//! measure each timed phase (with energy windows around it), then prints its outcome.
//!
//! Timed phases exclude data loading. A failure the learner reports (a diverged loss)
//! is an outcome; a panic or abort ends the process, and the scheduler records why.

use std::io::Read;
use std::time::{Duration, Instant};

use meter::estimate::CpuPowerModel;
use meter::footprint;
use units::Measurement;

use crate::job::{Job, MetricJob, Outcome, PrepareJob, SourceJob, TrialJob, TrialResult};
use crate::latency;
use crate::qualities;

/// Runs the job on stdin with the given learners and prints its outcome; returns the
/// process exit code.
pub fn serve(learners: &[learn::LearnerKind]) -> i32 {
    let mut input = String::with_capacity(4096);
    if let Err(error) = std::io::stdin().read_to_string(&mut input) {
        return emit(&Outcome::Failed { reason: format!("cannot read the job: {error}") }, 3);
    }
    let job: Job = match serde_json::from_str(&input) {
        Ok(job) => job,
        Err(error) => return emit(&Outcome::Failed { reason: format!("malformed job: {error}") }, 3),
    };
    let outcome = match job {
        Job::Prepare(job) => prepare(&job),
        Job::Trial(job) => trial(&job, learners),
    };
    let code = if matches!(outcome, Outcome::Failed { .. }) { 1 } else { 0 };
    emit(&outcome, code)
}

fn emit(outcome: &Outcome, code: i32) -> i32 {
    println!("{}", serde_json::to_string(outcome).expect("an outcome serializes"));
    code
}

fn prepare(job: &PrepareJob) -> Outcome {
    match prepare_dataset(job) {
        Ok(facts) => Outcome::Prepared(facts),
        Err(reason) => Outcome::Failed { reason },
    }
}

fn prepare_dataset(job: &PrepareJob) -> Result<record::DatasetFacts, String> {
    let format = |parquet: bool| if parquet { data::Format::Parquet } else { data::Format::Csv };
    let source = match &job.source {
        SourceJob::Builtin { name } => data::Source::Builtin(name.clone()),
        SourceJob::File { path, test_path, parquet } => {
            data::Source::File { path: path.clone(), test_path: test_path.clone(), format: format(*parquet) }
        }
        SourceJob::Url { url, sha256, parquet } => {
            data::Source::Url { url: url.clone(), sha256: sha256.clone(), format: format(*parquet) }
        }
    };
    let mut locations = data::Locations::from_env();
    if job.data_dir.is_some() {
        locations.data_dir = job.data_dir.clone();
    }
    locations.allow_download = job.allow_download;
    let mut dataset = data::load(&source, job.table.as_ref(), &locations).map_err(|e| e.to_string())?;
    if let Some(positive) = &job.positive
        && !dataset.class_names.contains(positive)
    {
        return Err(format!(
            "the positive class `{positive}` is not a class of the target; its classes: {}",
            dataset.class_names.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(n) = job.subsample {
        let kept =
            data::split::stratified_subsample(&dataset.train.y, dataset.n_classes(), n as usize, job.seed);
        dataset.train = dataset.train.select(&kept);
        for column in &mut dataset.protected {
            column.train = column.select(&kept);
        }
        dataset.provenance.push_str(&format!(
            "; stratified subsample of {} training rows (seed {})",
            kept.len(),
            job.seed
        ));
    }
    data::cache::write(&job.cache_path, &dataset).map_err(|e| e.to_string())?;
    Ok(record::DatasetFacts {
        name: dataset.name.clone(),
        sha256: data::cache::fingerprint(&dataset),
        provenance: dataset.provenance.clone(),
        train_rows: dataset.train.rows,
        test_rows: dataset.test.as_ref().map(|t| t.rows),
        features: dataset.train.cols,
        classes: dataset.n_classes(),
        class_names: dataset.class_names.clone(),
        groups: dataset.protected.iter().map(|g| (g.name.clone(), g.levels.clone())).collect(),
    })
}

fn trial(job: &TrialJob, learners: &[learn::LearnerKind]) -> Outcome {
    match run_trial(job, learners) {
        Ok(mut result) => {
            result.usage = Some(meter::rusage::own_usage());
            if job.report_hardware {
                result.hardware = Some(meter::HardwareInventory::probe_with(&job.energy.powercap_root));
            }
            Outcome::Trial(Box::new(result))
        }
        Err(reason) => Outcome::Failed { reason },
    }
}

/// One trial's split: the train and test tables, and the ids of the test rows in the
/// table they were drawn from.
pub(crate) struct Split {
    pub train: data::Table,
    pub test: data::Table,
    pub test_ids: Vec<u32>,
    /// The ids of the training rows in the table they were drawn from.
    pub train_ids: Vec<u32>,
    /// Each protected attribute's group of every test row.
    pub test_groups: Vec<(String, Vec<u32>)>,
}

/// The train and test tables of this trial's split. Takes the tables out of the dataset
/// rather than copying them: a copy would count in the trial's peak memory.
pub(crate) fn split(job: &TrialJob, dataset: &mut data::Dataset) -> Result<Split, String> {
    let k = dataset.n_classes();
    let train = std::mem::take(&mut dataset.train);
    let ids = |rows: &[usize]| rows.iter().map(|&r| r as u32).collect::<Vec<u32>>();
    match job.evaluation {
        spec::Evaluation::Official => {
            let test = dataset.test.take().ok_or("the dataset has no official test split")?;
            let test_ids = (0..test.rows as u32).collect();
            let train_ids = (0..train.rows as u32).collect();
            let test_groups = dataset
                .protected
                .iter()
                .map(|g| Ok((g.name.clone(), g.test.clone().ok_or("no groups for the official test rows")?)))
                .collect::<Result<_, String>>()?;
            Ok(Split { train, test, test_ids, train_ids, test_groups })
        }
        spec::Evaluation::Folds(folds) => {
            let fold_of = data::split::stratified_folds(&train.y, k, folds, job.split_seed);
            let (train_rows, test_rows) = data::split::fold_split(&fold_of, job.fold);
            Ok(Split {
                test_groups: dataset
                    .protected
                    .iter()
                    .map(|g| (g.name.clone(), g.select(&test_rows)))
                    .collect(),
                train: train.select(&train_rows),
                test: train.select(&test_rows),
                test_ids: ids(&test_rows),
                train_ids: ids(&train_rows),
            })
        }
        spec::Evaluation::Holdout(share) => {
            let (train_rows, test_rows) = data::split::stratified_holdout(&train.y, k, share, job.split_seed);
            Ok(Split {
                test_groups: dataset
                    .protected
                    .iter()
                    .map(|g| (g.name.clone(), g.select(&test_rows)))
                    .collect(),
                train: train.select(&train_rows),
                test: train.select(&test_rows),
                test_ids: ids(&test_rows),
                train_ids: ids(&train_rows),
            })
        }
    }
}

fn run_trial(job: &TrialJob, learners: &[learn::LearnerKind]) -> Result<TrialResult, String> {
    // The pool may already exist when a test calls this in-process; that is fine.
    if job.learner == crate::command::LEARNER {
        return crate::command::run_trial(job);
    }
    let _ = rayon::ThreadPoolBuilder::new().num_threads(job.threads.max(1)).build_global();
    let kind = learners
        .iter()
        .find(|k| k.name == job.learner)
        .ok_or_else(|| format!("learner `{}` is not served by this worker", job.learner))?;
    let mut model = (kind.build)(&job.params, &job.device)
        .map_err(|errors| errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))?;
    // The runtime comes up before any data, so its own memory can be told apart.
    model.prepare_runtime();
    let baseline_bytes = memory_status("VmHWM");
    let mut dataset = data::cache::read(&job.cache_path).map_err(|e| e.to_string())?;
    let Split { mut train, mut test, test_ids, test_groups, .. } = split(job, &mut dataset)?;
    if test.rows == 0 {
        return Err("the split left no test rows".into());
    }
    let missing_note = qualities::apply_missing(
        job.missing,
        kind.accepts_missing,
        kind.name,
        &dataset.sources,
        &mut train,
        &mut test,
    )?;
    let wants = |name: &str| wants(job, name);
    let metric = |name: &str| job.metrics.iter().find(|m| m.name == name);
    // Only the board the learner really trains on is metered: `auto` without a GPU is a
    // CPU trial and is not charged GPU 0's power.
    let gpus: Option<Vec<u32>> = model.gpu().map(|index| vec![index]);
    let meters = open_meters(job, gpus.as_deref());
    let mut result = new_result(job, train.rows, test.rows, &meters, missing_note);
    if job.device == "auto" {
        result.notes.push(format!(
            "device `auto` ran on {}",
            gpus.as_ref().map_or("the CPU".to_string(), |g| format!("GPU {}", g[0]))
        ));
    }
    let n_classes = dataset.n_classes();

    let idle_watts = idle_watts(job, &meters);

    // Training: the timed phase starts after the data is in memory.
    model.synchronize();
    let window = meters.start();
    let started = Instant::now();
    model.fit(&train, n_classes, job.seed).map_err(|e| e.to_string())?;
    model.synchronize();
    let train_seconds = started.elapsed().as_secs_f64();
    let train_energy = meters.finish(window);
    let energy_ok = record_training(
        &mut result,
        job,
        train_seconds,
        "monotonic clock around fit",
        &train_energy,
        idle_watts,
    );
    let energy = &train_energy.total;

    // Quality on the test rows, from the predictions that are also stored.
    let predicted = model.predict(&test.x, test.cols);
    let scores = if wants("roc_auc") { model.predict_scores(&test.x, test.cols) } else { None };
    let (predictions, accuracy) = record_quality(
        &mut result,
        job,
        &dataset,
        &test,
        test_ids,
        &test_groups,
        &predicted,
        scores.as_ref(),
    );
    if wants("mean_path_length") {
        match model.mean_path_length(&test.x, test.cols) {
            Some(tests) => {
                result.measurements.insert(
                    "mean_path_length".into(),
                    Measurement::counter(tests, "count")
                        .with_note(format!("mean tests on the path of the {} test rows", test.rows)),
                );
            }
            None => result.notes.push(format!(
                "`mean_path_length` is n/a for `{}`: the model is not made of tests",
                kind.name
            )),
        }
    }

    // Throughput, its energy, and what predictions cost at a volume.
    let mut throughput: Option<(f64, Option<footprint::EnergyInput>)> = None;
    if wants("inference_throughput") || wants("inference_energy") || wants("inference_cost") {
        let batch = metric("inference_throughput")
            .or(metric("inference_energy"))
            .or(metric("inference_cost"))
            .and_then(|m| m.batch)
            .map_or(test.rows.min(10_000), |b| b as usize)
            .clamp(1, test.rows);
        let rows = &test.x[..batch * test.cols];
        model.predict(rows, test.cols); // warm-up, not timed
        model.synchronize();
        let window = meters.start();
        let started = Instant::now();
        let mut predictions = 0usize;
        while predictions == 0 || started.elapsed() < Duration::from_millis(300) {
            std::hint::black_box(model.predict(rows, test.cols));
            predictions += batch;
        }
        model.synchronize();
        let seconds = started.elapsed().as_secs_f64();
        let energy = meters.finish(window);
        result.measurements.insert(
            "inference_throughput".into(),
            Measurement::counter(predictions as f64 / seconds, "1/s").with_note(format!(
                "batches of {batch} rows, {predictions} predictions in {seconds:.3} s ({:.4} us per row)",
                seconds / predictions as f64 * 1e6
            )),
        );
        let per_thousand = 1000.0 / predictions as f64;
        let per_prediction = energy.failures.is_empty().then(|| footprint::EnergyInput {
            joules: energy.total.joules / predictions as f64,
            method: energy.total.method,
            range: energy
                .total
                .range
                .map(|[low, high]| [low / predictions as f64, high / predictions as f64]),
        });
        throughput = Some((predictions as f64 / seconds, per_prediction));
        if energy.failures.is_empty() {
            result.measurements.insert(
                "inference_energy".into(),
                energy_measurement(
                    energy.total.joules * per_thousand,
                    &scaled(&energy.total, per_thousand),
                    &format!("per 1000 predictions (batches of {batch})"),
                ),
            );
        } else {
            result.notes.push(format!("inference energy not recorded: {}", energy.failures.join("; ")));
        }
    }

    if let (Some(cost), Some((per_second, energy))) = (metric("inference_cost"), throughput) {
        let devices = gpus.as_ref().map_or(1.0, |g| g.len().max(1) as f64);
        match qualities::inference_cost(
            cost.per,
            per_second,
            devices,
            energy,
            job.energy.rental_price.as_ref(),
            job.energy.electricity_price.as_ref(),
            job.energy.pue,
        ) {
            Ok(derived) => {
                result
                    .measurements
                    .insert("inference_cost".into(), derived_measurement(derived, "USD", "inference"));
            }
            Err(reason) => result.notes.push(reason),
        }
    }

    let seed = data::rng::derive_seed(job.seed, "latency");
    if let Some(latency) = metric("inference_latency") {
        let warm = latency::warm(model.as_ref(), &test, job.latency_samples as usize, seed);
        result.measurements.insert(
            "inference_latency".into(),
            Measurement::counter(percentile(&warm.seconds, latency.percentile), "s")
                .with_note(warm.describe(latency.percentile)),
        );
    }

    result.measurements.insert(
        "model_size".into(),
        Measurement::counter(model.to_bytes().len() as f64, "B").with_note("serialized model bytes"),
    );
    let facts = model.facts();
    for (name, value) in [
        ("parameters", facts.parameters),
        ("nodes", facts.nodes),
        ("leaves", facts.leaves),
        ("depth", facts.depth),
        ("rules", facts.leaves),
    ] {
        if let Some(value) = value {
            result.measurements.insert(name.into(), Measurement::counter(value as f64, "count"));
        }
    }
    if wants("rules") && facts.leaves.is_none() {
        result.notes.push(format!("`rules` is n/a for `{}`: the model has no decision rules", kind.name));
    }

    let devices = gpus.as_ref().map_or(1.0, |g| g.len().max(1) as f64);
    record_footprint(&mut result, job, train_seconds, energy, energy_ok, devices);
    if let Some(path) = &job.rules_path
        && let Some(rules) = model.rules(&dataset.feature_names, &dataset.class_names)
    {
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let mut text = rules;
        if let Some(importances) = model.feature_importances() {
            let mut ranked: Vec<(usize, f64)> =
                importances.into_iter().enumerate().filter(|(_, v)| *v > 0.0).collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            text.push_str("\nfeature importances (impurity decrease, normalised):\n");
            for (feature, value) in ranked.iter().take(20) {
                text.push_str(&format!("{:>8.4}  {}\n", value, dataset.feature_names[*feature]));
            }
        }
        std::fs::write(path, text).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    // Memory: the worker's own high-water mark, read now, before anything but the trial
    // has run in it (the predictions are written after).
    let peak_bytes = memory_status("VmHWM");
    result.measurements.insert(
        "peak_memory".into(),
        Measurement::counter(peak_bytes as f64, "B").with_note(format!(
            "the worker's own high-water mark (VmHWM) at the end of the trial: runtime, data and model; \
             {:.1} MB of it before the data was loaded (the runtime{})",
            baseline_bytes as f64 / 1e6,
            if kind.name.starts_with("torch.") { ", libtorch initialised" } else { "" }
        )),
    );
    result.measurements.insert(
        "baseline_memory".into(),
        Measurement::counter(baseline_bytes as f64, "B").with_note(format!(
            "the worker's high-water mark (VmHWM) with its runtime up{} and no data or model",
            if kind.name.starts_with("torch.") { " (libtorch initialised)" } else { "" }
        )),
    );
    // Cold latency last: its cache-flushing buffer must not count in the peak above.
    if let Some(latency) = metric("inference_latency_cold") {
        let cold = latency::cold(model.as_ref(), &test, (job.latency_samples as usize).min(100), seed);
        result.measurements.insert(
            "inference_latency_cold".into(),
            Measurement::counter(percentile(&cold.seconds, latency.percentile), "s")
                .with_note(cold.describe(latency.percentile)),
        );
    }
    // The qualities that need a noisy copy of the test rows or models of their own come
    // after the peak memory was read: their copies and models are not the trial's.
    let noise_of = |sigma: f64| -> f64 {
        let noisy = qualities::noisy_copy(&train, &test, sigma, job.seed);
        quality::Confusion::of(&test.y, &model.predict(&noisy, test.cols), n_classes).accuracy()
    };
    if let Some(request) = metric("noise_accuracy") {
        let value = noise_of(request.sigma);
        result.measurements.insert(
            "noise_accuracy".into(),
            Measurement::counter(value, "ratio").with_note(format!(
                "accuracy on the {} test rows with Gaussian noise of {} training standard deviations added to every feature",
                test.rows, request.sigma
            )),
        );
    }
    if let Some(request) = metric("noise_accuracy_drop") {
        let value = accuracy - noise_of(request.sigma);
        result.measurements.insert(
            "noise_accuracy_drop".into(),
            Measurement::counter(value, "ratio").with_note(format!(
                "accuracy {accuracy:.4} minus accuracy with noise of {} training standard deviations",
                request.sigma
            )),
        );
    }
    if let Some(request) = metric("prediction_instability") {
        let (perturbed, replaced) = qualities::perturbed_training_rows(&train, request.resample, job.seed);
        let mut other = (kind.build)(&job.params, &job.device)
            .map_err(|errors| errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))?;
        other
            .fit(&perturbed, n_classes, job.seed)
            .map_err(|e| format!("refit for prediction_instability: {e}"))?;
        let changed = qualities::changed_share(&predicted, &other.predict(&test.x, test.cols));
        result.measurements.insert(
            "prediction_instability".into(),
            Measurement::counter(changed, "ratio").with_note(format!(
                "share of the {} test predictions that changed when {replaced} of {} training rows were redrawn \
                 (bootstrap) and the learner refitted with the same seed",
                test.rows, train.rows
            )),
        );
    }
    if let Some(request) = metric("update_time") {
        let mut fresh = (kind.build)(&job.params, &job.device)
            .map_err(|errors| errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))?;
        let timing = qualities::time_update(fresh.as_mut(), &train, n_classes, request.new_rows, job.seed)?;
        result.measurements.insert(
            "update_time".into(),
            Measurement::counter(timing.seconds, "s").with_note(format!(
                "{} new rows onto a model fitted on {}: {}",
                timing.new_rows,
                timing.base_rows,
                timing.how.describe()
            )),
        );
    }
    result.notes.push(format!(
        "sampler: {} samples every {} ms during training, {:.4} CPU-s of its own",
        train_energy.samples, job.energy.sampler_period_ms, train_energy.sampler_cpu_seconds
    ));
    // Written last, so that writing them does not count in the trial's own figures.
    if let Some((path, relative)) = &job.predictions {
        result.predictions = Some(predictions.write(path, relative).map_err(|e| e.to_string())?);
    }
    keep_asked(&mut result, job, idle_watts.is_some());
    Ok(result)
}

/// Drops the measurements the experiment did not ask for: the record holds what the
/// protocol defines (CPU time is added by the scheduler).
pub(crate) fn keep_asked(result: &mut TrialResult, job: &TrialJob, keep_dynamic: bool) {
    result
        .measurements
        .retain(|name, _| wants(job, name) || (keep_dynamic && name == "train_energy_dynamic"));
}

/// The trial's energy meters: NVML for `gpus`, RAPL or the CPU and RAM estimate, and the
/// declared powers.
pub(crate) fn open_meters(job: &TrialJob, gpus: Option<&[u32]>) -> meter::EnergyMeters {
    let cpu = meter::inventory::HardwareInventory::probe_cpu_only();
    let cpu_model = CpuPowerModel::new(&cpu.brand, cpu.logical_cores, job.energy.cpu_tdp_w);
    meter::EnergyMeters::open(
        gpus,
        &job.energy.powercap_root,
        cpu_model,
        &job.energy.declared_power,
        Duration::from_millis(job.energy.sampler_period_ms.max(1)),
    )
}

/// A trial's result before anything is measured: its split's facts and why figures may
/// be missing (meters absent, missing values handled).
pub(crate) fn new_result(
    job: &TrialJob,
    train_rows: usize,
    test_rows: usize,
    meters: &meter::EnergyMeters,
    missing_note: Option<String>,
) -> TrialResult {
    let mut result = TrialResult {
        split: Some(record::SplitFacts {
            seed: if job.evaluation == spec::Evaluation::Official { 0 } else { job.split_seed },
            train_rows,
            test_rows,
        }),
        ..TrialResult::default()
    };
    result.notes.extend(meters.gaps.iter().cloned());
    result.notes.extend(missing_note);
    result
}

/// Idle power, when the protocol asks for a baseline: the same meters, no workload.
pub(crate) fn idle_watts(job: &TrialJob, meters: &meter::EnergyMeters) -> Option<f64> {
    job.energy.idle_baseline_seconds.map(|seconds| {
        let window = meters.start();
        std::thread::sleep(Duration::from_secs_f64(seconds));
        meters.finish(window).watts()
    })
}

/// Whether the experiment asks for the metric.
pub(crate) fn wants(job: &TrialJob, name: &str) -> bool {
    job.metrics.iter().any(|m| m.name == name)
}

/// Records the training time and, when the window measured cleanly, its energy (and the
/// dynamic share when idle power was measured); returns whether the energy is usable.
pub(crate) fn record_training(
    result: &mut TrialResult,
    job: &TrialJob,
    train_seconds: f64,
    time_note: &str,
    train_energy: &meter::WindowEnergy,
    idle_watts: Option<f64>,
) -> bool {
    let wants = |name: &str| wants(job, name);
    result
        .measurements
        .insert("train_time".into(), Measurement::counter(train_seconds, "s").with_note(time_note));
    let energy = &train_energy.total;
    // A window a source could not measure (a GPU lost mid-training) has no trustworthy
    // total: no energy figure, and the reason in the record.
    let energy_ok = train_energy.failures.is_empty();
    if !energy_ok {
        result.notes.push(format!("training energy not recorded: {}", train_energy.failures.join("; ")));
    }
    if energy_ok && (wants("train_energy") || wants("co2") || wants("energy_cost")) {
        result.measurements.insert("train_energy".into(), energy_measurement(energy.joules, energy, "gross"));
        if let Some(idle) = idle_watts {
            // Derived, never replacing the gross figure.
            let dynamic = (energy.joules - idle * train_seconds).max(0.0);
            result.measurements.insert(
                "train_energy_dynamic".into(),
                Measurement::new(dynamic, "J", energy.method).with_scope(energy.part.clone()).with_note(format!(
                    "derived: gross {:.3} J - idle {idle:.3} W x {train_seconds:.3} s (idle measured over {} s before training)",
                    energy.joules,
                    job.energy.idle_baseline_seconds.unwrap_or(0.0)
                )),
            );
        }
    }
    energy_ok
}

/// The quality figures of the test predictions, and the predictions as they are stored
/// (with the accuracy, which robustness figures start from).
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_quality(
    result: &mut TrialResult,
    job: &TrialJob,
    dataset: &data::Dataset,
    test: &data::Table,
    test_ids: Vec<u32>,
    test_groups: &[(String, Vec<u32>)],
    predicted: &[u32],
    scores: Option<&learn::Scores>,
) -> (record::predictions::Predictions, f64) {
    let n_classes = dataset.n_classes();
    let task = quality::Task {
        n_classes,
        positive: job.positive.or((n_classes == 2).then_some(1)),
        min_group_size: job.min_group_size as f64,
    };
    let levels: Vec<u32> = dataset.protected.iter().map(|g| g.levels.len() as u32).collect();
    let group_columns: Vec<(&[u32], u32)> =
        test_groups.iter().zip(&levels).map(|((_, g), &n)| (g.as_slice(), n)).collect();
    let groups = (!group_columns.is_empty()).then(|| quality::intersect(&group_columns));
    let rows = quality::Rows {
        truth: &test.y,
        predicted,
        scores: scores.map(|s| s.values.as_slice()),
        groups: groups.as_deref(),
        weights: None,
    };
    let accuracy = quality::Confusion::of(&test.y, predicted, n_classes).accuracy();
    for name in quality::METRICS.iter().filter(|name| wants(job, name)) {
        match quality::metric(name, &rows, &task) {
            Some(value) => {
                let mut note = format!("{} test rows, from the stored predictions", test.rows);
                if *name == "roc_auc"
                    && let Some(scores) = scores
                {
                    note.push_str(&format!("; scores: {}", scores.kind));
                }
                result
                    .measurements
                    .insert(name.to_string(), Measurement::counter(value, "ratio").with_note(note));
            }
            None => {
                result.notes.push(format!("`{name}` not computed: {}", quality::why_not(name, &rows, &task)))
            }
        }
    }
    let predictions = record::predictions::Predictions {
        row: test_ids,
        truth: test.y.clone(),
        predicted: predicted.to_vec(),
        groups: test_groups.to_vec(),
        scores: scores.map(|s| record::predictions::Scores { classes: n_classes, values: s.values.clone() }),
    };
    (predictions, accuracy)
}

/// CO2 of the training energy, and the rental and electricity cost of training: rental
/// and electricity are kept apart, one is time x price, the other energy x tariff.
pub(crate) fn record_footprint(
    result: &mut TrialResult,
    job: &TrialJob,
    train_seconds: f64,
    energy: &meter::EnergyFigure,
    energy_ok: bool,
    devices: f64,
) {
    let wants = |name: &str| wants(job, name);
    let energy_input =
        footprint::EnergyInput { joules: energy.joules, method: energy.method, range: energy.range };
    if energy_ok && wants("co2") {
        let co2 = footprint::co2_grams(energy_input, job.energy.pue, &job.energy.intensity);
        result.measurements.insert("co2".into(), derived_measurement(co2, "g", &energy.part));
    }
    if wants("cost") {
        match &job.energy.rental_price {
            Some(price) => {
                let mut cost = footprint::rental_cost(train_seconds, devices, price);
                cost.formula = format!("rental: {}", cost.formula);
                result.measurements.insert("cost".into(), derived_measurement(cost, "USD", "time"));
            }
            None => result.notes.push("cost not computed: declare `rental_price` in [environment]".into()),
        }
    }
    if wants("energy_cost") {
        match &job.energy.electricity_price {
            Some(_) if !energy_ok => {}
            Some(tariff) => {
                let mut cost = footprint::electricity_cost(energy_input, job.energy.pue, tariff);
                cost.formula = format!("electricity: {}", cost.formula);
                result
                    .measurements
                    .insert("energy_cost".into(), derived_measurement(cost, "USD", &energy.part));
            }
            None => result
                .notes
                .push("energy_cost not computed: declare `electricity_price` in [environment]".into()),
        }
    }
}

/// An energy figure as a measurement: its value, method, what it covers (as words in the
/// note and as a key in `scope`) and its model range.
pub(crate) fn energy_measurement(joules: f64, energy: &meter::EnergyFigure, what: &str) -> Measurement {
    Measurement::new(joules, "J", energy.method)
        .with_scope(energy.part.clone())
        .with_range(energy.range)
        .with_note(format!("{what}; covers {}; {}", energy.covers, energy.note))
}

/// An energy figure scaled (per 1000 predictions).
pub(crate) fn scaled(energy: &meter::EnergyFigure, factor: f64) -> meter::EnergyFigure {
    meter::EnergyFigure {
        joules: energy.joules * factor,
        range: energy.range.map(|[low, high]| [low * factor, high * factor]),
        ..energy.clone()
    }
}

/// A derived figure as a measurement, with its inputs' methods and range.
pub(crate) fn derived_measurement(derived: footprint::Derived, unit: &str, scope: &str) -> Measurement {
    let inputs: Vec<String> =
        derived.inputs.iter().map(|(name, method)| format!("{name}: {method}")).collect();
    Measurement::new(derived.value, unit, derived.method)
        .with_scope(scope)
        .with_range(derived.range)
        .with_note(format!("{} [inputs: {}]", derived.formula, inputs.join(", ")))
        .with_inputs(derived.inputs)
}

/// A field of `/proc/self/status` in bytes (`VmHWM`: the peak resident set; unlike
/// `ru_maxrss`, it does not include the image the process replaced at exec).
pub(crate) fn memory_status(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// The `p`-th percentile (nearest rank) of `values`.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Metrics as the worker needs them.
pub fn metric_jobs(experiment: &spec::Experiment) -> Vec<MetricJob> {
    experiment
        .metrics
        .iter()
        .map(|m| MetricJob {
            name: m.name().to_string(),
            percentile: m.percentile,
            batch: m.batch,
            sigma: m.sigma,
            resample: m.resample,
            new_rows: m.new_rows,
            per: m.per,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), 50.0);
        assert_eq!(percentile(&values, 99.0), 99.0);
        assert_eq!(percentile(&[3.0], 50.0), 3.0);
    }
}

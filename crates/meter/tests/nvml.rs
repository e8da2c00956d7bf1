//! Every NVML path, tested without a GPU: a fake `libnvidia-ml.so` (`fake-nvml/fake_nvml.c`,
//! compiled here with the system's C compiler) answers from a script, and the meters load
//! it through `TRADEOFF_NVML_LIBRARY`. Covered: the inventory, the energy counter, the
//! sampled fallback and their agreement on a scripted power trace, the reason recorded
//! when the counter or NVML itself is refused, MIG boards, and a GPU lost mid-window.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use meter::EnergyMeters;
use meter::estimate::CpuPowerModel;
use meter::nvml::{GpuInventory, LIBRARY_VARIABLE, NvmlMeter};
use units::Method;

/// The fake library, compiled once per test run.
pub fn fake_library() -> &'static Path {
    static LIBRARY: OnceLock<PathBuf> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tradeoff-fake-nvml-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let library = dir.join("libnvidia-ml-fake.so");
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake-nvml/fake_nvml.c");
        let status = std::process::Command::new("cc")
            .args(["-shared", "-fPIC", "-O2", "-o"])
            .arg(&library)
            .arg(&source)
            .status()
            .expect("a C compiler (`cc`) builds the fake NVML library");
        assert!(status.success(), "the fake NVML library did not compile");
        library
    })
}

/// NVML reads its library and script from the environment: one scenario at a time.
static ENVIRONMENT: Mutex<()> = Mutex::new(());

fn with_script<T>(script: &str, test: impl FnOnce() -> T) -> T {
    let _guard = ENVIRONMENT.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("script");
    std::fs::write(&path, script).unwrap();
    // SAFETY: tests that touch these variables hold ENVIRONMENT, so no other thread reads
    // or writes the environment meanwhile.
    unsafe {
        std::env::set_var(LIBRARY_VARIABLE, fake_library());
        std::env::set_var("FAKE_NVML_SCRIPT", &path);
    }
    let result = test();
    // SAFETY: as above.
    unsafe {
        std::env::remove_var(LIBRARY_VARIABLE);
        std::env::remove_var("FAKE_NVML_SCRIPT");
    }
    result
}

fn meters(gpus: &[u32]) -> EnergyMeters {
    let none = tempfile::tempdir().unwrap();
    EnergyMeters::open(
        Some(gpus),
        &none.path().join("no-powercap"),
        CpuPowerModel::new("unknown", 2, Some(20.0)),
        &[],
        Duration::from_millis(10),
    )
}

fn busy(duration: Duration) {
    let started = Instant::now();
    while started.elapsed() < duration {
        std::hint::spin_loop();
    }
}

#[test]
fn the_inventory_lists_the_fake_gpus_with_mig_and_the_counter() {
    let inventory = with_script(
        "devices=2\nname.0=NVIDIA H100 80GB HBM3\nname.1=NVIDIA A100-SXM4-40GB\nmig.1=1\nenergy.1=not_supported\ndriver=550.54.15\n",
        GpuInventory::probe,
    );
    assert_eq!(inventory.unavailable, None);
    assert_eq!(inventory.driver_version.as_deref(), Some("550.54.15"));
    let names: Vec<&str> = inventory.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-40GB"]);
    assert_eq!(
        (inventory.devices[0].mig_mode.as_str(), inventory.devices[1].mig_mode.as_str()),
        ("disabled", "enabled")
    );
    assert!(inventory.devices[0].energy_counter && !inventory.devices[1].energy_counter);
    assert_eq!(inventory.devices[0].power_limit_w, Some(700.0));
}

#[test]
fn refusals_are_reasons_not_crashes() {
    let refused = with_script("init=driver_not_loaded\n", GpuInventory::probe);
    assert!(refused.unavailable.as_deref().unwrap().contains("driver is not loaded"), "{refused:?}");
    let denied = with_script("init=no_permission\n", || NvmlMeter::open(&[0]).err());
    assert!(denied.unwrap().contains("NVML not available"));
    let none = with_script("devices=0\n", GpuInventory::probe);
    assert_eq!(none.unavailable.as_deref(), Some("NVML reports no GPU"));
}

#[test]
fn the_counter_and_the_sampled_power_agree_on_a_scripted_trace() {
    // Both boards draw 100 W, then 300 W from 0.15 s on; board 0 has the energy counter,
    // board 1 answers only power.
    let script =
        "devices=2\ntrace.0=0:100000,0.15:300000\ntrace.1=0:100000,0.15:300000\nenergy.1=not_supported\n";
    let (counted, sampled, gaps) = with_script(script, || {
        let counter = meters(&[0]);
        let sampler = meters(&[1]);
        let (a, b) = (counter.start(), sampler.start());
        busy(Duration::from_millis(400));
        let (a, b) = (counter.finish(a), sampler.finish(b));
        (a, b, sampler.gaps.clone())
    });
    let gpu = |w: &meter::WindowEnergy| w.parts.iter().find(|p| p.part == "gpu-board").cloned().unwrap();
    let (counted, sampled) = (gpu(&counted), gpu(&sampled));
    assert_eq!((counted.method, sampled.method), (Method::Counter, Method::Sampled));
    assert!(gaps.iter().any(|g| g.contains("counter does not answer (GPU 1: ")), "{gaps:?}");
    // Over 0.4 s of a 100 -> 300 W step the board takes roughly 0.15 x 100 + 0.25 x 300 J.
    assert!((60.0..120.0).contains(&counted.joules), "{counted:?}");
    let difference = (sampled.joules - counted.joules).abs() / counted.joules;
    assert!(difference < 0.05, "sampled {} J vs counter {} J", sampled.joules, counted.joules);
}

#[test]
fn a_mig_board_is_named_as_covering_every_instance() {
    let (window, gaps) = with_script("devices=1\nmig.0=1\n", || {
        let meters = meters(&[0]);
        let open = meters.start();
        busy(Duration::from_millis(50));
        (meters.finish(open), meters.gaps.clone())
    });
    let gpu = window.parts.iter().find(|p| p.part == "gpu-board-mig").expect("a MIG board figure");
    assert!(gpu.covers.contains("every instance on the board"), "{}", gpu.covers);
    assert!(gaps.iter().any(|g| g.contains("MIG mode")), "{gaps:?}");
}

#[test]
fn a_gpu_lost_mid_window_fails_the_window_instead_of_dropping_its_part() {
    let window = with_script("devices=1\nlost_after.0=0.1\n", || {
        let meters = meters(&[0]);
        let open = meters.start();
        busy(Duration::from_millis(250));
        meters.finish(open)
    });
    assert!(window.failures.iter().any(|f| f.contains("fell off the bus")), "{:?}", window.failures);
    assert!(window.parts.iter().all(|p| !p.part.starts_with("gpu")));
}

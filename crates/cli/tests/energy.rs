//! Energy, CO2 and cost end to end on this machine, and the hardware inventory.

mod support;

use std::path::Path;

use support::{describe, records, run_in, tradeoff};

#[test]
fn hw_reports_the_nvml_answer_either_way() {
    let output = tradeoff().args(["hw", "--json"]).output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let inventory: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(inventory["cpu"]["logical_cores"].as_u64().unwrap() >= 1);
    assert_eq!(inventory["fingerprint"].as_str().unwrap().len(), 16);
    let gpus = &inventory["gpus"];
    if Path::new("/dev/nvidia0").exists() {
        assert!(!gpus["devices"].as_array().unwrap().is_empty(), "a GPU is present: {gpus}");
    } else {
        // No driver is a normal case: the reason is recorded, nothing fails.
        assert!(gpus["unavailable"].as_str().unwrap().contains("NVML"), "{gpus}");
        assert_eq!(gpus["devices"].as_array().unwrap().len(), 0);
    }
    let text = tradeoff().arg("hw").output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("fingerprint"));
}

#[test]
fn energy_co2_and_cost_carry_their_methods_and_reasons() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("energy.toml"),
        r#"
[experiment]
name = "energy"
[dataset]
source = "digits"
subsample = 800
[protocol]
holdout = 0.25
idle_baseline = "1s"
[[candidates]]
name = "forest"
learner = "random_forest"
params = { n_estimators = 20 }
[metrics]
accuracy = {}
train_energy = { unit = "J" }
inference_energy = { unit = "mJ" }
co2 = { unit = "mg" }
cost = { unit = "USD" }
energy_cost = { unit = "USD" }
[environment]
carbon_intensity = "FR"
pue = 1.2
rental_price = { usd = 3.6, date = "2026-11", note = "on-demand, 2 vCPU" }
electricity_price = { usd = 0.25, date = "2026-11", note = "tariff" }
"#,
    )
    .unwrap();
    let output = run_in(dir.path(), &["run", "energy.toml"]);
    assert!(output.status.success(), "{}", describe(&output));
    let folder = dir.path().join("results/energy");
    let record = &records(&folder)[0];
    let measurement = |name: &str| &record["measurements"][name];
    let rapl_readable = std::fs::read_dir("/sys/class/powercap").is_ok_and(|mut d| d.next().is_some());
    let expected_energy_method = if rapl_readable { "counter" } else { "estimated" };
    assert_eq!(measurement("train_energy")["method"], expected_energy_method);
    assert!(measurement("train_energy")["value"].as_f64().unwrap() > 0.0);
    assert!(measurement("train_energy")["note"].as_str().unwrap().contains("not covered: PSU losses"));
    assert_eq!(measurement("inference_energy")["method"], expected_energy_method);
    // CO2 = energy x PUE x France's intensity; the table's annual figure is an estimate.
    // The declared PUE is listed as an input but does not relabel the figure as declared.
    assert_eq!(measurement("co2")["method"], "estimated");
    assert_eq!(measurement("co2")["inputs"]["PUE"], "declared", "{}", measurement("co2"));
    assert_eq!(measurement("co2")["inputs"]["energy"], expected_energy_method);
    assert_eq!(measurement("co2")["inputs"]["carbon intensity"], "estimated");
    let joules = measurement("train_energy")["value"].as_f64().unwrap();
    let grams = measurement("co2")["value"].as_f64().unwrap();
    let france = 56.0;
    assert!(
        (grams - joules / 3.6e6 * 1.2 * france).abs() < 1e-9 * grams.max(1e-12) + 1e-12,
        "{grams} vs {joules}"
    );
    // Rental cost: train seconds / 3600 x 3.6 USD, labelled declared (the price is).
    assert_eq!(measurement("cost")["method"], "declared");
    assert!(measurement("cost")["note"].as_str().unwrap().contains("3.6 USD/h (declared, 2026-11)"));
    // Electricity cost is a separate figure: facility kWh x tariff.
    let energy_cost = measurement("energy_cost")["value"].as_f64().unwrap();
    assert!((energy_cost - joules / 3.6e6 * 1.2 * 0.25).abs() < 1e-15 + 1e-9 * energy_cost, "{energy_cost}");
    // The idle baseline adds a derived dynamic figure; the gross one stays.
    let dynamic = &measurement("train_energy_dynamic");
    assert!(dynamic["note"].as_str().unwrap().starts_with("derived: gross"), "{dynamic}");
    assert!(dynamic["value"].as_f64().unwrap() <= joules);
    if !rapl_readable {
        let notes: Vec<&str> =
            record["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        assert!(notes.iter().any(|n| n.contains("RAPL")), "{notes:?}");
        let report = std::fs::read_to_string(folder.join("report.md")).unwrap();
        assert!(report.contains("**Not measurements:**"), "{report}");
        assert!(report.contains("CPU power model: TDP x process CPU utilisation"), "{report}");
    }
    let environment: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("environment.json")).unwrap()).unwrap();
    assert_eq!(environment["carbon_intensity"]["code"], "FR");
    assert_eq!(environment["pue"]["value"], 1.2);
    assert_eq!(environment["rental_price"]["date"], "2026-11");
}

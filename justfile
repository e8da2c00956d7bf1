# tradeoff — recipes. `just experiment` runs the default experiment, `just test` runs
# every check CI runs. Both set up what they need first (a Python environment holding
# torch 2.11.0, whose libtorch the `torch` learners link against).

set shell := ["bash", "-euo", "pipefail", "-c"]

venv := justfile_directory() / ".venv"
# tch 0.24 finds libtorch through the Python environment's torch.
export LIBTORCH_USE_PYTORCH := "1"
export VIRTUAL_ENV := venv
export PATH := venv / "bin" + ":" + env_var("PATH")

default: experiment

# Create .venv with torch 2.11.0 (libtorch for tch 0.24) and scikit-learn, once.
setup:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ -x "{{venv}}/bin/python" ] && "{{venv}}/bin/python" -c "import torch, sklearn, numpy; assert torch.__version__.split('+')[0] == '2.11.0'" 2>/dev/null; then
        exit 0
    fi
    echo "setting up {{venv}} (torch 2.11.0 and scikit-learn: a few GB, once)"
    python3 -m venv "{{venv}}"
    "{{venv}}/bin/pip" install --quiet --disable-pip-version-check torch==2.11.0 scikit-learn==1.9.1 numpy

# Build `tradeoff` and its libtorch worker `tradeoff-torch` (two cargo runs, so that
# `tradeoff` itself never links libtorch).
build: setup
    cargo build --release -p tradeoff-cli
    cargo build --release -p tradeoff-torch-worker

# Run the default experiment (embedded data, a few minutes on two cores).
experiment: build
    ./target/release/tradeoff run experiments/default.toml

# Run any experiment file: `just run experiments/fashion-tradeoffs.toml`.
run +args: build
    ./target/release/tradeoff run {{args}}

# Every check CI runs: formatting, clippy (warnings are errors), all tests, and the
# Slurm tests against a real single-node cluster this recipe starts and stops.
test: build chromium
    cargo fmt --all -- --check
    cargo clippy --release --workspace --exclude tradeoff-torch-worker --all-targets -- -D warnings
    cargo clippy --release -p tradeoff-torch -p tradeoff-torch-worker --all-targets --features tradeoff-torch/libtorch -- -D warnings
    cargo test --release --workspace --exclude tradeoff-torch-worker
    cargo test --release -p tradeoff-torch --features libtorch
    cargo test --release -p tradeoff-torch-worker
    just test-slurm

# The Slurm backend against a real cluster: munged, slurmctld and slurmd started as root
# from a temp folder by scripts/slurm-local.sh (Debian's packages installed when missing),
# stopped afterwards whatever the outcome.
test-slurm: build
    #!/usr/bin/env bash
    set -euo pipefail
    export TRADEOFF_SLURM_DIR="$(mktemp -d /tmp/tradeoff-slurm.XXXXXX)"
    trap 'scripts/slurm-local.sh stop "$TRADEOFF_SLURM_DIR"' EXIT
    eval "$(scripts/slurm-local.sh start "$TRADEOFF_SLURM_DIR")"
    TRADEOFF_SLURM_POLL_MS=250 cargo test --release -p tradeoff-cli --test slurm -- --ignored --test-threads 4

# Headless Chromium for the HTML report's test (Debian's package), when missing.
chromium:
    #!/usr/bin/env bash
    set -euo pipefail
    if command -v chromium >/dev/null 2>&1; then exit 0; fi
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium

# Regenerate schemas/ from the Rust types.
schemas: build
    ./target/release/tradeoff schema --out schemas

# Native trees against scikit-learn on Fashion-MNIST and smaller tables (needs
# TRADEOFF_DATA_DIR; BENCH_RUNS runs per side, default 3): `just bench-trees --only forest`.
bench-trees *args: setup
    cargo bench -p tradeoff-learn --bench trees -- {{args}}

# A profile of one forest fit by phase, node size and tree level, against the measured
# memory bandwidth (`--profile-table adult`; `--tables fashion-mnist` to compare too,
# though profiled fits run slower).
bench-trees-profile *args: setup
    cargo bench -p tradeoff-learn --bench trees --features profile -- --profile --tables none {{args}}

# All benchmarks.
bench: bench-trees bench-torch bench-meter bench-stats

# The calibration of the report's intervals and tests: coverage, false "holds", power.
bench-stats:
    cargo bench -p tradeoff-report --bench stats

# The lecture's MLP through tch against the same loop in PyTorch (needs TRADEOFF_DATA_DIR).
bench-torch: setup
    cargo bench -p tradeoff-torch --features libtorch --bench mlp

# What the energy sampler costs, as a share of a trial's CPU time.
bench-meter:
    cargo bench -p tradeoff-meter --bench sampler

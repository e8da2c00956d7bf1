//! `tradeoff-torch worker`: serves trial jobs for the libtorch learners (and the native
//! ones) exactly as `tradeoff worker` does. It is a separate binary because linking
//! libtorch maps ~100 MB into every process that loads it, which would count in the peak
//! memory measured for learners that do not use it.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mode = std::env::args().nth(1);
    if mode.as_deref() != Some("worker") {
        eprintln!(
            "tradeoff-torch serves jobs for `tradeoff run`; run it as `tradeoff-torch worker` with a job on stdin"
        );
        return ExitCode::from(2);
    }
    let mut learners = learn::native_learners();
    learners.extend(torch::learners());
    ExitCode::from(engine::worker::serve(&learners).clamp(0, 255) as u8)
}

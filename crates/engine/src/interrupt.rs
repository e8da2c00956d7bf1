//! Ctrl-C during a run: a flag the scheduler looks at, set by a signal handler that does
//! nothing else (the only async-signal-safe thing to do), so the run can cancel its
//! workers or Slurm jobs, say what it cancelled, and leave the records as they were.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Routes SIGINT and SIGTERM to the flag (for `tradeoff run`).
pub fn install() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// The flag: true once a signal arrived.
pub fn flag() -> &'static AtomicBool {
    &INTERRUPTED
}

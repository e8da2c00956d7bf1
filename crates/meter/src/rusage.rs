//! Process CPU time and peak resident memory from the kernel's rusage counters.

/// CPU time and peak RSS of a process (or of a reaped child).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    pub user_seconds: f64,
    pub system_seconds: f64,
    pub peak_rss_bytes: u64,
}

impl Usage {
    pub fn cpu_seconds(&self) -> f64 {
        self.user_seconds + self.system_seconds
    }

    pub fn from_rusage(usage: &libc::rusage) -> Self {
        let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
        Usage {
            user_seconds: seconds(usage.ru_utime),
            system_seconds: seconds(usage.ru_stime),
            // Linux reports kilobytes.
            peak_rss_bytes: (usage.ru_maxrss.max(0) as u64) * 1024,
        }
    }
}

/// This process's usage so far.
pub fn own_usage() -> Usage {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a complete rusage into the pointer it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return Usage::default();
    }
    // SAFETY: initialised by the successful call above.
    let usage = unsafe { usage.assume_init() };
    Usage::from_rusage(&usage)
}

//! One child worker process: spawned with its job on stdin, its output collected, its
//! exit status and rusage taken with `wait4`, killable on timeout.
//!
//! A worker never outlives the scheduler: it stays in the scheduler's process group (so
//! Ctrl-C or a group kill reaches it) and asks the kernel for SIGKILL when its parent
//! dies (`PR_SET_PDEATHSIG`), so a scheduler killed with SIGKILL leaves no orphan still
//! burning the machine, and a resumed run finds it idle.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::Sender;

use meter::rusage::Usage;

/// How a worker ended.
#[derive(Debug, Clone)]
pub struct Exit {
    pub token: usize,
    /// Exit code, when it exited.
    pub code: Option<i32>,
    /// Signal, when a signal killed it.
    pub signal: Option<i32>,
    pub usage: Usage,
    pub stdout: String,
    pub stderr: String,
}

/// Starts `exe worker` with `job` on stdin; its [`Exit`] is sent on `events` when it
/// ends. Returns the child's pid.
pub fn spawn(exe: &Path, job: &crate::job::Job, token: usize, events: Sender<Exit>) -> std::io::Result<i32> {
    let mut command = Command::new(exe);
    command
        .arg("worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("RUST_BACKTRACE", "0");
    die_with_parent(&mut command);
    let mut child = command.spawn()?;
    let pid = child.id() as i32;
    let input = serde_json::to_vec(job).expect("a job serializes");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    std::thread::spawn(move || {
        // A worker that dies before reading its job closes the pipe; that shows in its exit.
        let _ = stdin.write_all(&input);
        drop(stdin);
        let err_reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        let err = err_reader.join().unwrap_or_default();
        let (status, usage) = wait(pid);
        // Reaped by wait4 above; dropping std's handle does not wait again.
        drop(child);
        let (code, signal) = decode(status);
        let _ = events.send(Exit { token, code, signal, usage, stdout: out, stderr: err });
    });
    Ok(pid)
}

/// Has the kernel kill the process `command` starts with SIGKILL when this one dies
/// (`PR_SET_PDEATHSIG`), so a child never outlives its parent.
pub(crate) fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt as _;
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the closure runs in the child between fork and exec and only makes
    // async-signal-safe system calls (prctl, getppid, _exit).
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before the request took effect.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

fn wait(pid: i32) -> (i32, Usage) {
    reap(pid, 0).unwrap_or((0, Usage::default()))
}

/// Reaps the child `pid` with `wait4(flags)`: its wait status and rusage, or `None` when
/// it has not ended yet (`WNOHANG`) or cannot be waited for.
pub(crate) fn reap(pid: i32, flags: i32) -> Option<(i32, Usage)> {
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    loop {
        // SAFETY: wait4 writes the status and rusage of the child it reaps.
        let rc = unsafe { libc::wait4(pid, &mut status, flags, usage.as_mut_ptr()) };
        if rc == pid {
            // SAFETY: filled in by the successful wait4.
            let usage = unsafe { usage.assume_init() };
            return Some((status, Usage::from_rusage(&usage)));
        }
        if rc == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        return None;
    }
}

pub(crate) fn decode(status: i32) -> (Option<i32>, Option<i32>) {
    if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    }
}

/// Kills a worker that outlived its timeout.
pub fn kill(pid: i32) {
    // SAFETY: kill has no memory-safety preconditions; the pid is our unreaped child.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        _ => "a signal",
    }
}

/// Why a worker failed, in words, from its exit and output.
pub fn failure_reason(exit: &crate::launch::Ended) -> String {
    if let Some(line) = exit.stdout.lines().rev().find(|l| !l.trim().is_empty())
        && let Ok(crate::job::Outcome::Failed { reason }) = serde_json::from_str(line)
    {
        return reason;
    }
    if let Some(panic) = panic_message(&exit.stderr) {
        return format!("panicked: {panic}");
    }
    match (exit.code, exit.signal) {
        (_, Some(signal)) if signal == libc::SIGABRT => "aborted (SIGABRT)".into(),
        (_, Some(signal)) if signal == libc::SIGKILL => {
            "killed by SIGKILL (out of memory, or killed from outside)".into()
        }
        (_, Some(signal)) => format!("killed by {} ({signal})", signal_name(signal)),
        (Some(code), None) => {
            let tail: Vec<&str> = exit.stderr.lines().rev().take(3).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            format!(
                "worker exited with code {code}{}",
                if tail.is_empty() { String::new() } else { format!(": {}", tail.join(" | ")) }
            )
        }
        (None, None) => "worker ended in an unknown way".into(),
    }
}

/// The message of a Rust panic in a worker's stderr.
fn panic_message(stderr: &str) -> Option<String> {
    let mut lines = stderr.lines();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.split_once("panicked at ").map(|(_, r)| r) {
            let location = rest.trim_end_matches(':');
            let message = lines.next().unwrap_or("").trim();
            return Some(format!("{message} (at {location})"));
        }
    }
    None
}

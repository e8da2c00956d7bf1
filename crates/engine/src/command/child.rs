//! The command's process: started from the experiment's folder with the job folder in its
//! environment and a pipe on file descriptor 3 for its phase marks; its process tree's
//! CPU time and resident memory read from `/proc`; its single-row server for latency.
//!
//! Like a worker, the command never outlives the process that started it: it asks the
//! kernel for SIGKILL when its parent dies (`PR_SET_PDEATHSIG`), so a trial killed at its
//! timeout takes its command with it.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Instant;

use spec::CommandSpec;

/// The file descriptor the command writes its marks to (`TRADEOFF_MARKS_FD`).
pub const MARKS_FD: i32 = 3;

/// One line the command wrote to its marks descriptor, stamped when it arrived.
pub struct Mark {
    pub at: Instant,
    pub text: String,
}

/// A running command in fit-predict mode.
pub struct Running {
    pub pid: i32,
    pub marks: Receiver<Mark>,
    _child: Child,
}

/// How the command ended.
pub struct Ended {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    /// CPU time of the command and the descendants it waited for (`wait4`).
    pub cpu_seconds: f64,
    /// The largest peak resident set of any one of those processes (`ru_maxrss`).
    pub max_rss_bytes: u64,
}

/// The environment every mode gets.
pub fn environment(
    folder: &super::handoff::JobFolder,
    job: &crate::job::TrialJob,
    mode: &str,
) -> Vec<(String, String)> {
    let threads = job.threads.max(1).to_string();
    let mut env = vec![
        ("TRADEOFF_JOB".to_string(), folder.job_file().display().to_string()),
        ("TRADEOFF_JOB_DIR".to_string(), folder.path.display().to_string()),
        ("TRADEOFF_MODE".to_string(), mode.to_string()),
        ("TRADEOFF_SEED".to_string(), job.seed.to_string()),
        ("TRADEOFF_THREADS".to_string(), threads.clone()),
    ];
    // The usual thread-count variables, so NumPy, scikit-learn and PyTorch keep to the
    // trial's threads as the native learners do.
    for name in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"] {
        env.push((name.to_string(), threads.clone()));
    }
    for (key, value) in &job.params {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        env.push((format!("TRADEOFF_PARAM_{}", key.to_uppercase()), text));
    }
    env
}

/// Starts the command with its marks pipe on descriptor 3, stdout and stderr to files.
pub fn start(
    command: &CommandSpec,
    program: &Path,
    env: &[(String, String)],
    stdout: &Path,
    stderr: &Path,
) -> Result<Running, String> {
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(format!("cannot create the marks pipe: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: both descriptors were just created and are owned here alone.
    let (read_end, write_end) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let file = |path: &Path| {
        std::fs::File::create(path).map_err(|e| format!("cannot create `{}`: {e}", path.display()))
    };
    let mut process = base_command(command, program, env);
    process.env("TRADEOFF_MARKS_FD", MARKS_FD.to_string());
    process.stdin(Stdio::null()).stdout(file(stdout)?).stderr(file(stderr)?);
    let write_fd = write_end.as_raw_fd();
    use std::os::unix::process::CommandExt as _;
    // SAFETY: runs between fork and exec and makes only async-signal-safe calls.
    unsafe {
        process.pre_exec(move || {
            if libc::dup2(write_fd, MARKS_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            // dup2 onto itself keeps close-on-exec; clear it either way.
            if libc::fcntl(MARKS_FD, libc::F_SETFD, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = spawn(&mut process, program)?;
    // Only the command (and what it starts) holds the write end now: the pipe ends when they do.
    drop(write_end);
    let (sender, marks) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let reader = BufReader::new(std::fs::File::from(read_end));
        for line in reader.lines() {
            let Ok(text) = line else { break };
            if sender.send(Mark { at: Instant::now(), text }).is_err() {
                break;
            }
        }
    });
    Ok(Running { pid: child.id() as i32, marks, _child: child })
}

fn base_command(command: &CommandSpec, program: &Path, env: &[(String, String)]) -> Command {
    let mut process = Command::new(program);
    process.args(&command.argv[1..]).current_dir(&command.dir);
    for (key, value) in env {
        process.env(key, value);
    }
    crate::process::die_with_parent(&mut process);
    process
}

fn spawn(process: &mut Command, program: &Path) -> Result<Child, String> {
    process.spawn().map_err(|e| format!("cannot start `{}`: {e}", program.display()))
}

/// Whether the command has ended (reaping it if so), without waiting.
pub fn try_reap(pid: i32) -> Option<Ended> {
    reap(pid, libc::WNOHANG)
}

/// Waits for the command to end.
pub fn wait(pid: i32) -> Option<Ended> {
    reap(pid, 0)
}

fn reap(pid: i32, flags: i32) -> Option<Ended> {
    let (status, usage) = crate::process::reap(pid, flags)?;
    let (code, signal) = crate::process::decode(status);
    Some(Ended { code, signal, cpu_seconds: usage.cpu_seconds(), max_rss_bytes: usage.peak_rss_bytes })
}

/// A process tree's CPU time and resident memory now.
#[derive(Debug, Clone, Copy, Default)]
pub struct TreeUsage {
    pub cpu_seconds: f64,
    pub rss_bytes: u64,
    pub processes: usize,
}

/// The CPU time (including what each process's waited-for children used) and the summed
/// resident memory of `root` and its live descendants, from `/proc/<pid>/stat`. The tree
/// is walked through `/proc/<pid>/task/<tid>/children`, which reads only its own
/// processes; a kernel without those files gets a scan of all of `/proc`.
pub fn tree_usage(root: i32) -> TreeUsage {
    // SAFETY: sysconf has no preconditions.
    let (ticks, page) = unsafe { (libc::sysconf(libc::_SC_CLK_TCK), libc::sysconf(libc::_SC_PAGESIZE)) };
    let (ticks, page) = (ticks.max(1) as f64, page.max(1) as u64);
    let mut usage = TreeUsage::default();
    let pids = descendants(root).unwrap_or_else(|| scan_descendants(root));
    for pid in pids {
        let Some(fields) = stat_fields(pid) else { continue };
        let number = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        usage.cpu_seconds += (number(11) + number(12) + number(13) + number(14)) as f64 / ticks;
        usage.rss_bytes += number(21) * page;
        usage.processes += 1;
    }
    usage
}

/// The fields of `/proc/<pid>/stat` after the command name (which may hold spaces and
/// parentheses): index 0 is the state, 1 the parent's pid.
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
    (fields.len() >= 22).then_some(fields)
}

/// `root` and its descendants through the `children` files; `None` where the kernel has none.
fn descendants(root: i32) -> Option<Vec<i32>> {
    if !Path::new(&format!("/proc/{root}/task/{root}/children")).exists() {
        return None;
    }
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        found.push(pid);
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { continue };
        for task in tasks.flatten() {
            if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
                stack.extend(text.split_whitespace().filter_map(|p| p.parse::<i32>().ok()));
            }
        }
    }
    Some(found)
}

/// `root` and its descendants from the parent pid of every process in `/proc`.
fn scan_descendants(root: i32) -> Vec<i32> {
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
            if let Some(parent) = stat_fields(pid).and_then(|f| f[1].parse::<i32>().ok()) {
                children.entry(parent).or_default().push(pid);
            }
        }
    }
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        found.push(pid);
        stack.extend(children.get(&pid).into_iter().flatten());
    }
    found
}

/// The command in predict-one mode: rows in on stdin, one class per line out.
pub struct Server {
    pid: i32,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    line: String,
    _child: Child,
}

impl Server {
    /// Starts it and waits for its `ready` line.
    pub fn start(
        command: &CommandSpec,
        program: &Path,
        env: &[(String, String)],
        stderr: &Path,
    ) -> Result<Server, String> {
        let mut process = base_command(command, program, env);
        let stderr = std::fs::File::create(stderr)
            .map_err(|e| format!("cannot create `{}`: {e}", stderr.display()))?;
        process.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(stderr);
        let mut child = spawn(&mut process, program)?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut server = Server { pid: child.id() as i32, stdin, stdout, line: String::new(), _child: child };
        let first = server.read_line()?;
        if first.trim() != "ready" {
            return Err(format!("its first line was `{}`, not `ready`", first.trim()));
        }
        Ok(server)
    }

    fn read_line(&mut self) -> Result<&str, String> {
        self.line.clear();
        match self.stdout.read_line(&mut self.line) {
            Ok(0) => Err("it closed its stdout".into()),
            Ok(_) => Ok(&self.line),
            Err(e) => Err(format!("cannot read its stdout: {e}")),
        }
    }

    /// Sends one row (already formatted, ending in a newline) and reads its class.
    pub fn call(&mut self, row: &str) -> Result<u32, String> {
        self.stdin
            .write_all(row.as_bytes())
            .and_then(|_| self.stdin.flush())
            .map_err(|e| format!("cannot write to its stdin: {e}"))?;
        let line = self.read_line()?.trim();
        line.parse::<u32>().map_err(|_| format!("answered `{line}`, not a class index"))
    }

    /// Closes its stdin and waits for it to end (killing it after two seconds).
    pub fn stop(self) {
        let Server { pid, stdin, .. } = self;
        drop(stdin);
        let deadline = Instant::now() + std::time::Duration::from_secs(2);
        while Instant::now() < deadline {
            if try_reap(pid).is_some() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        crate::process::kill(pid);
        let _ = wait(pid);
    }
}

/// A row as the server reads it: comma-separated values, `nan` for a missing one.
pub fn row_text(row: &[f32]) -> String {
    let mut text = String::with_capacity(row.len() * 4);
    for (i, value) in row.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        if value.is_nan() {
            text.push_str("nan");
        } else {
            text.push_str(&value.to_string());
        }
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_tree_counts_its_children() {
        // A shell that starts a child which holds 64 MB: the tree's memory holds both.
        let mut shell = Command::new("sh")
            .args(["-c", "python3 -c 'import time; b = bytearray(64 << 20); time.sleep(3)' & wait"])
            .spawn()
            .expect("sh");
        let pid = shell.id() as i32;
        let mut usage = TreeUsage::default();
        for _ in 0..100 {
            std::thread::sleep(std::time::Duration::from_millis(30));
            usage = tree_usage(pid);
            if usage.rss_bytes > 64 << 20 {
                break;
            }
        }
        let scanned = scan_descendants(pid);
        shell.kill().ok();
        shell.wait().ok();
        assert!(usage.processes >= 2, "{usage:?}");
        assert!(usage.rss_bytes > 64 << 20, "{usage:?}");
        assert!(scanned.len() >= 2 && scanned[0] == pid, "{scanned:?}");
    }

    #[test]
    fn rows_are_written_as_text_with_nan_for_missing() {
        assert_eq!(row_text(&[1.0, f32::NAN, -0.5, 255.0]), "1,nan,-0.5,255\n");
    }
}

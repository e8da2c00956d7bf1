//! The git commit and dirty flag of the repository an experiment file lives in.

use std::path::Path;
use std::process::Command;

use record::GitState;

pub fn state(folder: &Path) -> GitState {
    let run = |dir: &Path, args: &[&str]| -> Option<String> {
        let output = Command::new("git").args(args).current_dir(dir).output().ok()?;
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
    };
    let folder = if folder.as_os_str().is_empty() { Path::new(".") } else { folder };
    let Some(top) = run(folder, &["rev-parse", "--show-toplevel"]) else {
        return GitState { commit: None, dirty: false };
    };
    let top = Path::new(&top);
    let commit = run(top, &["rev-parse", "HEAD"]);
    // What the run itself writes (results/) does not make the tree dirty.
    let dirty = run(top, &["status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)results"])
        .is_some_and(|s| !s.is_empty());
    GitState { commit, dirty }
}

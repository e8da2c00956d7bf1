//! Progress: an indicatif bar on a terminal, one plain line per event otherwise (logs,
//! CI), both on stderr.

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    done: usize,
}

impl Progress {
    pub fn new(total: usize, interactive: bool) -> Self {
        let bar = interactive.then(|| {
            let bar = ProgressBar::new(total as u64);
            bar.set_style(
                ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {wide_msg}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar
        });
        Progress { bar, total, done: 0 }
    }

    pub fn started(&mut self, label: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(label.to_string());
        }
    }

    /// A trial ended (or was skipped).
    pub fn step(&mut self, label: &str, status: &str) {
        self.done += 1;
        let width = self.total.to_string().len();
        let line = format!("[{:>width$}/{}] {label}: {status}", self.done, self.total);
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                if status.contains("FAILED") {
                    bar.println(line);
                }
            }
            None => eprintln!("{line}"),
        }
    }

    pub fn message(&mut self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    pub fn finish(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

//! Worker processes on this machine: spawned at once, reaped with `wait4` (so their exit
//! and rusage are exact), killed on cancel. What runs together is the scheduler's slots'
//! decision.

use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Duration;

use super::{Ended, Event, Launch, LaunchError, Launcher, Token};
use crate::process::{self, Exit};

pub struct LocalLauncher {
    sender: mpsc::Sender<Exit>,
    receiver: mpsc::Receiver<Exit>,
    running: HashMap<Token, i32>,
}

impl Default for LocalLauncher {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalLauncher {
    pub fn new() -> Self {
        let (sender, receiver) = mpsc::channel();
        LocalLauncher { sender, receiver, running: HashMap::new() }
    }
}

impl Launcher for LocalLauncher {
    fn places_work(&self) -> bool {
        false
    }

    fn start(&mut self, token: Token, launch: Launch) -> Result<bool, LaunchError> {
        let pid = process::spawn(&launch.exe, &launch.job, token, self.sender.clone())
            .map_err(|source| LaunchError::Spawn { exe: launch.exe.display().to_string(), source })?;
        self.running.insert(token, pid);
        Ok(true)
    }

    fn next(&mut self, timeout: Duration) -> Result<Option<Event>, LaunchError> {
        match self.receiver.recv_timeout(timeout) {
            Ok(exit) => {
                // A worker killed at its timeout could not remove a command's job folder.
                if let Some(pid) = self.running.remove(&exit.token)
                    && exit.signal.is_some()
                {
                    crate::command::remove_job_folders_of(pid);
                }
                Ok(Some(Event::Ended(Ended {
                    token: exit.token,
                    code: exit.code,
                    signal: exit.signal,
                    usage: Some(exit.usage),
                    stdout: exit.stdout,
                    stderr: exit.stderr,
                    failure: None,
                    placement: None,
                })))
            }
            Err(_) => Ok(None),
        }
    }

    fn cancel(&mut self, token: Token) {
        if let Some(&pid) = self.running.get(&token) {
            process::kill(pid);
        }
    }

    fn cancel_all(&mut self) -> Option<String> {
        if self.running.is_empty() {
            return None;
        }
        for &pid in self.running.values() {
            process::kill(pid);
        }
        Some(format!("stopped {} running worker(s)", self.running.len()))
    }
}

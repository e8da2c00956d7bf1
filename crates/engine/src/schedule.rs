//! The ready/slot loop: nodes of a DAG start when their predecessors have ended and the
//! machine has room, run through a [`Launcher`], and are handed back to the [`Work`]
//! that knows what they mean.
//!
//! Slots (when the launcher runs work on this machine): one per CPU thread a unit uses,
//! one per GPU; an exclusive unit runs alone, and one first in line waits for the machine
//! to drain rather than being overtaken. A launcher that places work itself (a cluster)
//! gets everything that is ready. Time limits run from when a unit began running; a unit
//! still queued past the queue limit is cancelled. The loop knows nothing of trials or
//! records, so tests drive it with fake work and a fake launcher.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::launch::{Ended, Event, Launch, Launcher, Needs, Token};
use crate::run::RunError;

/// What the nodes of the graph mean: the engine's run, or a test's fake.
pub(crate) trait Work {
    /// What a node needs while it runs.
    fn needs(&self, node: NodeIndex) -> Needs;
    /// Begins a node: finished at once (skipped, aggregated) or work to launch.
    fn begin(&mut self, node: NodeIndex) -> Result<Begin, RunError>;
    /// A launched node ended.
    fn end(&mut self, node: NodeIndex, ended: Ended, ran: Ran) -> Result<(), RunError>;
}

pub(crate) enum Begin {
    Done,
    /// Work to launch, and its time limit once running.
    Launch(Box<Launch>, Option<Duration>),
}

/// How a launched node went, as the scheduler saw it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ran {
    /// When it began running (RFC 3339), or when it was submitted if it never ran.
    pub started_at: String,
    /// How long it ran.
    pub seconds: f64,
    /// Why the scheduler stopped it, if it did.
    pub stopped: Option<Stopped>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Stopped {
    /// It ran past its time limit.
    TimedOut(Duration),
    /// It was still queued past the queue limit.
    NeverStarted(Duration),
}

pub(crate) struct Limits<'a> {
    /// CPU slots of this machine.
    pub cpu_capacity: usize,
    /// How long a unit may wait in a cluster's queue.
    pub queue_timeout: Option<Duration>,
    /// Set on Ctrl-C.
    pub interrupted: &'a AtomicBool,
}

#[derive(Debug, PartialEq)]
pub(crate) enum Scheduled {
    Complete,
    /// Ctrl-C: running work was cancelled and not handed back; what the launcher did.
    Interrupted(Option<String>),
}

struct Running {
    node: NodeIndex,
    needs: Needs,
    submitted: Instant,
    submitted_at: String,
    running_since: Option<(Instant, String)>,
    timeout: Option<Duration>,
    stopped: Option<Stopped>,
}

impl Running {
    /// When the scheduler must act on this unit next, if ever.
    fn deadline(&self, queue_timeout: Option<Duration>) -> Option<Instant> {
        if self.stopped.is_some() {
            return None;
        }
        match &self.running_since {
            Some((since, _)) => self.timeout.map(|t| *since + t),
            None => queue_timeout.map(|t| self.submitted + t),
        }
    }
}

/// How long the loop waits at most between looks at the interrupt flag.
const INTERRUPT_POLL: Duration = Duration::from_millis(200);
/// How long cancelled work may take to report its end after Ctrl-C.
const DRAIN: Duration = Duration::from_secs(10);

pub(crate) fn schedule<N>(
    graph: &DiGraph<N, ()>,
    work: &mut dyn Work,
    launcher: &mut dyn Launcher,
    limits: &Limits<'_>,
) -> Result<Scheduled, RunError> {
    let mut remaining_preds: HashMap<NodeIndex, usize> =
        graph.node_indices().map(|n| (n, graph.neighbors_directed(n, Direction::Incoming).count())).collect();
    let mut ready: Vec<NodeIndex> =
        remaining_preds.iter().filter(|(_, c)| **c == 0).map(|(n, _)| *n).collect();
    let mut running: HashMap<Token, Running> = HashMap::new();
    let mut next_token: Token = 0;
    let mut cpu_used = 0usize;
    let mut gpus_busy: HashSet<u32> = HashSet::new();
    let mut done = 0usize;
    let node_count = graph.node_count();
    let cpu_capacity = limits.cpu_capacity.max(1);
    let places_work = launcher.places_work();

    while done < node_count {
        if limits.interrupted.load(Ordering::SeqCst) {
            return Ok(Scheduled::Interrupted(interrupt(launcher, &mut running)));
        }
        ready.sort();
        let mut index = 0;
        while index < ready.len() {
            let node = ready[index];
            let needs = work.needs(node);
            let fits = places_work
                || if needs.exclusive {
                    running.is_empty()
                } else {
                    !running.values().any(|r| r.needs.exclusive)
                        && cpu_used + needs.cpu <= cpu_capacity.max(needs.cpu)
                        && needs.gpu.is_none_or(|g| !gpus_busy.contains(&g))
                };
            if !fits {
                if needs.exclusive {
                    break;
                }
                index += 1;
                continue;
            }
            ready.remove(index);
            match work.begin(node)? {
                Begin::Done => {
                    done += 1;
                    release(graph, node, &mut remaining_preds, &mut ready);
                }
                Begin::Launch(launch, timeout) => {
                    let token = next_token;
                    next_token += 1;
                    let runs_now = launcher.start(token, *launch)?;
                    if !places_work {
                        cpu_used += needs.cpu;
                        if let Some(g) = needs.gpu {
                            gpus_busy.insert(g);
                        }
                    }
                    let now = Instant::now();
                    let stamp = crate::run::now();
                    running.insert(
                        token,
                        Running {
                            node,
                            needs,
                            submitted: now,
                            submitted_at: stamp.clone(),
                            running_since: runs_now.then_some((now, stamp)),
                            timeout,
                            stopped: None,
                        },
                    );
                }
            }
        }
        if running.is_empty() {
            if ready.is_empty() && done < node_count {
                break; // nothing can make progress (cannot happen in an acyclic graph)
            }
            continue;
        }
        let now = Instant::now();
        let wait = running
            .values()
            .filter_map(|r| r.deadline(limits.queue_timeout))
            .map(|d| d.saturating_duration_since(now))
            .min()
            .unwrap_or(Duration::from_secs(3600))
            .clamp(Duration::from_millis(1), INTERRUPT_POLL);
        match launcher.next(wait)? {
            Some(Event::Running { token, .. }) => {
                if let Some(unit) = running.get_mut(&token)
                    && unit.running_since.is_none()
                {
                    unit.running_since = Some((Instant::now(), crate::run::now()));
                }
            }
            Some(Event::Ended(ended)) => {
                if limits.interrupted.load(Ordering::SeqCst) {
                    // Ctrl-C reached the workers too: what ended now is not handed back.
                    running.remove(&ended.token);
                    continue;
                }
                let Some(unit) = running.remove(&ended.token) else { continue };
                if !places_work {
                    cpu_used -= unit.needs.cpu;
                    if let Some(g) = unit.needs.gpu {
                        gpus_busy.remove(&g);
                    }
                }
                let token = ended.token;
                let (started_at, seconds) = match &unit.running_since {
                    Some((since, stamp)) => (stamp.clone(), since.elapsed().as_secs_f64()),
                    None => (unit.submitted_at.clone(), 0.0),
                };
                work.end(unit.node, ended, Ran { started_at, seconds, stopped: unit.stopped })?;
                launcher.collected(token);
                done += 1;
                release(graph, unit.node, &mut remaining_preds, &mut ready);
            }
            None => {
                let now = Instant::now();
                for (token, unit) in running.iter_mut() {
                    if unit.deadline(limits.queue_timeout).is_some_and(|d| d <= now) {
                        unit.stopped = Some(match unit.running_since {
                            Some(_) => Stopped::TimedOut(unit.timeout.unwrap_or_default()),
                            None => Stopped::NeverStarted(limits.queue_timeout.unwrap_or_default()),
                        });
                        launcher.cancel(*token);
                    }
                }
            }
        }
    }
    Ok(Scheduled::Complete)
}

/// Ctrl-C: cancel everything, wait a little for it to end, hand nothing back.
fn interrupt(launcher: &mut dyn Launcher, running: &mut HashMap<Token, Running>) -> Option<String> {
    let said = launcher.cancel_all();
    let until = Instant::now() + DRAIN;
    while !running.is_empty() && Instant::now() < until {
        match launcher.next(INTERRUPT_POLL) {
            Ok(Some(Event::Ended(ended))) => {
                running.remove(&ended.token);
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    said
}

fn release<N>(
    graph: &DiGraph<N, ()>,
    node: NodeIndex,
    remaining: &mut HashMap<NodeIndex, usize>,
    ready: &mut Vec<NodeIndex>,
) {
    for next in graph.neighbors_directed(node, Direction::Outgoing) {
        let count = remaining.get_mut(&next).expect("every node is counted");
        *count -= 1;
        if *count == 0 {
            ready.push(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::rc::Rc;

    use super::*;
    use crate::launch::LaunchError;

    /// A node of a test graph: what it needs and how its fake run behaves.
    #[derive(Clone, Copy)]
    struct Unit {
        needs: Needs,
        /// Never ends unless cancelled.
        hangs: bool,
        /// Stays queued until cancelled (a cluster that never starts it).
        stays_queued: bool,
        timeout: Option<Duration>,
        /// Finished without launching (an aggregation step, a skipped trial).
        immediate: bool,
    }

    fn cpu(n: usize) -> Unit {
        Unit {
            needs: Needs { cpu: n, gpu: None, exclusive: false },
            hangs: false,
            stays_queued: false,
            timeout: None,
            immediate: false,
        }
    }

    fn exclusive() -> Unit {
        Unit { needs: Needs { cpu: 1, gpu: None, exclusive: true }, ..cpu(1) }
    }

    /// What happened, in order, shared by the fake work and the fake launcher.
    #[derive(Default)]
    struct Log {
        events: Vec<String>,
        /// Units running at each start, as (token, node).
        running: Vec<(Token, NodeIndex)>,
        max_cpu: usize,
        exclusive_overlapped: bool,
        ended: Vec<(NodeIndex, Option<Stopped>)>,
    }

    struct FakeWork {
        units: Vec<Unit>,
        log: Rc<RefCell<Log>>,
    }

    impl Work for FakeWork {
        fn needs(&self, node: NodeIndex) -> Needs {
            self.units[node.index()].needs
        }

        fn begin(&mut self, node: NodeIndex) -> Result<Begin, RunError> {
            let unit = self.units[node.index()];
            if unit.immediate {
                self.log.borrow_mut().events.push(format!("done {}", node.index()));
                return Ok(Begin::Done);
            }
            let launch = Launch {
                exe: "fake".into(),
                job: crate::job::Job::Trial(Box::new(crate::job::TrialJob::example())),
                needs: unit.needs,
                key: Some(node.index().to_string()),
                label: format!("node {}", node.index()),
                cluster: None,
            };
            Ok(Begin::Launch(Box::new(launch), unit.timeout))
        }

        fn end(&mut self, node: NodeIndex, _ended: Ended, ran: Ran) -> Result<(), RunError> {
            let mut log = self.log.borrow_mut();
            log.events.push(format!("end {}", node.index()));
            log.ended.push((node, ran.stopped));
            Ok(())
        }
    }

    struct FakeLauncher {
        units: Vec<Unit>,
        places_work: bool,
        log: Rc<RefCell<Log>>,
        /// Started units by token: (node, cancelled).
        started: Vec<(NodeIndex, bool)>,
        /// Running, in start order: each ends in this order unless it hangs.
        queue: VecDeque<Token>,
        cancelled: VecDeque<Token>,
        cancel_all_called: bool,
    }

    impl FakeLauncher {
        fn new(units: &[Unit], places_work: bool, log: &Rc<RefCell<Log>>) -> Self {
            FakeLauncher {
                units: units.to_vec(),
                places_work,
                log: Rc::clone(log),
                started: Vec::new(),
                queue: VecDeque::new(),
                cancelled: VecDeque::new(),
                cancel_all_called: false,
            }
        }

        fn unit(&self, token: Token) -> Unit {
            self.units[self.started[token].0.index()]
        }
    }

    impl Launcher for FakeLauncher {
        fn places_work(&self) -> bool {
            self.places_work
        }

        fn start(&mut self, token: Token, launch: Launch) -> Result<bool, LaunchError> {
            let node = NodeIndex::new(launch.key.as_deref().unwrap().parse().unwrap());
            assert_eq!(self.started.len(), token, "tokens are handed out in order");
            self.started.push((node, false));
            let mut log = self.log.borrow_mut();
            log.events.push(format!("start {}", node.index()));
            log.running.push((token, node));
            let running: Vec<Unit> = log.running.iter().map(|(_, n)| self.units[n.index()]).collect();
            log.max_cpu = log.max_cpu.max(running.iter().map(|u| u.needs.cpu).sum());
            if running.len() > 1 && running.iter().any(|u| u.needs.exclusive) {
                log.exclusive_overlapped = true;
            }
            self.queue.push_back(token);
            Ok(!self.units[node.index()].stays_queued)
        }

        fn next(&mut self, timeout: Duration) -> Result<Option<Event>, LaunchError> {
            let token = match self.cancelled.pop_front() {
                Some(token) => Some(token),
                None => {
                    let position = self.queue.iter().position(|&t| {
                        let unit = self.unit(t);
                        !unit.hangs && !unit.stays_queued
                    });
                    position.and_then(|p| self.queue.remove(p))
                }
            };
            let Some(token) = token else {
                std::thread::sleep(timeout);
                return Ok(None);
            };
            self.queue.retain(|&t| t != token);
            self.log.borrow_mut().running.retain(|(t, _)| *t != token);
            Ok(Some(Event::Ended(Ended { token, code: Some(0), ..Default::default() })))
        }

        fn cancel(&mut self, token: Token) {
            self.started[token].1 = true;
            self.log.borrow_mut().events.push(format!("cancel {}", self.started[token].0.index()));
            self.cancelled.push_back(token);
        }

        fn cancel_all(&mut self) -> Option<String> {
            self.cancel_all_called = true;
            let tokens: Vec<Token> = self.queue.drain(..).collect();
            self.cancelled.extend(tokens);
            Some("cancelled everything".into())
        }
    }

    /// A graph from units and edges `(from, to)`.
    fn graph(units: &[Unit], edges: &[(usize, usize)]) -> DiGraph<(), ()> {
        let mut graph = DiGraph::new();
        let nodes: Vec<NodeIndex> = units.iter().map(|_| graph.add_node(())).collect();
        for &(a, b) in edges {
            graph.add_edge(nodes[a], nodes[b], ());
        }
        graph
    }

    struct Outcome {
        scheduled: Scheduled,
        log: Log,
    }

    fn drive(units: &[Unit], edges: &[(usize, usize)], limits: Limits<'_>, places_work: bool) -> Outcome {
        let log = Rc::new(RefCell::new(Log::default()));
        let mut work = FakeWork { units: units.to_vec(), log: Rc::clone(&log) };
        let mut launcher = FakeLauncher::new(units, places_work, &log);
        let scheduled = schedule(&graph(units, edges), &mut work, &mut launcher, &limits).expect("schedules");
        drop(work);
        drop(launcher);
        let log = Rc::try_unwrap(log).ok().expect("one owner").into_inner();
        Outcome { scheduled, log }
    }

    fn limits(cpu_capacity: usize, flag: &AtomicBool) -> Limits<'_> {
        Limits { cpu_capacity, queue_timeout: None, interrupted: flag }
    }

    fn position(events: &[String], event: &str) -> usize {
        events.iter().position(|e| e == event).unwrap_or_else(|| panic!("`{event}` in {events:?}"))
    }

    #[test]
    fn a_node_starts_only_after_all_its_predecessors_ended() {
        let flag = AtomicBool::new(false);
        let units = [cpu(1), cpu(1), cpu(1), Unit { immediate: true, ..cpu(0) }, cpu(1)];
        let edges = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)];
        let outcome = drive(&units, &edges, limits(4, &flag), false);
        assert_eq!(outcome.scheduled, Scheduled::Complete);
        let events = &outcome.log.events;
        assert!(position(events, "end 0") < position(events, "start 1"));
        assert!(position(events, "end 0") < position(events, "start 2"));
        assert!(position(events, "end 1") < position(events, "done 3"));
        assert!(position(events, "end 2") < position(events, "done 3"));
        assert!(position(events, "done 3") < position(events, "start 4"));
        assert_eq!(outcome.log.ended.len(), 4, "every launched node is handed back once");
    }

    #[test]
    fn slots_bound_what_runs_together() {
        let flag = AtomicBool::new(false);
        let units = [cpu(1), cpu(1), cpu(1), cpu(1), cpu(2)];
        let outcome = drive(&units, &[], limits(2, &flag), false);
        assert_eq!(outcome.log.max_cpu, 2, "two one-thread units share two slots, never more");
        // A unit wider than the machine still runs (alone), rather than never.
        let wide = [cpu(3), cpu(1)];
        let outcome = drive(&wide, &[], limits(2, &flag), false);
        assert_eq!(outcome.log.ended.len(), 2);
    }

    #[test]
    fn an_exclusive_unit_runs_alone_and_is_not_overtaken() {
        let flag = AtomicBool::new(false);
        let units = [cpu(1), exclusive(), cpu(1), exclusive(), cpu(1)];
        let outcome = drive(&units, &[], limits(4, &flag), false);
        assert!(!outcome.log.exclusive_overlapped, "{:?}", outcome.log.events);
        let events = &outcome.log.events;
        // Node 1 is first in line after node 0: node 2 must not start before it.
        assert!(position(events, "end 1") < position(events, "start 2"), "{events:?}");
        assert!(position(events, "end 3") < position(events, "start 4"), "{events:?}");
    }

    #[test]
    fn a_launcher_that_places_work_gets_everything_ready() {
        let flag = AtomicBool::new(false);
        let units = [exclusive(), exclusive(), cpu(2), cpu(2)];
        let outcome = drive(&units, &[], limits(1, &flag), true);
        let events = &outcome.log.events;
        let last_start = (0..4).map(|n| position(events, &format!("start {n}"))).max().unwrap();
        let first_end = (0..4).map(|n| position(events, &format!("end {n}"))).min().unwrap();
        assert!(last_start < first_end, "all four submitted before any ended: {events:?}");
    }

    #[test]
    fn a_unit_past_its_time_limit_is_cancelled_and_handed_back_as_timed_out() {
        let flag = AtomicBool::new(false);
        let limit = Duration::from_millis(30);
        let units = [Unit { hangs: true, timeout: Some(limit), ..cpu(1) }, cpu(1)];
        let outcome = drive(&units, &[(0, 1)], limits(2, &flag), false);
        assert!(outcome.log.events.contains(&"cancel 0".to_string()));
        assert_eq!(outcome.log.ended[0], (NodeIndex::new(0), Some(Stopped::TimedOut(limit))));
        assert_eq!(outcome.log.ended[1], (NodeIndex::new(1), None), "the rest of the plan goes on");
    }

    #[test]
    fn a_unit_never_started_past_the_queue_limit_is_cancelled() {
        let flag = AtomicBool::new(false);
        let units = [Unit { stays_queued: true, ..cpu(1) }, cpu(1)];
        let queue = Duration::from_millis(30);
        let outcome = drive(&units, &[], Limits { queue_timeout: Some(queue), ..limits(2, &flag) }, true);
        assert!(outcome.log.ended.contains(&(NodeIndex::new(0), Some(Stopped::NeverStarted(queue)))));
        assert!(outcome.log.ended.contains(&(NodeIndex::new(1), None)));
    }

    #[test]
    fn an_interrupt_cancels_everything_and_hands_nothing_back() {
        let flag = AtomicBool::new(false);
        let units = [Unit { hangs: true, ..cpu(1) }, Unit { hangs: true, ..cpu(1) }, cpu(1)];
        let log = Rc::new(RefCell::new(Log::default()));
        let mut work = FakeWork { units: units.to_vec(), log: Rc::clone(&log) };
        // Interrupt once both hanging units run: a launcher that sets the flag on its
        // first empty wait stands in for Ctrl-C arriving mid-run.
        struct Interrupting<'a> {
            inner: FakeLauncher,
            flag: &'a AtomicBool,
        }
        impl Launcher for Interrupting<'_> {
            fn places_work(&self) -> bool {
                false
            }
            fn start(&mut self, token: Token, launch: Launch) -> Result<bool, LaunchError> {
                self.inner.start(token, launch)
            }
            fn next(&mut self, timeout: Duration) -> Result<Option<Event>, LaunchError> {
                let event = self.inner.next(timeout)?;
                if event.is_none() {
                    self.flag.store(true, Ordering::SeqCst);
                }
                Ok(event)
            }
            fn cancel(&mut self, token: Token) {
                self.inner.cancel(token)
            }
            fn cancel_all(&mut self) -> Option<String> {
                self.inner.cancel_all()
            }
        }
        let mut interrupting = Interrupting { inner: FakeLauncher::new(&units, false, &log), flag: &flag };
        let scheduled =
            schedule(&graph(&units, &[(0, 2), (1, 2)]), &mut work, &mut interrupting, &limits(2, &flag))
                .unwrap();
        assert_eq!(scheduled, Scheduled::Interrupted(Some("cancelled everything".into())));
        assert!(interrupting.inner.cancel_all_called);
        drop(work);
        let log = log.borrow();
        assert!(log.ended.is_empty(), "cancelled work is not handed back: {:?}", log.events);
        assert!(!log.events.contains(&"start 2".to_string()), "nothing starts after Ctrl-C");
    }
}

//! The plan: experiments expanded into a petgraph DAG of nodes, prepare dataset ->
//! trials (candidate x fold x repetition, warm-ups first and unrecorded) -> aggregate ->
//! report, with an edge from an experiment's report to the preparation of every
//! experiment that depends on it.

use std::fmt::Write as _;

use petgraph::algo::{is_cyclic_directed, kosaraju_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use spec::Experiment;

use data::seeds;

/// One unit of work.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Prepare { experiment: usize },
    Trial(TrialNode),
    Aggregate { experiment: usize },
    Report { experiment: usize },
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrialNode {
    pub experiment: usize,
    pub candidate: usize,
    pub fold: u32,
    pub repetition: u32,
    /// A warm-up runs like a trial but is not recorded.
    pub warmup: bool,
    /// The learner's seed, shared by every candidate of the slot.
    pub seed: u64,
    /// The seed of the split, shared by every candidate of the repetition.
    pub split_seed: u64,
}

impl Node {
    pub fn experiment(&self) -> usize {
        match self {
            Node::Prepare { experiment } | Node::Aggregate { experiment } | Node::Report { experiment } => {
                *experiment
            }
            Node::Trial(t) => t.experiment,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    #[error(
        "experiment `{experiment}` depends on `{missing}`, which is not among the experiments given or beside its file"
    )]
    UnknownDependency { experiment: String, missing: String },
    #[error("experiments depend on each other in a cycle: {0}")]
    Cycle(String),
    #[error("two experiments are named `{0}`; names choose results folders and must be unique")]
    DuplicateName(String),
}

/// The experiments and the DAG of their work.
#[derive(Debug)]
pub struct Plan {
    pub experiments: Vec<Experiment>,
    pub graph: DiGraph<Node, ()>,
}

impl Plan {
    pub fn build(experiments: Vec<Experiment>) -> Result<Plan, PlanError> {
        for (i, experiment) in experiments.iter().enumerate() {
            if experiments[..i].iter().any(|e| e.name == experiment.name) {
                return Err(PlanError::DuplicateName(experiment.name.clone()));
            }
        }
        let mut graph = DiGraph::new();
        let mut prepare = Vec::new();
        let mut report = Vec::new();
        for (e, experiment) in experiments.iter().enumerate() {
            let prepare_node = graph.add_node(Node::Prepare { experiment: e });
            let aggregate_node = graph.add_node(Node::Aggregate { experiment: e });
            let report_node = graph.add_node(Node::Report { experiment: e });
            graph.add_edge(aggregate_node, report_node, ());
            let protocol = &experiment.protocol;
            let run: Vec<(usize, &spec::Candidate)> =
                experiment.candidates.iter().enumerate().filter(|(_, c)| c.is_run()).collect();
            let mut warmups_of: Vec<Vec<NodeIndex>> = vec![Vec::new(); experiment.candidates.len()];
            for &(c, _) in &run {
                for w in 0..protocol.warmup {
                    let node = graph.add_node(Node::Trial(TrialNode {
                        experiment: e,
                        candidate: c,
                        fold: 0,
                        repetition: w,
                        warmup: true,
                        seed: seeds::warmup(experiment.seed, w),
                        split_seed: seeds::split(experiment.seed, 0, protocol.reshuffle),
                    }));
                    graph.add_edge(prepare_node, node, ());
                    warmups_of[c].push(node);
                }
            }
            // Interleave candidates within each slot (repetition, fold), so slow drift of
            // the machine (heat, background load) does not favour one candidate and each
            // slot's trials can be compared pairwise.
            for repetition in 0..protocol.repetitions {
                for fold in 0..protocol.evaluation.splits() {
                    for &(c, _) in &run {
                        let node = graph.add_node(Node::Trial(TrialNode {
                            experiment: e,
                            candidate: c,
                            fold,
                            repetition,
                            warmup: false,
                            seed: seeds::learner(experiment.seed, repetition, fold),
                            split_seed: seeds::split(experiment.seed, repetition, protocol.reshuffle),
                        }));
                        graph.add_edge(prepare_node, node, ());
                        for &warmup in &warmups_of[c] {
                            graph.add_edge(warmup, node, ());
                        }
                        graph.add_edge(node, aggregate_node, ());
                    }
                }
            }
            if run.is_empty() {
                graph.add_edge(prepare_node, aggregate_node, ());
            }
            prepare.push(prepare_node);
            report.push(report_node);
        }
        for (e, experiment) in experiments.iter().enumerate() {
            for dependency in &experiment.depends_on {
                let Some(d) = experiments.iter().position(|x| &x.name == dependency) else {
                    return Err(PlanError::UnknownDependency {
                        experiment: experiment.name.clone(),
                        missing: dependency.clone(),
                    });
                };
                graph.add_edge(report[d], prepare[e], ());
            }
        }
        if is_cyclic_directed(&graph) {
            return Err(PlanError::Cycle(describe_cycle(&experiments)));
        }
        Ok(Plan { experiments, graph })
    }

    /// Nodes in an order that respects every edge (and, among ready nodes, plan order).
    pub fn order(&self) -> Vec<NodeIndex> {
        toposort(&self.graph, None).expect("the plan is acyclic")
    }

    pub fn trials(&self) -> impl Iterator<Item = &TrialNode> {
        self.graph.node_weights().filter_map(|n| match n {
            Node::Trial(t) => Some(t),
            _ => None,
        })
    }

    /// The plan in words.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for (e, experiment) in self.experiments.iter().enumerate() {
            let protocol = &experiment.protocol;
            let _ = writeln!(out, "experiment `{}` ({})", experiment.name, experiment.path.display());
            for dependency in &experiment.depends_on {
                let _ = writeln!(out, "  after experiment `{dependency}`");
            }
            let dataset = match &experiment.dataset {
                Some(d) => describe_dataset(d),
                None => "no dataset (every candidate is declared)".into(),
            };
            let _ = writeln!(out, "  1. prepare {dataset}");
            let splits = match protocol.evaluation {
                spec::Evaluation::Folds(k) => format!("{k} folds"),
                spec::Evaluation::Holdout(h) => format!("holdout {h}"),
                spec::Evaluation::Official => "the official split".into(),
            };
            let _ = writeln!(
                out,
                "  2. trials: {} repetition(s) x {splits}, {} warm-up(s) per candidate, isolation {:?}{}",
                protocol.repetitions,
                protocol.warmup,
                protocol.isolation,
                protocol.timeout_seconds.map(|t| format!(", timeout {t} s")).unwrap_or_default()
            );
            for (c, candidate) in experiment.candidates.iter().enumerate() {
                let trials =
                    self.trials().filter(|t| t.experiment == e && t.candidate == c && !t.warmup).count();
                let warmups =
                    self.trials().filter(|t| t.experiment == e && t.candidate == c && t.warmup).count();
                let what = if candidate.is_run() {
                    format!("{trials} trials + {warmups} warm-up(s)")
                } else {
                    "declared figures, no trials".into()
                };
                let _ = writeln!(
                    out,
                    "     - {} ({}{}): {what}",
                    candidate.name,
                    candidate.learner,
                    if candidate.device != spec::Device::Cpu {
                        format!(", {}", candidate.device)
                    } else {
                        String::new()
                    }
                );
            }
            let metrics: Vec<&str> = experiment.metrics.iter().map(|m| m.name()).collect();
            let _ = writeln!(out, "  3. aggregate {}", metrics.join(", "));
            let _ = writeln!(out, "  4. report results/{}/report.md", experiment.name);
        }
        let total = self.trials().count();
        let recorded = self.trials().filter(|t| !t.warmup).count();
        let _ = writeln!(out, "{} nodes, {total} trials ({recorded} recorded)", self.graph.node_count());
        out
    }

    /// The DAG in Graphviz's dot language.
    pub fn to_dot(&self) -> String {
        let mut out =
            String::from("digraph plan {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n");
        for index in self.graph.node_indices() {
            let node = &self.graph[index];
            let experiment = &self.experiments[node.experiment()];
            let (label, style) = match node {
                Node::Prepare { .. } => (format!("{}\\nprepare dataset", experiment.name), "shape=cylinder"),
                Node::Aggregate { .. } => (format!("{}\\naggregate", experiment.name), "shape=ellipse"),
                Node::Report { .. } => (format!("{}\\nreport", experiment.name), "shape=note"),
                Node::Trial(t) => {
                    let candidate = &experiment.candidates[t.candidate].name;
                    if t.warmup {
                        (format!("{candidate}\\nwarm-up {}", t.repetition), "style=dashed")
                    } else {
                        (format!("{candidate}\\nfold {} rep {}", t.fold, t.repetition), "")
                    }
                }
            };
            let _ = writeln!(out, "  n{} [label=\"{}\" {style}];", index.index(), label.replace('"', "'"));
        }
        for edge in self.graph.edge_references() {
            let _ = writeln!(out, "  n{} -> n{};", edge.source().index(), edge.target().index());
        }
        out.push_str("}\n");
        out
    }
}

fn describe_dataset(dataset: &spec::DatasetRef) -> String {
    let location = match &dataset.location {
        spec::DatasetLocation::Builtin { name } => format!("built-in `{name}`"),
        spec::DatasetLocation::File { path, .. } => format!("`{}`", path.display()),
        spec::DatasetLocation::Url { url, .. } => format!("`{url}`"),
    };
    match dataset.subsample {
        Some(n) => format!("{location}, subsample {n} rows"),
        None => location,
    }
}

/// Names the experiments of a dependency cycle, as `a -> b -> a`.
fn describe_cycle(experiments: &[Experiment]) -> String {
    let mut graph = DiGraph::<usize, ()>::new();
    let nodes: Vec<NodeIndex> = (0..experiments.len()).map(|i| graph.add_node(i)).collect();
    for (e, experiment) in experiments.iter().enumerate() {
        for dependency in &experiment.depends_on {
            if let Some(d) = experiments.iter().position(|x| &x.name == dependency) {
                graph.add_edge(nodes[d], nodes[e], ());
            }
        }
    }
    for component in kosaraju_scc(&graph) {
        if component.len() > 1 || graph.contains_edge(component[0], component[0]) {
            // Walk the cycle from its first member, following dependents inside it.
            let start = *component.iter().min().expect("non-empty");
            let mut path = vec![start];
            let mut current = start;
            loop {
                let next = graph
                    .neighbors(current)
                    .filter(|n| component.contains(n))
                    .min()
                    .expect("a cycle continues");
                if next == start {
                    break;
                }
                if path.contains(&next) {
                    break;
                }
                path.push(next);
                current = next;
            }
            path.push(start);
            // Dependencies point from dependency to dependent; read it as "x depends on y".
            let names: Vec<&str> = path.iter().rev().map(|n| experiments[graph[*n]].name.as_str()).collect();
            return format!("{} (each depends on the next)", names.join(" -> "));
        }
    }
    "unknown".into()
}

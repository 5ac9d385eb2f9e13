//! A project's data flows drawn together: findings whose traces share a source location or a
//! sink location (directly or through another finding) form one group, drawn as one graph in
//! which steps at the same place are one node. Pure code over the traces the server read.

use crate::flow_graph::{self, Kind};
use rampart_server::flows::{Step, TracedFinding};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A place in a file: path, line, column.
type Place = (String, u32, u32);

fn place(s: &Step) -> Place {
    (s.path.clone(), s.line, s.col)
}

/// One node of a merged graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergedNode {
    /// The step (the first finding's, where several share the place).
    pub step: Step,
    /// Source if it starts any trace, else sink if it ends one, else step.
    pub kind: Kind,
    /// The findings whose traces pass here, by id.
    pub findings: Vec<i64>,
}

/// Findings drawn as one graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The findings of the group, by id.
    pub findings: Vec<i64>,
    /// Findings of the group whose steps were not drawn (the graph was full).
    pub not_drawn: Vec<i64>,
    /// The nodes, in drawing order (along the edges).
    pub nodes: Vec<MergedNode>,
    /// Edges between nodes (indices into `nodes`).
    pub edges: Vec<(usize, usize)>,
}

/// Finds the representative of `i`.
fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The groups of `findings` (each with a trace of two steps or more), largest first (ties:
/// lowest finding id first); every group's graph holds at most `max_nodes` nodes (a finding
/// whose steps would pass it is listed in `not_drawn`).
pub fn groups(findings: &[TracedFinding], max_nodes: usize) -> Vec<Group> {
    let n = findings.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut first_with: HashMap<(bool, Place), usize> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        let (Some(src), Some(sink)) = (f.trace.first(), f.trace.last()) else {
            continue;
        };
        for key in [(false, place(src)), (true, place(sink))] {
            match first_with.get(&key) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    first_with.insert(key, i);
                }
            }
        }
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = root(&mut parent, i);
        members.entry(r).or_default().push(i);
    }
    let mut out: Vec<Group> = members
        .into_values()
        .map(|m| merge(findings, &m, max_nodes))
        .collect();
    out.sort_by(|a, b| {
        b.findings
            .len()
            .cmp(&a.findings.len())
            .then(a.findings.first().cmp(&b.findings.first()))
    });
    out
}

/// The graph of findings `members` (indices into `findings`), steps at one place merged.
fn merge(findings: &[TracedFinding], members: &[usize], max_nodes: usize) -> Group {
    let mut nodes: Vec<MergedNode> = Vec::new();
    let mut at: HashMap<Place, usize> = HashMap::new();
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let mut drawn = Vec::new();
    let mut not_drawn = Vec::new();
    for &i in members {
        let f = &findings[i];
        let new_places = f
            .trace
            .iter()
            .map(place)
            .filter(|p| !at.contains_key(p))
            .collect::<std::collections::HashSet<_>>()
            .len();
        if nodes.len() + new_places > max_nodes {
            not_drawn.push(f.id);
            continue;
        }
        drawn.push(f.id);
        let last = f.trace.len() - 1;
        let mut prev: Option<usize> = None;
        for (k, s) in f.trace.iter().enumerate() {
            let idx = *at.entry(place(s)).or_insert_with(|| {
                nodes.push(MergedNode {
                    step: s.clone(),
                    kind: Kind::Step,
                    findings: Vec::new(),
                });
                nodes.len() - 1
            });
            let node = &mut nodes[idx];
            if k == 0 {
                node.kind = Kind::Source;
            } else if k == last && node.kind != Kind::Source {
                node.kind = Kind::Sink;
            }
            if !node.findings.contains(&f.id) {
                node.findings.push(f.id);
            }
            if let Some(p) = prev
                && p != idx
                && !edges.contains(&(p, idx))
            {
                edges.push((p, idx));
            }
            prev = Some(idx);
        }
    }
    // Drawing order: along the edges.
    let order = flow_graph::order(nodes.len(), &edges);
    let mut new_index = vec![0; nodes.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut slots: Vec<Option<MergedNode>> = nodes.into_iter().map(Some).collect();
    let nodes = order.iter().filter_map(|&old| slots[old].take()).collect();
    let edges = edges
        .into_iter()
        .map(|(a, b)| (new_index[a], new_index[b]))
        .collect();
    let mut all: Vec<i64> = members.iter().map(|&i| findings[i].id).collect();
    all.sort_unstable();
    Group {
        findings: all,
        not_drawn,
        nodes,
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(path: &str, line: u32) -> Step {
        Step {
            path: path.into(),
            line,
            col: 1,
            end_line: line,
            message: format!("{path}:{line}"),
            function: None,
        }
    }

    fn traced(id: i64, steps: &[(&str, u32)]) -> TracedFinding {
        TracedFinding {
            id,
            tool: "rampart".into(),
            rule: "r".into(),
            severity: "high".into(),
            title: "t".into(),
            trace: steps.iter().map(|(p, l)| step(p, *l)).collect(),
        }
    }

    #[test]
    fn findings_sharing_a_source_or_a_sink_are_drawn_together() {
        let fs = vec![
            // 1 and 2 share a source; 2 and 3 share a sink; 4 shares nothing.
            traced(1, &[("app.py", 3), ("db.py", 9)]),
            traced(2, &[("app.py", 3), ("lib.py", 5), ("db.py", 20)]),
            traced(3, &[("other.py", 1), ("lib.py", 5), ("db.py", 20)]),
            traced(4, &[("x.py", 1), ("y.py", 2)]),
        ];
        let g = groups(&fs, 100);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].findings, vec![1, 2, 3]);
        assert_eq!(g[1].findings, vec![4]);
        // app.py:3, db.py:9, lib.py:5, db.py:20, other.py:1: shared places are one node.
        assert_eq!(g[0].nodes.len(), 5);
        let node = |p: &str, l: u32| {
            g[0].nodes
                .iter()
                .position(|n| n.step.path == p && n.step.line == l)
                .unwrap()
        };
        assert_eq!(g[0].nodes[node("app.py", 3)].kind, Kind::Source);
        assert_eq!(g[0].nodes[node("other.py", 1)].kind, Kind::Source);
        assert_eq!(g[0].nodes[node("db.py", 20)].kind, Kind::Sink);
        assert_eq!(g[0].nodes[node("lib.py", 5)].kind, Kind::Step);
        assert_eq!(g[0].nodes[node("db.py", 20)].findings, vec![2, 3]);
        // Every edge goes down (the merged graph has no cycle).
        assert!(g[0].edges.iter().all(|(a, b)| a < b), "{:?}", g[0].edges);
        assert_eq!(g[0].edges.len(), 4, "lib.py:5 → db.py:20 drawn once");
        // Same input, same groups.
        assert_eq!(groups(&fs, 100), g);
    }

    #[test]
    fn a_full_graph_lists_the_findings_it_could_not_draw() {
        let fs = vec![
            traced(1, &[("a.py", 1), ("b.py", 2), ("z.py", 9)]),
            traced(2, &[("c.py", 1), ("d.py", 2), ("z.py", 9)]),
        ];
        let g = groups(&fs, 4);
        assert_eq!(g[0].findings, vec![1, 2]);
        assert_eq!(g[0].not_drawn, vec![2]);
        assert_eq!(g[0].nodes.len(), 3);
    }
}

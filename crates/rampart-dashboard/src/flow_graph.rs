//! The data-flow graph, laid out on the server as SVG geometry (the templates draw it): one
//! node per step, in swim lanes, one lane per file and, inside it, one per function.
//!
//! Nodes go down the page in the order given, one row each, so a trace reads top to bottom and
//! no two nodes can overlap. Each file has a column and each function of it a lane inside that
//! column, so a file's box (and a function's, inside it) holds every node of it without
//! covering any other file's: a flow that crosses files zigzags between columns. Edges go from
//! the bottom of a node to the top of the next; an edge back up (a merged graph's cycle) goes
//! around the right side. Labels are cut to fit (with `…`); the whole text is in `title`.
//! Everything is a pure function of its input (same input, same geometry).

use serde::Serialize;

/// Width of a node.
pub const NODE_W: f64 = 200.0;
/// Height of a node.
pub const NODE_H: f64 = 46.0;
/// Vertical distance between the tops of two rows.
const ROW_H: f64 = 72.0;
/// Space between a file box and the function boxes inside it, and around nodes in a function.
const FILE_PAD: f64 = 12.0;
const FUNC_PAD: f64 = 6.0;
/// Gap between two file columns.
const COL_GAP: f64 = 20.0;
/// Room above a box's first node for its label: a file's label over its functions' labels.
const FUNC_HEAD: f64 = 22.0;
const FILE_HEAD: f64 = 24.0;
/// Margin around the drawing (the right one has room for edges going back up).
const MARGIN: f64 = 10.0;
const RIGHT_ROOM: f64 = 40.0;
/// Characters that fit on a node's first line, and per pixel of a box's label.
const NODE_CHARS: usize = 30;
const PX_PER_CHAR: f64 = 7.0;

/// What a node is in the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Where the data comes in.
    Source,
    /// A step between.
    Step,
    /// Where it does harm.
    Sink,
}

impl Kind {
    /// The word shown on the node (so source and sink differ without colour too).
    pub fn word(self) -> &'static str {
        match self {
            Kind::Source => "source",
            Kind::Step => "step",
            Kind::Sink => "sink",
        }
    }
}

/// A node to place.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The file it is in.
    pub path: String,
    /// The function it is in (`None`: the file's top level, or unknown).
    pub function: Option<String>,
    /// What happens there.
    pub message: String,
    /// Line (0: unknown).
    pub line: u32,
    /// Column (0: unknown).
    pub col: u32,
    /// Source, step or sink.
    pub kind: Kind,
    /// Where the node links to (`#step-3`).
    pub href: String,
    /// Its name for screen readers and its number on the node (`3`).
    pub number: String,
}

/// A placed node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// `source`, `step` or `sink`.
    pub kind: Kind,
    /// Link target.
    pub href: String,
    /// First line of text: number and message, cut to fit.
    pub text: String,
    /// Second line: the kind's word (for sources and sinks) and `line:col`.
    pub at: String,
    /// The whole text (SVG `<title>`, tooltip).
    pub title: String,
    /// The link's accessible name.
    pub aria: String,
}

/// A box around the nodes of a file or of a function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// Its label, cut to fit.
    pub label: String,
    /// The whole label.
    pub title: String,
}

/// An arrow from one node to another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    /// The SVG path (`d`).
    pub d: String,
    /// Whether it goes back up.
    pub back: bool,
}

/// The laid-out graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Graph {
    /// Width of the drawing.
    pub width: f64,
    /// Height of the drawing.
    pub height: f64,
    /// Node width and height (the same for all).
    pub node_w: f64,
    /// Node height.
    pub node_h: f64,
    /// One box per file.
    pub files: Vec<Group>,
    /// One box per function of a file.
    pub functions: Vec<Group>,
    /// The nodes, in the order given.
    pub nodes: Vec<Node>,
    /// The edges.
    pub edges: Vec<Edge>,
    /// What the graph shows, in words (for screen readers).
    pub summary: String,
}

/// `text` cut to `max` characters, ending with `…` when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let keep: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{keep}…")
}

/// `text` cut to its last `max` characters, starting with `…` when cut (for paths: the file
/// name matters most).
fn clip_start(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    let keep: String = text.chars().skip(n - max.saturating_sub(1)).collect();
    format!("…{keep}")
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Lays out `nodes` (one row each, in this order) and `edges` (indices into `nodes`; ones out
/// of range are ignored).
pub fn layout(nodes: &[Input], edges: &[(usize, usize)]) -> Graph {
    // Files in order of first appearance, and each file's functions likewise.
    let mut files: Vec<(&str, Vec<Option<&str>>)> = Vec::new();
    for n in nodes {
        let f = match files.iter().position(|(p, _)| *p == n.path) {
            Some(i) => i,
            None => {
                files.push((&n.path, Vec::new()));
                files.len() - 1
            }
        };
        let func = n.function.as_deref();
        if !files[f].1.contains(&func) {
            files[f].1.push(func);
        }
    }
    // Lane x of each (file, function); file column spans.
    let lane_w = NODE_W + 2.0 * FUNC_PAD;
    let mut lane_x: Vec<Vec<f64>> = Vec::new();
    let mut col_x: Vec<(f64, f64)> = Vec::new();
    let mut x = MARGIN;
    for (_, funcs) in &files {
        let start = x;
        let mut lanes = Vec::new();
        for (k, _) in funcs.iter().enumerate() {
            lanes.push(start + FILE_PAD + k as f64 * (lane_w + FILE_PAD) + FUNC_PAD);
        }
        let end = start + FILE_PAD + funcs.len() as f64 * (lane_w + FILE_PAD);
        col_x.push((start, end));
        lane_x.push(lanes);
        x = end + COL_GAP;
    }
    let width = round((x - COL_GAP + RIGHT_ROOM).max(NODE_W + 2.0 * MARGIN));
    let top = MARGIN + FILE_HEAD + FUNC_HEAD;
    let row_y = |i: usize| top + i as f64 * ROW_H;
    let place = |n: &Input| -> (usize, usize) {
        let f = files.iter().position(|(p, _)| *p == n.path).unwrap_or(0);
        let k = files[f]
            .1
            .iter()
            .position(|g| *g == n.function.as_deref())
            .unwrap_or(0);
        (f, k)
    };
    let placed: Vec<Node> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (f, k) = place(n);
            let at = match (n.line, n.col) {
                (0, _) => String::new(),
                (l, 0) => format!("line {l}"),
                (l, c) => format!("{l}:{c}"),
            };
            let at_text = match n.kind {
                Kind::Step => at.clone(),
                k if at.is_empty() => k.word().to_string(),
                k => format!("{} · {at}", k.word()),
            };
            let func = n
                .function
                .as_deref()
                .map_or(String::new(), |f| format!(" in {f}"));
            Node {
                x: round(lane_x[f][k]),
                y: round(row_y(i)),
                kind: n.kind,
                href: n.href.clone(),
                text: clip(&format!("{}. {}", n.number, n.message), NODE_CHARS),
                at: at_text,
                title: format!(
                    "{}. {} ({}{}{func})",
                    n.number,
                    n.message,
                    n.path,
                    if at.is_empty() {
                        String::new()
                    } else {
                        format!(":{at}")
                    }
                ),
                aria: format!(
                    "{} {}: {}, {}{}{func}",
                    match n.kind {
                        Kind::Source => "Source, step",
                        Kind::Step => "Step",
                        Kind::Sink => "Sink, step",
                    },
                    n.number,
                    n.message,
                    n.path,
                    if n.line > 0 {
                        format!(" line {}", n.line)
                    } else {
                        String::new()
                    },
                ),
            }
        })
        .collect();
    // Boxes: rows spanned by each file and function.
    let mut file_boxes = Vec::new();
    let mut func_boxes = Vec::new();
    for (f, (path, funcs)) in files.iter().enumerate() {
        let rows: Vec<usize> = (0..nodes.len())
            .filter(|&i| nodes[i].path == *path)
            .collect();
        let (first, last) = (rows[0], rows[rows.len() - 1]);
        let (x0, x1) = col_x[f];
        let y0 = row_y(first) - FUNC_HEAD - FILE_HEAD;
        let y1 = row_y(last) + NODE_H + FUNC_PAD + FILE_PAD;
        file_boxes.push(Group {
            x: round(x0),
            y: round(y0),
            w: round(x1 - x0),
            h: round(y1 - y0),
            label: clip_start(path, ((x1 - x0 - 16.0) / PX_PER_CHAR) as usize),
            title: path.to_string(),
        });
        for (k, func) in funcs.iter().enumerate() {
            let rows: Vec<usize> = rows
                .iter()
                .copied()
                .filter(|&i| nodes[i].function.as_deref() == *func)
                .collect();
            let (first, last) = (rows[0], rows[rows.len() - 1]);
            let fx = lane_x[f][k] - FUNC_PAD;
            let fy = row_y(first) - FUNC_HEAD;
            let name = func.map_or("(top level)".to_string(), |f| format!("{f}()"));
            func_boxes.push(Group {
                x: round(fx),
                y: round(fy),
                w: round(lane_w),
                h: round(row_y(last) + NODE_H + FUNC_PAD - fy),
                label: clip(&name, ((lane_w - 12.0) / PX_PER_CHAR) as usize),
                title: format!("{name} in {path}"),
            });
        }
    }
    let mut drawn: Vec<(usize, usize)> = Vec::new();
    let mut out_edges = Vec::new();
    for &(a, b) in edges {
        let (Some(s), Some(t)) = (placed.get(a), placed.get(b)) else {
            continue;
        };
        if a == b || drawn.contains(&(a, b)) {
            continue;
        }
        drawn.push((a, b));
        let back = t.y <= s.y;
        // A node of the source's lane between the two rows would be crossed going down.
        let blocked = placed.iter().any(|n| n.x == s.x && n.y > s.y && n.y < t.y);
        let (x1, y1) = (s.x + NODE_W / 2.0, s.y + NODE_H);
        let d = if back || blocked {
            // Around the right side, into the target's right side.
            let (x1, y1) = (s.x + NODE_W, s.y + NODE_H / 2.0);
            let (x2, y2) = (t.x + NODE_W + 4.0, t.y + NODE_H / 2.0);
            let bulge = x1.max(x2) + RIGHT_ROOM - 8.0;
            path(&[(x1, y1), (bulge, y1), (bulge, y2), (x2, y2)])
        } else if t.x == s.x {
            // Straight down the lane.
            let y2 = t.y - 2.0;
            path(&[(x1, y1), (x1, y1), (x1, y2), (x1, y2)])
        } else {
            // Down the source's lane, then across into the target's side at its middle: the
            // target is the only node of its row, and no label is crossed.
            let y2 = t.y + NODE_H / 2.0;
            let x2 = if t.x > s.x {
                t.x - 4.0
            } else {
                t.x + NODE_W + 4.0
            };
            path(&[(x1, y1), (x1, y2), (x1, y2), (x2, y2)])
        };
        out_edges.push(Edge { d, back });
    }
    let height = round(row_y(nodes.len().max(1) - 1) + NODE_H + FUNC_PAD + FILE_PAD + MARGIN);
    let summary = format!(
        "Data flow of {} step{} through {} file{}{}.",
        nodes.len(),
        if nodes.len() == 1 { "" } else { "s" },
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        if files.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                files.iter().map(|(p, _)| *p).collect::<Vec<_>>().join(", ")
            )
        }
    );
    Graph {
        width,
        height,
        node_w: NODE_W,
        node_h: NODE_H,
        files: file_boxes,
        functions: func_boxes,
        nodes: placed,
        edges: out_edges,
        summary,
    }
}

/// A cubic Bézier's `d` through four points.
fn path(p: &[(f64, f64); 4]) -> String {
    format!(
        "M{} {} C{} {}, {} {}, {} {}",
        round(p[0].0),
        round(p[0].1),
        round(p[1].0),
        round(p[1].1),
        round(p[2].0),
        round(p[2].1),
        round(p[3].0),
        round(p[3].1)
    )
}

/// An order of `n` nodes in which every edge goes down where the edges allow it (a
/// topological order, ties broken by index, so the first appearance in a trace comes first);
/// nodes on a cycle follow by index.
pub fn order(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut indegree = vec![0usize; n];
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        if a < n && b < n && a != b && !next[a].contains(&b) {
            next[a].push(b);
            indegree[b] += 1;
        }
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut out = Vec::with_capacity(n);
    let mut done = vec![false; n];
    while out.len() < n {
        let i = match ready.pop_first() {
            Some(i) => i,
            // A cycle: take the first node not placed yet.
            None => match (0..n).find(|&i| !done[i]) {
                Some(i) => i,
                None => break,
            },
        };
        if done[i] {
            continue;
        }
        done[i] = true;
        out.push(i);
        for &j in &next[i] {
            indegree[j] = indegree[j].saturating_sub(1);
            if indegree[j] == 0 && !done[j] {
                ready.insert(j);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(path: &str, function: Option<&str>, i: usize, kind: Kind) -> Input {
        Input {
            path: path.into(),
            function: function.map(str::to_string),
            message: format!("step number {i} with a rather long message that must be cut"),
            line: 10 + i as u32,
            col: 5,
            kind,
            href: format!("#step-{}", i + 1),
            number: (i + 1).to_string(),
        }
    }

    /// 30 steps across 5 files, two functions each, coming back to files.
    fn long_trace() -> Vec<Input> {
        (0..30)
            .map(|i| {
                let file = format!("src/pkg/module_{}.py", (i * 7 / 3) % 5);
                let func = ["handler", "Store.find"][i % 2];
                let kind = match i {
                    0 => Kind::Source,
                    29 => Kind::Sink,
                    _ => Kind::Step,
                };
                input(&file, Some(func), i, kind)
            })
            .collect()
    }

    fn chain(n: usize) -> Vec<(usize, usize)> {
        (1..n).map(|i| (i - 1, i)).collect()
    }

    fn overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
        a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3
    }

    fn contains(g: &Group, n: &Node) -> bool {
        g.x <= n.x && n.x + NODE_W <= g.x + g.w && g.y <= n.y && n.y + NODE_H <= g.y + g.h
    }

    #[test]
    fn a_long_trace_lays_out_without_overlaps_in_order() {
        let nodes = long_trace();
        let g = layout(&nodes, &chain(nodes.len()));
        assert_eq!(g.nodes.len(), 30);
        assert_eq!(g.files.len(), 5);
        assert_eq!(g.functions.len(), 10);
        assert_eq!(g.edges.len(), 29);
        assert!(g.edges.iter().all(|e| !e.back));
        // Steps go down the page in order.
        for w in g.nodes.windows(2) {
            assert!(w[0].y + NODE_H < w[1].y, "{} then {}", w[0].y, w[1].y);
        }
        // No two nodes overlap; no two file boxes, nor two function boxes.
        let rect = |n: &Node| (n.x, n.y, NODE_W, NODE_H);
        let boxed = |b: &Group| (b.x, b.y, b.w, b.h);
        for (i, a) in g.nodes.iter().enumerate() {
            for b in &g.nodes[i + 1..] {
                assert!(!overlap(rect(a), rect(b)));
            }
        }
        for list in [&g.files, &g.functions] {
            for (i, a) in list.iter().enumerate() {
                for b in &list[i + 1..] {
                    assert!(!overlap(boxed(a), boxed(b)), "{a:?} and {b:?}");
                }
            }
        }
        // Each file's box and each function's hold their nodes, and no node of another.
        for (n, input) in g.nodes.iter().zip(&nodes) {
            for f in &g.files {
                assert_eq!(contains(f, n), f.title == input.path, "{f:?} / {n:?}");
            }
            let func = format!("{}() in {}", input.function.as_deref().unwrap(), input.path);
            for f in &g.functions {
                assert_eq!(contains(f, n), f.title == func, "{f:?} / {n:?}");
            }
        }
        // Every node fits in the drawing; labels are cut, titles whole.
        for n in &g.nodes {
            assert!(n.x >= 0.0 && n.x + NODE_W <= g.width && n.y + NODE_H <= g.height);
            assert!(n.text.chars().count() <= NODE_CHARS && n.text.ends_with('…'));
            assert!(n.title.contains("that must be cut"));
        }
        assert_eq!(g.nodes[0].at, "source · 10:5");
        assert_eq!(g.nodes[29].at, "sink · 39:5");
        assert!(
            g.summary
                .starts_with("Data flow of 30 steps through 5 files")
        );
    }

    /// Points along an edge's cubic Bézier.
    fn samples(d: &str) -> Vec<(f64, f64)> {
        let n: Vec<f64> = d
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().unwrap())
            .collect();
        assert_eq!(n.len(), 8, "{d}");
        (0..=40)
            .map(|i| {
                let t = i as f64 / 40.0;
                let u = 1.0 - t;
                let b = |a: f64, b: f64, c: f64, d: f64| {
                    u * u * u * a + 3.0 * u * u * t * b + 3.0 * u * t * t * c + t * t * t * d
                };
                (b(n[0], n[2], n[4], n[6]), b(n[1], n[3], n[5], n[7]))
            })
            .collect()
    }

    /// Whether an edge of `g` passes through a node other than its two ends.
    fn crossings(g: &Graph, edges: &[(usize, usize)]) -> Vec<String> {
        let mut out = Vec::new();
        for (e, &(a, b)) in g.edges.iter().zip(edges) {
            for (i, n) in g.nodes.iter().enumerate() {
                if i == a || i == b {
                    continue;
                }
                if samples(&e.d).iter().any(|&(x, y)| {
                    x > n.x + 1.0
                        && x < n.x + NODE_W - 1.0
                        && y > n.y + 1.0
                        && y < n.y + NODE_H - 1.0
                }) {
                    out.push(format!("edge {a}→{b} crosses node {i}"));
                }
            }
        }
        out
    }

    #[test]
    fn edges_go_around_nodes() {
        let nodes = long_trace();
        let edges = chain(nodes.len());
        let g = layout(&nodes, &edges);
        assert_eq!(crossings(&g, &edges), Vec::<String>::new());
        // A merged graph: an edge skipping a node of its own lane goes around it.
        let nodes = vec![
            input("a.py", Some("f"), 0, Kind::Source),
            input("a.py", Some("f"), 1, Kind::Step),
            input("a.py", Some("f"), 2, Kind::Sink),
            input("b.py", None, 3, Kind::Source),
        ];
        let edges = [(0, 1), (1, 2), (0, 2), (3, 2)];
        let g = layout(&nodes, &edges);
        assert_eq!(crossings(&g, &edges), Vec::<String>::new());
    }

    #[test]
    fn layout_is_deterministic() {
        let nodes = long_trace();
        assert_eq!(
            layout(&nodes, &chain(nodes.len())),
            layout(&nodes, &chain(nodes.len()))
        );
    }

    #[test]
    fn top_level_steps_and_edges_back_up() {
        let nodes = vec![
            input("a.py", None, 0, Kind::Source),
            input("a.py", Some("f"), 1, Kind::Step),
            input("b.py", None, 2, Kind::Sink),
        ];
        let g = layout(&nodes, &[(0, 1), (1, 2), (2, 1), (0, 1), (5, 1)]);
        assert_eq!(g.edges.len(), 3, "repeated and dangling edges are dropped");
        assert!(g.edges[2].back);
        assert_eq!(g.functions[0].label, "(top level)");
        assert_eq!(g.files.len(), 2);
        assert!(layout(&[], &[]).nodes.is_empty());
    }

    #[test]
    fn merged_graphs_are_ordered_along_their_edges() {
        // Two traces sharing a sink (3): 0 → 1 → 3 and 2 → 3; and a cycle 4 ⇄ 5.
        let order = order(6, &[(0, 1), (1, 3), (2, 3), (4, 5), (5, 4)]);
        let pos = |i: usize| order.iter().position(|&x| x == i).unwrap();
        assert!(pos(0) < pos(1) && pos(1) < pos(3) && pos(2) < pos(3));
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..6).collect::<Vec<_>>());
    }

    #[test]
    fn clipping_keeps_the_ends_that_matter() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
        assert_eq!(clip_start("src/very/long/path.py", 8), "…path.py");
    }
}

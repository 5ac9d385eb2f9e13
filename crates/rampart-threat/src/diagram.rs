//! The data-flow diagram, laid out by rampart itself: SVG and Mermaid.
//!
//! Layout: each asset gets a rank (the longest chain of links leading to it, cycles broken);
//! every container (the whole model, each trust boundary) places its children (assets and
//! nested boundaries) in columns by their lowest rank, stacked in each column, so data flows
//! left to right, boundaries are nested boxes that never overlap, and every asset sits inside
//! its boundary's box. Links are curves from the source's right side to the target's left
//! side, labelled with their protocol.

use crate::model::{Asset, Model};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

const NODE_W: f64 = 170.0;
const NODE_H: f64 = 54.0;
const GAP_X: f64 = 90.0;
const GAP_Y: f64 = 28.0;
const PAD: f64 = 16.0;
const HEAD: f64 = 26.0;

/// A placed rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// The computed layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Each asset's box, by asset index.
    pub nodes: Vec<Rect>,
    /// Each boundary's box, by boundary index.
    pub boundaries: Vec<Rect>,
    /// Total width.
    pub width: f64,
    /// Total height.
    pub height: f64,
}

/// Ranks: longest path from a source over the links, back edges of a depth-first walk ignored.
fn ranks(m: &Model) -> Vec<usize> {
    let n = m.assets.len();
    let idx: HashMap<&str, usize> = m
        .assets
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let mut out_edges = vec![Vec::new(); n];
    for l in &m.links {
        if let (Some(&s), Some(&t)) = (idx.get(l.source.as_str()), idx.get(l.target.as_str()))
            && s != t
        {
            out_edges[s].push(t);
        }
    }
    // Iterative DFS: mark back edges, produce a post-order.
    let mut state = vec![0u8; n];
    let mut order = Vec::with_capacity(n);
    let mut forward: Vec<Vec<usize>> = vec![Vec::new(); n];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some((v, i)) = stack.pop() {
            if i < out_edges[v].len() {
                stack.push((v, i + 1));
                let w = out_edges[v][i];
                match state[w] {
                    0 => {
                        forward[v].push(w);
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    2 => forward[v].push(w),
                    _ => {} // back edge: part of a cycle
                }
            } else {
                state[v] = 2;
                order.push(v);
            }
        }
    }
    let mut rank = vec![0usize; n];
    for &v in order.iter().rev() {
        for &w in &forward[v] {
            rank[w] = rank[w].max(rank[v] + 1);
        }
    }
    rank
}

#[derive(Clone, Copy)]
enum Child {
    Asset(usize),
    Boundary(usize),
}

/// Lays the model out.
pub fn layout(m: &Model) -> Layout {
    let rank = ranks(m);
    let mut l = Layout {
        nodes: vec![
            Rect {
                x: 0.0,
                y: 0.0,
                w: NODE_W,
                h: NODE_H
            };
            m.assets.len()
        ],
        boundaries: vec![
            Rect {
                x: 0.0,
                y: 0.0,
                w: 0.0,
                h: 0.0
            };
            m.boundaries.len()
        ],
        width: 0.0,
        height: 0.0,
    };
    let parents = m.boundary_parents();
    let bidx: HashMap<&str, usize> = m
        .boundaries
        .iter()
        .enumerate()
        .map(|(i, b)| (b.id.as_str(), i))
        .collect();
    let top: Vec<Child> = m
        .assets
        .iter()
        .enumerate()
        .filter(|(_, a)| m.boundary_of(&a.id).is_none())
        .map(|(i, _)| Child::Asset(i))
        .chain(
            m.boundaries
                .iter()
                .enumerate()
                .filter(|(_, b)| !parents.contains_key(b.id.as_str()))
                .map(|(i, _)| Child::Boundary(i)),
        )
        .collect();
    let ctx = Ctx {
        m,
        rank: &rank,
        bidx: &bidx,
    };
    let (w, h) = ctx.size(&top, 0);
    ctx.place(&top, PAD, PAD, &mut l, 0);
    l.width = w + 2.0 * PAD;
    l.height = h + 2.0 * PAD;
    l
}

struct Ctx<'a> {
    m: &'a Model,
    rank: &'a [usize],
    bidx: &'a HashMap<&'a str, usize>,
}

const MAX_NESTING: usize = 64;

impl Ctx<'_> {
    fn children(&self, b: usize) -> Vec<Child> {
        let bd = &self.m.boundaries[b];
        bd.assets
            .iter()
            .filter_map(|a| self.m.assets.iter().position(|x| x.id == *a))
            .map(Child::Asset)
            .chain(
                bd.nested
                    .iter()
                    .filter_map(|n| self.bidx.get(n.as_str()).copied())
                    .map(Child::Boundary),
            )
            .collect()
    }

    fn min_rank(&self, c: Child, depth: usize) -> usize {
        match c {
            Child::Asset(i) => self.rank[i],
            Child::Boundary(b) if depth < MAX_NESTING => self
                .children(b)
                .into_iter()
                .map(|c| self.min_rank(c, depth + 1))
                .min()
                .unwrap_or(0),
            Child::Boundary(_) => 0,
        }
    }

    fn columns(&self, children: &[Child], depth: usize) -> Vec<Vec<Child>> {
        let mut cols: BTreeMap<usize, Vec<Child>> = BTreeMap::new();
        for &c in children {
            cols.entry(self.min_rank(c, depth)).or_default().push(c);
        }
        cols.into_values().collect()
    }

    fn child_size(&self, c: Child, depth: usize) -> (f64, f64) {
        match c {
            Child::Asset(_) => (NODE_W, NODE_H),
            Child::Boundary(_) if depth >= MAX_NESTING => (NODE_W, NODE_H),
            Child::Boundary(b) => {
                let (w, h) = self.size(&self.children(b), depth + 1);
                ((w + 2.0 * PAD).max(NODE_W), h + 2.0 * PAD + HEAD)
            }
        }
    }

    fn size(&self, children: &[Child], depth: usize) -> (f64, f64) {
        let cols = self.columns(children, depth);
        let mut w: f64 = 0.0;
        let mut h: f64 = 0.0;
        for (i, col) in cols.iter().enumerate() {
            let sizes: Vec<(f64, f64)> = col.iter().map(|c| self.child_size(*c, depth)).collect();
            let cw = sizes.iter().map(|s| s.0).fold(0.0, f64::max);
            let ch: f64 = sizes.iter().map(|s| s.1).sum::<f64>()
                + GAP_Y * (sizes.len().saturating_sub(1)) as f64;
            w += cw + if i > 0 { GAP_X } else { 0.0 };
            h = h.max(ch);
        }
        (w, h)
    }

    fn place(&self, children: &[Child], x0: f64, y0: f64, l: &mut Layout, depth: usize) {
        let mut x = x0;
        for col in self.columns(children, depth) {
            let mut y = y0;
            let mut cw: f64 = 0.0;
            for c in col {
                let (w, h) = self.child_size(c, depth);
                match c {
                    Child::Asset(i) => {
                        l.nodes[i] = Rect {
                            x,
                            y,
                            w: NODE_W,
                            h: NODE_H,
                        }
                    }
                    Child::Boundary(b) => {
                        l.boundaries[b] = Rect { x, y, w, h };
                        if depth < MAX_NESTING {
                            self.place(&self.children(b), x + PAD, y + PAD + HEAD, l, depth + 1);
                        }
                    }
                }
                y += h + GAP_Y;
                cw = cw.max(w);
            }
            x += cw + GAP_X;
        }
    }
}

/// Text for XML content and attributes.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\t' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

fn node_style(a: &Asset) -> (&'static str, &'static str, &'static str) {
    // fill, stroke, dash
    if a.out_of_scope {
        ("#f2f2f2", "#888888", "4 3")
    } else if a.internet {
        ("#fde8e4", "#c0392b", "")
    } else if a.kind == "datastore" {
        ("#e8f1fb", "#2c6cb0", "")
    } else {
        ("#eef7ec", "#3b7d2f", "")
    }
}

/// The diagram as a standalone SVG document.
pub fn svg(m: &Model) -> String {
    let l = layout(m);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="sans-serif" font-size="12">"##,
        w = l.width,
        h = l.height
    );
    let _ = writeln!(s, "<title>{}</title>", xml_escape(&m.title));
    s.push_str(r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555555"/></marker></defs>"##);
    s.push('\n');
    s.push_str(r##"<rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>"##);
    s.push('\n');
    for (b, r) in m.boundaries.iter().zip(&l.boundaries) {
        let _ = writeln!(
            s,
            r##"<g class="boundary" id="boundary-{id}"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="6" fill="none" stroke="#9b59b6" stroke-width="1.5" stroke-dasharray="6 4"/><text x="{:.1}" y="{:.1}" fill="#6c3483" font-weight="bold">{}</text></g>"##,
            r.x,
            r.y,
            r.w,
            r.h,
            r.x + 8.0,
            r.y + 17.0,
            xml_escape(&clip(&format!("{} ({})", b.title, b.kind), 60)),
            id = xml_escape(&b.id)
        );
    }
    let idx: HashMap<&str, usize> = m
        .assets
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    for link in &m.links {
        let (Some(&si), Some(&ti)) = (idx.get(link.source.as_str()), idx.get(link.target.as_str()))
        else {
            continue;
        };
        let (a, b) = (l.nodes[si], l.nodes[ti]);
        let (x1, y1) = (a.x + a.w, a.y + a.h / 2.0);
        let (x2, y2) = if b.x >= a.x + a.w {
            (b.x, b.y + b.h / 2.0)
        } else {
            // Backwards or same column: into the target's bottom.
            (b.x + b.w / 2.0, b.y + b.h)
        };
        let dx = ((x2 - x1).abs() / 2.0).max(40.0);
        let d = format!(
            "M {x1:.1} {y1:.1} C {:.1} {y1:.1}, {:.1} {y2:.1}, {x2:.1} {y2:.1}",
            x1 + dx,
            if x2 > x1 { x2 - dx } else { x2 },
        );
        let dash = if model_encrypted(&link.protocol) {
            ""
        } else {
            r#" stroke-dasharray="3 3""#
        };
        let _ = writeln!(
            s,
            r##"<g class="link"><title>{}</title><path d="{d}" fill="none" stroke="#555555" stroke-width="1.3"{dash} marker-end="url(#arrow)"/><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#333333" font-size="10">{}</text></g>"##,
            xml_escape(&format!(
                "{}: {} → {} ({}, authentication {})",
                link.title, link.source, link.target, link.protocol, link.authentication
            )),
            (x1 + x2) / 2.0,
            (y1 + y2) / 2.0 - 4.0,
            xml_escape(&clip(&link.protocol, 28))
        );
    }
    for (a, r) in m.assets.iter().zip(&l.nodes) {
        let (fill, stroke, dash) = node_style(a);
        let rx = if a.kind == "datastore" { 16 } else { 4 };
        let dash = if dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{dash}""#)
        };
        let _ = writeln!(
            s,
            r##"<g class="asset" id="asset-{id}"><title>{tip}</title><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="{rx}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}/><text x="{:.1}" y="{:.1}" text-anchor="middle" font-weight="bold">{}</text><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#555555" font-size="10">{}</text></g>"##,
            r.x,
            r.y,
            r.w,
            r.h,
            r.x + r.w / 2.0,
            r.y + 22.0,
            xml_escape(&clip(&a.title, 24)),
            r.x + r.w / 2.0,
            r.y + 39.0,
            xml_escape(&clip(
                &format!(
                    "{}{}",
                    a.technology,
                    if a.internet { ", internet" } else { "" }
                ),
                30
            )),
            id = xml_escape(&a.id),
            tip = xml_escape(&format!("{} ({}, {})", a.title, a.kind, a.technology)),
        );
    }
    s.push_str("</svg>\n");
    s
}

fn model_encrypted(protocol: &str) -> bool {
    crate::model::traits(crate::model::PROTOCOLS, protocol).contains(&"encrypted")
        || crate::model::traits(crate::model::PROTOCOLS, protocol).contains(&"process-local")
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;").replace(['\n', '\r'], " ")
}

/// The diagram as a Mermaid flowchart (node ids are `a0`, `a1`…, boundaries `b0`…, so any
/// model id is safe; titles are quoted).
pub fn mermaid(m: &Model) -> String {
    let mut s = String::from("flowchart LR\n");
    let parents = m.boundary_parents();
    let aid = |id: &str| m.assets.iter().position(|a| a.id == id);
    fn node(s: &mut String, i: usize, a: &Asset, indent: usize) {
        let t = mermaid_text(&a.title);
        let shape = match a.kind.as_str() {
            "datastore" => format!("[(\"{t}\")]"),
            "external-entity" => format!("[/\"{t}\"/]"),
            _ => format!("[\"{t}\"]"),
        };
        let _ = writeln!(s, "{}a{i}{shape}", "  ".repeat(indent));
    }
    fn boundary(s: &mut String, m: &Model, b: usize, indent: usize) {
        let bd = &m.boundaries[b];
        let pad = "  ".repeat(indent);
        let _ = writeln!(s, "{pad}subgraph b{b}[\"{}\"]", mermaid_text(&bd.title));
        for a in &bd.assets {
            if let Some(i) = m.assets.iter().position(|x| x.id == *a) {
                node(s, i, &m.assets[i], indent + 1);
            }
        }
        if indent < MAX_NESTING {
            for n in &bd.nested {
                if let Some(c) = m.boundaries.iter().position(|x| x.id == *n) {
                    boundary(s, m, c, indent + 1);
                }
            }
        }
        let _ = writeln!(s, "{pad}end");
    }
    for (i, a) in m.assets.iter().enumerate() {
        if m.boundary_of(&a.id).is_none() {
            node(&mut s, i, a, 1);
        }
    }
    for (b, bd) in m.boundaries.iter().enumerate() {
        if !parents.contains_key(bd.id.as_str()) {
            boundary(&mut s, m, b, 1);
        }
    }
    for l in &m.links {
        if let (Some(a), Some(b)) = (aid(&l.source), aid(&l.target)) {
            let arrow = if model_encrypted(&l.protocol) {
                "-->"
            } else {
                "-.->"
            };
            let _ = writeln!(s, "  a{a} {arrow}|\"{}\"| a{b}", mermaid_text(&l.protocol));
        }
    }
    for (i, a) in m.assets.iter().enumerate() {
        if a.internet {
            let _ = writeln!(s, "  style a{i} stroke:#c0392b,stroke-width:2px");
        }
    }
    s
}

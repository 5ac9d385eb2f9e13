//! Formulas: patterns combined as in Semgrep (`patterns`, `pattern-either`, `pattern-not`,
//! `pattern-inside`, `pattern-not-inside`, `pattern-regex`, `pattern-not-regex`,
//! `metavariable-regex`, `metavariable-pattern`, `focus-metavariable`), evaluated on IR nodes
//! or, for regex-only formulas, on a file's text.

use crate::ir::*;
use crate::pattern::{Binding, Ctx, Match, NodeRef, PatNode, Pattern};
use regex::Regex;

/// A rule's matching logic: patterns combined as in Semgrep.
#[derive(Debug, Clone)]
pub enum Formula {
    /// `pattern:`
    Pattern(Box<Pattern>),
    /// `pattern-either:`
    Either(Vec<Formula>),
    /// `patterns:` (all of them)
    All(Vec<Formula>),
    /// `pattern-not:`
    Not(Box<Formula>),
    /// `pattern-inside:`
    Inside(Box<Formula>),
    /// `pattern-not-inside:`
    NotInside(Box<Formula>),
    /// `metavariable-regex:`
    MetavarRegex(String, Regex),
    /// `focus-metavariable:` (several: the intersection of their spans)
    Focus(Vec<String>),
    /// `pattern-regex:` (multiline mode, byte offsets; named groups `(?P<X>…)` bind `$X`)
    Regex(TextRegex),
    /// `pattern-not-regex:`: drops a match that any match of the regex overlaps
    NotRegex(TextRegex),
    /// `metavariable-pattern:`: the formula must match somewhere inside the metavariable's code
    MetavarPattern(String, Box<Formula>),
}

/// A `pattern-regex`/`pattern-not-regex` regex, compiled in multiline mode over bytes.
#[derive(Debug, Clone)]
pub struct TextRegex(pub regex::bytes::Regex);

impl TextRegex {
    /// Compiles `re` as Semgrep does (multiline: `^`/`$` match at line ends).
    pub fn new(re: &str) -> Result<TextRegex, regex::Error> {
        regex::bytes::RegexBuilder::new(re)
            .multi_line(true)
            .build()
            .map(TextRegex)
    }

    /// Matches in `src[window]`, as absolute spans, with the bindings of named groups that are
    /// metavariable names (`(?P<HOST>…)` binds `$HOST`).
    fn matches(&self, src: &[u8], window: std::ops::Range<usize>) -> Vec<(Span, Vec<Binding>)> {
        let base = window.start;
        let hay = &src[window];
        let names: Vec<(usize, &str)> = self
            .0
            .capture_names()
            .enumerate()
            .filter_map(|(i, n)| n.map(|n| (i, n)))
            .filter(|(_, n)| n.starts_with(|c: char| c.is_ascii_uppercase()))
            .collect();
        let mut out = Vec::new();
        for caps in self.0.captures_iter(hay) {
            let Some(all) = caps.get(0) else { continue };
            let mut binds = Vec::new();
            for (i, n) in &names {
                if let Some(g) = caps.get(*i) {
                    let sp = Span::new(base + g.start(), base + g.end());
                    binds.push(Binding {
                        name: format!("${n}"),
                        span: sp,
                        text: String::from_utf8_lossy(g.as_bytes()).into_owned(),
                        konst: None,
                    });
                }
            }
            out.push((Span::new(base + all.start(), base + all.end()), binds));
        }
        out
    }
}

/// The whole lines around `span` (regexes are matched there, so that `^`, `$` and matches
/// overlapping the node's edges behave as on the whole file, for one-line regexes).
fn line_window(src: &[u8], span: Span) -> std::ops::Range<usize> {
    let (s, e) = (
        (span.start as usize).min(src.len()),
        (span.end as usize).min(src.len()),
    );
    let start = src[..s]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = src[e..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(src.len(), |i| e + i);
    start..end.max(start)
}

/// Adds `new` bindings to `m`; `false` if one contradicts a binding already there.
fn merge_binds(m: &mut Match, new: Vec<Binding>) -> bool {
    for b in new {
        match m.get(&b.name) {
            Some(old) if old.text != b.text => return false,
            Some(_) => {}
            None => m.binds.push(b),
        }
    }
    true
}

/// The expression of `node` (or below) whose span is `span`.
fn find_expr<'a>(node: NodeRef<'a>, span: Span) -> Option<&'a Expr> {
    fn in_expr(e: &Expr, span: Span) -> Option<&Expr> {
        if !e.span.contains(span) {
            return None;
        }
        let mut found = None;
        e.walk(&mut |x| {
            if found.is_none() && x.span == span {
                found = Some(x);
            }
        });
        found
    }
    fn in_stmts(v: &[Stmt], span: Span) -> Option<&Expr> {
        v.iter().find_map(|s| in_stmt(s, span))
    }
    fn in_stmt(s: &Stmt, span: Span) -> Option<&Expr> {
        if !s.span.contains(span) {
            return None;
        }
        match &s.kind {
            StmtKind::Assign { target, value } => {
                in_expr(target, span).or_else(|| in_expr(value, span))
            }
            StmtKind::Expr(e) | StmtKind::Return(Some(e)) => in_expr(e, span),
            StmtKind::If { cond, then, els } => in_expr(cond, span)
                .or_else(|| in_stmts(then, span))
                .or_else(|| in_stmts(els, span)),
            StmtKind::Loop { target, iter, body } => target
                .as_ref()
                .and_then(|t| in_expr(t, span))
                .or_else(|| in_expr(iter, span))
                .or_else(|| in_stmts(body, span)),
            _ => None,
        }
    }
    match node {
        NodeRef::Expr(e) => in_expr(e, span),
        NodeRef::Stmt(s) => in_stmt(s, span),
        NodeRef::Func(f) => f
            .decorators
            .iter()
            .find_map(|d| in_expr(d, span))
            .or_else(|| {
                f.params
                    .iter()
                    .filter_map(|p| p.default.as_ref())
                    .find_map(|d| in_expr(d, span))
            })
            .or_else(|| in_stmts(&f.body, span)),
    }
}

impl Formula {
    /// Index keys: a node can only match when its key is one of these; `None`: any node.
    pub fn keys(&self) -> Option<Vec<String>> {
        match self {
            Formula::Pattern(p) => p.key.clone().map(|k| vec![k]),
            Formula::Either(v) => {
                let mut out = Vec::new();
                for f in v {
                    out.extend(f.keys()?);
                }
                Some(out)
            }
            Formula::All(v) => v
                .iter()
                .find(|f| {
                    matches!(
                        f,
                        Formula::Pattern(_) | Formula::Either(_) | Formula::All(_)
                    )
                })
                .and_then(|f| f.keys()),
            _ => None,
        }
    }

    /// Whether the formula focuses a metavariable (every alternative does, for `pattern-either`).
    pub fn has_focus(&self) -> bool {
        match self {
            Formula::Focus(_) => true,
            Formula::Either(v) => !v.is_empty() && v.iter().all(|f| f.has_focus()),
            Formula::All(v) => v.iter().any(|f| f.has_focus()),
            _ => false,
        }
    }

    /// Whether the formula matches function definitions (for parameter sources).
    pub fn is_function_pattern(&self) -> bool {
        match self {
            Formula::Pattern(p) => matches!(p.node, PatNode::Func(_)),
            Formula::Either(v) | Formula::All(v) => v.iter().any(|f| f.is_function_pattern()),
            _ => false,
        }
    }

    /// Matches the formula at `node`, whose enclosing nodes (outermost first) are `ancestors`.
    pub fn eval(&self, node: NodeRef, ancestors: &[NodeRef], ctx: &Ctx) -> Option<Match> {
        let mut m = Match::default();
        if self.eval_into(node, ancestors, ctx, &mut m) {
            Some(m)
        } else {
            None
        }
    }

    fn eval_into(&self, node: NodeRef, anc: &[NodeRef], ctx: &Ctx, m: &mut Match) -> bool {
        match self {
            Formula::Pattern(p) => {
                let s = (m.binds.len(), m.holes.len());
                if p.matches(node, ctx, m) {
                    true
                } else {
                    m.binds.truncate(s.0);
                    m.holes.truncate(s.1);
                    false
                }
            }
            Formula::Either(v) => v.iter().any(|f| f.eval_into(node, anc, ctx, m)),
            Formula::Regex(re) => {
                // Semgrep intersects ranges: a regex match inside the node focuses on it, a
                // match covering the node keeps the node.
                let sp = node.span();
                let window = line_window(ctx.src, sp);
                for (r, binds) in re.matches(ctx.src, window) {
                    if sp.contains(r) || r.contains(sp) {
                        let mut tmp = m.clone();
                        if merge_binds(&mut tmp, binds) {
                            if sp.contains(r) && r != sp {
                                tmp.focus = Some(r);
                            }
                            *m = tmp;
                            return true;
                        }
                    }
                }
                false
            }
            Formula::All(v) => {
                let positive = |f: &&Formula| f.is_positive();
                for f in v.iter().filter(positive) {
                    if !f.eval_into(node, anc, ctx, m) {
                        return false;
                    }
                }
                for f in v.iter().filter(|f| !positive(f)) {
                    if !f.filter(node, anc, ctx, m) {
                        return false;
                    }
                }
                true
            }
            Formula::Not(_) | Formula::Inside(_) | Formula::NotInside(_) => false,
            Formula::MetavarRegex(..)
            | Formula::Focus(_)
            | Formula::NotRegex(_)
            | Formula::MetavarPattern(..) => false,
        }
    }

    /// Applies a filter of a `patterns` list (`pattern-not`, `pattern-inside`,
    /// `metavariable-*`, `focus-metavariable`, `pattern-not-regex`) to a match at `node`.
    fn filter(&self, node: NodeRef, anc: &[NodeRef], ctx: &Ctx, m: &mut Match) -> bool {
        let f = self;
        match f {
            Formula::Not(x) => {
                let mut tmp = m.clone();
                !x.eval_into(node, anc, ctx, &mut tmp)
            }
            Formula::Inside(x) => anc.iter().rev().chain(std::iter::once(&node)).any(|a| {
                let mut tmp = m.clone();
                tmp.within = Some(node.span());
                if x.eval_into(*a, &[], ctx, &mut tmp) {
                    m.binds = tmp.binds;
                    true
                } else {
                    false
                }
            }),
            Formula::NotInside(x) => !anc.iter().chain(std::iter::once(&node)).any(|a| {
                let mut tmp = m.clone();
                tmp.within = Some(node.span());
                x.eval_into(*a, &[], ctx, &mut tmp)
            }),
            Formula::MetavarRegex(name, re) => m.get(name).is_some_and(|b| {
                let t = b.text.trim_matches(|c| c == '"' || c == '\'' || c == '`');
                re.is_match(t) || b.konst.as_deref().is_some_and(|k| re.is_match(k))
            }),
            Formula::Focus(names) => {
                let mut span: Option<Span> = None;
                let mut ok = true;
                for name in names {
                    match (m.get(name), span) {
                        (Some(b), None) => span = Some(b.span),
                        (Some(b), Some(s)) => {
                            let (lo, hi) = (s.start.max(b.span.start), s.end.min(b.span.end));
                            if lo >= hi {
                                ok = false;
                            } else {
                                span = Some(Span::new(lo as usize, hi as usize));
                            }
                        }
                        (None, _) => ok = false,
                    }
                }
                if ok {
                    m.focus = span;
                }
                ok && span.is_some()
            }
            Formula::NotRegex(re) => {
                let sp = m.focus.unwrap_or(node.span());
                !re.matches(ctx.src, line_window(ctx.src, sp))
                    .iter()
                    .any(|(r, _)| r.start < sp.end && sp.start < r.end)
            }
            Formula::MetavarPattern(name, f) => {
                let Some(b) = m.get(name).cloned() else {
                    return false;
                };
                let target = std::iter::once(node)
                    .chain(anc.iter().rev().copied())
                    .find_map(|a| find_expr(a, b.span));
                let mut found = None;
                match target {
                    // A text formula sees the metavariable's text as a whole
                    // (`^` is its start), like Semgrep's sub-program.
                    _ if f.is_text_only() => {
                        let mut tmp = m.clone();
                        let focus = tmp.focus;
                        if f.eval_text(ctx.src, b.span.range())
                            .into_iter()
                            .next()
                            .is_some_and(|x| merge_binds(&mut tmp, x.binds))
                        {
                            tmp.focus = focus;
                            found = Some(tmp);
                        }
                    }
                    // Only filters: they apply to the metavariable's code as a whole
                    // (Semgrep's implicit `pattern: ...`), regexes to its text.
                    Some(e) if matches!(&**f, Formula::All(v) if !v.iter().any(Formula::is_positive)) =>
                    {
                        let Formula::All(filters) = &**f else {
                            return false;
                        };
                        let mut tmp = m.clone();
                        let focus = tmp.focus;
                        let ok = filters.iter().all(|x| match x {
                            Formula::NotRegex(re) => re.matches(ctx.src, b.span.range()).is_empty(),
                            x => x.filter(NodeRef::Expr(e), &[], ctx, &mut tmp),
                        });
                        if ok {
                            tmp.focus = focus;
                            found = Some(tmp);
                        }
                    }
                    Some(e) => e.walk(&mut |x| {
                        if found.is_none() {
                            let mut tmp = m.clone();
                            let focus = tmp.focus;
                            if f.eval_into(NodeRef::Expr(x), &[], ctx, &mut tmp) {
                                tmp.focus = focus;
                                found = Some(tmp);
                            }
                        }
                    }),
                    // Bound to something that is not an expression (a parameter,
                    // a field name): only a text formula can look at it.
                    None => {}
                }
                match found {
                    Some(tmp) => {
                        m.binds = tmp.binds;
                        true
                    }
                    None => false,
                }
            }
            _ => true,
        }
    }

    /// Whether it matches code by itself (as opposed to filtering what the others matched).
    fn is_positive(&self) -> bool {
        matches!(
            self,
            Formula::Pattern(_) | Formula::Either(_) | Formula::All(_) | Formula::Regex(_)
        )
    }

    /// Whether the formula only looks at text (`pattern-regex`, with `pattern-not-regex`,
    /// `metavariable-regex` and `focus-metavariable`, but no code pattern): then it is matched
    /// against the whole file, not node by node.
    pub fn is_text_only(&self) -> bool {
        match self {
            Formula::Regex(_) => true,
            Formula::Either(v) => !v.is_empty() && v.iter().all(Formula::is_text_only),
            Formula::All(v) => {
                v.iter().any(Formula::is_positive)
                    && v.iter().all(|f| match f {
                        Formula::NotRegex(_) | Formula::MetavarRegex(..) | Formula::Focus(_) => {
                            true
                        }
                        f => f.is_text_only(),
                    })
            }
            _ => false,
        }
    }

    /// Matches a text-only formula (see [`Formula::is_text_only`]) in `src[window]`; each match
    /// has its span in `focus`.
    pub fn eval_text(&self, src: &[u8], window: std::ops::Range<usize>) -> Vec<Match> {
        match self {
            Formula::Regex(re) => re
                .matches(src, window)
                .into_iter()
                .map(|(sp, binds)| Match {
                    binds,
                    focus: Some(sp),
                    ..Match::default()
                })
                .collect(),
            Formula::Either(v) => v
                .iter()
                .flat_map(|f| f.eval_text(src, window.clone()))
                .collect(),
            Formula::All(v) => {
                let mut cur: Option<Vec<Match>> = None;
                for f in v.iter().filter(|f| f.is_positive()) {
                    let next = f.eval_text(src, window.clone());
                    cur = Some(match cur {
                        None => next,
                        // Semgrep's intersection: ranges of either side inside a range of the other.
                        Some(prev) => {
                            let within = |a: &Match, b: &Match| {
                                b.focus
                                    .unwrap_or_default()
                                    .contains(a.focus.unwrap_or_default())
                            };
                            let mut out = Vec::new();
                            for a in &prev {
                                if let Some(b) = next.iter().find(|b| within(a, b)) {
                                    let mut x = a.clone();
                                    if merge_binds(&mut x, b.binds.clone()) {
                                        out.push(x);
                                    }
                                }
                            }
                            for b in &next {
                                if let Some(a) = prev.iter().find(|a| within(b, a) && !within(a, b))
                                {
                                    let mut x = b.clone();
                                    if merge_binds(&mut x, a.binds.clone()) {
                                        out.push(x);
                                    }
                                }
                            }
                            out
                        }
                    });
                }
                let mut out = cur.unwrap_or_default();
                for f in v.iter().filter(|f| !f.is_positive()) {
                    out.retain_mut(|m| {
                        let sp = m.focus.unwrap_or_default();
                        match f {
                            Formula::NotRegex(re) => !re
                                .matches(src, window.clone())
                                .iter()
                                .any(|(r, _)| r.start < sp.end && sp.start < r.end),
                            Formula::MetavarRegex(name, re) => {
                                m.get(name).is_some_and(|b| re.is_match(&b.text))
                            }
                            Formula::Focus(names) => {
                                let spans: Option<Vec<Span>> =
                                    names.iter().map(|n| m.get(n).map(|b| b.span)).collect();
                                match spans {
                                    Some(v) if !v.is_empty() => {
                                        let lo = v.iter().map(|s| s.start).max().unwrap_or(0);
                                        let hi = v.iter().map(|s| s.end).min().unwrap_or(0);
                                        m.focus = Some(Span::new(lo as usize, hi as usize));
                                        lo < hi
                                    }
                                    _ => false,
                                }
                            }
                            _ => true,
                        }
                    });
                }
                out
            }
            _ => Vec::new(),
        }
    }
}

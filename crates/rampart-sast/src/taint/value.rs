//! The abstract values of the taint analysis: taint labels with their traces, and constants
//! (with the folding of operators on them).

use crate::index::RuleSet;
use crate::ir::*;
use rampart_core::SourceFile;
use std::sync::Arc;

/// What happens at a step of a trace. Messages quoting the code are rendered only when a
/// finding is reported (most traces never are).
#[derive(Debug, Clone)]
pub enum Msg {
    /// A fixed message.
    Text(String),
    /// "untrusted input `<code>`".
    Untrusted,
    /// "reaches `<code>`".
    Reaches,
}

/// The file a trace step is in: [`OWN_FILE`] for the analysed file, else a project file index.
pub const OWN_FILE: u32 = u32::MAX;

/// One step of a trace, linked to the previous one. Locations are computed only when a finding
/// is reported: line and column need a scan of the file.
#[derive(Debug)]
pub struct Trace {
    /// The file ([`OWN_FILE`] or a project file index).
    pub file: u32,
    /// Where in it.
    pub span: Span,
    /// What happens there.
    pub msg: Msg,
    /// The qualified name of the function it is in (`None` at a module's top level).
    pub func: Option<Arc<str>>,
    /// The step before.
    pub prev: Option<Arc<Trace>>,
    len: usize,
}

pub(crate) const MAX_TRACE: usize = 24;

/// Where a step happens: the file ([`OWN_FILE`] or a project file index), the span, and the
/// qualified name of the enclosing function.
pub(crate) type At = (u32, Span, Option<Arc<str>>);

pub(crate) fn step(prev: Option<&Arc<Trace>>, (file, span, func): At, msg: Msg) -> Arc<Trace> {
    let len = prev.map_or(0, |p| p.len) + 1;
    if len > MAX_TRACE
        && let Some(p) = prev
    {
        return p.clone();
    }
    Arc::new(Trace {
        file,
        span,
        msg,
        func,
        prev: prev.cloned(),
        len,
    })
}

pub(crate) fn trace_nodes(t: &Arc<Trace>) -> Vec<&Trace> {
    let mut out = Vec::new();
    let mut cur = Some(t);
    while let Some(n) = cur {
        out.push(&**n);
        cur = n.prev.as_ref();
    }
    out.reverse();
    out
}

/// A trace recorded while analysing project file `from`, with its own-file steps named as such.
pub(crate) fn rebase(t: &Arc<Trace>, from: u32) -> Arc<Trace> {
    let mut out: Option<Arc<Trace>> = None;
    for n in trace_nodes(t) {
        let file = if n.file == OWN_FILE { from } else { n.file };
        out = Some(step(
            out.as_ref(),
            (file, n.span, n.func.clone()),
            n.msg.clone(),
        ));
    }
    out.unwrap_or_else(|| t.clone())
}

/// `tail` (a trace recorded in `tail_file`) after `base`.
pub(crate) fn append_trace(base: &Arc<Trace>, tail: &Arc<Trace>, tail_file: u32) -> Arc<Trace> {
    let mut t = base.clone();
    for n in trace_nodes(tail) {
        let file = if n.file == OWN_FILE {
            tail_file
        } else {
            n.file
        };
        t = step(Some(&t), (file, n.span, n.func.clone()), n.msg.clone());
    }
    t
}

pub(crate) fn snippet_of(file: &SourceFile, s: Span) -> String {
    let r = (s.start as usize).min(file.content.len())..(s.end as usize).min(file.content.len());
    let t = String::from_utf8_lossy(&file.content[r]);
    let t = rampart_core::fingerprint::normalise(&t);
    if t.chars().count() > 60 {
        format!("{}…", t.chars().take(60).collect::<String>())
    } else {
        t
    }
}

/// Where tainted data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A source of the rules.
    Source,
    /// The function's parameter with this index (while computing a summary).
    Param(u16),
}

/// Tainted data, for a set of rules, with how it got here.
#[derive(Debug, Clone)]
pub struct Label {
    /// Where it comes from.
    pub origin: Origin,
    /// The rules it is still dangerous for.
    pub rules: RuleSet,
    /// How it got here.
    pub trace: Arc<Trace>,
}

/// The most taint labels a value keeps apart (see [`Value::add_labels`]).
pub(crate) const MAX_LABELS: usize = 8;

/// The abstract value of an expression: its taint and, when known, its constant value.
#[derive(Debug, Clone, Default)]
pub struct Value {
    /// Taint labels.
    pub labels: Vec<Label>,
    /// The constant, when it is one.
    pub konst: Option<Lit>,
}

impl Value {
    pub(crate) fn konst(l: Lit) -> Value {
        Value {
            labels: Vec::new(),
            konst: Some(l),
        }
    }
    /// Adds taint labels. A label's trace must hold for each of its rules: one whose rules are
    /// among an existing label's of the same origin adds nothing, one that covers them replaces
    /// it, and one for other rules (`Math.random()` for the randomness rule beside `req.query`
    /// for injection rules) is kept beside it, so that each finding shows a source of its own
    /// rule. Past [`MAX_LABELS`] labels, a label is merged into the first of its origin.
    pub(crate) fn add_labels(&mut self, labels: &[Label]) {
        for l in labels {
            if self
                .labels
                .iter()
                .any(|x| x.origin == l.origin && l.rules.minus(x.rules).is_empty())
            {
                continue;
            }
            if let Some(x) = self
                .labels
                .iter_mut()
                .find(|x| x.origin == l.origin && x.rules.minus(l.rules).is_empty())
            {
                *x = l.clone();
                continue;
            }
            if self.labels.len() < MAX_LABELS {
                self.labels.push(l.clone());
            } else if let Some(x) = self.labels.iter_mut().find(|x| x.origin == l.origin) {
                x.rules = x.rules.or(l.rules);
            }
        }
    }
    pub(crate) fn join(&mut self, o: &Value) {
        self.add_labels(&o.labels);
        if self.konst != o.konst {
            self.konst = None;
        }
    }
    pub(crate) fn tainted(&self) -> bool {
        !self.labels.is_empty()
    }
    pub(crate) fn sanitize(&mut self, rules: RuleSet) {
        for l in &mut self.labels {
            l.rules = l.rules.minus(rules);
        }
        self.labels.retain(|l| !l.rules.is_empty());
    }
}

pub(crate) fn truthy(l: &Lit) -> bool {
    match l {
        Lit::Bool(b) => *b,
        Lit::Int(i) => *i != 0,
        Lit::Float(f) => *f != 0.0,
        Lit::Str(s) => !s.is_empty(),
        Lit::Null => false,
        Lit::Enum(_) => true,
    }
}

/// Whether two enum constants are the same: their names match, and their types when both
/// are written (`Color.RED` is `RED`, and is not `Size.RED`).
fn same_enum(a: &str, b: &str) -> bool {
    match (a.rsplit_once('.'), b.rsplit_once('.')) {
        (Some(_), Some(_)) => a == b,
        (Some((_, x)), None) => x == b,
        (None, Some((_, y))) => a == y,
        (None, None) => a == b,
    }
}

pub(crate) fn num(l: &Lit) -> Option<f64> {
    match l {
        Lit::Int(i) => Some(*i as f64),
        Lit::Float(f) => Some(*f),
        Lit::Bool(b) => Some(*b as i64 as f64),
        _ => None,
    }
}

pub(crate) fn fold(op: BinOp, a: &Lit, b: &Lit) -> Option<Lit> {
    use BinOp::*;
    match (a, b) {
        (Lit::Enum(x), Lit::Enum(y)) if matches!(op, Eq | Ne) => {
            return Some(Lit::Bool(same_enum(x, y) == (op == Eq)));
        }
        (Lit::Enum(_), _) | (_, Lit::Enum(_)) if !matches!(op, And | Or) => return None,
        _ => {}
    }
    Some(match op {
        And => {
            if truthy(a) {
                b.clone()
            } else {
                a.clone()
            }
        }
        Or => {
            if truthy(a) {
                a.clone()
            } else {
                b.clone()
            }
        }
        Eq => Lit::Bool(a == b || num(a).zip(num(b)).is_some_and(|(x, y)| x == y)),
        Ne => Lit::Bool(!(a == b || num(a).zip(num(b)).is_some_and(|(x, y)| x == y))),
        Add => match (a, b) {
            (Lit::Str(x), Lit::Str(y)) => Lit::Str(format!("{x}{y}")),
            (Lit::Int(x), Lit::Int(y)) => Lit::Int(x.checked_add(*y)?),
            _ => Lit::Float(num(a)? + num(b)?),
        },
        Sub => match (a, b) {
            (Lit::Int(x), Lit::Int(y)) => Lit::Int(x.checked_sub(*y)?),
            _ => Lit::Float(num(a)? - num(b)?),
        },
        Mul => match (a, b) {
            (Lit::Int(x), Lit::Int(y)) => Lit::Int(x.checked_mul(*y)?),
            _ => Lit::Float(num(a)? * num(b)?),
        },
        Lt | Le | Gt | Ge => {
            let (x, y) = match (a, b) {
                (Lit::Str(x), Lit::Str(y)) => {
                    let o = x.cmp(y);
                    return Some(Lit::Bool(match op {
                        Lt => o.is_lt(),
                        Le => o.is_le(),
                        Gt => o.is_gt(),
                        _ => o.is_ge(),
                    }));
                }
                _ => (num(a)?, num(b)?),
            };
            Lit::Bool(match op {
                Lt => x < y,
                Le => x <= y,
                Gt => x > y,
                _ => x >= y,
            })
        }
        _ => return None,
    })
}

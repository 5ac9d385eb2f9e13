//! Guard sanitisers: a condition that checks a value against an allowlist (`if x in ALLOWED:`,
//! `if (ALLOWED.includes(x))`, `if not re.fullmatch(P, x): return`, Java's
//! `if (!ALLOWED.contains(x)) throw …`) makes the value clean on the branch where the check
//! holds. Rules declare them as sanitizers with `guard: true` and a `focus-metavariable` naming
//! the checked value; the analysis asks [`Analyzer::guards_of`] for the facts an `if` condition
//! establishes and cleans the checked variables at the start of each branch
//! ([`clean_branch`]). A branch that ends by raising or throwing ([`ends_in_throw`]) does not
//! fall through, so `if not ok: raise …` cleans the code after the `if`.

use super::{Analyzer, Frame, RuleSet, find_expr};
use crate::ir::{BinOp, Expr, ExprKind, Stmt, StmtKind};
use crate::pattern::NodeRef;
use crate::taint::Value;
use std::collections::BTreeMap;

/// A value that a condition checks: its access path, the branch on which the check holds
/// (`true`: the `then` branch), and the rules its guard cleans for.
#[derive(Debug, Clone)]
pub(super) struct Guarded {
    path: String,
    holds_on_then: bool,
    rules: RuleSet,
}

/// Nested `not`/`and`/`or` levels looked through in one condition.
const MAX_DEPTH: u32 = 16;

impl Analyzer<'_> {
    /// The values the condition `cond` checks with a guard sanitizer of the rules: those whose
    /// check holds on the `then` branch (the condition is true there) and those whose check
    /// holds on the `else` branch (it is false there: `if not ok(x) or not y: return`).
    pub(super) fn guards_of(&mut self, fr: &mut Frame<'_>, cond: &Expr) -> Vec<Guarded> {
        let mut out = Vec::new();
        if !self.ix.guards.is_empty() {
            self.collect(fr, cond, true, true, &mut out, 0);
            self.collect(fr, cond, false, false, &mut out, 0);
        }
        out
    }

    /// Facts on the branch `on_then` (the `then` branch when true), where `e` evaluates to
    /// `value`.
    fn collect(
        &mut self,
        fr: &mut Frame<'_>,
        e: &Expr,
        on_then: bool,
        value: bool,
        out: &mut Vec<Guarded>,
        d: u32,
    ) {
        if d > MAX_DEPTH {
            return;
        }
        match &e.kind {
            ExprKind::Not(a) => self.collect(fr, a, on_then, !value, out, d + 1),
            // `a and b` true: both are; `a or b` false: both are. The other two say nothing
            // of either side.
            ExprKind::BinOp(BinOp::And, a, b) if value => {
                self.collect(fr, a, on_then, value, out, d + 1);
                self.collect(fr, b, on_then, value, out, d + 1);
            }
            ExprKind::BinOp(BinOp::Or, a, b) if !value => {
                self.collect(fr, a, on_then, value, out, d + 1);
                self.collect(fr, b, on_then, value, out, d + 1);
            }
            // `x not in A` is `not (x in A)`: guards are written with `in`.
            ExprKind::BinOp(BinOp::NotIn, a, b) if !value => {
                let positive = Expr::new(ExprKind::BinOp(BinOp::In, a.clone(), b.clone()), e.span);
                self.matches(fr, &positive, on_then, out);
            }
            _ if value => self.matches(fr, e, on_then, out),
            _ => {}
        }
    }

    /// Records the values that the guards matching `e` check, as holding on the branch
    /// `on_then`.
    fn matches(&mut self, fr: &mut Frame<'_>, e: &Expr, on_then: bool, out: &mut Vec<Guarded>) {
        let ix = self.ix;
        let ctx = self.ctx();
        for (f, rules) in &ix.guards {
            let Some(m) = f.eval(NodeRef::Expr(e), &fr.anc, &ctx) else {
                continue;
            };
            let Some(checked) = m.focus.and_then(|s| find_expr(e, s)) else {
                continue;
            };
            if let Some(path) = self.path_of(fr, checked) {
                out.push(Guarded {
                    path,
                    holds_on_then: on_then,
                    rules: *rules,
                });
            }
        }
    }
}

/// Cleans, at the start of a branch (`then` when `on_then`), the values checked on it.
pub(super) fn clean_branch(env: &mut BTreeMap<String, Value>, facts: &[Guarded], on_then: bool) {
    for g in facts.iter().filter(|g| g.holds_on_then == on_then) {
        let prefix = format!("{}.", g.path);
        for (k, v) in env.iter_mut() {
            if *k == g.path || k.starts_with(&prefix) {
                v.sanitize(g.rules);
            }
        }
    }
}

/// Whether a block ends by raising or throwing (`raise`, `throw`, Flask's `abort(…)`): the
/// lowerings keep these as expression statements, which would otherwise fall through.
pub(super) fn ends_in_throw(stmts: &[Stmt], src: &[u8]) -> bool {
    let Some(last) = stmts.last() else {
        return false;
    };
    match &last.kind {
        StmtKind::Expr(_) => {
            let text = src
                .get(last.span.start as usize..last.span.end as usize)
                .unwrap_or_default();
            let starts = |w: &[u8]| {
                text.starts_with(w)
                    && text
                        .get(w.len())
                        .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_')
            };
            starts(b"raise") || starts(b"throw") || starts(b"abort")
        }
        StmtKind::If { then, els, .. } => {
            !els.is_empty() && ends_in_throw(then, src) && ends_in_throw(els, src)
        }
        _ => false,
    }
}

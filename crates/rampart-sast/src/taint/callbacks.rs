//! Callbacks that receive their receiver's data: `p.then(cb)`, `o.subscribe(cb)`,
//! `items.forEach(cb)`. The callback's first parameter is the promise's value, the observable's
//! emissions or the collection's elements, so it carries the receiver's input (source taint):
//! `fetch(u).then(r => r.json()).then(d => el.innerHTML = d.x)` reaches the sink, and
//! `this.http.get(u).subscribe(d => this.html = d)` stores input in the component's field.
//!
//! Calls whose value is what their callback returns (Vue's `computed(() => …)`, React's
//! `useMemo(() => …)`) carry the input the callback returns: `const html = computed(() =>
//! route.query.msg)` holds the query parameter.
//!
//! The callback (a function expression or a local function named by the argument) is analysed
//! again with that parameter seeded; what it returns becomes the call's value (`then` returns a
//! promise of the callback's result). Summaries stay as they are: the seeded analysis is not
//! cached, and only input is seeded, never a caller's parameter.

use super::value::step;
use super::{Analyzer, Frame, Label, Msg, Origin, Value};
use crate::ir::{Expr, ExprKind, FuncId};
use crate::lang::Family;

/// Methods (JavaScript/TypeScript) whose first argument is called with the receiver's data as
/// its first parameter: promises (`then`), RxJS observables (`subscribe`, `tap`), arrays and
/// other collections (`forEach`, `map`, `flatMap`, `filter`, `find`, `some`, `every`).
pub(super) const CALLBACK_METHODS: &[&str] = &[
    "then",
    "subscribe",
    "tap",
    "forEach",
    "map",
    "flatMap",
    "filter",
    "find",
    "some",
    "every",
];

/// Methods whose callback gets what an asynchronous call resolves to or emits.
const ASYNC_VALUE_METHODS: &[&str] = &["then", "subscribe"];

/// Functions (JavaScript/TypeScript) whose value is what their first argument, a callback,
/// returns.
pub(super) const RETURNS_CALLBACK: &[&str] = &["computed", "useMemo"];

impl Analyzer<'_> {
    /// For `computed(cb)`/`useMemo(cb)`: the input `cb` returns (empty for other calls).
    pub(super) fn callback_value(&mut self, fr: &Frame<'_>, callee: &Expr, args: &[Expr]) -> Value {
        let mut out = Value::default();
        let name = match &callee.kind {
            ExprKind::Name(n) | ExprKind::Attr(_, n) => n.as_str(),
            _ => return out,
        };
        if self.module.lang.family() != Family::JavaScript || !RETURNS_CALLBACK.contains(&name) {
            return out;
        }
        let Some(fid) = args.first().and_then(|cb| self.callback_fn(fr, cb)) else {
            return out;
        };
        if let Some(s) = self.summary(fid) {
            let returned: Vec<Label> = s
                .ret
                .iter()
                .filter(|l| l.origin == Origin::Source)
                .cloned()
                .collect();
            out.add_labels(&returned);
        }
        out
    }

    /// For `recv.meth(cb, …)` with input in `recv`: analyses `cb` with its first parameter
    /// carrying that input and returns what the callback returns of it (empty when `meth` is
    /// not such a method, `cb` is not a function of this file, or `recv` holds no input).
    pub(super) fn callback_flow(
        &mut self,
        fr: &Frame<'_>,
        recv: &Value,
        meth: &str,
        args: &[Expr],
    ) -> Value {
        let mut out = Value::default();
        if self.module.lang.family() != Family::JavaScript || !CALLBACK_METHODS.contains(&meth) {
            return out;
        }
        let input: Vec<&Label> = recv
            .labels
            .iter()
            .filter(|l| l.origin == Origin::Source)
            .collect();
        if input.is_empty() {
            return out;
        }
        let Some(cb) = args.first() else { return out };
        let Some(fid) = self.callback_fn(fr, cb) else {
            return out;
        };
        let Some(param) = self.module.functions[fid].params.first() else {
            return out;
        };
        let at = self.at(param.span);
        let seed = Value {
            labels: input
                .into_iter()
                .map(|l| Label {
                    origin: Origin::Source,
                    rules: l.rules,
                    trace: step(
                        Some(&l.trace),
                        at.clone(),
                        Msg::Text(format!(
                            "passed to the `{meth}` callback as `{}`",
                            param.name
                        )),
                    ),
                })
                .collect(),
            konst: None,
        };
        if let Some(s) = self.seeded_summary(fid, seed) {
            let returned: Vec<Label> = s
                .ret
                .into_iter()
                .filter(|l| l.origin == Origin::Source)
                .collect();
            out.add_labels(&returned);
        }
        out
    }

    /// Whether the callback of `recv.meth(cb)` gets the input `recv` holds. A promise or an
    /// observable made by an unknown library call that was given input
    /// (`api.getNodeInfo({id: req.params.id}).then(r => res.send(r))`) resolves to that API's
    /// own result (a record, a status), not to the input it was given, as for record lookups
    /// (`calls.rs`). It does carry input when the call is a source itself (`fetch(u)`), a
    /// method of an object that holds input (`response.json()`), a link of a callback chain
    /// (`….then(…)`), `Promise.resolve(x)`…, or a function of the project (its summary says
    /// what it returns), and for every other method (`items.forEach`, `s.split(',').map`).
    pub(super) fn promise_carries_input(
        &mut self,
        fr: &mut Frame<'_>,
        recv: &Expr,
        meth: &str,
    ) -> bool {
        if !ASYNC_VALUE_METHODS.contains(&meth)
            || self.module.lang.family() != Family::JavaScript
            || self.last_source == Some(recv.span)
        {
            return true;
        }
        let ExprKind::Call(inner) = &recv.kind else {
            return true;
        };
        match &inner.callee.kind {
            ExprKind::Attr(obj, m) => {
                if CALLBACK_METHODS.contains(&m.as_str())
                    || matches!(m.as_str(), "catch" | "finally")
                    || obj.dotted().as_deref() == Some("Promise")
                    || self.resolve(fr, &inner.callee).is_some()
                {
                    return true;
                }
                // The object the method is called on: input stored in it, or a source itself
                // (`this.route.params.pipe(…)`).
                match &obj.kind {
                    ExprKind::Name(_) | ExprKind::Attr(..) | ExprKind::Subscript(..) => self
                        .eval_place(fr, obj, false)
                        .labels
                        .iter()
                        .any(|l| l.origin == Origin::Source),
                    _ => true,
                }
            }
            ExprKind::Name(_) => self.resolve(fr, &inner.callee).is_some(),
            _ => true,
        }
    }

    /// The function of this file that a callback argument is: a function expression, or the
    /// name of a function visible from the caller.
    fn callback_fn(&self, fr: &Frame<'_>, cb: &Expr) -> Option<FuncId> {
        match &cb.kind {
            ExprKind::Func(id) => Some(*id),
            ExprKind::Name(n) if !fr.env.contains_key(n.as_str()) => {
                self.module.function_named(n, fr.func)
            }
            _ => None,
        }
    }
}

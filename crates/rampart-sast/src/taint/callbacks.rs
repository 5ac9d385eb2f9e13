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

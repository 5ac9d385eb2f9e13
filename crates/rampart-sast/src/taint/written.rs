//! Sources by side effect: a source pattern focused on an argument (`$C.ShouldBindJSON($X)`
//! with `focus-metavariable: $X`) means the call writes the input into that variable, which is
//! tainted from there on (gin/echo/fiber binders).

use super::value::step;
use super::{Analyzer, Frame, Label, Msg, Origin, find_expr};
use crate::index::RuleSet;
use crate::ir::*;

impl Analyzer<'_> {
    /// Taints the variables (or fields) at `written` (spans inside the call `e`) with the
    /// rules of the sources that wrote them.
    pub(super) fn taint_written(
        &mut self,
        fr: &mut Frame<'_>,
        e: &Expr,
        written: Vec<(Span, RuleSet)>,
    ) {
        for (f, rules) in written {
            if let Some(sub) = find_expr(e, f)
                && matches!(sub.kind, ExprKind::Name(_) | ExprKind::Attr(..))
                && let Some(p) = self.path_of(fr, sub)
            {
                let trace = step(None, self.at(sub.span), Msg::Untrusted);
                let ent = fr.env.entry(p).or_default();
                ent.add_labels(&[Label {
                    origin: Origin::Source,
                    rules,
                    trace,
                }]);
                ent.konst = None;
            }
        }
    }
}

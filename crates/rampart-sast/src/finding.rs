//! A finding of the engine before it becomes a [`rampart_core::Finding`].

use crate::ir::Span;
use crate::pattern::Match;
use rampart_core::TraceStep;

/// A finding before it becomes a [`rampart_core::Finding`].
#[derive(Debug, Clone)]
pub struct RawFinding {
    /// Global rule index.
    pub rule: usize,
    /// Where (in the analysed file).
    pub span: Span,
    /// The data-flow trace, source first (empty for structural rules).
    pub trace: Vec<TraceStep>,
    /// The enclosing function.
    pub function: String,
    /// Metavariable bindings, for the message.
    pub binds: Vec<(String, String)>,
}

impl RawFinding {
    /// A finding of a structural rule (no trace) for pattern match `m`.
    pub(crate) fn structural(rule: usize, span: Span, function: String, m: &Match) -> RawFinding {
        RawFinding {
            rule,
            span,
            trace: Vec::new(),
            function,
            binds: m
                .binds
                .iter()
                .map(|b| (b.name.clone(), b.text.clone()))
                .collect(),
        }
    }
}

//! A finding of the engine before it becomes a [`rampart_core::Finding`].

use crate::ir::Span;
use crate::pattern::Match;
use rampart_core::TraceStep;
use std::sync::Arc;

/// Where a sink is: what a taint finding is reported at, whichever path reached it.
#[derive(Debug, Clone)]
pub struct SinkAt {
    /// The file: [`crate::taint::OWN_FILE`] for the analysed file, else a project file index.
    pub file: u32,
    /// The sink expression.
    pub span: Span,
    /// The name of the function the sink is in (part of the finding's fingerprint).
    pub function: Arc<str>,
}

/// A finding before it becomes a [`rampart_core::Finding`].
#[derive(Debug, Clone)]
pub struct RawFinding {
    /// Global rule index.
    pub rule: usize,
    /// The file it is in: [`crate::taint::OWN_FILE`] (the analysed file) or, for a taint
    /// finding whose sink is in a function of another file, that project file's index.
    pub file: u32,
    /// Where (in `file`): the match, or the sink of a taint finding.
    pub span: Span,
    /// The data-flow trace, source first (empty for structural rules).
    pub trace: Vec<TraceStep>,
    /// The enclosing function (of the sink, for a taint finding).
    pub function: String,
    /// Metavariable bindings, for the message.
    pub binds: Vec<(String, String)>,
}

impl RawFinding {
    /// A finding of a structural rule (no trace) for pattern match `m`.
    pub(crate) fn structural(rule: usize, span: Span, function: String, m: &Match) -> RawFinding {
        RawFinding {
            rule,
            file: crate::taint::OWN_FILE,
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

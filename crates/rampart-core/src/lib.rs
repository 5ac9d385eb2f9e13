//! The core of rampart: everything engines share.
//!
//! An engine implements [`engine::Engine`]; the [`scan`] driver discovers files, reads each once,
//! hands it to every engine that wants it, and turns what they report into [`finding::Finding`]s
//! filtered by the [`config`] policy, [`suppress`]ions, a [`baseline`] and [`git`] changes.

#![forbid(unsafe_code)]

pub mod baseline;
pub mod config;
pub mod date;
pub mod diag;
pub mod discover;
pub mod engine;
pub mod facts;
pub mod finding;
pub mod fingerprint;
pub mod fix;
pub mod git;
pub mod paths;
pub mod rule;
pub mod scan;
pub mod severity;
pub mod source;
pub mod suppress;
pub mod testing;

pub use diag::{Diagnostic, DiagnosticLevel};
pub use engine::{Emitter, Engine, EngineSession, ScanContext};
pub use facts::{Fact, Facts, HttpRoute};
pub use finding::{Finding, Location, Provenance, SecretMatch, Suppression, TraceStep};
pub use fix::{Edit, Fix};
pub use rule::{Example, RuleDefaults, RuleDoc, RuleMeta};
pub use severity::{Confidence, Severity};
pub use source::SourceFile;

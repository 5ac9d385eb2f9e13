//! Capabilities: checks written in Rust, for what the condition language cannot say
//! (taint-like workflow analysis, download → verify → execute in scripts…). A check file names
//! one with `capability = "name"`; it is called once per subject the check's `kinds` select.

use crate::subjects::Subject;
use std::ops::Range;

pub mod docker;
pub mod gha;
mod gha_fix;
pub mod shell;

/// What a capability sees.
pub struct Ctx<'a, 'b> {
    /// The subject.
    pub subject: &'b Subject<'a>,
    /// The check's `params` table.
    pub params: &'b toml::Table,
    /// The whole file.
    pub text: &'b str,
}

/// One problem a capability found.
#[derive(Debug, Clone)]
pub struct CapHit {
    /// Byte span to report.
    pub span: Range<usize>,
    /// The message.
    pub message: String,
    /// A stable key for the fingerprint (not line based).
    pub key: String,
    /// The change that resolves it, when the capability knows a safe, local one.
    pub fix: Option<CapFix>,
}

/// A capability's autofix: replacements of byte ranges of the text checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CapFix {
    /// What the change does, in one line.
    pub description: String,
    /// The replacements.
    pub edits: Vec<(Range<usize>, String)>,
}

/// A capability.
pub type CapFn = fn(&Ctx) -> Vec<CapHit>;

/// Looks a capability up by name.
pub fn get(name: &str) -> Option<CapFn> {
    gha::get(name)
        .or_else(|| shell::get(name))
        .or_else(|| docker::get(name))
}

//! What a history scan adds: diagnostics about the walked history (damage, shallow clones, no
//! commits) and one finding per secret across commits.

use crate::diag::{Diagnostic, DiagnosticLevel};
use crate::finding::Finding;
use std::collections::HashMap;
use std::sync::Mutex;

/// What the scan should say about the history it walked: damaged objects (errors, by id), a
/// shallow clone's boundary and an empty repository (warnings: findings may be missing).
pub(super) fn history_diagnostics(
    hist: &crate::git::History,
    since: bool,
    diagnostics: &Mutex<Vec<Diagnostic>>,
) {
    let mut out = diagnostics.lock().unwrap();
    for p in &hist.problems {
        out.push(Diagnostic::general(
            DiagnosticLevel::Error,
            format!(
                "git history is damaged: {p}; the commits and files behind it were not scanned (`git fsck` names what is broken)"
            ),
        ));
    }
    if hist.shallow > 0 {
        out.push(Diagnostic::general(
            DiagnosticLevel::Warning,
            format!(
                "history is incomplete: this is a shallow clone ({}); secrets committed before it are not found: fetch the rest with `git fetch --unshallow`",
                crate::diag::count(hist.shallow, "boundary commit")
            ),
        ));
    }
    if hist.commits.is_empty() && hist.problems.is_empty() && !since {
        out.push(Diagnostic::general(
            DiagnosticLevel::Warning,
            "the repository has no commits: there is no history to scan",
        ));
    }
}

/// Keeps one finding per (rule, secret/content): the one from the oldest commit; marks it
/// `in_head` when any copy is in the HEAD tree.
pub(super) fn dedupe_history(
    found: Vec<(Finding, bool)>,
    commits: &[crate::git::CommitInfo],
) -> Vec<Finding> {
    let order: HashMap<&str, usize> = commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut best: HashMap<(String, String), (Finding, bool)> = HashMap::new();
    for (f, in_head) in found {
        let key = (f.rule_id.clone(), f.fingerprint_key.clone());
        let age = |f: &Finding| {
            f.provenance
                .as_ref()
                .and_then(|p| order.get(p.commit.as_str()).copied())
                .unwrap_or(usize::MAX)
        };
        match best.get_mut(&key) {
            Some((kept, head)) => {
                *head |= in_head;
                if age(&f) < age(kept) {
                    *kept = f;
                }
            }
            None => {
                best.insert(key, (f, in_head));
            }
        }
    }
    best.into_values()
        .map(|(mut f, in_head)| {
            if let Some(p) = f.provenance.as_mut() {
                p.in_head = in_head;
            }
            f
        })
        .collect()
}

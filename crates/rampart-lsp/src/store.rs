//! What the last scans found, per file: findings by engine and the file's diagnostics
//! (malformed input, limits hit). Each scan replaces what it covered: a document scan the
//! document's entries, a workspace scan every file's entries of the engines it ran.

use rampart_core::{Diagnostic, Finding, RuleMeta};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The bucket of SAST findings whose data flow crosses files: only workspace scans (the
/// project pass) find them, so a document's own scan leaves them in place until the next one.
pub const CROSS_FILE: &str = "sast+project";

/// The bucket a finding is kept in: its engine, or [`CROSS_FILE`].
pub fn bucket(f: &Finding) -> &str {
    if f.engine == "sast"
        && f.traces()
            .flatten()
            .any(|s| s.location.path != f.location.path)
    {
        CROSS_FILE
    } else {
        &f.engine
    }
}

/// One file's results.
#[derive(Debug, Default, Clone)]
pub struct FileResults {
    /// Findings by engine name.
    pub findings: BTreeMap<String, Vec<Finding>>,
    /// Problems with the file's content.
    pub diagnostics: Vec<Diagnostic>,
}

impl FileResults {
    /// Every finding of the file.
    pub fn all(&self) -> impl Iterator<Item = &Finding> {
        self.findings.values().flatten()
    }

    fn is_empty(&self) -> bool {
        self.diagnostics.is_empty() && self.findings.values().all(Vec::is_empty)
    }
}

/// Results of every file, and the metadata of the rules they name.
#[derive(Debug, Default)]
pub struct Store {
    files: HashMap<String, FileResults>,
    rules: HashMap<String, RuleMeta>,
}

impl Store {
    /// A file's results.
    pub fn get(&self, path: &str) -> Option<&FileResults> {
        self.files.get(path)
    }

    /// Every file with results.
    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.files.keys()
    }

    /// A rule's metadata, if a scan reported it.
    pub fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.get(id)
    }

    /// Number of findings held (all files).
    pub fn finding_count(&self) -> usize {
        self.files.values().map(|f| f.all().count()).sum()
    }

    /// Keeps the metadata of the rules `findings` name.
    pub fn learn_rules(&mut self, rules: &[RuleMeta], findings: &[Finding]) {
        let named: HashSet<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
        for r in rules.iter().filter(|r| named.contains(r.id.as_str())) {
            if !self.rules.contains_key(&r.id) {
                self.rules.insert(r.id.clone(), r.clone());
            }
        }
    }

    /// Replaces the results of `engines` (buckets: engine names and [`CROSS_FILE`]; and, when `with_diagnostics`, the diagnostics) for the
    /// files `covered` says, by what the scan found. `covered(path)` is false for files whose
    /// results must stay (a document edited since the scan began). Returns the files whose
    /// results changed.
    pub fn replace(
        &mut self,
        engines: &[&str],
        with_diagnostics: bool,
        covered: &dyn Fn(&str) -> bool,
        scope: Option<&[String]>,
        findings: Vec<Finding>,
        diagnostics: Vec<Diagnostic>,
    ) -> HashSet<String> {
        let mut changed = HashSet::new();
        let in_scope = |p: &str| scope.is_none_or(|s| s.iter().any(|x| x == p));
        for (path, results) in self.files.iter_mut() {
            if !in_scope(path) || !covered(path) {
                continue;
            }
            for e in engines {
                if results.findings.remove(*e).is_some_and(|v| !v.is_empty()) {
                    changed.insert(path.clone());
                }
            }
            if with_diagnostics && !results.diagnostics.is_empty() {
                results.diagnostics.clear();
                changed.insert(path.clone());
            }
        }
        for f in findings {
            let path = f.location.path.clone();
            if !in_scope(&path) || !covered(&path) {
                continue;
            }
            changed.insert(path.clone());
            let entry = self.files.entry(path).or_default();
            entry
                .findings
                .entry(bucket(&f).to_string())
                .or_default()
                .push(f);
        }
        if with_diagnostics {
            for d in diagnostics {
                let Some(path) = d.path.clone() else { continue };
                if !in_scope(&path) || !covered(&path) {
                    continue;
                }
                changed.insert(path.clone());
                self.files.entry(path).or_default().diagnostics.push(d);
            }
        }
        self.files.retain(|_, r| !r.is_empty());
        changed
    }

    /// Forgets a file (deleted on disk).
    pub fn forget(&mut self, path: &str) -> bool {
        self.files.remove(path).is_some()
    }
}

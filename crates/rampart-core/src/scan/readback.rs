//! Findings not made while their own file was being scanned (engines' `finish`, included
//! files) get their code frame, inline suppressions and `--since` filtering here, reading each
//! file back once; and the rule ids those suppressions may name.

use super::CONTEXT_RADIUS;
use crate::finding::Finding;
use crate::git::ChangedLines;
use crate::source::{Origin, SourceFile};
use crate::suppress;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Post-processing of findings not made while their own file was being scanned (engines'
/// `finish`, included files): each such file is read back once for the code frame, its inline
/// suppressions and, with `--since`, its changed lines.
pub(super) struct ReadBack<'a> {
    pub(super) root: &'a std::path::Path,
    /// Content held in memory, read instead of the file on disk.
    pub(super) overlay: &'a BTreeMap<String, Vec<u8>>,
    pub(super) changed: Option<&'a ChangedLines>,
    pub(super) known_rules: &'a KnownRules,
    pub(super) pending: Vec<Finding>,
}

/// One file read back: its content, inline suppressions and changed lines.
struct ReadBackFile {
    file: SourceFile,
    inline: Vec<suppress::Inline>,
    lines: Option<HashSet<usize>>,
}

impl ReadBack<'_> {
    pub(super) fn add(&mut self, findings: Vec<Finding>) {
        self.pending.extend(findings);
    }

    /// Whether a step of one of `f`'s data-flow paths is on a changed line (`--since`): a new
    /// flow into an unchanged sink (a new route calling an old helper) is reported at the sink.
    fn flow_changed(
        &self,
        f: &Finding,
        cache: &mut HashMap<String, Option<HashSet<usize>>>,
    ) -> bool {
        let Some(changed) = self.changed else {
            return false;
        };
        f.traces().flatten().any(|s| {
            let path = &s.location.path;
            let lines = cache.entry(path.clone()).or_insert_with(|| {
                let content = match self.overlay.get(path) {
                    Some(c) => c.clone(),
                    None => std::fs::read(self.root.join(crate::paths::to_path(path))).ok()?,
                };
                Some(changed.changed(path, &content))
            });
            lines
                .as_ref()
                .is_some_and(|l| l.contains(&s.location.start_line))
        })
    }

    /// Moves the pending findings into `out`; returns how many `--since` dropped.
    pub(super) fn finish(mut self, out: &mut Vec<Finding>) -> usize {
        let mut files: HashMap<String, Option<ReadBackFile>> = HashMap::new();
        let mut step_lines: HashMap<String, Option<HashSet<usize>>> = HashMap::new();
        let mut unchanged = 0;
        let pending = std::mem::take(&mut self.pending);
        for mut f in pending {
            f.clip();
            let entry = files.entry(f.location.path.clone()).or_insert_with(|| {
                let content = match self.overlay.get(&f.location.path) {
                    Some(c) => c.clone(),
                    None => {
                        let path = crate::paths::to_path(&f.location.path);
                        std::fs::read(self.root.join(path)).ok()?
                    }
                };
                let file = SourceFile::new(f.location.path.clone(), content, Origin::WorkTree);
                // Problems in the comments themselves were reported when the file was scanned.
                let mut ignored = Vec::new();
                let inline =
                    suppress::parse_inline(&file, &|r| self.known_rules.contains(r), &mut ignored);
                let lines = self
                    .changed
                    .map(|c| c.changed(&f.location.path, &file.content));
                Some(ReadBackFile {
                    file,
                    inline,
                    lines,
                })
            });
            if let Some(rb) = entry {
                if f.context.is_empty() {
                    let masks: Vec<_> = f.mask_with_replacement().into_iter().collect();
                    f.fill_context(&rb.file, CONTEXT_RADIUS, &masks);
                }
                suppress::apply_inline(std::slice::from_mut(&mut f), &rb.inline);
                if rb
                    .lines
                    .as_ref()
                    .is_some_and(|l| !l.contains(&f.location.start_line))
                    && !self.flow_changed(&f, &mut step_lines)
                {
                    unchanged += 1;
                    continue;
                }
            }
            out.push(f);
        }
        unchanged
    }
}

/// The rule ids suppressions may name: every rule of the engines in this scan, and any id
/// under an engine that exists but was not selected.
#[derive(Clone)]
pub(super) struct KnownRules {
    pub(super) ids: HashSet<String>,
    pub(super) unselected_engines: Vec<String>,
}

impl KnownRules {
    pub(super) fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
            || id
                .split_once('/')
                .is_some_and(|(engine, _)| self.unselected_engines.iter().any(|e| e == engine))
    }
}

//! What the server answers from its results: diagnostics (pushed or pulled), hovers and code
//! actions.

use super::Server;
use crate::actions;
use crate::diagnostics;
use crate::documents::Document;
use crate::hover;
use crate::position;
use crate::protocol::{flag, path_to_uri, str_at};
use rampart_core::{Finding, Fix};
use serde_json::{Value, json};
use std::collections::HashSet;

impl Server {
    /// The text findings of `path` were made from: the open document, else the file on disk.
    pub(super) fn text_of(&self, path: &str) -> Option<String> {
        match self.docs.by_path(path) {
            Some(d) => Some(d.text.clone()),
            None => std::fs::read(self.root.join(path))
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
        }
    }

    pub(super) fn uri_of(&self, path: &str) -> String {
        match self.docs.by_path(path) {
            Some(d) => d.uri.clone(),
            None => path_to_uri(&self.root.join(path)),
        }
    }

    /// The findings of a file that are shown: not suppressed, at or above the threshold.
    pub(super) fn shown_findings(&self, path: &str) -> Vec<&Finding> {
        let threshold = self.settings.threshold();
        self.store
            .get(path)
            .map(|r| {
                r.all()
                    .filter(|f| f.suppression.is_none() && f.severity >= threshold)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The LSP diagnostics of a file.
    pub(super) fn diagnostics_for(&self, path: &str) -> Vec<Value> {
        let Some(results) = self.store.get(path) else {
            return Vec::new();
        };
        let text = self.text_of(path).unwrap_or_default();
        let text_of = |p: &str| self.text_of(p);
        let mut out: Vec<Value> = self
            .shown_findings(path)
            .into_iter()
            .map(|f| {
                let rule = self.store.rule(&f.rule_id);
                diagnostics::of_finding(f, &text, self.enc, &self.root, rule, &text_of)
            })
            .collect();
        out.extend(
            results
                .diagnostics
                .iter()
                .filter_map(|d| diagnostics::of_diagnostic(d, &text, self.enc)),
        );
        out
    }

    /// Tells the client that the results of `paths` changed: `publishDiagnostics` (push), or
    /// `workspace/diagnostic/refresh` when the client pulls.
    pub(super) fn publish(&mut self, paths: HashSet<String>) {
        if paths.is_empty() {
            return;
        }
        self.generation += 1;
        if self.pull {
            if self.workspace_job.as_ref().is_none_or(|w| !w.full) {
                self.answer_waiting();
            }
            if flag(&self.caps, "/workspace/diagnostics/refreshSupport") {
                self.request("workspace/diagnostic/refresh", Value::Null);
            }
            return;
        }
        let mut paths: Vec<_> = paths.into_iter().collect();
        paths.sort();
        for path in paths {
            let items = self.diagnostics_for(&path);
            if items.is_empty()
                && !self.published.contains(&path)
                && self.docs.by_path(&path).is_none()
            {
                continue; // nothing was shown, nothing to clear
            }
            if items.is_empty() {
                self.published.remove(&path);
            } else {
                self.published.insert(path.clone());
            }
            let mut params = json!({"uri": self.uri_of(&path), "diagnostics": items});
            if let Some(d) = self.docs.by_path(&path) {
                params["version"] = json!(d.version);
            }
            self.notify("textDocument/publishDiagnostics", params);
        }
    }

    /// The `workspace/diagnostic` answer: every file with something to show.
    pub(super) fn workspace_report(&self) -> Value {
        let mut paths: Vec<&String> = self.store.paths().collect();
        paths.sort();
        let items: Vec<Value> = paths
            .into_iter()
            .filter_map(|p| {
                let items = self.diagnostics_for(p);
                if items.is_empty() {
                    return None;
                }
                let version = self.docs.by_path(p).map(|d| json!(d.version));
                Some(json!({
                    "kind": "full", "uri": self.uri_of(p), "resultId": self.generation.to_string(),
                    "version": version.unwrap_or(Value::Null), "items": items,
                }))
            })
            .collect();
        json!({ "items": items })
    }

    pub(super) fn answer_waiting(&mut self) {
        if self.waiting.is_empty() {
            return;
        }
        let report = self.workspace_report();
        for id in std::mem::take(&mut self.waiting) {
            self.reply(id, report.clone());
        }
    }

    /// The shown findings of an open document with their LSP diagnostics.
    pub(super) fn findings_at<'a>(&'a self, doc: &Document) -> Vec<(&'a Finding, Value)> {
        let Some(path) = &doc.path else {
            return Vec::new();
        };
        let text_of = |p: &str| self.text_of(p);
        self.shown_findings(path)
            .into_iter()
            .map(|f| {
                let rule = self.store.rule(&f.rule_id);
                let d = diagnostics::of_finding(f, &doc.text, self.enc, &self.root, rule, &text_of);
                (f, d)
            })
            .collect()
    }

    pub(super) fn hover(&self, p: &Value) -> Value {
        let uri = str_at(p, "/textDocument/uri").unwrap_or_default();
        let Some(doc) = self.docs.get(uri) else {
            return Value::Null;
        };
        let pos = p.get("position").cloned().unwrap_or(Value::Null);
        let hits: Vec<_> = self
            .findings_at(doc)
            .into_iter()
            .filter(|(_, d)| position::contains(&d["range"], &pos))
            .collect();
        let Some((_, first)) = hits.first() else {
            return Value::Null;
        };
        let range = first["range"].clone();
        let text: Vec<String> = hits
            .iter()
            .map(|(f, _)| hover::markdown(f, self.store.rule(&f.rule_id), &doc.text))
            .collect();
        json!({
            "contents": {"kind": "markdown", "value": text.join("\n---\n\n")},
            "range": range,
        })
    }

    pub(super) fn code_actions(&self, p: &Value) -> Value {
        let uri = str_at(p, "/textDocument/uri").unwrap_or_default();
        let Some(doc) = self.docs.get(uri) else {
            return json!([]);
        };
        let range = p.get("range").cloned().unwrap_or(Value::Null);
        let actions: Vec<Value> = self
            .findings_at(doc)
            .into_iter()
            .filter(|(_, d)| position::overlaps(&d["range"], &range))
            .flat_map(|(f, d)| {
                let rule = self.store.rule(&f.rule_id);
                let mut list = self.fix_actions(f, &d);
                list.extend(actions::for_finding(f, rule, uri, &doc.text, self.enc, &d));
                list
            })
            .collect();
        Value::Array(actions)
    }

    /// Quick fixes that change code: the rule's autofix, and for a vulnerable dependency
    /// declared in a manifest beside its lockfile (`package.json`, `pyproject.toml`,
    /// `Cargo.toml`…) the upgrade `rampart fix` would make. Pinned requirements files are
    /// handled on their own text by [`actions::for_finding`].
    fn fix_actions(&self, f: &Finding, diagnostic: &Value) -> Vec<Value> {
        let file = |path: &str| Some((self.uri_of(path), self.text_of(path)?));
        let mut fixes: Vec<Fix> = f.fix.iter().cloned().collect();
        let requirements = [".txt", ".in"].iter().any(|x| f.location.path.ends_with(x));
        if f.engine == "deps" && !requirements {
            let plan = rampart_deps::fix::plan(&self.root, std::slice::from_ref(f));
            fixes.extend(plan.changes.into_iter().map(|c| c.fix));
        }
        fixes
            .iter()
            .filter_map(|fx| {
                let edit = actions::workspace_edit(fx, self.enc, &file)?;
                Some(actions::fix_action(fx, edit, diagnostic))
            })
            .collect()
    }
}

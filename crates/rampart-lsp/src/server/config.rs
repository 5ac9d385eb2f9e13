//! The server's configuration: rampart.toml, the baseline and the engine selection, reloaded
//! when watched files change.

use super::Server;
use crate::engines;
use crate::protocol::{self, flag, uri_to_path};
use rampart_core::baseline::Baseline;
use rampart_core::config::Config;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

impl Server {
    /// Loads rampart.toml (the configured file, else the root's), the baseline and the engine
    /// selection; problems are shown and the previous values kept.
    pub(super) fn load_config(&mut self) {
        let file = self.settings.config.as_ref().map(|c| self.root.join(c));
        match Config::load(&self.root, file.as_deref()) {
            Ok(c) => self.config = c,
            Err(e) => self.show(1, format!("configuration not loaded: {e}")),
        }
        self.baseline = None;
        if let Some(b) = &self.settings.baseline {
            match Baseline::read(&self.root.join(b)) {
                Ok(b) => self.baseline = Some(b),
                Err(e) => self.show(1, format!("baseline not loaded: {e}")),
            }
        }
        let names = self
            .settings
            .engines
            .clone()
            .or_else(|| self.config.scan.engines.clone());
        self.selected = match names {
            None => engines::NAMES.to_vec(),
            Some(n) => match engines::select(&n) {
                Ok(s) => s,
                Err(e) => {
                    self.show(1, e);
                    engines::NAMES.to_vec()
                }
            },
        };
    }

    /// Folders of user rules and policies that rampart.toml names (absolute).
    pub(super) fn rule_dirs(&self) -> Vec<PathBuf> {
        let base = self
            .config
            .source
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(&self.root)
            .to_path_buf();
        let mut out = Vec::new();
        for (engine, key) in [("secrets", "rules"), ("sast", "rules"), ("iac", "policy")] {
            let Some(v) = self.config.engines.get(engine).and_then(|t| t.get(key)) else {
                continue;
            };
            let entries: Vec<&str> = match v {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
                _ => Vec::new(),
            };
            for e in entries {
                out.push(self.root.join(e));
                out.push(base.join(e));
            }
        }
        out
    }

    /// Asks the client to watch rampart.toml, the ignore files, the rule folders and the
    /// workspace's files, when it lets servers register watchers.
    pub(super) fn register_watchers(&mut self) {
        if !flag(
            &self.caps,
            "/workspace/didChangeWatchedFiles/dynamicRegistration",
        ) {
            return;
        }
        let mut watchers = vec![json!({"globPattern": "**/*"})];
        for d in self.rule_dirs() {
            if !d.starts_with(&self.root) {
                watchers.push(json!({"globPattern": format!("{}/**", d.display())}));
            }
        }
        self.request(
            "client/registerCapability",
            json!({"registrations": [{
                "id": "rampart-watched-files",
                "method": "workspace/didChangeWatchedFiles",
                "registerOptions": {"watchers": watchers},
            }]}),
        );
    }

    pub(super) fn on_watched(&mut self, p: &Value) {
        let changes = p.get("changes").and_then(Value::as_array);
        let mut reload = false;
        let mut rescan = Vec::new();
        let rule_dirs = self.rule_dirs();
        for c in changes.into_iter().flatten() {
            let Some(abs) = c.get("uri").and_then(Value::as_str).and_then(uri_to_path) else {
                continue;
            };
            let name = abs.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let is_config = self.config.source.as_deref() == Some(abs.as_path())
                || name == "rampart.toml"
                || name == ".gitignore"
                || name == rampart_core::discover::IGNORE_FILE;
            if is_config || rule_dirs.iter().any(|d| abs.starts_with(d)) {
                reload = true;
                continue;
            }
            let Some(path) = protocol::relative(&self.root, &abs) else {
                continue;
            };
            if self.docs.by_path(&path).is_some() {
                continue; // the editor's text counts, not the disk's
            }
            if c.get("type").and_then(Value::as_u64) == Some(3) {
                if self.store.forget(&path) {
                    self.publish([path].into_iter().collect());
                }
            } else {
                rescan.push(path);
            }
        }
        if reload {
            self.load_config();
            self.start_workspace(self.selected.clone(), true);
        } else if !rescan.is_empty() {
            self.start_files(rescan);
        }
    }
}

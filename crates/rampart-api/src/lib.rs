//! rampart-api: the API security engine of rampart.
//!
//! The audit finds OpenAPI 3.0/3.1 and Swagger 2.0 documents by content (YAML or JSON,
//! anywhere in the scan), resolves their `$ref`s across files ([`spec`]), and runs the rules
//! (`rules/<id>.toml`: documentation, examples and the native check — a capability in
//! [`caps`] — that finds them) over a version-independent view of the spec ([`api`]). Findings
//! point at the exact line and column of the spec.
//!
//! [`probe`] sends requests generated from a spec to a running API and reports what its
//! answers show (`rampart api probe`).

#![forbid(unsafe_code)]

pub mod api;
pub mod caps;
pub mod probe;
pub mod rules;
pub mod spec;
pub mod tree;

use rampart_core::{
    Diagnostic, Emitter, Engine, EngineSession, Finding, RuleMeta, ScanContext, SourceFile,
};
use rules::{Catalogue, catalogue};
use std::path::PathBuf;

/// The API engine. Cheap to construct: the rules are parsed once per process.
pub struct ApiEngine {
    cat: &'static Catalogue,
}

impl Default for ApiEngine {
    fn default() -> Self {
        ApiEngine::new()
    }
}

impl ApiEngine {
    /// The engine with its built-in rules.
    pub fn new() -> ApiEngine {
        ApiEngine { cat: catalogue() }
    }

    /// The loaded rules.
    pub fn rule_set(&self) -> &[rules::Rule] {
        &self.cat.rules
    }

    /// Rule files that failed to load (empty in a correct build).
    pub fn load_errors(&self) -> &[String] {
        &self.cat.errors
    }
}

impl Engine for ApiEngine {
    fn name(&self) -> &'static str {
        "api"
    }

    fn rules(&self) -> &[RuleMeta] {
        &self.cat.metas
    }

    fn wants(&self, path: &str) -> bool {
        let lower = path.to_ascii_lowercase();
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
            && !matches!(
                name,
                "package-lock.json" | "npm-shrinkwrap.json" | "pnpm-lock.yaml" | "composer.lock"
            )
    }

    fn start(&self, ctx: &ScanContext) -> Result<Box<dyn EngineSession + '_>, String> {
        if let Some(k) = ctx.engine_options("api").keys().next() {
            return Err(format!("[engines.api] has no option `{k}`"));
        }
        Ok(Box::new(Session {
            cat: self.cat,
            root: ctx.root.clone(),
        }))
    }
}

struct Session {
    cat: &'static Catalogue,
    root: PathBuf,
}

impl Session {
    /// Reads a file a `$ref` names, relative to the scan root, within the size limit.
    fn read(&self, rel: &str) -> Result<String, String> {
        use std::io::Read;
        let path = self.root.join(rampart_core::paths::to_path(rel));
        let f = std::fs::File::open(&path).map_err(|e| e.to_string())?;
        let meta = f.metadata().map_err(|e| e.to_string())?;
        if !meta.is_file() {
            return Err("not a regular file".into());
        }
        if meta.len() > spec::MAX_REF_FILE_BYTES {
            return Err(format!(
                "over the {} MiB limit for referenced files",
                spec::MAX_REF_FILE_BYTES >> 20
            ));
        }
        let mut bytes = Vec::new();
        f.take(spec::MAX_REF_FILE_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|e| e.to_string())?;
        String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
    }
}

/// Fills `{name}` placeholders of a message template.
fn render(template: &str, vars: &[(&'static str, String)], detail: &str) -> String {
    let mut s = template.replace("{detail}", detail);
    for (k, v) in vars {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

impl EngineSession for Session {
    fn scan_file(&self, file: &SourceFile, out: &mut Emitter) {
        let text = file.text();
        if !spec::may_be_spec(&text) {
            return;
        }
        let parsed = tree::parse(&text);
        let Some(root) = parsed.root else {
            if let Some(e) = parsed.error {
                out.diagnostic(
                    Diagnostic::warning(
                        &file.path,
                        format!("looks like an API definition but does not parse: {}; it was not checked", e.message),
                    )
                    .at_line(e.line),
                );
            }
            return;
        };
        let Some(version) = spec::detect(&root) else {
            return;
        };
        if let Some(at) = parsed.limit_at {
            out.diagnostic(
                Diagnostic::warning(
                    &file.path,
                    format!(
                        "nested more than {} levels deep or aliases past {} nodes; the part from here was not read",
                        tree::MAX_DEPTH,
                        tree::ALIAS_LIMIT
                    ),
                )
                .at_line(file.line_col(at).0),
            );
        }
        let docs = spec::Docs::load(&file.path, &text, root, &|p| self.read(p));
        for d in &docs.problems {
            out.diagnostic(d.clone());
        }
        let view = api::Api {
            docs: &docs,
            version,
        };
        for rule in &self.cat.rules {
            let Some(cap) = caps::get(&rule.check) else {
                continue;
            };
            let mut hits = Vec::new();
            (cap.run)(&view, &rule.params, &mut hits);
            for h in hits {
                let (span, other) = docs.place(&h.at);
                let mut msg = match &rule.message {
                    Some(t) => render(t, &h.vars, &h.message),
                    None => h.message.clone(),
                };
                if let Some(o) = other {
                    msg.push_str(&format!(" (defined in {o})"));
                }
                let mut f = Finding::keyed(&rule.meta, file, span, msg, h.key);
                if !rule.meta.owasp.is_empty() {
                    f.properties.insert(
                        "owasp_api".into(),
                        serde_json::Value::from(rule.meta.owasp.clone()),
                    );
                }
                out.finding(f);
            }
        }
    }
}

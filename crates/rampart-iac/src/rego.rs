//! Custom policies in Rego, the language Trivy, KICS and Conftest users already write,
//! evaluated with `regorus` against the parsed documents.
//!
//! Configured with `[engines.iac] policy = "DIR"` (or a list of directories); the CLI's
//! `--policy DIR` maps to it. Every `*.rego` file (tests `*_test.rego` excepted) is loaded, in
//! Rego v1 syntax or, when that fails to parse, v0 (`deny[msg] { … }`). For every package, the
//! rules `deny`, `violation` and `warn` are evaluated with the document as `input`:
//!
//! * YAML/JSON formats: the document as parsed (one evaluation per YAML document);
//! * Dockerfile: `{ instructions: [{ instruction, args, flags, stage, … }], stages: [...] }`;
//! * Terraform: per module directory, `{ resource: { TYPE: { NAME: values } }, data: …,
//!   module: …, provider: … }` with variables and locals resolved (unknown values are strings
//!   `"${expression}"`); `count` / `for_each` instances are keyed `NAME[0]`, `NAME["a"]`.
//!
//! A result is a message string, or an object with `msg` and optionally `severity`, `id`,
//! `path` (a rampart path expression locating the offending node, e.g.
//! `spec.template.spec.containers[0].image`) or `address` (a Terraform resource address).

use crate::model::Node;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Loaded policies.
pub struct Policies {
    engine: Mutex<regorus::Engine>,
    queries: Vec<(String, String)>,
    declared: Vec<DeclaredRule>,
}

/// A rule a policy file declares, as far as its text shows: a `deny`/`violation`/`warn` head
/// (id `package-rule`), or an `"id": "…"` literal in a result object.
#[derive(Debug, Clone, PartialEq)]
struct DeclaredRule {
    package: String,
    rule: String,
    id: Option<String>,
    severity: Option<String>,
}

/// The rules a policy text declares (see [`DeclaredRule`]).
fn declared_rules(text: &str) -> Vec<DeclaredRule> {
    use regex::Regex;
    use std::sync::OnceLock;
    static RES: OnceLock<[Regex; 4]> = OnceLock::new();
    let [pkg_re, head_re, id_re, sev_re] = RES.get_or_init(|| {
        [
            Regex::new(r"(?m)^\s*package\s+([A-Za-z0-9_.]+)").expect("regex"),
            Regex::new(r"(?m)^(deny|violation|warn)\b").expect("regex"),
            Regex::new(r#""id"\s*:\s*"([^"]+)""#).expect("regex"),
            Regex::new(r#""severity"\s*:\s*"([A-Za-z]+)""#).expect("regex"),
        ]
    });
    let Some(pkg) = pkg_re.captures(text).map(|c| c[1].to_string()) else {
        return Vec::new();
    };
    let mut heads: Vec<&str> = head_re
        .captures_iter(text)
        .map(|c| c.get(1).map_or("", |m| m.as_str()))
        .collect();
    heads.sort();
    heads.dedup();
    let mut sevs: Vec<String> = sev_re
        .captures_iter(text)
        .map(|c| c[1].to_ascii_lowercase())
        .collect();
    sevs.sort();
    sevs.dedup();
    // A severity literal is attributed only when the file has one.
    let severity = if sevs.len() == 1 { sevs.pop() } else { None };
    let rule = if heads.len() == 1 { heads[0] } else { "deny" };
    let mut out: Vec<DeclaredRule> = heads
        .iter()
        .map(|h| DeclaredRule {
            package: pkg.clone(),
            rule: h.to_string(),
            id: None,
            severity: None,
        })
        .collect();
    let mut ids: Vec<String> = id_re
        .captures_iter(text)
        .map(|c| c[1].to_string())
        .collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        out.push(DeclaredRule {
            package: pkg.clone(),
            rule: rule.to_string(),
            id: Some(id),
            severity: severity.clone(),
        });
    }
    out
}

/// The rule metadata of a policy result (or declared rule): id `iac/policy-<id>` when the
/// policy gives an id, else `iac/policy-<package>-<rule>`.
pub fn rule_meta(
    package: &str,
    rule: &str,
    id: Option<&str>,
    severity: Option<&str>,
) -> rampart_core::RuleMeta {
    let name = id
        .map(String::from)
        .unwrap_or_else(|| format!("{package}-{rule}"));
    let kebab: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let severity = severity
        .and_then(|s| s.parse().ok())
        .unwrap_or(if rule == "warn" {
            rampart_core::Severity::Medium
        } else {
            rampart_core::Severity::High
        });
    rampart_core::RuleMeta {
        id: format!("iac/policy-{}", kebab.trim_matches('-')),
        engine: "iac".into(),
        title: match id {
            Some(id) => format!("Custom policy {package}.{rule} ({id})"),
            None => format!("Custom policy {package}.{rule}"),
        },
        severity,
        confidence: rampart_core::Confidence::Medium,
        cwe: Vec::new(),
        owasp: Vec::new(),
        tags: vec!["custom-policy".into()],
        why: String::new(),
        fix: String::new(),
        references: Vec::new(),
        examples: Vec::new(),
    }
}

/// One result of a policy rule.
#[derive(Debug, Clone)]
pub struct PolicyResult {
    /// Package, without `data.`.
    pub package: String,
    /// `deny`, `violation` or `warn`.
    pub rule: String,
    /// The message.
    pub msg: String,
    /// Severity given by the policy.
    pub severity: Option<String>,
    /// Id given by the policy.
    pub id: Option<String>,
    /// Path expression of the offending node.
    pub path: Option<String>,
    /// Terraform address of the offending resource.
    pub address: Option<String>,
}

fn rego_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            rego_files(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "rego")
            && !p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("_test.rego"))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Why policies do not load or evaluate.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A policy folder (or file) that cannot be listed.
    #[error("cannot read policies in {path}: {source}")]
    ReadDir {
        /// The folder given.
        path: String,
        /// What the file system said.
        source: std::io::Error,
    },
    /// A policy file that cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What the file system said.
        source: std::io::Error,
    },
    /// A policy that is neither valid Rego v1 nor v0.
    #[error("policy {name}: {message}")]
    Parse {
        /// The file.
        name: String,
        /// The Rego v1 parser's message.
        message: String,
    },
    /// The interpreter failed (listing packages, reading the input or a result).
    #[error("{0}")]
    Engine(String),
}

impl Policies {
    /// Loads every policy under the given paths.
    pub fn load(paths: &[PathBuf]) -> Result<Policies, PolicyError> {
        let mut files = Vec::new();
        for p in paths {
            rego_files(p, &mut files).map_err(|source| PolicyError::ReadDir {
                path: p.display().to_string(),
                source,
            })?;
        }
        files.sort();
        Self::from_sources(
            &files
                .iter()
                .map(|f| {
                    std::fs::read_to_string(f)
                        .map(|t| (f.display().to_string(), t))
                        .map_err(|source| PolicyError::Read {
                            path: f.display().to_string(),
                            source,
                        })
                })
                .collect::<Result<Vec<_>, _>>()?,
        )
    }

    /// Loads policies from (name, text) pairs.
    pub fn from_sources(sources: &[(String, String)]) -> Result<Policies, PolicyError> {
        let mut engine = regorus::Engine::new();
        let mut declared = Vec::new();
        for (name, text) in sources {
            declared.extend(declared_rules(text));
            if let Err(v1) = engine.add_policy(name.clone(), text.clone()) {
                engine.set_rego_v0(true);
                let r = engine.add_policy(name.clone(), text.clone());
                engine.set_rego_v0(false);
                r.map_err(|_| PolicyError::Parse {
                    name: name.clone(),
                    message: v1.to_string(),
                })?;
            }
        }
        let mut queries = Vec::new();
        let packages = engine
            .get_packages()
            .map_err(|e| PolicyError::Engine(e.to_string()))?;
        for pkg in packages {
            let pkg = pkg.trim_start_matches("data.").to_string();
            for rule in ["deny", "violation", "warn"] {
                queries.push((pkg.clone(), rule.to_string()));
            }
        }
        queries.sort();
        queries.dedup();
        Ok(Policies {
            engine: Mutex::new(engine),
            queries,
            declared,
        })
    }

    /// Metadata of the rules the policies declare (for `rampart rules`, reports and
    /// suppressions). Ids given only at run time in computed strings cannot be listed.
    pub fn rule_metas(&self) -> Vec<rampart_core::RuleMeta> {
        let mut out: Vec<rampart_core::RuleMeta> = Vec::new();
        for d in &self.declared {
            let m = rule_meta(&d.package, &d.rule, d.id.as_deref(), d.severity.as_deref());
            if !out.iter().any(|o| o.id == m.id) {
                out.push(m);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// Evaluates every rule against one input document.
    pub fn evaluate(&self, input: &serde_json::Value) -> Result<Vec<PolicyResult>, PolicyError> {
        let engine_err = |e: &dyn std::fmt::Display| PolicyError::Engine(e.to_string());
        let mut engine = self
            .engine
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let value =
            regorus::Value::from_json_str(&input.to_string()).map_err(|e| engine_err(&e))?;
        engine.set_input(value);
        let mut out = Vec::new();
        for (pkg, rule) in &self.queries {
            let Ok(results) = engine.eval_query(format!("data.{pkg}.{rule}"), false) else {
                continue;
            };
            for r in results.result {
                for e in r.expressions {
                    let json = e.value.to_json_str().map_err(|e| engine_err(&e))?;
                    let v: serde_json::Value =
                        serde_json::from_str(&json).map_err(|e| engine_err(&e))?;
                    let items = match v {
                        serde_json::Value::Array(a) => a,
                        serde_json::Value::Null => Vec::new(),
                        // A boolean `deny` (`deny if …`) is one unnamed result.
                        serde_json::Value::Bool(true) => {
                            vec![serde_json::Value::String(format!("{pkg}.{rule}"))]
                        }
                        serde_json::Value::Bool(false) => Vec::new(),
                        other => vec![other],
                    };
                    for item in items {
                        out.push(result_of(pkg, rule, item));
                    }
                }
            }
        }
        Ok(out)
    }
}

fn result_of(pkg: &str, rule: &str, v: serde_json::Value) -> PolicyResult {
    let s = |o: &serde_json::Map<String, serde_json::Value>, k: &str| {
        o.get(k).and_then(|x| x.as_str()).map(String::from)
    };
    match v {
        serde_json::Value::Object(o) => PolicyResult {
            package: pkg.into(),
            rule: rule.into(),
            msg: s(&o, "msg")
                .or_else(|| s(&o, "message"))
                .unwrap_or_else(|| serde_json::Value::Object(o.clone()).to_string()),
            severity: s(&o, "severity"),
            id: s(&o, "id"),
            path: s(&o, "path"),
            address: s(&o, "address").or_else(|| s(&o, "resource")),
        },
        serde_json::Value::String(m) => PolicyResult {
            package: pkg.into(),
            rule: rule.into(),
            msg: m,
            severity: None,
            id: None,
            path: None,
            address: None,
        },
        other => PolicyResult {
            package: pkg.into(),
            rule: rule.into(),
            msg: other.to_string(),
            severity: None,
            id: None,
            path: None,
            address: None,
        },
    }
}

/// The Terraform input document of a module's blocks.
pub fn terraform_input(blocks: &[crate::hcl::TfBlock]) -> serde_json::Value {
    use serde_json::{Map, Value};
    let mut root = Map::new();
    for b in blocks {
        let section = root
            .entry(b.block_type.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(section) = section else {
            continue;
        };
        let values = b.node.to_json();
        if b.name.is_empty() {
            section.insert(b.kind.clone(), values);
        } else {
            let by_type = section
                .entry(b.kind.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = by_type {
                m.insert(
                    format!("{}{}", b.name, b.instance.as_deref().unwrap_or("")),
                    values,
                );
            }
        }
    }
    Value::Object(root)
}

/// Finds the node a result's `path` names in a document.
pub fn locate(doc: &Node, path: &str) -> Option<std::ops::Range<usize>> {
    let p = crate::path::Path::parse(path).ok()?;
    let none = |_: &str| Vec::new();
    let r = crate::path::resolve(doc, &p, &none);
    r.nodes.first().map(|n| n.report_span())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_inputs_are_an_error_not_a_crash() {
        // The deepest document the YAML reader builds (256 levels): the interpreter's JSON
        // reader refuses it (recursion limit 128) with an error, which the engine reports.
        let text = format!("a:\n  {}x\n", "- ".repeat(crate::yaml::MAX_DEPTH + 50));
        let (docs, _) = crate::yaml::parse(&text);
        let p = Policies::from_sources(&[(
            "p.rego".into(),
            "package p\n\ndeny contains \"x\" if { input.a }\n".into(),
        )])
        .unwrap();
        match p.evaluate(&docs[0].to_json()) {
            Ok(r) => assert_eq!(r.len(), 1),
            Err(e) => assert!(matches!(e, PolicyError::Engine(_)), "{e}"),
        }
    }

    #[test]
    fn v0_and_v1_policies() {
        let p = Policies::from_sources(&[
            (
                "a.rego".into(),
                "package main\n\ndeny[msg] {\n  input.kind == \"Pod\"\n  msg := sprintf(\"pod %s\", [input.metadata.name])\n}\n".into(),
            ),
            (
                "b.rego".into(),
                "package k8s.images\nimport rego.v1\n\nwarn contains {\"msg\": \"latest\", \"path\": \"spec.containers[0].image\", \"severity\": \"low\"} if {\n  endswith(input.spec.containers[0].image, \":latest\")\n}\n".into(),
            ),
        ])
        .unwrap();
        let input = serde_json::json!({"kind": "Pod", "metadata": {"name": "web"}, "spec": {"containers": [{"image": "nginx:latest"}]}});
        let mut r = p.evaluate(&input).unwrap();
        r.sort_by(|a, b| a.package.cmp(&b.package));
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[0].package, "k8s.images");
        assert_eq!(r[0].path.as_deref(), Some("spec.containers[0].image"));
        assert_eq!(r[1].msg, "pod web");
        assert!(Policies::from_sources(&[("x.rego".into(), "package x\ndeny[ {".into())]).is_err());
    }
}

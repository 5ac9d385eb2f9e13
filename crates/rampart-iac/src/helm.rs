//! Helm charts: templates rendered with the chart's `values.yaml` where they can be, otherwise
//! reduced to their static parts, then scanned as Kubernetes manifests.
//!
//! This is not a Go template engine. Line by line: `{{ .Values.a.b }}` (with `quote`,
//! `default`, `toYaml`/`nindent`) is replaced by the value when `values.yaml` has it; lines that
//! only hold control actions (`if`, `range`, `end`, `with`, `define`, `include`…) become blank;
//! a value that still holds an unresolved action becomes `!unknown`, which the checks treat as
//! unknown. Every template line stays on its line, so findings point at the template's lines.

use crate::model::{Node, Value};
use regex::Regex;
use std::sync::OnceLock;

fn action_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"\{\{-?\s*(.*?)\s*-?\}\}").expect("action regex"))
}

fn lookup<'a>(values: &'a Node, path: &str) -> Option<&'a Node> {
    let mut n = values;
    for k in path.split('.').filter(|k| !k.is_empty()) {
        n = n.get(k)?;
    }
    Some(n)
}

/// A value rendered inline: scalars as themselves, containers as JSON (valid YAML flow).
fn inline(n: &Node) -> Option<String> {
    match &n.value {
        Value::Null => Some("null".into()),
        Value::Str(s) => Some(s.clone()),
        Value::Seq(_) | Value::Map(_) => Some(n.to_json().to_string()),
        Value::Unknown(_) => None,
        _ => n.scalar_text(),
    }
}

/// Evaluates one action; `None` when it cannot be.
fn eval_action(action: &str, values: &Node) -> Option<String> {
    let parts: Vec<&str> = action.split('|').map(str::trim).collect();
    let first = parts.first()?;
    let mut words = first.split_whitespace();
    let (func, arg) = match (words.next(), words.next()) {
        (Some(f @ ("toYaml" | "quote" | "toJson")), Some(a)) => (Some(f), a),
        (Some(a), None) => (None, a),
        _ => return None,
    };
    let path = arg.strip_prefix(".Values")?;
    let node = lookup(values, path);
    let mut out = match node {
        Some(n) => inline(n)?,
        None => {
            // `| default X`
            let d = parts.iter().find_map(|p| p.strip_prefix("default "))?;
            d.trim().trim_matches('"').to_string()
        }
    };
    let quoted = func == Some("quote") || parts.contains(&"quote");
    if quoted {
        out = serde_json::Value::String(out).to_string();
    }
    Some(out)
}

/// Renders a template against values, keeping one output line per input line.
pub fn render(template: &str, values: &Node) -> String {
    let mut out = String::with_capacity(template.len());
    for line in template.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if !body.contains("{{") {
            out.push_str(line);
            continue;
        }
        let mut unresolved = false;
        let rendered = action_re().replace_all(body, |c: &regex::Captures| {
            match eval_action(&c[1], values) {
                Some(v) => v,
                None => {
                    unresolved = true;
                    String::new()
                }
            }
        });
        let trimmed = rendered.trim();
        if !unresolved {
            out.push_str(&rendered);
        } else if trimmed.is_empty() {
            // A control line: blank.
        } else if let Some(colon) = key_prefix(&rendered) {
            out.push_str(&rendered[..colon]);
            out.push_str(" !unknown helm");
        } else if let Some(dash) = rendered
            .find("- ")
            .filter(|d| rendered[..*d].trim().is_empty())
        {
            out.push_str(&rendered[..dash + 2]);
            out.push_str("!unknown helm");
        }
        out.push_str(nl);
    }
    out
}

/// Byte offset just past `key:` when the line is a mapping entry.
fn key_prefix(line: &str) -> Option<usize> {
    static R: OnceLock<Regex> = OnceLock::new();
    let re = R.get_or_init(|| Regex::new(r"^\s*(- )?[A-Za-z0-9_.\x22/-]+:").expect("key regex"));
    re.find(line).map(|m| m.end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_values_and_keeps_lines() {
        let (v, _) = crate::yaml::parse(
            "image:\n  repository: nginx\n  tag: latest\nsecurityContext:\n  privileged: true\n",
        );
        let t = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"x.fullname\" . }}\n  labels:\n    {{- include \"x.labels\" . | nindent 4 }}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n          securityContext:\n            {{- toYaml .Values.securityContext | nindent 12 }}\n          {{- if .Values.probe }}\n          livenessProbe: {{ .Values.probe.path }}\n          {{- end }}\n";
        let r = render(t, &v[0]);
        assert_eq!(r.lines().count(), t.lines().count());
        let (docs, err) = crate::yaml::parse(&r);
        assert!(err.is_none(), "{err:?}\n{r}");
        let d = &docs[0];
        assert!(
            d.get_path(&["metadata", "name"]).unwrap().is_unknown()
                || d.get_path(&["metadata", "name"]).unwrap().tag.is_some()
        );
        let c = &d
            .get_path(&["spec", "template", "spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap()[0];
        assert_eq!(c.get("image").unwrap().as_str(), Some("nginx:latest"));
        assert_eq!(c.get("image").unwrap().line, 12);
        assert_eq!(
            c.get_path(&["securityContext", "privileged"])
                .unwrap()
                .value,
            Value::Bool(true)
        );
    }
}

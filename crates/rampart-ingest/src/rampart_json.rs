//! rampart's own JSON report (`docs/json-report.md`), schema 1.x.

use crate::error::{ImportError, required};
use crate::json::{Field, List, Obj};
use crate::limits::{self, Warnings};
use crate::{Document, Imported};
use rampart_core::Severity;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// One finding of the report; required: `rule_id`, `severity`, `message`, `location.path`,
/// `fingerprint`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Finding<'a> {
    #[serde(borrow)]
    rule_id: Field<Cow<'a, str>>,
    #[serde(borrow)]
    engine: Field<Cow<'a, str>>,
    #[serde(borrow)]
    title: Field<Cow<'a, str>>,
    #[serde(borrow)]
    severity: Field<Cow<'a, str>>,
    #[serde(borrow)]
    confidence: Field<Cow<'a, str>>,
    #[serde(borrow)]
    message: Field<Cow<'a, str>>,
    #[serde(borrow)]
    location: Field<Obj<Location<'a>>>,
    #[serde(borrow)]
    snippet: Field<Cow<'a, str>>,
    #[serde(borrow)]
    fingerprint: Field<Cow<'a, str>>,
    #[serde(borrow)]
    cwe: Field<List<Cow<'a, str>>>,
    #[serde(borrow)]
    tags: Field<List<Cow<'a, str>>>,
    trace: Field<Value>,
    context: Field<Value>,
    secret: Field<Value>,
    provenance: Field<Value>,
    properties: Field<Map<String, Value>>,
    suppression: Field<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Location<'a> {
    #[serde(borrow)]
    path: Field<Cow<'a, str>>,
    start_line: Field<u64>,
    start_col: Field<u64>,
    end_line: Field<u64>,
    end_col: Field<u64>,
}

/// The findings of a rampart report.
pub(crate) fn convert(doc: &Document, w: &mut Warnings) -> Result<Vec<Imported>, ImportError> {
    let version = required(&doc.schema_version, || "/schema_version".into(), "a string")?;
    let v = version.0.as_ref();
    let major = v.split('.').next().unwrap_or("");
    if major != "1"
        || !v
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ImportError::UnsupportedVersion {
            format: crate::Format::Rampart,
            pointer: "/schema_version".into(),
            found: format!("`{v}`"),
            accepted: "rampart JSON report schema 1.x",
        });
    }
    let findings = required(&doc.findings, || "/findings".into(), "an array of findings")?;
    if findings.0.len() > limits::MAX_FINDINGS {
        return Err(too_many(findings.0.len()));
    }
    let mut out = Vec::with_capacity(findings.0.len());
    for (i, f) in findings.0.iter().enumerate() {
        let at = |field: &str| format!("/findings/{i}{field}");
        let f = required(f, || at(""), "a finding object")?;
        out.push(finding(f, &at, w)?);
    }
    Ok(out)
}

/// A finding's code frame (`context`: `[{line, text, first_col?}]`), as kept: at most
/// [`limits::MAX_CONTEXT_LINES`] lines, each text cut to [`limits::CONTEXT_LINE_MAX_CHARS`];
/// entries without a line number or text are dropped. `None` when nothing is left.
fn context(v: &Value, at: &dyn Fn(&str) -> String, w: &mut Warnings) -> Option<Value> {
    let lines = v.as_array()?;
    if lines.len() > limits::MAX_CONTEXT_LINES {
        w.add("context lines", || {
            format!(
                "{}: a code frame of {} lines; the first {} are kept",
                at("/context"),
                lines.len(),
                limits::MAX_CONTEXT_LINES
            )
        });
    }
    let mut out = Vec::new();
    for (k, l) in lines.iter().take(limits::MAX_CONTEXT_LINES).enumerate() {
        let (Some(line), Some(text)) = (l["line"].as_u64(), l["text"].as_str()) else {
            w.add("context line", || {
                format!(
                    "{}: a code-frame line without `line` and `text`; ignored",
                    at(&format!("/context/{k}"))
                )
            });
            continue;
        };
        let text = limits::cut_chars(
            text,
            limits::CONTEXT_LINE_MAX_CHARS,
            "context text",
            w,
            || at(&format!("/context/{k}/text")),
        );
        let mut o = serde_json::json!({"line": line, "text": text});
        if let Some(c) = l["first_col"].as_u64().filter(|&c| c > 1) {
            o["first_col"] = c.into();
        }
        out.push(o);
    }
    (!out.is_empty()).then_some(Value::Array(out))
}

pub(crate) fn too_many(n: usize) -> ImportError {
    ImportError::TooLarge {
        what: format!("{n} findings"),
        limit: format!("{} findings per upload", limits::MAX_FINDINGS),
    }
}

fn finding(
    f: &Finding,
    at: &dyn Fn(&str) -> String,
    w: &mut Warnings,
) -> Result<Imported, ImportError> {
    let rule = required(&f.rule_id, || at("/rule_id"), "the rule id, a string")?;
    let sev = required(&f.severity, || at("/severity"), "a severity string")?;
    let severity: Severity = sev.parse().map_err(|_| ImportError::Invalid {
        pointer: at("/severity"),
        found: format!("`{sev}`"),
        expected: "critical, high, medium, low or info".into(),
    })?;
    let message = required(&f.message, || at("/message"), "a string")?;
    let loc = required(&f.location, || at("/location"), "an object with `path`")?;
    let path = required(&loc.path, || at("/location/path"), "a string")?;
    let fingerprint = required(&f.fingerprint, || at("/fingerprint"), "a string")?;
    if fingerprint.is_empty() {
        return Err(ImportError::Invalid {
            pointer: at("/fingerprint"),
            found: "an empty string".into(),
            expected: "the finding's fingerprint".into(),
        });
    }
    let mut line = |field: &Field<u64>, name: &'static str| -> u32 {
        w.wrong_type(field, name, || at(&format!("/location/{name}")));
        field.get().map_or(0, |&n| u32::try_from(n).unwrap_or(0))
    };
    let (start_line, start_col) = (
        line(&loc.start_line, "start_line"),
        line(&loc.start_col, "start_col"),
    );
    let (end_line, end_col) = (
        line(&loc.end_line, "end_line"),
        line(&loc.end_col, "end_col"),
    );
    let rule = limits::cut_chars(rule, limits::TEXT_MAX_CHARS, "rule id", w, || {
        at("/rule_id")
    });
    w.wrong_type(&f.title, "title", || at("/title"));
    let title = match f.title.str() {
        Some(t) if !t.is_empty() => {
            limits::cut_chars(t, limits::TEXT_MAX_CHARS, "title", w, || at("/title"))
        }
        _ => rule.clone(),
    };
    w.wrong_type(&f.snippet, "snippet", || at("/snippet"));
    let snippet = f.snippet.str().unwrap_or("");
    let mut cwe = Vec::new();
    w.wrong_type(&f.cwe, "cwe", || at("/cwe"));
    for (j, c) in f.cwe.get().map_or(&[][..], |l| &l.0).iter().enumerate() {
        w.wrong_type(c, "cwe item", || at(&format!("/cwe/{j}")));
        if let Some(id) = c.str().and_then(crate::sarif::cwe_of) {
            crate::sarif::push_cwe(id, &mut cwe);
        }
    }
    let mut extra = Map::new();
    let mut keep = |key: &str, v: Option<Value>| {
        if let Some(v) = v {
            extra.insert(key.to_string(), v);
        }
    };
    keep("engine", f.engine.str().map(Value::from));
    keep("confidence", f.confidence.str().map(Value::from));
    keep(
        "tags",
        f.tags.get().map(|l| {
            l.0.iter()
                .filter_map(|t| t.str())
                .map(Value::from)
                .collect()
        }),
    );
    keep("trace", f.trace.get().cloned());
    w.wrong_type(&f.context, "context", || at("/context"));
    keep("context", f.context.get().and_then(|c| context(c, at, w)));
    keep("secret", f.secret.get().cloned());
    keep("provenance", f.provenance.get().cloned());
    keep(
        "properties",
        f.properties
            .get()
            .filter(|m| !m.is_empty())
            .cloned()
            .map(Value::Object),
    );
    keep("suppression", f.suppression.get().cloned());
    Ok(Imported {
        tool: "rampart".into(),
        rule,
        fingerprint: limits::bound_fingerprint(fingerprint),
        severity,
        title,
        message: limits::cut_chars(message, limits::MESSAGE_MAX_CHARS, "message", w, || {
            at("/message")
        }),
        path: limits::cut_bytes(path, limits::PATH_MAX_BYTES, "path", w, || {
            at("/location/path")
        }),
        start_line,
        start_col,
        end_line,
        end_col,
        snippet: limits::cut_chars(snippet, limits::SNIPPET_MAX_CHARS, "snippet", w, || {
            at("/snippet")
        }),
        cwe,
        suppressed: f.suppression.get().is_some(),
        extra: if extra.is_empty() {
            Value::Null
        } else {
            Value::Object(extra)
        },
    })
}

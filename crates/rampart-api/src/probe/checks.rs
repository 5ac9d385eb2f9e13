//! What one answer shows: error signatures, sensitive and undocumented fields, conformance to
//! the documented responses.

use crate::api::{Api, Op, types};
use crate::spec::At;
use regex::Regex;
use serde_json::Value;
use std::sync::OnceLock;

/// Database error messages (SQL and NoSQL) that mean input reached a query.
pub fn sql_error(body: &str) -> Option<&'static str> {
    const SIGS: &[&str] = &[
        "You have an error in your SQL syntax",
        "SQLSTATE[",
        "sqlite3.OperationalError",
        "SQLITE_ERROR",
        "unrecognized token:",
        "unterminated quoted string",
        "syntax error at or near",
        "PG::SyntaxError",
        "ORA-01756",
        "quoted string not properly terminated",
        "Microsoft OLE DB Provider for SQL Server",
        "Unclosed quotation mark after the character string",
        "MongoError",
        "MongoServerError",
        "CastError: Cast to ObjectId failed",
        "near \"'\": syntax error",
    ];
    SIGS.iter().find(|s| body.contains(*s)).copied()
}

/// Stack traces and internal details in an error body.
pub fn verbose_error(body: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(concat!(
            r"Traceback \(most recent call last\)|Exception in thread|",
            r"\n\s+at [\w.$<>]+\([\w.]+\.(java|kt|scala):\d+\)|",
            r"\n\s+at .+ \(/[^)]+\.(js|ts|mjs):\d+:\d+\)|",
            r#"File "[^"]+\.py", line \d+|panicked at .+\.rs:\d+:\d+|"#,
            r"\bstack ?trace\b|/node_modules/|/usr/src/app/|/var/www/|goroutine \d+ \[running\]"
        ))
        .expect("verbose-error pattern")
    });
    re.find(body)
        .map(|m| m.as_str().trim().chars().take(80).collect())
}

/// Field names that hold credentials or secrets.
pub fn is_sensitive(name: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^(password|passwd|pwd|password_?hash|passwordHash|hash|salt|secret|client_?secret|private_?key|api_?key|apikey|access_?token|refresh_?token|token|session_?token|otp|ssn|card_?number|cvv)$")
            .expect("sensitive-field pattern")
    })
    .is_match(name)
}

/// Makes the value a probe sends for a server-owned field.
pub type MakeValue = fn() -> Value;

/// Names of server-owned fields a probe tries to set, and the value it sends.
pub const SERVER_OWNED: &[(&str, MakeValue)] = &[
    ("role", || Value::from("admin")),
    ("isAdmin", || Value::from(true)),
    ("is_admin", || Value::from(true)),
    ("balance", || Value::from(1_000_000)),
];

/// The documented response for a status: the exact code, its `NXX` class, or `default`.
pub fn documented<'a>(api: &Api<'a>, op: &Op<'a>, status: u16) -> Option<At<'a>> {
    let rs = api.responses(op);
    let code = status.to_string();
    let class = format!("{}XX", status / 100);
    rs.iter()
        .find(|(c, _)| *c == code)
        .or_else(|| rs.iter().find(|(c, _)| c.eq_ignore_ascii_case(&class)))
        .or_else(|| rs.iter().find(|(c, _)| *c == "default"))
        .map(|(_, r)| *r)
}

/// How a JSON body differs from a schema: type mismatches, missing required fields, and
/// fields the schema does not document (top level, and the first item of arrays).
#[derive(Debug, Default)]
pub struct Diff {
    /// Type or required-field problems.
    pub mismatches: Vec<String>,
    /// Fields present but not documented.
    pub undocumented: Vec<String>,
}

/// Compares `v` with `schema`.
pub fn diff<'a>(api: &Api<'a>, schema: At<'a>, v: &Value) -> Diff {
    let mut d = Diff::default();
    compare(api, schema, v, "", &mut d, 0);
    d
}

fn compare<'a>(api: &Api<'a>, schema: At<'a>, v: &Value, path: &str, d: &mut Diff, depth: usize) {
    let Some(s) = api.resolve(schema) else {
        return;
    };
    if depth > 6
        || s.node.get("allOf").is_some()
        || s.node.get("oneOf").is_some()
        || s.node.get("anyOf").is_some()
    {
        return;
    }
    let t = types(s.node);
    let here = if path.is_empty() { "the body" } else { path };
    let kind = match v {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
    };
    let type_ok = t.is_empty()
        || t.contains(&kind)
        || (kind == "integer" && t.contains(&"number"))
        || (kind == "null" && s.node.get("nullable").and_then(|n| n.as_bool()) == Some(true));
    if !type_ok {
        d.mismatches.push(format!(
            "{here} is {kind}, the spec says {}",
            t.join(" or ")
        ));
        return;
    }
    match v {
        Value::Object(m) => {
            let props = s.get("properties");
            if let Some(req) = s.node.get("required") {
                for r in req.items().iter().filter_map(|r| r.as_str()) {
                    if !m.contains_key(r) {
                        d.mismatches
                            .push(format!("{here} lacks the required field `{r}`"));
                    }
                }
            }
            let open = s
                .node
                .get("additionalProperties")
                .is_some_and(|a| a.as_bool() != Some(false));
            for (k, val) in m {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match props.and_then(|p| p.get(k)) {
                    Some(ps) => compare(api, ps, val, &sub, d, depth + 1),
                    None if props.is_some() && !open => d.undocumented.push(sub),
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            if let (Some(first), Some(is)) = (items.first(), s.get("items")) {
                compare(
                    api,
                    is,
                    first,
                    &format!("{here}[0]").replace("the body[0]", "[0]"),
                    d,
                    depth + 1,
                );
            }
        }
        _ => {}
    }
}

/// Every object key in a JSON value (recursively, bounded), with its dotted path.
pub fn keys(v: &Value, out: &mut Vec<String>, path: &str, depth: usize) {
    if depth > 6 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                out.push(p.clone());
                keys(x, out, &p, depth + 1);
            }
        }
        Value::Array(a) => {
            if let Some(x) = a.first() {
                keys(x, out, path, depth + 1);
            }
        }
        _ => {}
    }
}

/// The id of an object in a JSON answer: its `id` (or `<name>Id` / `uuid`) field, or that of
/// the first item of an array (or of a `data`/`items` array).
pub fn object_id(v: &Value) -> Option<String> {
    let text = |x: &Value| match x {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match v {
        Value::Object(m) => {
            for k in ["id", "uuid", "_id"] {
                if let Some(id) = m.get(k).and_then(text) {
                    return Some(id);
                }
            }
            for k in ["data", "items", "results"] {
                if let Some(Value::Array(a)) = m.get(k) {
                    return a.first().and_then(object_id);
                }
            }
            None
        }
        Value::Array(a) => a.first().and_then(object_id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert!(sql_error("near \"'\": syntax error").is_some());
        assert!(sql_error("{\"error\":\"not found\"}").is_none());
        assert!(
            verbose_error("Traceback (most recent call last):\n  File \"app.py\", line 3")
                .is_some()
        );
        assert!(verbose_error("{\"error\":\"bad request\"}").is_none());
        assert!(is_sensitive("passwordHash") && is_sensitive("api_key") && !is_sensitive("name"));
        assert_eq!(
            object_id(&serde_json::json!([{"id": 7}])).as_deref(),
            Some("7")
        );
    }
}

//! Values generated from schemas: examples, defaults and enums first, else a plausible value of
//! the type and format.

use crate::api::{Api, types};
use crate::spec::At;
use crate::tree::Node;
use serde_json::{Map, Value, json};

/// Deepest schema nesting a generated value follows.
const MAX_DEPTH: usize = 8;

/// A value for a schema.
pub fn value<'a>(api: &Api<'a>, s: At<'a>) -> Value {
    gen_value(api, s, 0)
}

fn gen_value<'a>(api: &Api<'a>, s: At<'a>, depth: usize) -> Value {
    let Some(s) = api.resolve(s) else {
        return Value::Null;
    };
    for k in ["example", "default", "const"] {
        if let Some(v) = s.node.get(k) {
            return v.to_json();
        }
    }
    if let Some(first) = s.node.get("enum").and_then(|e| e.items().first()) {
        return first.to_json();
    }
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    for k in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = s.get(k) {
            let mut merged = Map::new();
            for x in list.node.items() {
                match gen_value(api, list.child(x), depth + 1) {
                    Value::Object(m) => merged.extend(m),
                    other if k != "allOf" => return other,
                    _ => {}
                }
            }
            return Value::Object(merged);
        }
    }
    let t = types(s.node);
    let ty = t.iter().find(|t| **t != "null").copied().unwrap_or(
        if s.node.get("properties").is_some() {
            "object"
        } else {
            "string"
        },
    );
    let format = s.node.get("format").and_then(Node::as_str).unwrap_or("");
    match ty {
        "integer" | "number" => {
            let min = s
                .node
                .get("minimum")
                .and_then(|n| n.scalar_text()?.parse::<f64>().ok());
            let v = min.map(|m| m.max(1.0)).unwrap_or(1.0);
            if ty == "integer" {
                json!(v as i64)
            } else {
                json!(v)
            }
        }
        "boolean" => json!(false),
        "array" => match s.get("items") {
            Some(i) => Value::Array(vec![gen_value(api, i, depth + 1)]),
            None => json!([]),
        },
        "object" => {
            let mut m = Map::new();
            if let Some(props) = s.get("properties") {
                for (name, p) in props.node.entries() {
                    let p = props.child(p);
                    if api
                        .resolve(p)
                        .and_then(|r| r.node.get("readOnly")?.as_bool())
                        == Some(true)
                    {
                        continue;
                    }
                    m.insert(name.clone(), gen_value(api, p, depth + 1));
                }
            }
            Value::Object(m)
        }
        _ => json!(match format {
            "uuid" => "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "email" => "probe@example.com",
            "date-time" => "2024-01-01T00:00:00Z",
            "date" => "2024-01-01",
            "uri" | "url" => "https://example.com/",
            "password" => "Probe-pass-1",
            _ => "probe",
        }),
    }
}

/// A parameter's value as text for a path or query.
pub fn param_text<'a>(api: &Api<'a>, param: At<'a>) -> String {
    let schema = param.get("schema").unwrap_or(param);
    match param
        .node
        .get("example")
        .map(Node::to_json)
        .unwrap_or_else(|| value(api, schema))
    {
        Value::String(s) => s,
        Value::Null => "1".into(),
        other => other.to_string(),
    }
}

/// Percent-encodes a path segment or query value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

//! Capabilities over schemas: missing constraints, dangerous property names, secrets in
//! examples.

use super::Hit;
use crate::api::{Api, Use, types};
use crate::rules::Params;
use crate::spec::At;
use crate::tree::{Node, Value};
use std::collections::HashSet;

fn use_name(u: Use) -> &'static str {
    match u {
        Use::Request => "request",
        Use::Response => "response",
        Use::Parameter => "parameter",
        Use::Declared => "declared",
    }
}

/// Schemas of one of `types` (`string`, `integer`, `array`, `object`) used in one of `uses`
/// (`request`, `response`, `parameter`, `declared`; all when absent) that lack a keyword of
/// one of the `require` groups (each group: any of its keywords will do). With `when`, only
/// schemas where that keyword is present and not `false` are checked.
pub fn schema_keywords<'a>(api: &Api<'a>, p: &Params, out: &mut Vec<Hit<'a>>) {
    let want_types = p.list("types");
    let uses = p.list("uses");
    let groups = p.groups("require");
    let when = p.str("when");
    api.each_schema(&mut |s, u| {
        if !uses.is_empty() && !uses.iter().any(|x| x == use_name(u)) {
            return;
        }
        let t = types(s.node);
        let Some(ty) = t.iter().find(|t| want_types.iter().any(|w| w == *t)) else {
            return;
        };
        if let Some(w) = when {
            match s.node.get(w) {
                None => return,
                Some(v) if v.as_bool() == Some(false) => return,
                _ => {}
            }
        }
        let missing: Vec<String> = groups
            .iter()
            .filter(|g| !g.iter().any(|k| s.node.get(k).is_some()))
            .map(|g| g.join(" or "))
            .collect();
        if groups.is_empty() || !missing.is_empty() {
            let detail = if missing.is_empty() {
                when.map(|w| format!("sets `{w}`")).unwrap_or_default()
            } else {
                format!("has no {}", missing.join(", no "))
            };
            out.push(
                Hit::new(s, schema_key(api, s, ty), format!("{ty} schema {detail}"))
                    .var("type", *ty)
                    .var("detail", detail),
            );
        }
    });
}

/// A fingerprint key for a schema: its file and JSON pointer, not its line.
fn schema_key(api: &Api<'_>, s: At<'_>, ty: &str) -> String {
    let doc = &api.docs.docs[s.doc];
    format!("{}#{}:{ty}", doc.path, api.docs.pointer(s.doc, s.node))
}

/// Properties whose name matches `name_pattern` in the request bodies (`uses = ["request"]`,
/// of operations with one of `methods`; `readOnly` properties skipped) or responses
/// (`uses = ["response"]`; `writeOnly` skipped) of operations; `except_path_pattern` leaves
/// operations out by path.
pub fn property_names<'a>(api: &Api<'a>, p: &Params, out: &mut Vec<Hit<'a>>) {
    let Some(re) = p.re("name_pattern") else {
        return;
    };
    let uses = p.list("uses");
    let mut seen = HashSet::new();
    for op in api.ops() {
        if !super::ops::method_matches(p, &op) {
            continue;
        }
        let mut schemas: Vec<(&str, At<'a>)> = Vec::new();
        if uses.iter().any(|u| u == "request") {
            schemas.extend(
                api.request_schemas(&op)
                    .into_iter()
                    .map(|s| ("request body", s)),
            );
        }
        if uses.iter().any(|u| u == "response") {
            for (code, r) in api.responses(&op) {
                if code.starts_with('2') {
                    schemas.extend(api.response_schemas(r).into_iter().map(|s| ("response", s)));
                }
            }
        }
        for (what, s) in schemas {
            for (path, prop) in api.properties(s) {
                let name = path.rsplit('.').next().unwrap_or(&path);
                if !re.is_match(name) {
                    continue;
                }
                let skip = if what == "request body" {
                    "readOnly"
                } else {
                    "writeOnly"
                };
                if prop.node.get(skip).and_then(Node::as_bool) == Some(true) {
                    continue;
                }
                // A property is reported once, with the first operation that uses it.
                let key_node = prop.node as *const Node;
                if !seen.insert((prop.doc, key_node)) {
                    continue;
                }
                out.push(
                    Hit::new(
                        prop,
                        format!("{}:{what}:{path}", op.label()),
                        format!("the {what} of {} has the property `{path}`", op.label()),
                    )
                    .var("op", op.label())
                    .var("name", path.clone()),
                );
            }
        }
    }
}

/// String values under `example`, `examples`, `default` and `x-example*` keys that match
/// `value_pattern` (token formats), or that sit under a key matching `key_pattern`
/// (`password`, `apiKey`…) and do not match `placeholder_pattern`.
pub fn example_secrets<'a>(api: &Api<'a>, p: &Params, out: &mut Vec<Hit<'a>>) {
    let root = api.root();
    let mut hits = Vec::new();
    walk_examples(root.node, None, false, p, &mut hits, 0);
    for (n, key) in hits {
        let at = root.child(n);
        out.push(
            Hit::new(
                at,
                format!("example:{key}:{}", short_hash(n)),
                format!("example value of `{key}` looks like a real secret"),
            )
            .var("name", key),
        );
    }
}

fn short_hash(n: &Node) -> String {
    let text = n.scalar_text().unwrap_or_default();
    rampart_core::fingerprint::sha256_hex(text.as_bytes())[..12].to_string()
}

fn walk_examples<'n>(
    n: &'n Node,
    key: Option<&'n str>,
    in_example: bool,
    p: &Params,
    out: &mut Vec<(&'n Node, String)>,
    depth: usize,
) {
    if depth > 128 {
        return;
    }
    match &n.value {
        Value::Map(m) => {
            for (k, v) in m {
                let ex = in_example
                    || matches!(
                        k.as_str(),
                        "example" | "examples" | "default" | "x-example" | "x-examples"
                    );
                // Inside `properties`, a property's own `example` belongs to its name.
                let carried = if !in_example && matches!(k.as_str(), "example" | "default") {
                    key
                } else {
                    Some(k.as_str())
                };
                walk_examples(v, carried, ex, p, out, depth + 1);
            }
        }
        Value::Seq(s) => s
            .iter()
            .for_each(|v| walk_examples(v, key, in_example, p, out, depth + 1)),
        Value::Str(s) if in_example => {
            let name = key.unwrap_or("");
            let token = p.re("value_pattern").is_some_and(|re| re.is_match(s));
            let by_key = p.re("key_pattern").is_some_and(|re| re.is_match(name))
                && s.len() >= 6
                && !p.re("placeholder_pattern").is_some_and(|re| re.is_match(s));
            if token || by_key {
                out.push((n, name.to_string()));
            }
        }
        _ => {}
    }
}

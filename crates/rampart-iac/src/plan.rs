//! Terraform plan JSON (`terraform show -json plan.out`) into Terraform blocks.
//!
//! Resources come from `planned_values` (root and child modules). Values that are only known
//! after apply (`resource_changes[].change.after_unknown`) become unknown; where the
//! configuration says which resource they refer to (`expressions.X.references`), the unknown
//! keeps that reference, so related-resource checks (`$ref:TYPE:ATTR`) still connect them.
//! Every node keeps its line in the plan file.

use crate::hcl::TfBlock;
use crate::model::{Node, Value};
use std::collections::HashMap;

/// Whether a JSON text looks like a plan.
pub fn looks_like_plan(text: &str) -> bool {
    text.contains("\"planned_values\"") && text.contains("\"format_version\"")
}

/// The blocks of a parsed plan, with their module address prefix (`module.x.`).
pub fn blocks(root: &Node) -> Vec<(String, TfBlock)> {
    let mut unknowns: HashMap<String, &Node> = HashMap::new();
    for rc in root
        .get("resource_changes")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
    {
        if let (Some(addr), Some(au)) = (
            rc.get("address").and_then(Node::as_str),
            rc.get_path(&["change", "after_unknown"]),
        ) {
            unknowns.insert(addr.to_string(), au);
        }
    }
    let mut refs: HashMap<String, HashMap<String, String>> = HashMap::new();
    if let Some(cm) = root.get_path(&["configuration", "root_module"]) {
        config_refs(cm, "", &mut refs);
    }
    let mut out = Vec::new();
    if let Some(m) = root.get_path(&["planned_values", "root_module"]) {
        module(m, &unknowns, &refs, &mut out);
    }
    out
}

fn config_refs(m: &Node, prefix: &str, refs: &mut HashMap<String, HashMap<String, String>>) {
    for r in m.get("resources").and_then(Node::as_seq).unwrap_or(&[]) {
        let Some(addr) = r.get("address").and_then(Node::as_str) else {
            continue;
        };
        let mut map = HashMap::new();
        for (k, e) in r.get("expressions").and_then(Node::as_map).unwrap_or(&[]) {
            if let Some(first) = e
                .get("references")
                .and_then(Node::as_seq)
                .and_then(|s| s.first())
                && let Some(t) = first.as_str()
            {
                map.insert(k.clone(), t.to_string());
            }
        }
        refs.insert(format!("{prefix}{addr}"), map);
    }
    for (name, call) in m.get("module_calls").and_then(Node::as_map).unwrap_or(&[]) {
        if let Some(child) = call.get("module") {
            config_refs(child, &format!("{prefix}module.{name}."), refs);
        }
    }
}

fn module(
    m: &Node,
    unknowns: &HashMap<String, &Node>,
    refs: &HashMap<String, HashMap<String, String>>,
    out: &mut Vec<(String, TfBlock)>,
) {
    let prefix = m
        .get("address")
        .and_then(Node::as_str)
        .map(|a| format!("{a}."))
        .unwrap_or_default();
    for r in m.get("resources").and_then(Node::as_seq).unwrap_or(&[]) {
        let get = |k: &str| r.get(k).and_then(Node::as_str).unwrap_or("").to_string();
        let address = get("address");
        let mut node = r
            .get("values")
            .cloned()
            .unwrap_or_else(|| Node::new(Value::Map(Vec::new()), r.span.clone(), r.line));
        // Report on the resource's entry in the plan.
        node.key_span = r.get("address").map(|a| a.report_span());
        node.key_line = r.get("address").map(|a| a.report_line()).unwrap_or(r.line);
        if let Some(au) = unknowns.get(&address) {
            // Config addresses have no instance keys (`[0]`, `["a"]`).
            let config_addr = strip_instance_keys(&address);
            let empty = HashMap::new();
            let refmap = refs.get(&config_addr).unwrap_or(&empty);
            mark_unknown(&mut node, au, refmap, true);
        }
        let block_type = if get("mode") == "data" {
            "data"
        } else {
            "resource"
        };
        out.push((
            prefix.clone(),
            TfBlock {
                block_type: block_type.to_string(),
                kind: get("type"),
                name: get("name"),
                // `index`: a `count` number or `for_each` key.
                instance: r.get("index").and_then(|i| match &i.value {
                    Value::Int(n) => Some(format!("[{n}]")),
                    Value::Str(k) => Some(format!("[{}]", serde_json::Value::String(k.clone()))),
                    _ => None,
                }),
                file: 0,
                node,
            },
        ));
    }
    for child in m.get("child_modules").and_then(Node::as_seq).unwrap_or(&[]) {
        module(child, unknowns, refs, out);
    }
}

fn strip_instance_keys(addr: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in addr.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn mark_unknown(values: &mut Node, au: &Node, refs: &HashMap<String, String>, top: bool) {
    match (&mut values.value, &au.value) {
        (Value::Map(entries), Value::Map(unk)) => {
            for (k, u) in unk {
                if u.as_bool() == Some(true) {
                    let expr = if top { refs.get(k).cloned() } else { None }
                        .unwrap_or_else(|| "(known after apply)".into());
                    match entries.iter_mut().find(|(x, _)| x == k) {
                        Some((_, v)) => v.value = Value::Unknown(expr),
                        None => {
                            let mut n =
                                Node::new(Value::Unknown(expr), values.span.clone(), values.line);
                            n.key_span = values.key_span.clone();
                            n.key_line = values.key_line;
                            entries.push((k.clone(), n));
                        }
                    }
                } else if let Some((_, v)) = entries.iter_mut().find(|(x, _)| x == k) {
                    mark_unknown(v, u, refs, false);
                }
            }
        }
        (Value::Seq(items), Value::Seq(unk)) => {
            for (v, u) in items.iter_mut().zip(unk) {
                if u.as_bool() == Some(true) {
                    v.value = Value::Unknown("(known after apply)".into());
                } else {
                    mark_unknown(v, u, refs, false);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_keys_from_the_plan_index() {
        let plan = r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
  {"address": "aws_s3_bucket.b[\"a\"]", "mode": "managed", "type": "aws_s3_bucket", "name": "b", "index": "a", "values": {"acl": "public-read"}},
  {"address": "aws_s3_bucket.c[0]", "mode": "managed", "type": "aws_s3_bucket", "name": "c", "index": 0, "values": {}},
  {"address": "aws_s3_bucket.d", "mode": "managed", "type": "aws_s3_bucket", "name": "d", "values": {}}
]}}}"#;
        let (docs, _) = crate::yaml::parse(plan);
        let addrs: Vec<String> = blocks(&docs[0])
            .iter()
            .map(|(p, b)| format!("{p}{}", b.address()))
            .collect();
        assert_eq!(
            addrs,
            [
                "aws_s3_bucket.b[\"a\"]",
                "aws_s3_bucket.c[0]",
                "aws_s3_bucket.d"
            ]
        );
    }
}

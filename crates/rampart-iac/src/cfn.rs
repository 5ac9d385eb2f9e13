//! CloudFormation templates: intrinsic functions read into plain values, and checks of the
//! template's own logic (cycles between conditions).

use crate::model::{Node, Value};
use rampart_core::Diagnostic;

/// CloudFormation intrinsic functions (`!Ref`, `Fn::GetAtt`…): a `Ref` to a parameter with a
/// default takes the default, a `Fn::Sub` without variables is its string, and everything else
/// is unknown. Short-form tags are read the same as the long form.
pub fn normalise(doc: &Node) -> Node {
    let params: Vec<(String, Node)> = doc
        .get("Parameters")
        .and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, p)| p.get("Default").map(|d| (k.clone(), d.clone())))
        .collect();
    norm(doc, &params)
}

fn norm(n: &Node, params: &[(String, Node)]) -> Node {
    let located = |mut v: Node| {
        v.span = n.span.clone();
        v.line = n.line;
        v.key_span = n.key_span.clone();
        v.key_line = n.key_line;
        v.tag = None;
        v
    };
    // The function name and argument, short or long form.
    let func: Option<(String, &Node)> = match (&n.tag, &n.value) {
        (Some(t), _) if t.starts_with('!') && t.len() > 1 => {
            let name = &t[1..];
            Some((
                if name == "Ref" || name == "Condition" {
                    name.to_string()
                } else {
                    format!("Fn::{name}")
                },
                n,
            ))
        }
        (None, Value::Map(m))
            if m.len() == 1 && (m[0].0 == "Ref" || m[0].0.starts_with("Fn::")) =>
        {
            Some((m[0].0.clone(), &m[0].1))
        }
        _ => None,
    };
    if let Some((f, arg)) = func {
        let unknown = || located(Node::new(Value::Unknown(f.clone()), 0..0, 0));
        return match f.as_str() {
            "Ref" => match arg
                .as_str()
                .and_then(|p| params.iter().find(|(k, _)| k == p))
            {
                Some((_, d)) => located(d.clone()),
                None => unknown(),
            },
            "Fn::Sub" => match arg.as_str() {
                Some(s) if !s.contains("${") => located(Node::str(s, 0..0, 0)),
                _ => unknown(),
            },
            _ => unknown(),
        };
    }
    let mut out = n.clone();
    match &mut out.value {
        Value::Seq(s) => {
            for c in s.iter_mut() {
                *c = norm(c, params);
            }
        }
        Value::Map(m) => {
            for (_, c) in m.iter_mut() {
                *c = norm(c, params);
            }
        }
        _ => {}
    }
    out
}

/// The name a node refers to as a condition: `{"Condition": "X"}` or `!Condition X`.
fn condition_ref(n: &Node) -> Option<&str> {
    if n.tag.as_deref() == Some("!Condition") {
        return n.as_str();
    }
    match n.as_map() {
        Some([(k, v)]) if k == "Condition" => v.as_str(),
        _ => None,
    }
}

/// One diagnostic per cycle among a template's `Conditions` (CloudFormation refuses them),
/// naming the file, the line of the cycle's first condition and every condition in it. Their
/// values stay unknown (conditions are never evaluated).
pub fn condition_cycles(doc: &Node, path: &str) -> Vec<Diagnostic> {
    let Some(conds) = doc.get("Conditions").and_then(Node::as_map) else {
        return Vec::new();
    };
    let index = |name: &str| conds.iter().position(|(k, _)| k == name);
    let edges: Vec<Vec<usize>> = conds
        .iter()
        .map(|(_, c)| {
            let mut refs = Vec::new();
            c.walk(&mut |n| {
                if let Some(i) = condition_ref(n).and_then(index) {
                    refs.push(i);
                }
            });
            refs
        })
        .collect();
    crate::graph::cycles(&edges)
        .into_iter()
        .map(|cycle| {
            let names: Vec<&str> = cycle.iter().map(|&i| conds[i].0.as_str()).collect();
            Diagnostic::warning(
                path,
                format!(
                    "CloudFormation conditions refer to each other in a cycle ({}); their values \
                     are unknown (CloudFormation itself refuses this template)",
                    names.join(", ")
                ),
            )
            .at_line(conds[cycle[0]].1.report_line().max(1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_templates_are_cut_by_the_yaml_depth_limit() {
        // Intrinsics are read recursively: the YAML reader's depth limit bounds them.
        let deep = "- ".repeat(50_000);
        let text = format!(
            "Conditions:\n  A:\n    {deep}x\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags:\n        {deep}x\n"
        );
        let p = crate::yaml::parse_full(&text);
        assert_eq!(p.depth_limit_at, Some(3));
        let n = normalise(&p.docs[0]);
        assert!(n.get_path(&["Resources", "B", "Type"]).is_some());
        assert!(condition_cycles(&p.docs[0], "t.yaml").is_empty());
    }

    #[test]
    fn condition_cycles_are_found_in_both_forms() {
        let text = "Conditions:\n  A: !And [!Condition B, !Equals [x, x]]\n  B:\n    Fn::Not: [{Condition: A}]\n  C: !Condition C\n  D: !Condition A\nResources: {}\n";
        let (docs, _) = crate::yaml::parse(text);
        let d = condition_cycles(&docs[0], "t.yaml");
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].line, Some(2));
        assert!(d[0].message.contains("(A, B)"), "{}", d[0].message);
        assert_eq!(d[1].line, Some(5));
        assert!(d[1].message.contains("(C)"), "{}", d[1].message);
        let (docs, _) = crate::yaml::parse("Conditions:\n  A: !Condition B\n  B: !Equals [1, 1]\n");
        assert!(condition_cycles(&docs[0], "t.yaml").is_empty());
    }
}

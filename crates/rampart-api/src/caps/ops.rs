//! Capabilities over operations: security, documented responses, parameters.

use super::Hit;
use crate::api::{Api, Op, types};
use crate::rules::Params;
use crate::tree::Node;
use std::collections::HashSet;

/// Whether `op` has one of the `methods` (all when absent) and its path does not match
/// `except_path_pattern`.
pub(crate) fn method_matches(p: &Params, op: &Op<'_>) -> bool {
    let methods = p.list("methods");
    (methods.is_empty() || methods.iter().any(|m| m.eq_ignore_ascii_case(op.method)))
        && !p
            .re("except_path_pattern")
            .is_some_and(|re| re.is_match(op.path))
}

/// `methods`, `except_path_pattern`: which operations; `when`: `none` (no security requirement in force) or
/// `anonymous` (an empty requirement `{}` lets anyone in).
pub fn operation_security<'a>(api: &Api<'a>, p: &Params, out: &mut Vec<Hit<'a>>) {
    let anonymous = p.str("when") == Some("anonymous");
    for op in api.ops() {
        if !method_matches(p, &op) {
            continue;
        }
        let sec = api.security(&op);
        let fires = match (&sec, anonymous) {
            (None, false) => true,
            (Some(reqs), true) => reqs.iter().any(Vec::is_empty),
            _ => false,
        };
        if fires {
            let msg = if anonymous {
                format!(
                    "{} accepts anonymous callers (`security` lists `{{}}`)",
                    op.label()
                )
            } else {
                format!("{} has no security requirement", op.label())
            };
            out.push(Hit::new(op.at, op.label(), msg).var("op", op.label()));
        }
    }
}

/// Whether one of the `wanted` codes is documented: the code itself, or a declared range
/// (`4XX`) that holds it.
fn covered(declared: &[&str], wanted: &[String]) -> bool {
    wanted.iter().any(|w| {
        declared.iter().any(|d| {
            d.eq_ignore_ascii_case(w)
                || (d.len() == 3
                    && d.to_ascii_uppercase().ends_with("XX")
                    && w.len() == 3
                    && d.as_bytes()[0] == w.as_bytes()[0])
        })
    })
}

/// `codes`: an operation must document one of them; `methods`, `secured_only` narrow the
/// operations checked.
pub fn response_missing<'a>(api: &Api<'a>, p: &Params, out: &mut Vec<Hit<'a>>) {
    let codes = p.list("codes");
    for op in api.ops() {
        if !method_matches(p, &op) || (p.bool("secured_only", false) && !api.is_secured(&op)) {
            continue;
        }
        let rs = api.responses(&op);
        let declared: Vec<&str> = rs.iter().map(|(c, _)| *c).collect();
        if !covered(&declared, &codes) {
            let at = op.at.get("responses").unwrap_or(op.at);
            out.push(
                Hit::new(
                    at,
                    format!("{}:{}", op.label(), codes.join("|")),
                    format!(
                        "{} documents no {} response",
                        op.label(),
                        codes.join(" or ")
                    ),
                )
                .var("op", op.label()),
            );
        }
    }
}

/// `codes_pattern`: responses whose status code matches must declare one of `headers`.
pub fn response_header_missing<'a>(api: &Api<'a>, p: &Params, out: &mut Vec<Hit<'a>>) {
    let headers: Vec<String> = p
        .list("headers")
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let mut seen = HashSet::new();
    for op in api.ops() {
        for (code, r) in api.responses(&op) {
            if !p.re("codes_pattern").is_some_and(|re| re.is_match(code)) {
                continue;
            }
            let have = api.response_headers(r);
            if headers.iter().any(|h| have.contains(h)) {
                continue;
            }
            // A shared response object (a `$ref` to components) is reported once.
            if !seen.insert((r.doc, r.node as *const Node)) {
                continue;
            }
            out.push(
                Hit::new(
                    r,
                    format!("{}:{code}", op.label()),
                    format!(
                        "the {code} response of {} declares none of the headers {}",
                        op.label(),
                        p.list("headers").join(", ")
                    ),
                )
                .var("op", op.label())
                .var("code", code),
            );
        }
    }
}

/// Admin operations (path matching `path_pattern`) must not use the same security schemes as
/// the other operations.
pub fn admin_security_unique<'a>(api: &Api<'a>, p: &Params, out: &mut Vec<Hit<'a>>) {
    let Some(re) = p.re("path_pattern") else {
        return;
    };
    let ops = api.ops();
    let schemes_of = |op: &Op<'a>| -> HashSet<String> {
        api.security(op)
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect()
    };
    let user: HashSet<String> = ops
        .iter()
        .filter(|o| !re.is_match(o.path))
        .flat_map(schemes_of)
        .collect();
    for op in ops.iter().filter(|o| re.is_match(o.path)) {
        let shared: Vec<String> = schemes_of(op).intersection(&user).cloned().collect();
        if !shared.is_empty() {
            let mut shared = shared;
            shared.sort();
            out.push(
                Hit::new(
                    op.at,
                    op.label(),
                    format!(
                        "admin operation {} uses the same security scheme as user operations ({})",
                        op.label(),
                        shared.join(", ")
                    ),
                )
                .var("op", op.label()),
            );
        }
    }
}

/// Parameters whose name matches `name_pattern`, optionally only `in` some places and of some
/// schema `types`.
pub fn parameter_name<'a>(api: &Api<'a>, p: &Params, out: &mut Vec<Hit<'a>>) {
    let Some(re) = p.re("name_pattern") else {
        return;
    };
    let places = p.list("in");
    let want_types = p.list("types");
    let mut seen = HashSet::new();
    for op in api.ops() {
        for param in api.params(&op) {
            let name = param.node.get("name").and_then(Node::as_str).unwrap_or("");
            let place = param.node.get("in").and_then(Node::as_str).unwrap_or("");
            if !re.is_match(name) || (!places.is_empty() && !places.iter().any(|x| x == place)) {
                continue;
            }
            if !want_types.is_empty() {
                let schema = param
                    .get("schema")
                    .and_then(|s| api.resolve(s))
                    .unwrap_or(param);
                let t = types(schema.node);
                if !t.iter().any(|t| want_types.iter().any(|w| w == t)) {
                    continue;
                }
            }
            if !seen.insert((param.doc, param.node as *const Node)) {
                continue;
            }
            out.push(
                Hit::new(
                    param,
                    format!("{}:{place}:{name}", op.path),
                    format!("{place} parameter `{name}` of {}", op.label()),
                )
                .var("op", op.label())
                .var("name", name)
                .var("in", place),
            );
        }
    }
}

//! Capabilities over security schemes and servers.

use super::Hit;
use crate::api::Api;
use crate::rules::Params;
use crate::spec::Version;
use crate::tree::Node;

fn field(n: &Node, key: &str) -> String {
    n.get(key)
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Security schemes matching every given filter: `type` (`http`, `apiKey`, `oauth2`; Swagger's
/// `basic` counts as `http` + `basic`), `scheme` (HTTP scheme, case-insensitive) and `in`.
pub fn security_scheme<'a>(api: &Api<'a>, p: &Params, out: &mut Vec<Hit<'a>>) {
    let lower =
        |k: &str| -> Vec<String> { p.list(k).iter().map(|s| s.to_ascii_lowercase()).collect() };
    let (types, schemes, places) = (lower("type"), lower("scheme"), lower("in"));
    for (name, s) in api.schemes() {
        let mut ty = field(s.node, "type");
        let mut scheme = field(s.node, "scheme");
        if ty == "basic" {
            ty = "http".into();
            scheme = "basic".into();
        }
        let place = field(s.node, "in");
        let ok = |want: &[String], have: &str| want.is_empty() || want.iter().any(|w| w == have);
        if ok(&types, &ty) && ok(&schemes, &scheme) && ok(&places, &place) {
            let what = match (scheme.as_str(), place.as_str()) {
                ("", "") => ty.clone(),
                ("", pl) => format!("{ty} in {pl}"),
                (sc, _) => format!("{ty} {sc}"),
            };
            out.push(
                Hit::new(
                    s,
                    format!("scheme:{name}"),
                    format!("security scheme `{name}` is {what}"),
                )
                .var("name", name),
            );
        }
    }
}

/// OAuth 2 schemes: `flows` lists flows that must not be offered (`implicit`, `password`;
/// Swagger's `flow` values count); `require` names a key every OpenAPI 3 flow must have
/// (`refreshUrl`).
pub fn oauth_flows<'a>(api: &Api<'a>, p: &Params, out: &mut Vec<Hit<'a>>) {
    let banned = p.list("flows");
    let require = p.str("require");
    for (name, s) in api.schemes() {
        if field(s.node, "type") != "oauth2" {
            continue;
        }
        if let Some(flow) = s.node.get("flow").and_then(Node::as_str) {
            if banned.iter().any(|b| b == flow) {
                out.push(
                    Hit::new(
                        s,
                        format!("{name}:{flow}"),
                        format!("OAuth 2 scheme `{name}` uses the {flow} flow"),
                    )
                    .var("name", name),
                );
            }
            continue;
        }
        let Some(flows) = s.get("flows") else {
            continue;
        };
        for (fname, f) in flows.node.entries() {
            let at = flows.child(f);
            if banned.iter().any(|b| b == fname) {
                out.push(
                    Hit::new(
                        at,
                        format!("{name}:{fname}"),
                        format!("OAuth 2 scheme `{name}` offers the {fname} flow"),
                    )
                    .var("name", name),
                );
            }
            if let Some(key) = require
                && f.get(key).is_none()
                && fname != "implicit"
                && fname != "clientCredentials"
            {
                out.push(
                    Hit::new(
                        at,
                        format!("{name}:{fname}:{key}"),
                        format!("the {fname} flow of `{name}` has no `{key}`"),
                    )
                    .var("name", name),
                );
            }
        }
    }
}

/// Bearer schemes for JWTs whose description does not match `description_pattern` (the
/// practices of RFC 8725).
pub fn jwt_practice<'a>(api: &Api<'a>, p: &Params, out: &mut Vec<Hit<'a>>) {
    for (name, s) in api.schemes() {
        // As Spectral's rule: bearer JWTs, and OAuth 2 (whose access tokens are mostly JWTs).
        let jwt =
            field(s.node, "bearerFormat").contains("jwt") || field(s.node, "type") == "oauth2";
        if !jwt {
            continue;
        }
        let desc = s
            .node
            .get("description")
            .and_then(Node::as_str)
            .unwrap_or("");
        if p.re("description_pattern")
            .is_some_and(|re| re.is_match(desc))
        {
            continue;
        }
        out.push(
            Hit::new(
                s,
                format!("jwt:{name}"),
                format!("JWT scheme `{name}` does not say it follows RFC 8725"),
            )
            .var("name", name),
        );
    }
}

/// Server URLs matching `url_pattern` and not `except_pattern`.
pub fn server_url<'a>(api: &Api<'a>, p: &Params, out: &mut Vec<Hit<'a>>) {
    let Some(re) = p.re("url_pattern") else {
        return;
    };
    for s in api.servers() {
        if re.is_match(&s.url) && !p.re("except_pattern").is_some_and(|x| x.is_match(&s.url)) {
            let shown = redact_userinfo(&s.url);
            out.push(
                Hit::new(s.at, format!("server:{shown}"), format!("server `{shown}`"))
                    .var("url", shown),
            );
        }
    }
}

/// `scheme://user:password@host` with the password hidden.
fn redact_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or("");
            format!("{scheme}://{user}:****@{}", &rest[at + 1..])
        }
        None => url.to_string(),
    }
}

/// A spec that names no server (`servers`, or Swagger's `host`).
pub fn servers_missing<'a>(api: &Api<'a>, _p: &Params, out: &mut Vec<Hit<'a>>) {
    if api.servers().is_empty() {
        let root = api.root();
        let at = root
            .get(if api.version == Version::Swagger2 {
                "swagger"
            } else {
                "openapi"
            })
            .unwrap_or(root);
        out.push(Hit::new(at, "servers", "the spec lists no server"));
    }
}

/// Servers (OpenAPI 3) lacking `field`, or whose `field` does not match `value_pattern`.
pub fn server_field<'a>(api: &Api<'a>, p: &Params, out: &mut Vec<Hit<'a>>) {
    if api.version == Version::Swagger2 {
        return;
    }
    let Some(key) = p.str("field") else {
        return;
    };
    for s in api.servers() {
        let value = s.at.node.get(key).and_then(Node::scalar_text);
        let ok = match (&value, p.re("value_pattern")) {
            (None, _) => false,
            (Some(v), Some(re)) => re.is_match(v),
            (Some(_), None) => true,
        };
        if !ok {
            let shown = redact_userinfo(&s.url);
            out.push(
                Hit::new(
                    s.at,
                    format!("server:{shown}:{key}"),
                    format!("server `{shown}` does not say `{key}`"),
                )
                .var("url", shown),
            );
        }
    }
}

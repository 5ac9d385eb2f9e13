//! Probing a running API: requests generated from its spec, answers judged by the checks of
//! `probe/rules.toml` (authentication, object-level authorisation with two users, mass
//! assignment, data exposure, injection smoke tests, rate limiting, verbose errors, headers,
//! conformance). Findings point at the operation in the spec and carry the exchange that shows
//! the problem, tokens redacted.
//!
//! Safety: requests go only to the base URL (paths from the spec appended to it), redirects
//! are never followed and proxies from the environment are not used, `max_requests` and
//! `rate` are kept, and unsafe methods (POST, PUT, PATCH, DELETE) are sent only with
//! `allow_writes`.

pub mod checks;
pub mod http;
mod run;
pub mod values;

use rampart_core::rule::{RuleDefaults, RuleDoc};
use rampart_core::{Confidence, Diagnostic, Finding, RuleMeta};
use serde::Deserialize;
use std::sync::OnceLock;

/// How a probe runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the API runs (`http://127.0.0.1:8080`, optionally with a path prefix).
    pub base_url: String,
    /// User A's credential: a token, or a whole header (`X-Api-Key: …`).
    pub auth_a: Option<String>,
    /// User B's credential, for object-level authorisation.
    pub auth_b: Option<String>,
    /// Most requests sent.
    pub max_requests: usize,
    /// Most requests per second (0: no limit).
    pub rate: f64,
    /// Send POST, PUT, PATCH and DELETE requests.
    pub allow_writes: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            base_url: String::new(),
            auth_a: None,
            auth_b: None,
            max_requests: 300,
            rate: 20.0,
            allow_writes: false,
        }
    }
}

/// What a probe found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings (fingerprint keys set; fingerprints are assigned by the caller).
    pub findings: Vec<Finding>,
    /// Problems and notes (requests that failed, checks skipped and why).
    pub diagnostics: Vec<Diagnostic>,
    /// Requests sent.
    pub requests: usize,
}

/// Why a probe cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The spec does not parse or is not an API definition.
    #[error("{path}: {message}")]
    Spec {
        /// The spec file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The base URL is not usable.
    #[error("--base-url `{url}`: {message}")]
    BaseUrl {
        /// The URL given.
        url: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
struct ProbeRules {
    rule: Vec<RuleDoc>,
}

/// The probe's rules (`api/probe-…`).
pub fn rules() -> &'static [RuleMeta] {
    static RULES: OnceLock<Vec<RuleMeta>> = OnceLock::new();
    RULES.get_or_init(|| {
        let defaults = RuleDefaults {
            engine: "api",
            confidence: Confidence::High,
            cwe: &[],
            owasp: &[],
            family: Some("api"),
        };
        let parsed: ProbeRules =
            toml::from_str(include_str!("rules.toml")).expect("probe/rules.toml is valid");
        parsed
            .rule
            .into_iter()
            .map(|d| d.into_meta(&defaults))
            .collect()
    })
}

/// The probe rule `api/<id>`.
pub(crate) fn rule(id: &str) -> &'static RuleMeta {
    rules()
        .iter()
        .find(|r| r.short_id() == id)
        .unwrap_or_else(|| panic!("probe rule {id} is in probe/rules.toml"))
}

/// Checks a base URL: `http` or `https`, a host, no user name, query or fragment.
pub fn check_base_url(url: &str) -> Result<(), ProbeError> {
    let bad = |m: &str| ProbeError::BaseUrl {
        url: url.to_string(),
        message: m.to_string(),
    };
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| bad("must start with http:// or https://"))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return Err(bad("has no host"));
    }
    if host.contains('@') {
        return Err(bad(
            "must not hold a user name or password; pass credentials with --auth-a",
        ));
    }
    if url.contains(['?', '#']) {
        return Err(bad("must not hold a query or fragment"));
    }
    Ok(())
}

/// Probes the API at `opts.base_url` described by the spec `path` (its `text`); `read` reads
/// files its `$ref`s name.
pub fn run(
    path: &str,
    text: &str,
    read: &crate::spec::Reader<'_>,
    opts: &Options,
) -> Result<Outcome, ProbeError> {
    check_base_url(&opts.base_url)?;
    let spec_err = |m: String| ProbeError::Spec {
        path: path.to_string(),
        message: m,
    };
    let parsed = crate::tree::parse(text);
    let root = match (parsed.root, parsed.error) {
        (Some(r), _) => r,
        (None, Some(e)) => return Err(spec_err(format!("line {}: {}", e.line, e.message))),
        (None, None) => return Err(spec_err("the file is empty".into())),
    };
    let Some(version) = crate::spec::detect(&root) else {
        return Err(spec_err(
            "not an OpenAPI 3.x or Swagger 2.0 document (no `openapi: 3…` or `swagger: \"2.0\"` with `paths`)".into(),
        ));
    };
    let docs = crate::spec::Docs::load(path, text, root, read);
    let api = crate::api::Api {
        docs: &docs,
        version,
    };
    let mut out = run::Prober::new(&api, path, text, opts).run();
    let mut diagnostics = docs.problems.clone();
    diagnostics.append(&mut out.diagnostics);
    out.diagnostics = diagnostics;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_rules_are_complete_but_for_examples() {
        assert!(rules().len() >= 14);
        for r in rules() {
            let problems: Vec<String> = r
                .problems()
                .into_iter()
                .filter(|p| !p.contains("examples"))
                .collect();
            assert!(problems.is_empty(), "{}: {problems:?}", r.id);
            assert!(r.owasp.iter().any(|o| o.starts_with("API")), "{}", r.id);
        }
    }

    #[test]
    fn base_urls_are_checked() {
        assert!(check_base_url("http://127.0.0.1:8080").is_ok());
        assert!(check_base_url("https://api.example.com/v1").is_ok());
        for bad in ["ftp://x", "http://", "http://u:p@x", "http://x/?a=1"] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }
}

//! `[policy]`: which components a project may use. The core reads and checks the section's
//! shape (purl patterns, version constraints, URLs, verdicts) and keeps the position of every
//! value; the `policy` engine (in `rampart-deps`) checks what needs ecosystem knowledge (SPDX
//! identifiers) with those positions, and applies the policy.

use super::raw::Problems;
use serde::Deserialize;
use toml::Spanned;

/// The purl types rampart reads lockfiles of (`pkg:TYPE/...`), one per ecosystem.
pub const PURL_TYPES: [&str; 13] = [
    "cargo", "npm", "pypi", "golang", "maven", "gem", "composer", "nuget", "pub", "hex", "swift",
    "deb", "apk",
];

/// A value with the 1-based line and column it was written at, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Positioned<T> {
    /// The value.
    pub value: T,
    /// Line and column in the configuration file.
    pub at: Option<(usize, usize)>,
}

/// `[policy]` of `rampart.toml`. Empty (the default) applies only typosquatting checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySection {
    /// `[[policy.deny]]`: packages that must not be used.
    pub deny: Vec<PackageRule>,
    /// `[[policy.allow]]`: approved packages (exempt from the other checks; with
    /// `only_allowed`, the only packages that may be used).
    pub allow: Vec<PackageRule>,
    /// Purl types (`cargo`, `npm`…) in which a package that matches no `[[policy.allow]]`
    /// entry is a violation (every type for `only_allowed = true`).
    pub only_allowed: Vec<String>,
    /// `[policy.sources]`, when present.
    pub sources: Option<SourcePolicy>,
    /// `[policy.licenses]`, when present.
    pub licenses: Option<LicensePolicy>,
    /// Flag dependencies one edit away from a popular package (default on).
    pub typosquatting: bool,
}

impl Default for PolicySection {
    fn default() -> Self {
        PolicySection {
            deny: Vec::new(),
            allow: Vec::new(),
            only_allowed: Vec::new(),
            sources: None,
            licenses: None,
            typosquatting: true,
        }
    }
}

/// One `[[policy.deny]]` or `[[policy.allow]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRule {
    /// Which packages.
    pub purl: PurlPattern,
    /// Why (required).
    pub reason: String,
    /// Where the `purl` value is written.
    pub at: Option<(usize, usize)>,
}

/// A package-URL pattern: `pkg:npm/event-stream`, `pkg:pypi/*@<2.0`, `pkg:npm/@acme/*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurlPattern {
    /// As written.
    pub text: String,
    /// The purl type (one of [`PURL_TYPES`]).
    pub purl_type: String,
    /// The name as a glob over the purl's namespace and name, percent-decoded,
    /// `/`-separated (`@babel/core`, `org.apache.logging.log4j/log4j-core`); `*` matches any
    /// run of characters.
    pub name: String,
    /// Version bounds, all of which must hold (any version when empty).
    pub versions: Vec<VersionBound>,
}

/// One version comparison of a purl pattern (`<2.0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionBound {
    /// The comparison.
    pub op: VersionOp,
    /// The version compared with, in the ecosystem's own ordering.
    pub version: String,
}

/// A version comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=`, `==` or none
    Eq,
    /// `!=`
    Ne,
}

impl VersionOp {
    /// Whether an ordering of (package version vs bound) satisfies the operator.
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            VersionOp::Lt => ord == Less,
            VersionOp::Le => ord != Greater,
            VersionOp::Gt => ord == Greater,
            VersionOp::Ge => ord != Less,
            VersionOp::Eq => ord == Equal,
            VersionOp::Ne => ord != Equal,
        }
    }
}

/// What purl patterns look like, for messages.
pub const PURL_SYNTAX: &str = "write `pkg:TYPE/NAME` or `pkg:TYPE/NAME@VERSIONS`, e.g. `pkg:npm/event-stream`, `pkg:pypi/*@<2.0`, `pkg:maven/org.apache.logging.log4j/log4j-core@>=2.0,<2.17.1`";

impl PurlPattern {
    /// Parses a pattern, or says what is wrong with it.
    pub fn parse(text: &str) -> Result<PurlPattern, String> {
        let bad = |why: &str| format!("`{text}` is not a purl pattern ({why}): {PURL_SYNTAX}");
        let t = text.trim();
        let rest = t
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("pkg:"))
            .map(|_| &t[4..])
            .ok_or_else(|| bad("no `pkg:`"))?;
        let (ty, rest) = rest
            .split_once('/')
            .ok_or_else(|| bad("no `/` after the type"))?;
        let ty = ty.to_ascii_lowercase();
        if !PURL_TYPES.contains(&ty.as_str()) {
            return Err(format!(
                "`{text}`: unknown purl type `{ty}` (rampart reads {})",
                PURL_TYPES.join(", ")
            ));
        }
        if rest.contains(['?', '#']) {
            return Err(bad("qualifiers and subpaths are not matched"));
        }
        // The version separator is an `@` that does not start a path segment (`@scope/name`).
        let b = rest.as_bytes();
        let at = (1..b.len())
            .rev()
            .find(|&i| b[i] == b'@' && b[i - 1] != b'/');
        let (name, constraint) = match at {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let name = percent_decode(name).ok_or_else(|| bad("a bad %-escape in the name"))?;
        if name.is_empty() || name.split('/').any(str::is_empty) {
            return Err(bad("an empty name"));
        }
        let versions = match constraint {
            None => Vec::new(),
            Some(c) => parse_constraint(c).map_err(|why| bad(&why))?,
        };
        Ok(PurlPattern {
            text: text.to_string(),
            purl_type: ty,
            name,
            versions,
        })
    }
}

/// `<2.0`, `>=1.0,<2.0`, `1.2.3`, `*` (any).
fn parse_constraint(c: &str) -> Result<Vec<VersionBound>, String> {
    let c = c.trim();
    if c.is_empty() {
        return Err("nothing after `@`".into());
    }
    if c == "*" {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for part in c.split(',') {
        let part = part.trim();
        let ops = [
            (">=", VersionOp::Ge),
            ("<=", VersionOp::Le),
            ("==", VersionOp::Eq),
            ("!=", VersionOp::Ne),
            (">", VersionOp::Gt),
            ("<", VersionOp::Lt),
            ("=", VersionOp::Eq),
        ];
        let (op, version) = ops
            .iter()
            .find_map(|(p, op)| part.strip_prefix(p).map(|v| (*op, v.trim())))
            .unwrap_or((VersionOp::Eq, part));
        if version.is_empty()
            || version.contains(|c: char| c.is_whitespace() || matches!(c, '*' | '<' | '>' | '='))
        {
            return Err(format!(
                "`{part}` is not a version comparison: use <, <=, >, >=, =, != and a version, joined by `,`"
            ));
        }
        out.push(VersionBound {
            op,
            version: version.to_string(),
        });
    }
    Ok(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `[policy.sources]`: where packages may come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePolicy {
    /// Registry and mirror URLs (prefixes) packages may be downloaded from; the ecosystems'
    /// public registries when not given.
    pub allow: Option<Vec<Positioned<String>>>,
    /// Git dependencies are allowed.
    pub git: bool,
    /// Local path dependencies are allowed.
    pub path: bool,
    /// pip requirements must carry `--hash` values.
    pub require_hashes: bool,
}

/// `[policy.licenses]`: which licences packages may have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicensePolicy {
    /// SPDX licence ids that may be used (any not denied when empty).
    pub allow: Vec<Positioned<String>>,
    /// SPDX licence ids that must not be used.
    pub deny: Vec<Positioned<String>>,
    /// What a package without readable licence information is.
    pub unknown: LicenseVerdict,
}

/// The verdict on a package whose licence is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenseVerdict {
    /// Accepted without a finding.
    Allow,
    /// A low-severity finding, for review.
    Review,
    /// A high-severity finding, like a denied licence.
    Deny,
}

// ---------------------------------------------------------------------------------------------
// As written.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicy {
    #[serde(default)]
    deny: Vec<RawPackageRule>,
    #[serde(default)]
    allow: Vec<RawPackageRule>,
    #[serde(default)]
    only_allowed: Option<Spanned<toml::Value>>,
    #[serde(default)]
    sources: Option<RawSources>,
    #[serde(default)]
    licenses: Option<RawLicenses>,
    #[serde(default)]
    typosquatting: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackageRule {
    purl: Spanned<String>,
    reason: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSources {
    #[serde(default)]
    allow: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    git: bool,
    #[serde(default)]
    path: bool,
    #[serde(default)]
    require_hashes: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLicenses {
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    #[serde(default)]
    deny: Vec<Spanned<String>>,
    #[serde(default)]
    unknown: Option<Spanned<String>>,
}

impl RawPolicy {
    /// Checks every value, adding problems to `p`.
    pub(super) fn check(self, p: &mut Problems) -> PolicySection {
        let mut rules = |list: Vec<RawPackageRule>, table: &str| -> Vec<PackageRule> {
            let mut out = Vec::new();
            for (i, r) in list.into_iter().enumerate() {
                let n = i + 1;
                if r.reason.get_ref().trim().is_empty() {
                    let m = format!(
                        "[[policy.{table}]] #{n} for `{}` has an empty reason: say why",
                        r.purl.get_ref()
                    );
                    p.add(&r.reason, m);
                }
                match PurlPattern::parse(r.purl.get_ref()) {
                    Ok(purl) => out.push(PackageRule {
                        purl,
                        reason: r.reason.into_inner(),
                        at: Some(p.position(&r.purl)),
                    }),
                    Err(m) => p.add(&r.purl, format!("[[policy.{table}]] #{n}: {m}")),
                }
            }
            out
        };
        let deny = rules(self.deny, "deny");
        let allow = rules(self.allow, "allow");
        let mut only_allowed = Vec::new();
        if let Some(v) = &self.only_allowed {
            let bad = |p: &mut Problems, what: String| {
                p.add(v, format!("[policy] only_allowed {what}: write `true` or a list of purl types such as [\"cargo\", \"npm\"]"))
            };
            match v.get_ref() {
                toml::Value::Boolean(true) => {
                    only_allowed = PURL_TYPES.iter().map(|t| t.to_string()).collect()
                }
                toml::Value::Boolean(false) => {}
                toml::Value::Array(list) => {
                    for t in list {
                        match t.as_str() {
                            Some(t) if PURL_TYPES.contains(&t) => only_allowed.push(t.to_string()),
                            _ => bad(
                                p,
                                format!(
                                    "`{t}` is not a purl type rampart reads ({})",
                                    PURL_TYPES.join(", ")
                                ),
                            ),
                        }
                    }
                }
                other => bad(p, format!("cannot be a {}", other.type_str())),
            }
            if !only_allowed.is_empty() && allow.is_empty() {
                p.add(
                    v,
                    "[policy] only_allowed needs [[policy.allow]] entries: without them every package is a violation".into(),
                );
            }
        }
        let sources = self.sources.map(|s| SourcePolicy {
            allow: s.allow.map(|list| {
                list.into_iter()
                    .filter_map(|u| {
                        let v = u.get_ref();
                        let scheme_ok = v
                            .split_once("://")
                            .is_some_and(|(s, rest)| !s.is_empty() && !rest.is_empty());
                        if !scheme_ok {
                            let m = format!(
                                "[policy.sources] allow `{v}` is not a URL: write the registry's address, e.g. `https://registry.npmjs.org/`"
                            );
                            p.add(&u, m);
                            return None;
                        }
                        Some(Positioned {
                            at: Some(p.position(&u)),
                            value: u.into_inner(),
                        })
                    })
                    .collect()
            }),
            git: s.git,
            path: s.path,
            require_hashes: s.require_hashes,
        });
        let licenses = self.licenses.map(|l| {
            let unknown = match &l.unknown {
                None => LicenseVerdict::Review,
                Some(u) => match u.get_ref().as_str() {
                    "allow" => LicenseVerdict::Allow,
                    "review" => LicenseVerdict::Review,
                    "deny" => LicenseVerdict::Deny,
                    other => {
                        let m = format!(
                            "[policy.licenses] unknown `{other}` must be allow, review or deny"
                        );
                        p.add(u, m);
                        LicenseVerdict::Review
                    }
                },
            };
            let ids = |list: Vec<Spanned<String>>| -> Vec<Positioned<String>> {
                list.into_iter()
                    .map(|s| Positioned {
                        at: Some(p.position(&s)),
                        value: s.into_inner(),
                    })
                    .collect()
            };
            LicensePolicy {
                allow: ids(l.allow),
                deny: ids(l.deny),
                unknown,
            }
        });
        PolicySection {
            deny,
            allow,
            only_allowed,
            sources,
            licenses,
            typosquatting: self.typosquatting.unwrap_or(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, ConfigError};
    use std::path::Path;

    #[test]
    fn patterns() {
        let p = PurlPattern::parse("pkg:npm/event-stream").unwrap();
        assert_eq!(
            (p.purl_type.as_str(), p.name.as_str()),
            ("npm", "event-stream")
        );
        assert!(p.versions.is_empty());
        let p = PurlPattern::parse("pkg:pypi/*@<2.0").unwrap();
        assert_eq!(p.name, "*");
        assert_eq!(p.versions[0].op, VersionOp::Lt);
        assert_eq!(p.versions[0].version, "2.0");
        let p = PurlPattern::parse("pkg:npm/@babel/core@>=7.0, <7.24.1").unwrap();
        assert_eq!(p.name, "@babel/core");
        assert_eq!(p.versions.len(), 2);
        assert_eq!(p.versions[1].op, VersionOp::Lt);
        let p = PurlPattern::parse("pkg:npm/%40acme/*").unwrap();
        assert_eq!(p.name, "@acme/*");
        let p = PurlPattern::parse("PKG:Maven/org.x/y@1.2.3").unwrap();
        assert_eq!(
            (p.purl_type.as_str(), p.name.as_str()),
            ("maven", "org.x/y")
        );
        assert_eq!(p.versions[0].op, VersionOp::Eq);
        assert!(
            PurlPattern::parse("pkg:npm/x@*")
                .unwrap()
                .versions
                .is_empty()
        );
        for bad in [
            "npm/x",
            "pkg:npm",
            "pkg:rpm/x",
            "pkg:npm/",
            "pkg:npm/x@",
            "pkg:npm/x@<",
            "pkg:npm/x@>=1 2",
            "pkg:npm/x?arch=1",
            "pkg:npm/%zz",
        ] {
            assert!(PurlPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_full_policy_reads() {
        let text = r#"
[policy]
only_allowed = ["gem"]
typosquatting = false
[[policy.deny]]
purl = "pkg:npm/event-stream"
reason = "compromised in 2018"
[[policy.allow]]
purl = "pkg:npm/@acme/*"
reason = "our own packages"
[policy.sources]
allow = ["https://registry.npmjs.org/"]
git = true
require_hashes = true
[policy.licenses]
allow = ["MIT", "Apache-2.0"]
deny = ["AGPL-3.0-only"]
unknown = "deny"
"#;
        let c = Config::parse(text, Path::new("rampart.toml")).unwrap();
        let p = &c.policy;
        assert_eq!(p.deny[0].purl.name, "event-stream");
        assert_eq!(p.deny[0].at, Some((6, 8)));
        assert_eq!(p.allow[0].reason, "our own packages");
        assert!(!p.typosquatting);
        assert_eq!(p.only_allowed, ["gem"]);
        let s = p.sources.as_ref().unwrap();
        assert!(s.git && !s.path && s.require_hashes);
        assert_eq!(
            s.allow.as_ref().unwrap()[0].value,
            "https://registry.npmjs.org/"
        );
        let l = p.licenses.as_ref().unwrap();
        assert_eq!(l.allow[1].value, "Apache-2.0");
        assert_eq!(l.allow[1].at, Some((16, 17)));
        assert_eq!(l.unknown, LicenseVerdict::Deny);
        assert_eq!(Config::default().policy, PolicySection::default());
        assert!(Config::default().policy.typosquatting);
    }

    #[test]
    fn every_bad_policy_value_is_reported_at_once() {
        let text = r#"
[[policy.deny]]
purl = "npm/event-stream"
reason = ""
[[policy.allow]]
purl = "pkg:rpm/x"
reason = "r"
[policy.sources]
allow = ["registry.npmjs.org"]
[policy.licenses]
unknown = "maybe"
"#;
        let err = Config::parse(text, Path::new("r.toml")).unwrap_err();
        let ConfigError::Invalid { problems, .. } = &err else {
            panic!("{err}");
        };
        let at: Vec<_> = problems.iter().map(|p| p.at.unwrap()).collect();
        assert_eq!(at, [(3, 8), (4, 10), (6, 8), (9, 10), (11, 11)], "{err}");
        let text = err.to_string();
        for needle in [
            "pkg:TYPE/NAME",
            "empty reason",
            "`rpm`",
            "not a URL",
            "allow, review or deny",
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
        let err = Config::parse("[policy]\nonly_allowed = true\n", Path::new("r.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("r.toml:2:16: [policy] only_allowed needs [[policy.allow]]"),
            "{err}"
        );
        let err = Config::parse(
            "[policy]\nonly_allowed = [\"npm\", \"rpm\"]\n",
            Path::new("r.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`\"rpm\"` is not a purl type"), "{err}");
        let err = Config::parse("[policy]\ndenny = []\n", Path::new("r.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("denny"), "{err}");
    }
}

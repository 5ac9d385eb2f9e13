//! Matching packages against `[policy]` purl patterns, versions compared in the ecosystem's
//! own ordering ([`crate::version::compare`]).

use crate::ecosystem::Ecosystem;
use crate::inventory::{self, Package};
use rampart_core::config::policy::PurlPattern;

/// The ecosystem of a purl type (`npm` → npm, `cargo` → crates.io).
pub fn ecosystem_of(purl_type: &str) -> Option<Ecosystem> {
    Ecosystem::ALL
        .into_iter()
        .find(|e| e.purl_type() == purl_type)
}

/// A package's purl path without the version, percent-decoded (`@babel/core`,
/// `org.apache.logging.log4j/log4j-core`, `requests`).
pub fn purl_name(eco: Ecosystem, name: &str) -> String {
    let full = inventory::purl(eco, name, "");
    let path = full
        .split_once('/')
        .map(|(_, rest)| rest)
        .unwrap_or(full.as_str());
    decode(path)
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = s.get(i + 1..i + 3).filter(|_| b[i] == b'%');
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A pattern compiled for one ecosystem: its name glob written the way the ecosystem compares
/// names (PyPI normalised, Packagist and NuGet lower case).
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The ecosystem of the pattern's purl type.
    pub ecosystem: Ecosystem,
    glob: String,
    pattern: PurlPattern,
}

impl Compiled {
    /// Compiles a pattern; `None` for a purl type without an ecosystem (the core refuses those).
    pub fn new(pattern: &PurlPattern) -> Option<Compiled> {
        let ecosystem = ecosystem_of(&pattern.purl_type)?;
        let glob = match ecosystem {
            Ecosystem::PyPI => pattern
                .name
                .split('*')
                .map(|part| Ecosystem::PyPI.normalise_name(part))
                .collect::<Vec<_>>()
                .join("*"),
            Ecosystem::Packagist | Ecosystem::NuGet => pattern.name.to_ascii_lowercase(),
            _ => pattern.name.clone(),
        };
        Some(Compiled {
            ecosystem,
            glob,
            pattern: pattern.clone(),
        })
    }

    /// The pattern as written.
    pub fn text(&self) -> &str {
        &self.pattern.text
    }

    /// Whether the package matches: same ecosystem, name glob, every version bound. A package
    /// without an exact version matches only a pattern without version bounds.
    pub fn matches(&self, p: &Package) -> bool {
        if p.ecosystem != self.ecosystem {
            return false;
        }
        let mut name = purl_name(p.ecosystem, &p.name);
        if matches!(p.ecosystem, Ecosystem::Packagist | Ecosystem::NuGet) {
            name = name.to_ascii_lowercase();
        }
        if !glob_match(&self.glob, &name) {
            return false;
        }
        if self.pattern.versions.is_empty() {
            return true;
        }
        !p.version.is_empty()
            && self.pattern.versions.iter().all(|b| {
                b.op.holds(crate::version::compare(p.ecosystem, &p.version, &b.version))
            })
    }
}

/// `*` matches any run of characters (`/` included); everything else matches itself.
pub fn glob_match(glob: &str, text: &str) -> bool {
    let (g, t) = (glob.as_bytes(), text.as_bytes());
    let (mut gi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if gi < g.len() && g[gi] == b'*' {
            star = Some((gi, ti));
            gi += 1;
        } else if gi < g.len() && g[gi] == t[ti] {
            gi += 1;
            ti += 1;
        } else if let Some((sg, st)) = star {
            gi = sg + 1;
            ti = st + 1;
            star = Some((sg, st + 1));
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(s: &str) -> Compiled {
        Compiled::new(&PurlPattern::parse(s).unwrap()).unwrap()
    }

    #[test]
    fn globs() {
        assert!(glob_match("*", "anything/at/all"));
        assert!(glob_match("@acme/*", "@acme/x"));
        assert!(!glob_match("@acme/*", "@acmex/x"));
        assert!(glob_match("a*b*c", "a-b-b-c"));
        assert!(!glob_match("a*b", "a-b-c"));
        assert!(glob_match("event-stream", "event-stream"));
    }

    #[test]
    fn names_and_versions_per_ecosystem() {
        let p = |e, n: &str, v: &str| Package::new(e, n, v, 1);
        assert!(pat("pkg:npm/event-stream").matches(&p(Ecosystem::Npm, "event-stream", "3.3.6")));
        assert!(!pat("pkg:npm/event-stream").matches(&p(Ecosystem::PyPI, "event-stream", "1")));
        // PEP 440 ordering: 2.0rc1 < 2.0, 10.0 > 2.0.
        let old = pat("pkg:pypi/*@<2.0");
        assert!(old.matches(&p(Ecosystem::PyPI, "Foo_Bar", "2.0rc1")));
        assert!(!old.matches(&p(Ecosystem::PyPI, "foo", "10.0")));
        assert!(!old.matches(&p(Ecosystem::PyPI, "foo", "")), "unpinned");
        assert!(pat("pkg:pypi/foo-bar").matches(&p(Ecosystem::PyPI, "Foo.Bar", "")));
        assert!(pat("pkg:npm/@babel/*@>=7.0,<7.24.1").matches(&p(
            Ecosystem::Npm,
            "@babel/core",
            "7.24.0"
        )));
        assert!(!pat("pkg:npm/@babel/*@>=7.0,<7.24.1").matches(&p(
            Ecosystem::Npm,
            "@babel/core",
            "7.24.1"
        )));
        let log4j = pat("pkg:maven/org.apache.logging.log4j/log4j-core@>=2.0-beta9,<2.17.1");
        let m = |v| p(Ecosystem::Maven, "org.apache.logging.log4j:log4j-core", v);
        assert!(log4j.matches(&m("2.14.1")));
        assert!(!log4j.matches(&m("2.17.1")));
        assert!(pat("pkg:cargo/time@<0.2.23").matches(&p(Ecosystem::CratesIo, "time", "0.1.45")));
        assert!(pat("pkg:golang/github.com/gin-gonic/*").matches(&p(
            Ecosystem::Go,
            "github.com/gin-gonic/gin",
            "v1.9.0"
        )));
        assert!(pat("pkg:composer/Monolog/monolog").matches(&p(
            Ecosystem::Packagist,
            "monolog/monolog",
            "1.0"
        )));
        assert!(pat("pkg:npm/x@!=1.0.0").matches(&p(Ecosystem::Npm, "x", "1.0.1")));
    }

    #[test]
    fn every_core_purl_type_has_an_ecosystem() {
        for t in rampart_core::config::policy::PURL_TYPES {
            assert!(ecosystem_of(t).is_some(), "{t}");
        }
        assert_eq!(
            rampart_core::config::policy::PURL_TYPES.len(),
            Ecosystem::ALL.len()
        );
    }
}

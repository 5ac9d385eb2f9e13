//! PyPI ordering: PEP 440 (`pep440_rs`), with pre-PEP 440 "legacy" versions ordered before every
//! valid one.

//!
//! `pep440_rs` stores numbers as `u64` and refuses a version with a larger one; such a version is
//! still valid PEP 440, so it is read by [`Wide`] (numbers of any length) instead of being taken
//! for a legacy version, which would order it before every valid one.

use super::num_cmp;
use regex::Regex;
use std::cmp::Ordering;
use std::str::FromStr;
use std::sync::LazyLock;

/// A PyPI version read once: PEP 440 by `pep440_rs`, PEP 440 with numbers beyond `u64`, or
/// legacy (the ordering key setuptools used).
#[derive(Debug, Clone)]
pub(super) enum PyVersion {
    /// Valid PEP 440, numbers within `u64`.
    Pep440(pep440_rs::Version),
    /// Valid PEP 440 with a number beyond `u64`.
    Wide(Box<Wide>),
    /// Not PEP 440.
    Legacy(Vec<String>),
}

impl PyVersion {
    /// Reads a version.
    pub(super) fn parse(s: &str) -> PyVersion {
        match pep440_rs::Version::from_str(s) {
            // A numeric local segment beyond `u64` is kept as text by `pep440_rs`, which would
            // order it before letters.
            Ok(v) if !v.local().iter().any(|seg| {
                matches!(seg, pep440_rs::LocalSegment::String(t) if t.bytes().all(|b| b.is_ascii_digit()))
            }) =>
            {
                PyVersion::Pep440(v)
            }
            _ => match Wide::parse(s) {
                Some(w) => PyVersion::Wide(Box::new(w)),
                None => PyVersion::Legacy(legacy_key(s)),
            },
        }
    }

    /// PEP 440 order; legacy versions before every valid one.
    pub(super) fn compare(&self, other: &PyVersion) -> Ordering {
        use PyVersion::*;
        match (self, other) {
            (Pep440(x), Pep440(y)) => x.cmp(y),
            (Wide(x), Wide(y)) => x.compare(y),
            (Pep440(x), Wide(y)) => self::Wide::from_pep440(x).compare(y),
            (Wide(x), Pep440(y)) => x.compare(&self::Wide::from_pep440(y)),
            (Legacy(x), Legacy(y)) => x.cmp(y),
            (Legacy(_), _) => Ordering::Less,
            (_, Legacy(_)) => Ordering::Greater,
        }
    }
}

pub(super) fn pypi_cmp(a: &str, b: &str) -> Ordering {
    PyVersion::parse(a).compare(&PyVersion::parse(b))
}

/// A PEP 440 version whose numbers are kept as digit strings (leading zeros removed), compared
/// by length then lexically: any size orders correctly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Wide {
    epoch: Box<str>,
    /// Release numbers, trailing zeros removed.
    release: Vec<Box<str>>,
    /// Pre-release: 0 alpha, 1 beta, 2 release candidate; and its number.
    pre: Option<(u8, Box<str>)>,
    post: Option<Box<str>>,
    dev: Option<Box<str>>,
    local: Option<Vec<Local>>,
}

/// A segment of a local version label.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Local {
    Text(Box<str>),
    Number(Box<str>),
}

/// PEP 440's grammar (its appendix), case-insensitive.
static PEP440: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)^\s*v?
        (?:(?P<epoch>[0-9]+)!)?
        (?P<release>[0-9]+(?:\.[0-9]+)*)
        (?:[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
        (?:-(?P<post_n1>[0-9]+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?)?
        (?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
        (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
        \s*$",
    )
    .expect("the PEP 440 pattern is valid")
});

/// Digits without leading zeros ("0" for zero).
fn digits(s: &str) -> Box<str> {
    let t = s.trim_start_matches('0');
    if t.is_empty() { "0".into() } else { t.into() }
}

fn is_big(s: &str) -> bool {
    num_cmp(s, &u64::MAX.to_string()) == Ordering::Greater
}

fn opt_cmp(a: &Option<Box<str>>, b: &Option<Box<str>>, none_first: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => num_cmp(x, y),
        (None, None) => Ordering::Equal,
        (None, Some(_)) if none_first => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) if none_first => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
    }
}

impl Wide {
    /// Reads a valid PEP 440 version that has a number beyond `u64` (`None` otherwise: the
    /// others are `pep440_rs`'s).
    fn parse(s: &str) -> Option<Wide> {
        let c = PEP440.captures(s)?;
        let has_big = s
            .split(|ch: char| !ch.is_ascii_digit())
            .any(|run| !run.is_empty() && is_big(run));
        if !has_big {
            return None;
        }
        let num = |name: &str| c.name(name).map(|m| digits(m.as_str()));
        let mut release: Vec<Box<str>> = c["release"].split('.').map(digits).collect();
        while release.last().is_some_and(|r| &**r == "0") {
            release.pop();
        }
        let pre = c.name("pre_l").map(|l| {
            let kind = match l.as_str().to_ascii_lowercase().as_str() {
                "a" | "alpha" => 0,
                "b" | "beta" => 1,
                _ => 2,
            };
            (kind, num("pre_n").unwrap_or_else(|| "0".into()))
        });
        let post = num("post_n1").or_else(|| {
            c.name("post_l")
                .map(|_| num("post_n2").unwrap_or_else(|| "0".into()))
        });
        let dev = c
            .name("dev_l")
            .map(|_| num("dev_n").unwrap_or_else(|| "0".into()));
        let local = c.name("local").map(|l| {
            l.as_str()
                .split(['-', '_', '.'])
                .map(|seg| {
                    if seg.bytes().all(|b| b.is_ascii_digit()) {
                        Local::Number(digits(seg))
                    } else {
                        Local::Text(seg.to_ascii_lowercase().into())
                    }
                })
                .collect()
        });
        Some(Wide {
            epoch: num("epoch").unwrap_or_else(|| "0".into()),
            release,
            pre,
            post,
            dev,
            local,
        })
    }

    /// The same version, from `pep440_rs`.
    fn from_pep440(v: &pep440_rs::Version) -> Wide {
        let n = |x: u64| -> Box<str> { x.to_string().into() };
        let mut release: Vec<Box<str>> = v.release().iter().map(|&r| n(r)).collect();
        while release.last().is_some_and(|r| &**r == "0") {
            release.pop();
        }
        Wide {
            epoch: n(v.epoch()),
            release,
            pre: v.pre().map(|p| {
                let kind = match p.kind {
                    pep440_rs::PrereleaseKind::Alpha => 0,
                    pep440_rs::PrereleaseKind::Beta => 1,
                    pep440_rs::PrereleaseKind::Rc => 2,
                };
                (kind, n(p.number))
            }),
            post: v.post().map(n),
            dev: v.dev().map(n),
            local: (!v.local().is_empty()).then(|| {
                v.local()
                    .iter()
                    .map(|s| match s {
                        pep440_rs::LocalSegment::String(t) => {
                            Local::Text(t.to_ascii_lowercase().into())
                        }
                        pep440_rs::LocalSegment::Number(x) => Local::Number(n(*x)),
                    })
                    .collect()
            }),
        }
    }

    /// PEP 440 order (`packaging`'s comparison key).
    fn compare(&self, o: &Wide) -> Ordering {
        num_cmp(&self.epoch, &o.epoch)
            .then_with(|| {
                for i in 0..self.release.len().max(o.release.len()) {
                    match (self.release.get(i), o.release.get(i)) {
                        (Some(x), Some(y)) => match num_cmp(x, y) {
                            Ordering::Equal => {}
                            d => return d,
                        },
                        (None, _) => return Ordering::Less,
                        (_, None) => return Ordering::Greater,
                    }
                }
                Ordering::Equal
            })
            .then_with(|| {
                self.pre_key()
                    .cmp(&o.pre_key())
                    .then_with(|| match (&self.pre, &o.pre) {
                        (Some(x), Some(y)) => num_cmp(&x.1, &y.1),
                        _ => Ordering::Equal,
                    })
            })
            .then_with(|| opt_cmp(&self.post, &o.post, true))
            .then_with(|| opt_cmp(&self.dev, &o.dev, false))
            .then_with(|| match (&self.local, &o.local) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(x), Some(y)) => {
                    for i in 0..x.len().max(y.len()) {
                        let d = match (x.get(i), y.get(i)) {
                            (Some(Local::Number(p)), Some(Local::Number(q))) => num_cmp(p, q),
                            (Some(Local::Text(p)), Some(Local::Text(q))) => p.cmp(q),
                            (Some(Local::Number(_)), Some(Local::Text(_))) => Ordering::Greater,
                            (Some(Local::Text(_)), Some(Local::Number(_))) => Ordering::Less,
                            (None, _) => Ordering::Less,
                            (_, None) => Ordering::Greater,
                        };
                        if d != Ordering::Equal {
                            return d;
                        }
                    }
                    Ordering::Equal
                }
            })
    }

    /// Where the pre-release part puts the version: a dev release of a final version first,
    /// then pre-releases by kind, then finals.
    fn pre_key(&self) -> u8 {
        match &self.pre {
            None if self.post.is_none() && self.dev.is_some() => 0,
            None => 4,
            Some((kind, _)) => 1 + kind,
        }
    }
}

/// The ordering key setuptools/packaging used for versions that are not PEP 440.
pub(super) fn legacy_key(v: &str) -> Vec<String> {
    let v = v.to_ascii_lowercase();
    let mut raw: Vec<String> = Vec::new();
    let bytes = v.as_bytes();
    let mut i = 0;
    let mut other = String::new();
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
        } else if c.is_ascii_lowercase() {
            while i < bytes.len() && bytes[i].is_ascii_lowercase() {
                i += 1;
            }
        } else if c == b'.' || c == b'-' {
            i += 1;
        } else {
            // Not a token: text between tokens.
            let ch = v[i..].chars().next().unwrap_or(' ');
            other.push(ch);
            i += ch.len_utf8();
            continue;
        }
        if !other.is_empty() {
            raw.push(std::mem::take(&mut other));
        }
        raw.push(v[start..i].to_string());
    }
    if !other.is_empty() {
        raw.push(other);
    }
    let mut parts: Vec<String> = Vec::new();
    let push = |part: String, parts: &mut Vec<String>| {
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    };
    for p in raw {
        let p = match p.as_str() {
            "pre" | "preview" | "rc" => "c".to_string(),
            "-" => "final-".to_string(),
            "dev" => "@".to_string(),
            _ => p,
        };
        if p.is_empty() || p == "." {
            continue;
        }
        if p.as_bytes()[0].is_ascii_digit() {
            push(format!("{p:0>8}"), &mut parts);
        } else {
            push(format!("*{p}"), &mut parts);
        }
    }
    push("*final".to_string(), &mut parts);
    parts
}

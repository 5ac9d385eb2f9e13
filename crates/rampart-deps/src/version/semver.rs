//! Semantic versioning precedence (crates.io, npm, Hex, SwiftURL, Go), strict where both sides
//! parse and a lenient reading otherwise.

use super::{is_num, num_cmp};
use std::cmp::Ordering;

/// A version read leniently as semver: any number of numeric components, an optional leading
/// `v`, and the rest (pre-release and build) as one string.
#[derive(Debug, Clone)]
pub(super) struct SemverLike {
    pub(super) components: Vec<Box<str>>,
    pub(super) rest: Box<str>,
}

pub(super) fn semver_like(s: &str, max_components: usize) -> SemverLike {
    let s = s.strip_prefix('v').unwrap_or(s);
    let bytes = s.as_bytes();
    let mut components: Vec<Box<str>> = Vec::new();
    let mut i = 0;
    let mut rest_start = bytes.len();
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i > start {
            components.push(s[start..i].into());
        }
        if i < bytes.len() {
            if bytes[i] == b'.' {
                i += 1;
                continue;
            }
            rest_start = i;
            break;
        }
    }
    let mut rest = String::new();
    if components.len() > max_components {
        for c in &components[max_components..] {
            rest.push('.');
            rest.push_str(c);
        }
        components.truncate(max_components);
    }
    let mut out = String::from(&s[rest_start.min(s.len())..]);
    if !rest.is_empty() {
        // Extra numeric components count as part of the build string.
        rest.push_str(&out);
        out = rest;
    }
    SemverLike {
        components,
        rest: out.into(),
    }
}

pub(super) fn components_cmp(a: &[Box<str>], b: &[Box<str>]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).map(|c| &**c).unwrap_or("0");
        let y = b.get(i).map(|c| &**c).unwrap_or("0");
        match num_cmp(x, y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
}

/// Compares pre-release strings as semver does (build metadata after `+` ignored).
pub(super) fn prerelease_cmp(a: &str, b: &str) -> Ordering {
    let a = a.split('+').next().unwrap_or("");
    let b = b.split('+').next().unwrap_or("");
    let a = a.strip_prefix('-').unwrap_or(a);
    let b = b.strip_prefix('-').unwrap_or(b);
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let (mut xs, mut ys) = (a.split('.'), b.split('.'));
    loop {
        let (x, y) = match (xs.next(), ys.next()) {
            (Some(x), Some(y)) => (x, y),
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
        };
        let o = match (is_num(x), is_num(y)) {
            (true, true) => num_cmp(x, y),
            (false, false) => x.cmp(y),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
}

/// Semver precedence; strict semver when both parse, a lenient reading otherwise
/// (leading `v`, fewer or more than three components, Go's `+incompatible`).
pub fn semver_cmp(a: &str, b: &str) -> Ordering {
    let sa = semver::Version::parse(a.strip_prefix('v').unwrap_or(a));
    let sb = semver::Version::parse(b.strip_prefix('v').unwrap_or(b));
    if let (Ok(x), Ok(y)) = (&sa, &sb) {
        return x.cmp_precedence(y);
    }
    let x = semver_like(a, 3);
    let y = semver_like(b, 3);
    components_cmp(&x.components, &y.components).then_with(|| prerelease_cmp(&x.rest, &y.rest))
}

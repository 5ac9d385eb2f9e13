//! Version ordering, one comparator per ecosystem.
//!
//! Every comparator is total and never fails: a version that does not follow its ecosystem's
//! grammar is still ordered (the way that ecosystem's own tools or OSV's reference implementation
//! order it), so a malformed version in a lockfile or an advisory never stops a scan.

use crate::ecosystem::Ecosystem;
use std::cmp::Ordering;
use std::str::FromStr;

/// Compares two versions of `eco`.
pub fn compare(eco: Ecosystem, a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim(), b.trim());
    match eco {
        Ecosystem::CratesIo | Ecosystem::Npm | Ecosystem::Hex | Ecosystem::SwiftUrl => {
            semver_cmp(a, b)
        }
        Ecosystem::Go => semver_cmp(a, b),
        Ecosystem::PyPI => pypi_cmp(a, b),
        Ecosystem::Maven => maven_cmp(a, b),
        Ecosystem::RubyGems => rubygems_cmp(a, b),
        Ecosystem::Packagist => packagist_cmp(a, b),
        Ecosystem::NuGet => nuget_cmp(a, b),
        Ecosystem::Pub => pub_cmp(a, b),
        Ecosystem::Debian => debian_cmp(a, b),
        Ecosystem::Alpine => alpine_cmp(a, b),
    }
}

/// Compares two strings of ASCII digits as unbounded non-negative integers.
fn num_cmp(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn is_num(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

// ---------------------------------------------------------------------------------------------
// SemVer (crates.io, npm, Hex, SwiftURL, Go)

/// A version read leniently as semver: any number of numeric components, an optional leading
/// `v`, and the rest (pre-release and build) as one string.
#[derive(Debug, Clone)]
struct SemverLike {
    components: Vec<Box<str>>,
    rest: Box<str>,
}

fn semver_like(s: &str, max_components: usize) -> SemverLike {
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

fn components_cmp(a: &[Box<str>], b: &[Box<str>]) -> Ordering {
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
fn prerelease_cmp(a: &str, b: &str) -> Ordering {
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

// ---------------------------------------------------------------------------------------------
// NuGet

fn nuget_key(s: &str) -> SemverLike {
    let mut k = semver_like(s, 4);
    k.rest = k.rest.to_ascii_lowercase().into();
    k
}

fn nuget_key_cmp(x: &SemverLike, y: &SemverLike) -> Ordering {
    components_cmp(&x.components, &y.components).then_with(|| prerelease_cmp(&x.rest, &y.rest))
}

fn nuget_cmp(a: &str, b: &str) -> Ordering {
    nuget_key_cmp(&nuget_key(a), &nuget_key(b))
}

// ---------------------------------------------------------------------------------------------
// Pub

fn pub_cmp(a: &str, b: &str) -> Ordering {
    pub_key_cmp(&semver_like(a, 3), &semver_like(b, 3))
}

fn pub_key_cmp(x: &SemverLike, y: &SemverLike) -> Ordering {
    components_cmp(&x.components, &y.components)
        .then_with(|| prerelease_cmp(&x.rest, &y.rest))
        .then_with(|| {
            let bx = x.rest.split_once('+').map(|p| p.1).unwrap_or("");
            let by = y.rest.split_once('+').map(|p| p.1).unwrap_or("");
            bx.cmp(by)
        })
}

// ---------------------------------------------------------------------------------------------
// PyPI (PEP 440, with pre-PEP 440 "legacy" versions ordered before every valid one)

fn pypi_cmp(a: &str, b: &str) -> Ordering {
    let va = pep440_rs::Version::from_str(a);
    let vb = pep440_rs::Version::from_str(b);
    match (va, vb) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Greater,
        (Err(_), Ok(_)) => Ordering::Less,
        (Err(_), Err(_)) => legacy_key(a).cmp(&legacy_key(b)),
    }
}

/// The ordering key setuptools/packaging used for versions that are not PEP 440.
fn legacy_key(v: &str) -> Vec<String> {
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

// ---------------------------------------------------------------------------------------------
// Maven (ComparableVersion)

#[derive(Debug, Clone, PartialEq, Eq)]
struct MavenToken {
    /// `.` or `-` (the first token counts as `.`-less, stored as "").
    prefix: char,
    value: String,
    null: bool,
}

fn maven_tokens(s: &str) -> Vec<MavenToken> {
    let mut tokens: Vec<MavenToken> = Vec::new();
    let lower = s.to_ascii_lowercase();
    let mut prefix = ' ';
    for raw in split_keep(&lower, &['.', '-']) {
        match raw {
            Piece::Sep(c) => prefix = c,
            Piece::Text(t) => {
                // Split on digit/non-digit transitions, each new piece prefixed with `-`.
                let bytes = t.as_bytes();
                let mut start = 0;
                let mut first = true;
                for i in 1..=bytes.len() {
                    let boundary = i == bytes.len()
                        || bytes[i].is_ascii_digit() != bytes[i - 1].is_ascii_digit();
                    if !boundary {
                        continue;
                    }
                    let mut cur = t[start..i].to_string();
                    let followed_by_more = i != bytes.len();
                    if cur.is_empty() {
                        cur = "0".to_string();
                    }
                    cur = match cur.as_str() {
                        "cr" => "rc".to_string(),
                        "ga" | "final" | "release" => String::new(),
                        "a" if followed_by_more => "alpha".to_string(),
                        "b" if followed_by_more => "beta".to_string(),
                        "m" if followed_by_more => "milestone".to_string(),
                        _ => cur,
                    };
                    if is_num(&cur) {
                        let trimmed = cur.trim_start_matches('0');
                        cur = if trimmed.is_empty() {
                            "0".into()
                        } else {
                            trimmed.into()
                        };
                    }
                    tokens.push(MavenToken {
                        prefix: if first { prefix } else { '-' },
                        value: cur,
                        null: false,
                    });
                    first = false;
                    start = i;
                }
                if bytes.is_empty() {
                    tokens.push(MavenToken {
                        prefix,
                        value: "0".into(),
                        null: false,
                    });
                }
            }
        }
    }
    // Trim trailing null values (0, "", final, ga) before each hyphen, from the end.
    let trim = |t: &MavenToken| t.value == "0" || t.value.is_empty();
    let mut i = tokens.len() as isize - 1;
    while i > 0 {
        let iu = i as usize;
        if trim(&tokens[iu]) {
            tokens.remove(iu);
            i -= 1;
            continue;
        }
        while i >= 0 && tokens[i as usize].prefix != '-' {
            i -= 1;
        }
        i -= 1;
    }
    tokens
}

enum Piece<'a> {
    Sep(char),
    Text(&'a str),
}

fn split_keep<'a>(s: &'a str, seps: &[char]) -> Vec<Piece<'a>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if seps.contains(&c) {
            out.push(Piece::Text(&s[start..i]));
            out.push(Piece::Sep(c));
            start = i + c.len_utf8();
        }
    }
    out.push(Piece::Text(&s[start..]));
    out
}

const MAVEN_KEYWORDS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

fn maven_qualifier_order(t: &MavenToken) -> u8 {
    let num = is_num(&t.value);
    match (num, t.prefix) {
        (true, '-') => 2,
        (true, _) => 3,
        (false, '-') => 1,
        (false, _) => 0,
    }
}

fn maven_token_less(v: &MavenToken, w: &MavenToken) -> bool {
    let vp = if v.prefix == '-' { '-' } else { '.' };
    let wp = if w.prefix == '-' { '-' } else { '.' };
    if vp == wp {
        let (vn, wn) = (is_num(&v.value), is_num(&w.value));
        if vn && wn {
            return num_cmp(&v.value, &w.value) == Ordering::Less;
        }
        if vn && !v.null {
            return false;
        }
        if wn && !w.null {
            return true;
        }
        let li = MAVEN_KEYWORDS
            .iter()
            .position(|k| *k == v.value)
            .unwrap_or(MAVEN_KEYWORDS.len());
        let ri = MAVEN_KEYWORDS
            .iter()
            .position(|k| *k == w.value)
            .unwrap_or(MAVEN_KEYWORDS.len());
        if li == MAVEN_KEYWORDS.len() && ri == MAVEN_KEYWORDS.len() {
            return v.value < w.value;
        }
        return li < ri;
    }
    maven_qualifier_order(v) < maven_qualifier_order(w)
}

fn maven_null(other: &MavenToken) -> MavenToken {
    if other.prefix == '-' {
        MavenToken {
            prefix: '-',
            value: String::new(),
            null: true,
        }
    } else {
        MavenToken {
            prefix: '.',
            value: if other.value == "sp" {
                String::new()
            } else {
                "0".into()
            },
            null: true,
        }
    }
}

fn maven_cmp(a: &str, b: &str) -> Ordering {
    maven_tokens_cmp(&maven_tokens(a), &maven_tokens(b))
}

fn maven_tokens_cmp(x: &[MavenToken], y: &[MavenToken]) -> Ordering {
    let same = |p: &MavenToken, q: &MavenToken| {
        let pp = if p.prefix == '-' { '-' } else { '.' };
        let qp = if q.prefix == '-' { '-' } else { '.' };
        pp == qp && p.value == q.value
    };
    if x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q)) {
        return Ordering::Equal;
    }
    for i in 0..x.len().max(y.len()) {
        let (l_null, r_null);
        let l = match x.get(i) {
            Some(t) => t,
            None => {
                l_null = maven_null(&y[i]);
                &l_null
            }
        };
        let r = match y.get(i) {
            Some(t) => t,
            None => {
                r_null = maven_null(&x[i]);
                &r_null
            }
        };
        if same(l, r) {
            continue;
        }
        return if maven_token_less(l, r) {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    Ordering::Equal
}

// ---------------------------------------------------------------------------------------------
// RubyGems

fn rubygems_segments(s: &str) -> Vec<String> {
    // Canonicalise: a `.` between every digit/non-digit transition.
    let mut canon = String::with_capacity(s.len() + 4);
    let mut prev_digit = true;
    let mut check = false;
    for c in s.chars() {
        if c == '.' {
            check = false;
            canon.push('.');
            continue;
        }
        let d = c.is_ascii_digit();
        if check && prev_digit != d {
            canon.push('.');
        }
        canon.push(c);
        prev_digit = d;
        check = true;
    }
    let mut numbers: Vec<String> = Vec::new();
    let mut build: Vec<String> = Vec::new();
    for seg in canon.split('.') {
        if !build.is_empty() || !is_num(seg) {
            build.push(seg.to_string());
        } else {
            numbers.push(seg.to_string());
        }
    }
    let strip = |v: &mut Vec<String>| {
        while v.last().is_some_and(|s| s == "0") {
            v.pop();
        }
    };
    strip(&mut numbers);
    strip(&mut build);
    numbers.extend(build);
    numbers
}

fn rubygems_cmp(a: &str, b: &str) -> Ordering {
    rubygems_segments_cmp(&rubygems_segments(a), &rubygems_segments(b))
}

fn rubygems_segments_cmp(x: &[String], y: &[String]) -> Ordering {
    for i in 0..x.len().max(y.len()) {
        let p = x.get(i).map(String::as_str).unwrap_or("0");
        let q = y.get(i).map(String::as_str).unwrap_or("0");
        let o = match (is_num(p), is_num(q)) {
            (true, true) => num_cmp(p, q),
            (false, false) => p.cmp(q),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

// ---------------------------------------------------------------------------------------------
// Packagist (PHP version_compare after Composer's normalisation)

fn packagist_components(s: &str) -> Vec<String> {
    let s = s
        .strip_prefix('v')
        .or_else(|| s.strip_prefix('V'))
        .unwrap_or(s);
    let mut canon = String::with_capacity(s.len() + 4);
    let mut prev: Option<char> = None;
    for c in s.chars() {
        let c = if matches!(c, '-' | '_' | '+') { '.' } else { c };
        if let Some(p) = prev {
            let pd = p.is_ascii_digit();
            let cd = c.is_ascii_digit();
            if p != '.' && c != '.' && pd != cd {
                canon.push('.');
            }
        }
        canon.push(c);
        prev = Some(c);
    }
    canon.split('.').map(str::to_string).collect()
}

fn packagist_weight(s: &str) -> u8 {
    if s.starts_with("RC") {
        return 3;
    }
    for (i, sp) in ["dev", "a", "b", "rc", "#", "p"].iter().enumerate() {
        if s.starts_with(sp) {
            return i as u8;
        }
    }
    0
}

fn packagist_list_cmp(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b.iter()) {
        let o = match (is_num(x), is_num(y)) {
            (true, true) => num_cmp(x, y),
            (false, false) => packagist_weight(x).cmp(&packagist_weight(y)),
            (true, false) => packagist_weight("#").cmp(&packagist_weight(y)),
            (false, true) => packagist_weight(x).cmp(&packagist_weight("#")),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    let hash = ["#".to_string()];
    match a.len().cmp(&b.len()) {
        Ordering::Greater => {
            if is_num(&a[b.len()]) {
                Ordering::Greater
            } else {
                packagist_list_cmp(&a[b.len()..], &hash)
            }
        }
        Ordering::Less => {
            if is_num(&b[a.len()]) {
                Ordering::Less
            } else {
                packagist_list_cmp(&hash, &b[a.len()..])
            }
        }
        Ordering::Equal => Ordering::Equal,
    }
}

fn packagist_cmp(a: &str, b: &str) -> Ordering {
    packagist_list_cmp(&packagist_components(a), &packagist_components(b))
}

// ---------------------------------------------------------------------------------------------
// Debian (dpkg)

fn debian_split(v: &str) -> (&str, &str, &str) {
    let (epoch, rest) = match v.split_once(':') {
        Some((e, r)) if is_num(e) => (e, r),
        _ => ("0", v),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((u, r)) => (u, r),
        None => (rest, ""),
    };
    (epoch, upstream, revision)
}

fn dpkg_order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => c as i32,
        Some(c) => c as i32 + 256,
    }
}

fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = dpkg_order(a.get(i).copied().filter(|c| !c.is_ascii_digit()));
            let bc = dpkg_order(b.get(j).copied().filter(|c| !c.is_ascii_digit()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            if i < a.len() && !a[i].is_ascii_digit() {
                i += 1;
            }
            if j < b.len() && !b[j].is_ascii_digit() {
                j += 1;
            }
        }
        let si = i;
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        let sj = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        // Both digit runs are ASCII, so these slices are valid UTF-8.
        let x = std::str::from_utf8(&a[si..i]).unwrap_or("0");
        let y = std::str::from_utf8(&b[sj..j]).unwrap_or("0");
        match num_cmp(x, y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
}

fn debian_cmp(a: &str, b: &str) -> Ordering {
    let (ea, ua, ra) = debian_split(a);
    let (eb, ub, rb) = debian_split(b);
    num_cmp(ea, eb)
        .then_with(|| verrevcmp(ua, ub))
        .then_with(|| verrevcmp(ra, rb))
}

// ---------------------------------------------------------------------------------------------
// Alpine (apk)

#[derive(Debug, Default)]
struct ApkVersion<'a> {
    numbers: Vec<&'a str>,
    letter: Option<u8>,
    suffixes: Vec<(u8, &'a str)>,
    build: &'a str,
    remainder: &'a str,
    invalid: bool,
}

const APK_SUFFIXES: [&str; 9] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];

fn apk_suffix_weight(s: &str) -> u8 {
    match s {
        "alpha" => 0,
        "beta" => 1,
        "pre" => 2,
        "rc" => 3,
        "cvs" => 5,
        "svn" => 6,
        "git" => 7,
        "hg" => 8,
        _ => 9,
    }
}

fn parse_apk(s: &str) -> ApkVersion<'_> {
    let mut v = ApkVersion::default();
    let b = s.as_bytes();
    let mut i = 0;
    // numbers: (\d+\.?)*
    loop {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            break;
        }
        v.numbers.push(&s[start..i]);
        if i < b.len() && b[i] == b'.' {
            i += 1;
        } else {
            break;
        }
    }
    if i < b.len() && b[i].is_ascii_lowercase() {
        v.letter = Some(b[i]);
        i += 1;
    }
    // suffixes: _name\d*
    'outer: while i < b.len() && b[i] == b'_' {
        for name in APK_SUFFIXES {
            if s[i + 1..].starts_with(name) {
                let mut j = i + 1 + name.len();
                let ns = j;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                let num = if j > ns { &s[ns..j] } else { "0" };
                v.suffixes.push((apk_suffix_weight(name), num));
                i = j;
                continue 'outer;
            }
        }
        break;
    }
    // hash: ~[0-9a-f]+
    if i < b.len() && b[i] == b'~' {
        let mut j = i + 1;
        while j < b.len() && (b[j].is_ascii_digit() || (b'a'..=b'f').contains(&b[j])) {
            j += 1;
        }
        if j > i + 1 {
            i = j;
        }
    }
    v.build = "0";
    if i < b.len() {
        if s[i..].starts_with("-r") {
            let mut j = i + 2;
            let ns = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            v.build = if j > ns { &s[ns..j] } else { "0" };
            i = j;
        } else {
            v.invalid = true;
        }
    }
    v.remainder = &s[i..];
    v
}

fn alpine_cmp(a: &str, b: &str) -> Ordering {
    let x = parse_apk(a);
    let y = parse_apk(b);
    if x.invalid && y.invalid {
        return a.cmp(b);
    }
    for i in 0..x.numbers.len().max(y.numbers.len()) {
        let p = x.numbers.get(i).copied().unwrap_or("0");
        let q = y.numbers.get(i).copied().unwrap_or("0");
        let o = if i != 0 && (p.starts_with('0') || q.starts_with('0')) {
            p.cmp(q)
        } else {
            num_cmp(p, q)
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    let o = match (x.letter, y.letter) {
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (p, q) => p.cmp(&q),
    };
    if o != Ordering::Equal {
        return o;
    }
    for i in 0..x.suffixes.len().max(y.suffixes.len()) {
        let p = x.suffixes.get(i).copied().unwrap_or((4, "0"));
        let q = y.suffixes.get(i).copied().unwrap_or((4, "0"));
        let o = p.0.cmp(&q.0).then_with(|| num_cmp(p.1, q.1));
        if o != Ordering::Equal {
            return o;
        }
    }
    let o = num_cmp(x.build, y.build);
    if o != Ordering::Equal {
        return o;
    }
    match (x.remainder.is_empty(), y.remainder.is_empty()) {
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => Ordering::Equal,
    }
}

// ---------------------------------------------------------------------------------------------
// Versions parsed once

/// Which ordering a comparison uses: a SEMVER range's, or an ecosystem's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparator {
    /// [`semver_cmp`], whatever the ecosystem (OSV `SEMVER` ranges).
    Semver,
    /// [`compare`] with this ecosystem (OSV `ECOSYSTEM` ranges, listed versions).
    Ecosystem(Ecosystem),
}

impl Comparator {
    /// Compares two version strings.
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        match self {
            Comparator::Semver => semver_cmp(a, b),
            Comparator::Ecosystem(e) => compare(e, a, b),
        }
    }

    /// Parses a version once, for many comparisons with [`Parsed::compare`].
    pub fn parse(self, s: &str) -> Parsed {
        let (eco, s) = match self {
            Comparator::Semver => (None, s),
            Comparator::Ecosystem(e) => (Some(e), s.trim()),
        };
        Parsed(match eco {
            None
            | Some(
                Ecosystem::CratesIo
                | Ecosystem::Npm
                | Ecosystem::Hex
                | Ecosystem::SwiftUrl
                | Ecosystem::Go,
            ) => Repr::Semver(Box::new((
                semver::Version::parse(s.strip_prefix('v').unwrap_or(s)).ok(),
                semver_like(s, 3),
            ))),
            Some(Ecosystem::PyPI) => match pep440_rs::Version::from_str(s) {
                Ok(v) => Repr::Pep440(v),
                Err(_) => Repr::Legacy(legacy_key(s)),
            },
            Some(Ecosystem::NuGet) => Repr::NuGet(Box::new(nuget_key(s))),
            Some(Ecosystem::Pub) => Repr::Pub(Box::new(semver_like(s, 3))),
            Some(Ecosystem::Maven) => Repr::Maven(maven_tokens(s)),
            Some(Ecosystem::RubyGems) => Repr::RubyGems(rubygems_segments(s)),
            Some(Ecosystem::Packagist) => Repr::Packagist(packagist_components(s)),
            Some(Ecosystem::Debian) => Repr::Debian(s.into()),
            Some(Ecosystem::Alpine) => Repr::Alpine(s.into()),
        })
    }
}

/// A version parsed for one [`Comparator`]. Between two values parsed for the same comparator,
/// [`Parsed::compare`] is exactly that comparator on the original strings (tested on every line of
/// the version tables), without re-reading them.
#[derive(Debug, Clone)]
pub struct Parsed(Repr);

#[derive(Debug, Clone)]
enum Repr {
    /// Strict semver when it parses, and the lenient reading used when either side is not.
    Semver(Box<(Option<semver::Version>, SemverLike)>),
    Pep440(pep440_rs::Version),
    Legacy(Vec<String>),
    NuGet(Box<SemverLike>),
    Pub(Box<SemverLike>),
    Maven(Vec<MavenToken>),
    RubyGems(Vec<String>),
    Packagist(Vec<String>),
    Debian(Box<str>),
    Alpine(Box<str>),
}

impl Repr {
    fn rank(&self) -> u8 {
        match self {
            Repr::Semver(_) => 0,
            Repr::Legacy(_) => 1,
            Repr::Pep440(_) => 2,
            Repr::NuGet(_) => 3,
            Repr::Pub(_) => 4,
            Repr::Maven(_) => 5,
            Repr::RubyGems(_) => 6,
            Repr::Packagist(_) => 7,
            Repr::Debian(_) => 8,
            Repr::Alpine(_) => 9,
        }
    }
}

impl Parsed {
    /// Compares with a version parsed for the same comparator.
    pub fn compare(&self, other: &Parsed) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Semver(x), Repr::Semver(y)) => match (&x.0, &y.0) {
                (Some(a), Some(b)) => a.cmp_precedence(b),
                _ => components_cmp(&x.1.components, &y.1.components)
                    .then_with(|| prerelease_cmp(&x.1.rest, &y.1.rest)),
            },
            (Repr::Pep440(x), Repr::Pep440(y)) => x.cmp(y),
            (Repr::Legacy(x), Repr::Legacy(y)) => x.cmp(y),
            (Repr::NuGet(x), Repr::NuGet(y)) => nuget_key_cmp(x, y),
            (Repr::Pub(x), Repr::Pub(y)) => pub_key_cmp(x, y),
            (Repr::Maven(x), Repr::Maven(y)) => maven_tokens_cmp(x, y),
            (Repr::RubyGems(x), Repr::RubyGems(y)) => rubygems_segments_cmp(x, y),
            (Repr::Packagist(x), Repr::Packagist(y)) => packagist_list_cmp(x, y),
            (Repr::Debian(x), Repr::Debian(y)) => debian_cmp(x, y),
            (Repr::Alpine(x), Repr::Alpine(y)) => alpine_cmp(x, y),
            // Parsed for different comparators (a caller's mistake): still a total order,
            // with PyPI legacy versions before PEP 440 ones.
            (x, y) => x.rank().cmp(&y.rank()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_pseudo_and_incompatible() {
        assert_eq!(
            compare(Ecosystem::Go, "v2.0.0+incompatible", "2.0.0"),
            Ordering::Equal
        );
        assert_eq!(
            compare(Ecosystem::Go, "v0.0.0-20200101000000-abcdef123456", "0.0.1"),
            Ordering::Less
        );
        assert_eq!(
            compare(
                Ecosystem::Go,
                "v1.2.4-0.20200101000000-abcdef123456",
                "v1.2.3"
            ),
            Ordering::Greater
        );
    }

    #[test]
    fn maven_basics() {
        assert_eq!(maven_cmp("1.0-SNAPSHOT", "1.0"), Ordering::Less);
        assert_eq!(maven_cmp("1.0.0", "1"), Ordering::Equal);
    }
}

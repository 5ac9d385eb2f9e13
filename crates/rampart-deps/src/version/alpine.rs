//! Alpine ordering (apk: numbers, letter, suffixes, build).

use super::num_cmp;
use std::cmp::Ordering;

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

pub(super) fn alpine_cmp(a: &str, b: &str) -> Ordering {
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

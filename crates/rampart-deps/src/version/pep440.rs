//! PyPI ordering: PEP 440 (`pep440_rs`), with pre-PEP 440 "legacy" versions ordered before every
//! valid one.

use std::cmp::Ordering;
use std::str::FromStr;

pub(super) fn pypi_cmp(a: &str, b: &str) -> Ordering {
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

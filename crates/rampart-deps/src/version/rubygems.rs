//! RubyGems ordering (`Gem::Version`).

use super::{is_num, num_cmp};
use std::cmp::Ordering;

pub(super) fn rubygems_segments(s: &str) -> Vec<String> {
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

pub(super) fn rubygems_cmp(a: &str, b: &str) -> Ordering {
    rubygems_segments_cmp(&rubygems_segments(a), &rubygems_segments(b))
}

pub(super) fn rubygems_segments_cmp(x: &[String], y: &[String]) -> Ordering {
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

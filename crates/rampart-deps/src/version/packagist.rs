//! Packagist ordering: PHP `version_compare` after Composer's normalisation.

use super::{is_num, num_cmp};
use std::cmp::Ordering;

pub(super) fn packagist_components(s: &str) -> Vec<String> {
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

pub(super) fn packagist_list_cmp(a: &[String], b: &[String]) -> Ordering {
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

pub(super) fn packagist_cmp(a: &str, b: &str) -> Ordering {
    packagist_list_cmp(&packagist_components(a), &packagist_components(b))
}

//! Maven ordering (`ComparableVersion`).

use super::{is_num, num_cmp};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MavenToken {
    /// `.` or `-` (the first token counts as `.`-less, stored as "").
    prefix: char,
    value: String,
    null: bool,
}

pub(super) fn maven_tokens(s: &str) -> Vec<MavenToken> {
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

pub(super) fn maven_cmp(a: &str, b: &str) -> Ordering {
    maven_tokens_cmp(&maven_tokens(a), &maven_tokens(b))
}

pub(super) fn maven_tokens_cmp(x: &[MavenToken], y: &[MavenToken]) -> Ordering {
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

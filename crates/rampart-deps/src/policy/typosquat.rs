//! Typosquatting: a dependency whose name is one edit (Damerau-Levenshtein: insertion,
//! deletion, substitution or swap of neighbours) or one common confusion (`-`/`_`/`.` dropped,
//! `0`/`o`, `1`/`l`, `rn`/`m`) away from a popular package of the same ecosystem, and not itself
//! popular. The popular names are data (`popular/*.txt`, sources in `popular/SOURCE.md`).

use crate::ecosystem::Ecosystem;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Popular names shorter than this are not compared (`ms`, `qs`, `six`: every short name is
/// one edit from many others).
pub const MIN_POPULAR_LEN: usize = 5;

const LISTS: [(Ecosystem, &str); 3] = [
    (Ecosystem::Npm, include_str!("popular/npm.txt")),
    (Ecosystem::PyPI, include_str!("popular/pypi.txt")),
    (Ecosystem::CratesIo, include_str!("popular/crates.io.txt")),
];

/// One ecosystem's popular names: all of them, and by length those long enough to compare.
struct Popular {
    all: HashSet<String>,
    by_len: HashMap<usize, Vec<String>>,
    confusable: HashMap<String, String>,
}

static POPULAR: LazyLock<HashMap<Ecosystem, Popular>> = LazyLock::new(|| {
    LISTS
        .iter()
        .map(|(eco, text)| {
            let mut p = Popular {
                all: HashSet::new(),
                by_len: HashMap::new(),
                confusable: HashMap::new(),
            };
            for name in names(text) {
                let n = key(*eco, name);
                if n.chars().count() >= MIN_POPULAR_LEN {
                    p.by_len
                        .entry(n.chars().count())
                        .or_default()
                        .push(n.clone());
                    p.confusable.insert(confusable(&n), n.clone());
                }
                p.all.insert(n);
            }
            (*eco, p)
        })
        .collect()
});

/// The names of a list file (comments and blank lines skipped).
pub fn names(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The ecosystems with a list.
pub fn ecosystems() -> impl Iterator<Item = Ecosystem> {
    LISTS.iter().map(|(e, _)| *e)
}

/// A name as compared: the registry's own normalisation, lower case.
fn key(eco: Ecosystem, name: &str) -> String {
    eco.normalise_name(name).to_ascii_lowercase()
}

/// A name with the common confusions folded: separators dropped, `0`→`o`, `1`→`l`, `rn`→`m`.
fn confusable(name: &str) -> String {
    name.replace("rn", "m")
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' => 'l',
            _ => c,
        })
        .collect()
}

/// The popular package `name` imitates, if any.
pub fn imitates(eco: Ecosystem, name: &str) -> Option<&'static str> {
    let popular = POPULAR.get(&eco)?;
    let n = key(eco, name);
    if popular.all.contains(&n) {
        return None;
    }
    let len = n.chars().count();
    let near = (len.saturating_sub(1)..=len + 1)
        .filter_map(|l| popular.by_len.get(&l))
        .flatten()
        .find(|p| osa_distance(&n, p) <= 1);
    if let Some(p) = near {
        return Some(p.as_str());
    }
    popular
        .confusable
        .get(&confusable(&n))
        .filter(|p| **p != n)
        .map(String::as_str)
}

/// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a
/// substring), over characters.
pub fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(osa_distance("lodash", "lodash"), 0);
        assert_eq!(osa_distance("lodahs", "lodash"), 1, "swap");
        assert_eq!(osa_distance("lodas", "lodash"), 1, "deletion");
        assert_eq!(osa_distance("lodassh", "lodash"), 1, "insertion");
        assert_eq!(osa_distance("lodesh", "lodash"), 1, "substitution");
        assert_eq!(osa_distance("ldoahs", "lodash"), 2);
    }

    #[test]
    fn squats_of_listed_names() {
        assert_eq!(imitates(Ecosystem::Npm, "lodahs"), Some("lodash"));
        assert_eq!(imitates(Ecosystem::Npm, "lodash"), None, "popular itself");
        assert_eq!(imitates(Ecosystem::PyPI, "reqeusts"), Some("requests"));
        assert_eq!(
            imitates(Ecosystem::PyPI, "Requests"),
            None,
            "normalised, then popular"
        );
        assert_eq!(imitates(Ecosystem::PyPI, "request"), Some("requests"));
        assert_eq!(
            imitates(Ecosystem::CratesIo, "serde_jsno"),
            Some("serde_json")
        );
        assert_eq!(imitates(Ecosystem::CratesIo, "rustls"), None);
        // Confusions beyond one edit: `rn` for `m`, separators.
        assert_eq!(imitates(Ecosystem::PyPI, "nurnpy"), Some("numpy"));
        assert_eq!(imitates(Ecosystem::Npm, "lo-da-sh"), Some("lodash"));
        assert_eq!(imitates(Ecosystem::Npm, "totally-unrelated-name"), None);
        assert_eq!(imitates(Ecosystem::Maven, "anything"), None, "no list");
    }

    #[test]
    fn lists_are_well_formed() {
        for (eco, text) in LISTS {
            let list: Vec<&str> = names(text).collect();
            assert!(list.len() >= 400, "{eco}: {}", list.len());
            assert!(
                text.starts_with("# "),
                "{eco}: the first line names the source"
            );
            for n in &list {
                assert!(!n.contains(char::is_whitespace), "{eco}: `{n}`");
            }
            let unique: HashSet<&&str> = list.iter().collect();
            assert_eq!(unique.len(), list.len(), "{eco}: duplicates");
        }
    }
}

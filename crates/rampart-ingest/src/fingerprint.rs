//! Fingerprints of SARIF results: what the tool gives, when it survives lines moving, else one
//! computed from the rule, path and content, never from line numbers.
//!
//! Order (first usable wins; `partialFingerprints` is searched before `fingerprints`):
//!
//! 1. a key starting with `rampart` (`rampartFingerprint/v1`): rampart's own fingerprint, taken
//!    as it is, so a rampart SARIF upload matches the same scan's rampart JSON upload;
//! 2. `matchBasedId/v1` (semgrep, in `fingerprints`): semgrep's hash of rule, path and matched
//!    code, taken as it is. Semgrep without a login writes the placeholder `requires login`;
//! 3. `primaryLocationLineHash` when it has CodeQL's shape `<hex>:<n>` (CodeQL, codeql-action
//!    for any uploaded tool, trivy): a rolling hash of the ~100 non-blank characters from the
//!    start of the line plus an occurrence count, so it moves with the code. It does not name
//!    the file, so it is hashed with rule and path (and `primaryLocationStartColumnFingerprint`
//!    when present). Values of any other shape are ignored: tools fill this key with their own
//!    values, some made from the line number;
//! 4. any other key of `fingerprints` (SARIF's stable fingerprints), in key order, hashed with
//!    rule and path. Other `partialFingerprints` keys are ignored: nothing says they are stable.
//!
//! A value that is empty or holds white space (`requires login`) is not a fingerprint. A key
//! of rule 1, 2 that gives the same value to findings of one rule in different files is not an
//! identity and is ignored for the whole run (with a warning).
//!
//! Otherwise: `fingerprint(rule, path, normalise(snippet))` — rampart's own formula, the first
//! 16 bytes of `sha256(rule ‖ 0 ‖ path ‖ 0 ‖ key)` in hex — or, without a snippet, the same over
//! the normalised message with its digits removed. Findings of one run with the same such
//! fingerprint get `:2`, `:3`… in line order, as rampart numbers repeated matches.

use crate::Imported;
use crate::json::{Entries, Field};
use crate::limits::{self, Warnings};
use rampart_core::fingerprint::{fingerprint, normalise};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// A fingerprint a result offers.
struct Offer<'d> {
    rank: u8,
    key: &'d str,
    value: &'d str,
    /// Taken as it is (ranks 1–2), rather than hashed with rule and path.
    raw: bool,
}

/// A converted result waiting for its fingerprint (chosen once the whole run is read).
pub(crate) struct Pending<'d> {
    pub(crate) finding: Imported,
    offers: Vec<Offer<'d>>,
    column: Option<&'d str>,
    snippet: &'d str,
    message: Cow<'d, str>,
}

type Map<'d> = Field<Entries<'d, Cow<'d, str>>>;

/// The CodeQL shape of `primaryLocationLineHash`: 1–16 hex digits, `:`, a count.
fn codeql_shaped(v: &str) -> bool {
    v.split_once(':').is_some_and(|(h, n)| {
        (1..=16).contains(&h.len())
            && h.bytes().all(|b| b.is_ascii_hexdigit())
            && !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
    })
}

impl<'d> Pending<'d> {
    pub(crate) fn new(
        finding: Imported,
        maps: [&'d Map<'d>; 2],
        snippet: &'d str,
        message: Cow<'d, str>,
        w: &mut Warnings,
        at: &dyn Fn(&str) -> String,
    ) -> Pending<'d> {
        let mut offers = Vec::new();
        let mut column = None;
        for (field, name) in maps
            .into_iter()
            .zip(["partialFingerprints", "fingerprints"])
        {
            w.wrong_type(field, "fingerprints", || at(&format!("/{name}")));
            for (key, value) in field.get().map_or(&[][..], |e| &e.0) {
                let key: &str = key;
                let ptr = || crate::sarif::fingerprint_pointer(&at(""), name, key);
                w.wrong_type(value, "fingerprint value", ptr);
                let Some(value) = value.str() else { continue };
                let (rank, raw) = match key {
                    k if k.starts_with("rampart") => (1, true),
                    "matchBasedId/v1" => (2, true),
                    "primaryLocationLineHash" if codeql_shaped(value) => (3, false),
                    "primaryLocationStartColumnFingerprint" => {
                        column = Some(value);
                        continue;
                    }
                    _ if name == "fingerprints" && key != "primaryLocationLineHash" => (4, false),
                    _ => continue,
                };
                if value.is_empty() || value.chars().any(char::is_whitespace) {
                    w.add("placeholder fingerprint", || {
                        format!("{}: `{value}` is not a fingerprint (empty or with white space); ignored", ptr())
                    });
                    continue;
                }
                offers.push(Offer {
                    rank,
                    key,
                    value,
                    raw,
                });
            }
        }
        offers.sort_by(|a, b| (a.rank, a.key).cmp(&(b.rank, b.key)));
        Pending {
            finding,
            offers,
            column,
            snippet,
            message,
        }
    }
}

/// Sets the fingerprint of every finding of one run.
pub(crate) fn assign<'d>(pending: &mut [Pending<'d>], w: &mut Warnings, run: usize) {
    // Raw keys that give one value to a rule's findings in different files are not identities.
    let mut bad: HashSet<&'d str> = HashSet::new();
    {
        let mut seen: HashMap<(&str, &str, &str), &str> = HashMap::new();
        for p in pending.iter() {
            for o in p.offers.iter().filter(|o| o.raw) {
                let path = p.finding.path.as_str();
                let first = *seen
                    .entry((p.finding.rule.as_str(), o.key, o.value))
                    .or_insert(path);
                if first != path && bad.insert(o.key) {
                    w.add("repeated fingerprint", || {
                        format!(
                            "/runs/{run}: fingerprint key `{}` gives `{}` to findings of rule `{}` in `{first}` and `{path}`; it is not an identity and is ignored for this run",
                            o.key, o.value, p.finding.rule
                        )
                    });
                }
            }
        }
    }
    let mut fallback: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in pending.iter_mut().enumerate() {
        let f = &mut p.finding;
        match p.offers.iter().find(|o| !bad.contains(o.key)) {
            Some(o) if o.raw => f.fingerprint = limits::bound_fingerprint(o.value),
            Some(o) => {
                let key = match (o.rank, p.column) {
                    (3, Some(c)) => format!("{}={}/{c}", o.key, o.value),
                    _ => format!("{}={}", o.key, o.value),
                };
                f.fingerprint = fingerprint(&f.rule, &f.path, &key);
            }
            None => {
                let key = if p.snippet.trim().is_empty() {
                    let m: String = p.message.chars().filter(|c| !c.is_ascii_digit()).collect();
                    normalise(&m)
                } else {
                    normalise(p.snippet)
                };
                f.fingerprint = fingerprint(&f.rule, &f.path, &key);
                fallback.entry(f.fingerprint.clone()).or_default().push(i);
            }
        }
    }
    for mut group in fallback.into_values().filter(|g| g.len() > 1) {
        group.sort_by_key(|&i| {
            (
                pending[i].finding.start_line,
                pending[i].finding.start_col,
                i,
            )
        });
        for (n, &i) in group.iter().enumerate().skip(1) {
            let f = &mut pending[i].finding;
            f.fingerprint = format!("{}:{}", f.fingerprint, n + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::codeql_shaped;

    #[test]
    fn knows_the_codeql_shape() {
        assert!(codeql_shaped("5c33da4dce53765f:1"));
        assert!(codeql_shaped("a50e3d4e70d33bd:12"));
        assert!(!codeql_shaped("5c33da4dce53765f"));
        assert!(!codeql_shaped("B105:src/a.py:12"));
        assert!(!codeql_shaped("0123456789abcdef0:1"));
        assert!(!codeql_shaped(":1"));
        assert!(!codeql_shaped("ab:"));
    }
}

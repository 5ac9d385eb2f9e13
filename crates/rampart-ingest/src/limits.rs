//! Bounds on what one upload may hold, and the warnings collected while reading it.

use std::collections::HashMap;

/// Largest upload read, in bytes (the server should refuse larger bodies before reading them).
pub const MAX_INPUT_BYTES: usize = 256 << 20;
/// Most findings in one upload (over all SARIF runs).
pub const MAX_FINDINGS: usize = 1_000_000;
/// Most components in one upload (nested CycloneDX components included).
pub const MAX_COMPONENTS: usize = 1_000_000;
/// Longest snippet kept, in characters (longer ones end with `…`).
pub const SNIPPET_MAX_CHARS: usize = 400;
/// Longest message kept, in characters (longer ones end with `…`).
pub const MESSAGE_MAX_CHARS: usize = 4_000;
/// Longest path kept, in bytes (cut on a character boundary).
pub const PATH_MAX_BYTES: usize = 4_096;
/// Longest title, rule id, tool name, component name or version kept, in characters.
pub const TEXT_MAX_CHARS: usize = 1_000;
/// Most CWE ids kept per finding.
pub const MAX_CWE: usize = 16;
/// Most licences kept per component.
pub const MAX_LICENSES: usize = 8;
/// Most steps of a SARIF code flow kept as a finding's trace (the first thread flow of the first
/// code flow); later steps are dropped with a warning.
pub const MAX_TRACE_STEPS: usize = 200;
/// Most SARIF code-flow steps read in one upload, over all its results: a step's parsed form
/// takes far more memory than its shortest JSON, so this bounds what the traces of a small
/// upload can take; steps past it are dropped with a warning.
pub const MAX_TRACE_STEPS_PER_UPLOAD: usize = 200_000;
/// Longest trace-step message or function name kept, in characters.
pub const TRACE_TEXT_MAX_CHARS: usize = 1_000;
/// Most code-frame (`context`) lines of a rampart finding kept.
pub const MAX_CONTEXT_LINES: usize = 41;
/// Longest code-frame line kept, in characters.
pub const CONTEXT_LINE_MAX_CHARS: usize = 1_000;
/// Longest fingerprint kept as given, in bytes; a longer one is replaced by `sha256:` and its hash.
pub const FINGERPRINT_MAX_BYTES: usize = 256;

/// Most JSON values kept as they are (`properties`, rampart's `trace`…) in one upload, each
/// array, object, string, number… counted once.
pub const MAX_KEPT_VALUES: usize = 4_000_000;
/// Memory the SARIF findings of one upload may take, in bytes, beyond [`output_budget`]'s
/// share per input byte: titles, CWE ids and help links are copied from a rule into each of
/// its findings, so a small log with many results of one rule could otherwise grow far beyond
/// its size.
pub const OUTPUT_BASE_BYTES: usize = 64 << 20;

/// What the findings read from an upload of `input_len` bytes may take in memory:
/// [`OUTPUT_BASE_BYTES`] plus four bytes per input byte (strings, the `Imported` structs, CWE
/// ids; not the `properties` kept, which [`MAX_KEPT_VALUES`] bounds).
pub fn output_budget(input_len: usize) -> usize {
    OUTPUT_BASE_BYTES.saturating_add(input_len.saturating_mul(4))
}

/// The memory left for findings (see [`output_budget`]).
pub(crate) struct Budget {
    left: usize,
    limit: usize,
}

impl Budget {
    pub(crate) fn new(input_len: usize) -> Budget {
        let limit = output_budget(input_len);
        Budget { left: limit, limit }
    }

    /// Counts one finding (its fingerprint, set later, at its longest).
    pub(crate) fn spend(&mut self, f: &crate::Imported) -> Result<(), crate::ImportError> {
        let extra = match &f.extra {
            serde_json::Value::Object(m) => {
                64 + m
                    .get("helpUri")
                    .and_then(|u| u.as_str())
                    .map_or(0, str::len)
                    + trace_cost(m.get("trace"))
            }
            _ => 0,
        };
        let cost = std::mem::size_of::<crate::Imported>()
            + f.tool.len()
            + f.rule.len()
            + FINGERPRINT_MAX_BYTES
            + f.title.len()
            + f.message.len()
            + f.path.len()
            + f.snippet.len()
            + f.cwe.iter().map(|c| 24 + c.len()).sum::<usize>()
            + extra;
        self.left =
            self.left
                .checked_sub(cost)
                .ok_or_else(|| {
                    crate::ImportError::TooLarge {
            what: "the findings would take more memory than the upload's size allows (titles, \
                   CWE ids and help links are copied from each rule into every one of its findings)"
                .into(),
            limit: format!("{} bytes for this upload (64 MiB + 4 per input byte)", self.limit),
        }
                })?;
        Ok(())
    }
}

/// What a SARIF trace (built by the importer, so not counted by [`MAX_KEPT_VALUES`]) takes:
/// a path may come from an artifact index, so a short step can stand for a long path.
fn trace_cost(trace: Option<&serde_json::Value>) -> usize {
    let Some(serde_json::Value::Array(steps)) = trace else {
        return 0;
    };
    steps
        .iter()
        .map(|s| {
            let len = |v: &serde_json::Value| v.as_str().map_or(0, str::len);
            256 + len(&s["location"]["path"]) + len(&s["message"]) + len(&s["function"])
        })
        .sum()
}

/// Warnings of one import: one line per kind, with how many times it happened.
#[derive(Default)]
pub(crate) struct Warnings {
    items: Vec<(String, usize)>,
    index: HashMap<&'static str, usize>,
}

impl Warnings {
    /// Records one occurrence of `kind`; `message` is built only for the first.
    pub(crate) fn add(&mut self, kind: &'static str, message: impl FnOnce() -> String) {
        match self.index.get(kind) {
            Some(&i) => self.items[i].1 += 1,
            None => {
                self.index.insert(kind, self.items.len());
                self.items.push((message(), 1));
            }
        }
    }

    /// A wrong-typed optional field: ignored, with a warning naming the first place.
    pub(crate) fn wrong_type<T: crate::json::Expected>(
        &mut self,
        field: &crate::json::Field<T>,
        kind: &'static str,
        pointer: impl FnOnce() -> String,
    ) {
        if let crate::json::Field::Wrong(found) = field {
            self.add(kind, || {
                format!(
                    "{}: found {}, expected {}; ignored",
                    pointer(),
                    found.describe(),
                    T::EXPECTED
                )
            });
        }
    }

    /// The warnings, in the order their kinds first occurred.
    pub(crate) fn finish(self) -> Vec<String> {
        self.items
            .into_iter()
            .map(|(m, n)| match n {
                1 => m,
                2 => format!("{m} (and once more like it)"),
                n => format!("{m} (and {} more like it)", n - 1),
            })
            .collect()
    }
}

/// `text`, cut to `max` characters with `…` as the last one when it is longer; `kind` names
/// the field in the single warning of that kind.
pub(crate) fn cut_chars(
    text: &str,
    max: usize,
    kind: &'static str,
    w: &mut Warnings,
    pointer: impl FnOnce() -> String,
) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some(_) => {
            w.add(kind, || {
                format!(
                    "{}: {kind} longer than {max} characters, cut (every {kind} is cut to that length)",
                    pointer()
                )
            });
            let end = text.char_indices().nth(max - 1).map_or(0, |(i, _)| i);
            format!("{}…", &text[..end])
        }
    }
}

/// `text`, cut on a character boundary to at most `max` bytes.
pub(crate) fn cut_bytes(
    text: &str,
    max: usize,
    kind: &'static str,
    w: &mut Warnings,
    pointer: impl FnOnce() -> String,
) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    w.add(kind, || {
        format!(
            "{}: {kind} longer than {max} bytes, cut (every {kind} is cut to that length)",
            pointer()
        )
    });
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// A tool's fingerprint, kept as given unless longer than [`FINGERPRINT_MAX_BYTES`].
pub(crate) fn bound_fingerprint(fp: &str) -> String {
    if fp.len() <= FINGERPRINT_MAX_BYTES {
        fp.to_string()
    } else {
        format!(
            "sha256:{}",
            rampart_core::fingerprint::sha256_hex(fp.as_bytes())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_once_per_kind_and_counts() {
        let mut w = Warnings::default();
        assert_eq!(
            cut_chars("abc", 3, "snippet", &mut w, || "/a".into()),
            "abc"
        );
        assert_eq!(
            cut_chars("abcd", 3, "snippet", &mut w, || "/b".into()),
            "ab…"
        );
        assert_eq!(
            cut_chars("ééééé", 3, "snippet", &mut w, || "/c".into()),
            "éé…"
        );
        assert_eq!(cut_bytes("aéb", 2, "path", &mut w, || "/d".into()), "a");
        let out = w.finish();
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(
            out[0].starts_with("/b: snippet longer than 3 characters"),
            "{}",
            out[0]
        );
        assert!(out[0].ends_with("(and once more like it)"), "{}", out[0]);
        assert!(
            out[1].starts_with("/d: path longer than 2 bytes"),
            "{}",
            out[1]
        );
    }
}

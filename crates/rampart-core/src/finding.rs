//! The finding model: one problem at one place, the same for every engine.

use crate::rule::RuleMeta;
use crate::severity::{Confidence, Severity};
use crate::source::SourceFile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;

/// A place in a file. Lines and columns are 1-based; columns count Unicode characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Path relative to the scan root, `/`-separated.
    pub path: String,
    /// First line.
    pub start_line: usize,
    /// First column.
    pub start_col: usize,
    /// Last line.
    pub end_line: usize,
    /// Column just past the end.
    pub end_col: usize,
}

impl Location {
    /// A whole line, when only the line is known.
    pub fn line(path: impl Into<String>, line: usize) -> Location {
        Location {
            path: path.into(),
            start_line: line,
            start_col: 1,
            end_line: line,
            end_col: 1,
        }
    }
}

/// One step of a data-flow trace (source → … → sink).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceStep {
    /// Where the step happens.
    pub location: Location,
    /// What happens there ("user input enters here", "passed to `run`").
    pub message: String,
    /// The function or method the step is in, qualified by its class and enclosing functions
    /// and joined with `.` (`UserService.find`, `handler.<lambda>`; never the module's name);
    /// `None` at a module's top level or when the engine does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
}

/// Characters of a long line shown on each side of a match (code frames and snippets are
/// clipped to this window, marked with `…`), so that a finding on a huge single-line file costs
/// a few hundred bytes, not the whole line.
pub const CLIP_CHARS: usize = 200;

/// Longest snippet, in characters (longer ones are cut and end with `…`).
pub const SNIPPET_MAX_CHARS: usize = 2 * CLIP_CHARS;

/// Longest fingerprint key kept as it is, in bytes: a longer normalised match (a huge minified
/// expression) is replaced by `sha256:` and its hash, so findings do not hold copies of it.
pub const KEY_MAX_BYTES: usize = 4096;

/// A line of code around a finding, for code frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextLine {
    /// 1-based line number.
    pub line: usize,
    /// The text, with secrets redacted; on a long line only a window around the finding,
    /// with `…` where text was cut.
    pub text: String,
    /// 1-based column (in characters) of the line where `text` starts, after its leading `…`
    /// when the line was cut at the start; 1 when it was not.
    #[serde(default = "first_column", skip_serializing_if = "is_first_column")]
    pub first_col: usize,
}

fn first_column() -> usize {
    1
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_first_column(c: &usize) -> bool {
    *c == 1
}

/// What is known about a secret without showing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretMatch {
    /// First four characters and the length, or the whole value with `--show-secrets`.
    pub redacted: String,
    /// Length in characters.
    pub length: usize,
    /// Hex SHA-256 of the secret, to recognise it elsewhere without storing it.
    pub sha256: String,
}

/// Where in git history a finding comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Commit id where the content first appeared.
    pub commit: String,
    /// Author name and email.
    pub author: String,
    /// Commit date, ISO 8601 (UTC).
    pub date: String,
    /// Path of the file in that commit.
    pub path: String,
    /// Whether the same secret is still in the HEAD tree.
    pub in_head: bool,
}

/// Why a finding is suppressed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppression {
    /// `inline` (a `rampart:ignore` comment), `config` (rampart.toml) or `vex` (a VEX statement).
    pub kind: String,
    /// The reason given.
    pub reason: String,
    /// Expiry date, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// The rule tag of known-malicious packages (`deps/malicious-package`): such findings are
/// critical whatever `[rules]` says and fail the scan at every `--fail-on` threshold (see
/// [`Finding::fails`]); only `never`, which turns the gate off, lets them pass.
pub const MALWARE_TAG: &str = "malware";

/// One problem found by one rule at one place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Namespaced rule id.
    pub rule_id: String,
    /// Engine name.
    pub engine: String,
    /// Rule title.
    pub title: String,
    /// Severity after config overrides.
    pub severity: Severity,
    /// Confidence.
    pub confidence: Confidence,
    /// What was found here, specifically.
    pub message: String,
    /// Primary location.
    pub location: Location,
    /// The matched text (redacted for secrets), one line at most.
    pub snippet: String,
    /// Lines around the finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<ContextLine>,
    /// Stable identity across edits: see `fingerprint`.
    pub fingerprint: String,
    /// CWE ids of the rule.
    pub cwe: Vec<String>,
    /// Tags of the rule (family first).
    pub tags: Vec<String>,
    /// Data-flow trace, source first (for a place reached by several paths, the first of them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<TraceStep>,
    /// The other data-flow paths that reach the same place, each source first (a sink reached
    /// from several routes is one finding; at most a few paths are kept, see `path_count`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_traces: Vec<Vec<TraceStep>>,
    /// How many distinct data-flow paths reach this place, counting those not kept in `trace`
    /// and `more_traces` (0 when the engine does not count paths).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub path_count: u32,
    /// Secret details, for secrets findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretMatch>,
    /// Git provenance, for findings in history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// Engine-specific data (advisory ids, fixed versions…).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, serde_json::Value>,
    /// Set when the finding is suppressed; it is then reported but does not fail the scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// The change that resolves it, when the engine knows a safe, local one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<crate::fix::Fix>,
    /// Normalised content the fingerprint is computed from (set by the engine).
    #[serde(skip)]
    pub fingerprint_key: String,
    /// Byte range in the file that must never be shown (the secret).
    #[serde(skip)]
    pub mask: Option<Range<usize>>,
}

impl Finding {
    /// A finding of `rule` at `span` of `file`. The snippet is the spanned text (first line) and
    /// the fingerprint key its whitespace-normalised form; engines refine both where they know better.
    pub fn new(
        rule: &RuleMeta,
        file: &SourceFile,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Finding {
        let clamped = span.start.min(file.content.len())..span.end.min(file.content.len());
        let key = key_of(&String::from_utf8_lossy(&file.content[clamped]));
        Finding::keyed(rule, file, span, message, key)
    }

    /// [`Finding::new`] with the engine's own fingerprint key (`ecosystem:package:version…`):
    /// the matched text is not read for a key, which on a huge match (a whole single-line SBOM)
    /// saves normalising and hashing it once per finding.
    pub fn keyed(
        rule: &RuleMeta,
        file: &SourceFile,
        span: Range<usize>,
        message: impl Into<String>,
        key: String,
    ) -> Finding {
        let span = span.start.min(file.content.len())..span.end.min(file.content.len());
        let mut f = Finding::at(rule, file.location(span.clone()), message);
        f.snippet = snippet_of(&file.content[span]);
        f.fingerprint_key = key;
        f
    }

    /// A finding of `rule` at a known location (when there is no byte span, e.g. a lockfile entry).
    pub fn at(rule: &RuleMeta, location: Location, message: impl Into<String>) -> Finding {
        Finding {
            rule_id: rule.id.clone(),
            engine: rule.engine.clone(),
            title: rule.title.clone(),
            severity: rule.severity,
            confidence: rule.confidence,
            message: message.into(),
            location,
            snippet: String::new(),
            context: Vec::new(),
            fingerprint: String::new(),
            cwe: rule.cwe.clone(),
            tags: rule.tags.clone(),
            trace: Vec::new(),
            more_traces: Vec::new(),
            path_count: 0,
            secret: None,
            provenance: None,
            properties: BTreeMap::new(),
            suppression: None,
            fix: None,
            fingerprint_key: String::new(),
            mask: None,
        }
    }

    /// Whether this finding counts against the `--fail-on` threshold (`None`: `never`, the gate
    /// turned off, as report-only pipelines use it). A finding of a rule tagged [`MALWARE_TAG`]
    /// (a known-malicious package) fails at every threshold, whatever its severity was set to:
    /// only an explicit suppression (inline, `[[suppress]]`, VEX, triage) or a baseline takes it
    /// out of the gate, never a severity setting alone.
    pub fn fails(&self, threshold: Option<Severity>) -> bool {
        self.suppression.is_none()
            && threshold.is_some_and(|t| self.is_malware() || self.severity >= t)
    }

    /// Every data-flow path kept for this finding: `trace` first, then `more_traces` (none for a
    /// finding without a trace).
    pub fn traces(&self) -> impl Iterator<Item = &Vec<TraceStep>> {
        std::iter::once(&self.trace)
            .filter(|t| !t.is_empty())
            .chain(self.more_traces.iter())
    }

    /// How many data-flow paths reach this place: `path_count` when the engine counted them,
    /// else the paths kept.
    pub fn paths(&self) -> usize {
        (self.path_count as usize).max(self.traces().count())
    }

    /// Whether the finding's rule is tagged [`MALWARE_TAG`]: it stays critical and always fails.
    pub fn is_malware(&self) -> bool {
        self.tags.iter().any(|t| t == MALWARE_TAG)
    }

    /// This finding's mask with its replacement text, if it hides a secret.
    pub fn mask_with_replacement(&self) -> Option<(Range<usize>, String)> {
        let mask = self.mask.clone()?;
        let replacement = self
            .secret
            .as_ref()
            .map(|s| s.redacted.clone())
            .unwrap_or_else(|| "****".into());
        Some((mask, replacement))
    }

    /// Fills the code frame from the file, replacing every masked range (the secrets of all
    /// findings in the file, not only this one) with its replacement text. Long lines are
    /// clipped to [`CLIP_CHARS`] on each side of the finding's start (and at most that much of
    /// the match itself).
    pub fn fill_context(
        &mut self,
        file: &SourceFile,
        radius: usize,
        masks: &[(Range<usize>, String)],
    ) {
        let first = self.location.start_line.saturating_sub(radius).max(1);
        let last = self.location.end_line + radius;
        let start = self.location.start_col.saturating_sub(1);
        let matched = if self.location.end_line == self.location.start_line {
            self.location
                .end_col
                .saturating_sub(self.location.start_col)
        } else {
            CLIP_CHARS
        };
        let lo = start.saturating_sub(CLIP_CHARS);
        let hi = start + matched.min(CLIP_CHARS) + CLIP_CHARS;
        self.context.clear();
        for line in first..=last {
            let Some(range) = file.line_range(line) else {
                break;
            };
            let mut window = char_window(&file.content, range.clone(), lo, hi);
            if window.start == range.end && lo > 0 {
                // A line around the finding that ends before the window: its own start instead.
                window = char_window(&file.content, range.clone(), 0, hi - lo);
            }
            let mut text = String::new();
            if window.start > range.start {
                text.push('…');
            }
            text.push_str(&mask_line(&file.content, window.clone(), masks));
            if window.end < range.end {
                text.push('…');
            }
            self.context.push(ContextLine {
                line,
                text,
                first_col: if window.start > range.start {
                    lo + 1
                } else {
                    1
                },
            });
        }
    }

    /// Clips the snippet to [`SNIPPET_MAX_CHARS`] (engines may set their own snippets; the scan
    /// driver calls this on every finding).
    pub fn clip(&mut self) {
        if self.snippet.len() > SNIPPET_MAX_CHARS {
            self.snippet = clip_chars(&self.snippet, SNIPPET_MAX_CHARS);
        }
    }
}

/// The snippet of a match: its first line, trimmed, at most [`SNIPPET_MAX_CHARS`] characters.
/// Only that much of the match is decoded, however long it is.
fn snippet_of(bytes: &[u8]) -> String {
    let line = match memchr::memchr(b'\n', bytes) {
        Some(i) => &bytes[..i],
        None => bytes,
    };
    // Four bytes per character at most: enough bytes for the limit, cut on a character start.
    let mut cut = line.len().min(4 * (SNIPPET_MAX_CHARS + 1));
    while cut < line.len() && (line[cut] as i8) < -0x40 {
        cut -= 1;
    }
    let text = String::from_utf8_lossy(&line[..cut]);
    let text = text.strip_suffix('\r').unwrap_or(&text).trim();
    if cut < line.len() || text.chars().count() > SNIPPET_MAX_CHARS {
        clip_chars(text, SNIPPET_MAX_CHARS)
    } else {
        text.to_string()
    }
}

/// The fingerprint key of matched text: white space normalised, hashed beyond [`KEY_MAX_BYTES`].
fn key_of(text: &str) -> String {
    let key = crate::fingerprint::normalise(text);
    if key.len() > KEY_MAX_BYTES {
        format!("sha256:{}", crate::fingerprint::sha256_hex(key.as_bytes()))
    } else {
        key
    }
}

/// The first `max` characters of `text`, with `…` when it was longer.
fn clip_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", text[..i].trim_end()),
        None => text.to_string(),
    }
}

/// The byte range of characters `lo..hi` of a line (characters counted as in
/// [`SourceFile::line_col`]: bytes that do not continue a UTF-8 sequence). Stops reading at `hi`.
fn char_window(content: &[u8], line: Range<usize>, lo: usize, hi: usize) -> Range<usize> {
    let bytes = &content[line.clone()];
    if lo == 0 && bytes.len() <= hi {
        return line;
    }
    let (mut start, mut end) = (None, bytes.len());
    let mut n = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if (b as i8) >= -0x40 {
            if n == lo {
                start = Some(i);
            }
            if n == hi {
                end = i;
                break;
            }
            n += 1;
        }
    }
    let start = start.unwrap_or(bytes.len()).min(end);
    line.start + start..line.start + end
}

/// The text of `range`, with each mask overlapping it replaced (the replacement is written
/// where the mask starts; a mask that began on an earlier line just hides its tail).
fn mask_line(content: &[u8], range: Range<usize>, masks: &[(Range<usize>, String)]) -> String {
    let mut overlapping: Vec<&(Range<usize>, String)> = masks
        .iter()
        .filter(|(m, _)| m.start < range.end && m.end > range.start)
        .collect();
    overlapping.sort_by_key(|(m, _)| m.start);
    let mut out = Vec::with_capacity(range.len());
    let mut pos = range.start;
    for (m, replacement) in overlapping {
        if m.end <= pos {
            continue;
        }
        if m.start >= pos {
            out.extend_from_slice(&content[pos..m.start]);
            out.extend_from_slice(replacement.as_bytes());
        }
        pos = m.end.min(range.end);
    }
    out.extend_from_slice(&content[pos.min(range.end)..range.end]);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_secret_on_a_line_and_across_lines() {
        let content = b"a=SECRET1 b=SECRET2\nkey:\nLINE1\nLINE2\nend";
        let masks = vec![
            (2..9, "S1".to_string()),
            (12..19, "S2".to_string()),
            (25..36, "K".to_string()),
        ];
        assert_eq!(mask_line(content, 0..19, &masks), "a=S1 b=S2");
        assert_eq!(mask_line(content, 25..30, &masks), "K");
        assert_eq!(mask_line(content, 31..36, &masks), "");
        assert_eq!(mask_line(content, 37..40, &masks), "end");
    }

    use crate::rule::test_rule as rule;

    fn file(content: impl Into<Vec<u8>>) -> SourceFile {
        SourceFile::new("a.js", content.into(), crate::source::Origin::WorkTree)
    }

    #[test]
    fn short_lines_keep_their_whole_snippet_key_and_frame() {
        let f = file("a = 1\nx = eval(input)  \r\nz = 3\n");
        let start = 10;
        let mut finding = Finding::new(&rule(), &f, start..start + 11, "m");
        assert_eq!(finding.snippet, "eval(input)");
        assert_eq!(finding.fingerprint_key, "eval(input)");
        finding.fill_context(&f, 2, &[]);
        let lines: Vec<(&str, usize)> = finding
            .context
            .iter()
            .map(|c| (c.text.as_str(), c.first_col))
            .collect();
        assert_eq!(
            lines,
            [("a = 1", 1), ("x = eval(input)  ", 1), ("z = 3", 1)]
        );
        // A span over several lines: the snippet is its first line; the key all of it.
        let finding = Finding::new(&rule(), &f, 4..16, "m");
        assert_eq!(finding.snippet, "1");
        assert_eq!(finding.fingerprint_key, "1 x = eval(i");
    }

    #[test]
    fn a_finding_on_a_huge_line_holds_a_bounded_window() {
        // 1 MB of one line with a multi-byte character every 7 characters, the match in the middle.
        let unit = "abcdef\u{e9}";
        let mut line = unit.repeat(70_000);
        let start = line.len();
        line.push_str("SECRET_MATCH");
        let end = line.len();
        line.push_str(&unit.repeat(70_000));
        let f = file(format!("first\n{line}\nlast\n"));
        let (start, end) = (start + 6, end + 6);
        let mut finding = Finding::new(&rule(), &f, start..end, "m");
        assert_eq!(finding.snippet, "SECRET_MATCH");
        finding.fill_context(&f, 2, &[(start..start + 6, "S…".to_string())]);
        let frame = &finding.context[1];
        assert_eq!(frame.line, 2);
        assert!(frame.text.starts_with('…') && frame.text.ends_with('…'));
        assert!(
            frame.text.chars().count() <= 2 * CLIP_CHARS + 12 + 2,
            "{}",
            frame.text.len()
        );
        // The window is centred on the match, with the mask applied inside it.
        let col = finding.location.start_col;
        assert_eq!(frame.first_col, col - CLIP_CHARS);
        let at = frame.text.chars().skip(1 + col - frame.first_col);
        assert!(
            at.collect::<String>().starts_with("S…_MATCH"),
            "{}",
            frame.text
        );
        assert_eq!(finding.context[0].text, "first");
        assert_eq!(finding.context[2].text, "last");

        // A match that is the whole line: snippet and frame are cut; the key is its hash.
        let whole = f.line_range(2).unwrap();
        let mut finding = Finding::new(&rule(), &f, whole.clone(), "m");
        assert_eq!(finding.snippet.chars().count(), SNIPPET_MAX_CHARS + 1);
        assert!(finding.snippet.ends_with('…'));
        let expected = crate::fingerprint::normalise(&String::from_utf8_lossy(&f.content[whole]));
        assert_eq!(
            finding.fingerprint_key,
            format!(
                "sha256:{}",
                crate::fingerprint::sha256_hex(expected.as_bytes())
            )
        );
        finding.fill_context(&f, 2, &[]);
        assert_eq!(finding.context[1].first_col, 1);
        assert_eq!(finding.context[1].text.chars().count(), 2 * CLIP_CHARS + 1);
        let keyed = Finding::keyed(&rule(), &f, f.line_range(2).unwrap(), "m", "k".into());
        assert_eq!(
            (keyed.snippet.as_str(), keyed.fingerprint_key.as_str()),
            (finding.snippet.as_str(), "k")
        );
        // An engine's own long snippet is clipped too.
        finding.snippet = "x".repeat(10_000);
        finding.clip();
        assert_eq!(finding.snippet.chars().count(), SNIPPET_MAX_CHARS + 1);
    }
}

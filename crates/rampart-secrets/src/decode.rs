//! One level of decoding: base64 runs and percent-encoded lines, so that an encoded secret is
//! found at the place of its encoded form.

use base64::Engine as _;
use std::ops::Range;

/// Shortest base64 run worth decoding (24 chars decode to 18 bytes).
const MIN_B64: usize = 32;

/// A decoded piece of a file.
#[derive(Debug)]
pub struct Decoded {
    /// Where the encoded form is in the file.
    pub span: Range<usize>,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// `base64` or `url`.
    pub encoding: &'static str,
}

static B64_CLASS: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'-' || c == b'_';
        i += 1;
    }
    t
};

/// Whether decoded bytes are text worth scanning (mostly printable ASCII, no NUL).
fn is_text(bytes: &[u8]) -> bool {
    if bytes.is_empty() || bytes.contains(&0) {
        return false;
    }
    let printable = bytes
        .iter()
        .filter(|&&b| b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b))
        .count();
    printable * 100 >= bytes.len() * 95
}

/// Finds base64 runs that decode to text.
pub fn base64_runs(content: &[u8]) -> Vec<Decoded> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = content.len();
    while i < n {
        if !B64_CLASS[content[i] as usize] {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && B64_CLASS[content[i] as usize] {
            i += 1;
        }
        let mut end = i;
        while end < n && end - i < 2 && content[end] == b'=' {
            end += 1;
        }
        if end - start < MIN_B64 {
            i = end.max(i);
            continue;
        }
        let run = &content[start..end];
        // Identifiers and words are base64 alphabet too: require both cases and a digit or symbol.
        let has_upper = run.iter().any(u8::is_ascii_uppercase);
        let has_lower = run.iter().any(u8::is_ascii_lowercase);
        let has_other = run
            .iter()
            .any(|b| b.is_ascii_digit() || matches!(b, b'+' | b'/'));
        if has_upper && has_lower && has_other {
            let trimmed = std::str::from_utf8(run).unwrap_or("").trim_end_matches('=');
            let decoded = if run.iter().any(|b| matches!(b, b'-' | b'_')) {
                base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed)
            } else {
                base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed)
            };
            if let Ok(bytes) = decoded
                && is_text(&bytes)
            {
                out.push(Decoded {
                    span: start..end,
                    bytes,
                    encoding: "base64",
                });
            }
        }
        i = end.max(i);
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Finds lines with at least two `%XX` escapes and decodes them.
pub fn percent_lines(content: &[u8]) -> Vec<Decoded> {
    let mut out = Vec::new();
    let mut last_line_start = usize::MAX;
    for pos in memchr::memchr_iter(b'%', content) {
        let line_start = memchr::memrchr(b'\n', &content[..pos]).map_or(0, |p| p + 1);
        if line_start == last_line_start {
            continue;
        }
        let line_end = memchr::memchr(b'\n', &content[pos..]).map_or(content.len(), |p| pos + p);
        let line = &content[line_start..line_end];
        let escapes = line
            .windows(3)
            .filter(|w| w[0] == b'%' && hex(w[1]).is_some() && hex(w[2]).is_some())
            .count();
        last_line_start = line_start;
        if escapes < 2 {
            continue;
        }
        let mut bytes = Vec::with_capacity(line.len());
        let mut i = 0;
        while i < line.len() {
            if line[i] == b'%'
                && i + 2 < line.len()
                && let (Some(h), Some(l)) = (hex(line[i + 1]), hex(line[i + 2]))
            {
                bytes.push(h << 4 | l);
                i += 3;
                continue;
            }
            bytes.push(if line[i] == b'+' { b' ' } else { line[i] });
            i += 1;
        }
        if is_text(&bytes) {
            out.push(Decoded {
                span: line_start..line_end,
                bytes,
                encoding: "url",
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_base64_text_and_skips_identifiers() {
        let enc =
            base64::engine::general_purpose::STANDARD.encode("token: ghp_abc123XYZ and more text");
        let content =
            format!("a = \"{enc}\"\nthis_is_a_very_long_identifier_name_without_digits\n");
        let runs = base64_runs(content.as_bytes());
        assert_eq!(runs.len(), 1);
        assert_eq!(&content.as_bytes()[runs[0].span.clone()], enc.as_bytes());
        assert!(String::from_utf8_lossy(&runs[0].bytes).contains("ghp_abc123XYZ"));
    }

    #[test]
    fn decodes_percent_lines() {
        let runs = percent_lines(b"x\nurl=postgres%3A%2F%2Fu%3Apw%40h\n100% sure\n");
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].bytes, b"url=postgres://u:pw@h");
    }
}

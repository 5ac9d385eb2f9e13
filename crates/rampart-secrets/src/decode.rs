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
///
/// Skips ahead: if the byte `MIN_B64 - 1` past the current position is not in the alphabet, no
/// run of `MIN_B64` bytes can start before it, so most text is looked at once every 32 bytes.
pub fn base64_runs(content: &[u8]) -> Vec<Decoded> {
    let mut out = Vec::new();
    let n = content.len();
    // Invariant: `i` is 0 or just after a byte outside the alphabet, so a run starts no earlier.
    let mut i = 0;
    while i + MIN_B64 <= n {
        let probe = i + MIN_B64 - 1;
        if !B64_CLASS[content[probe] as usize] {
            i = probe + 1;
            continue;
        }
        let mut start = probe;
        while start > i && B64_CLASS[content[start - 1] as usize] {
            start -= 1;
        }
        let mut end = probe + 1;
        while end < n && B64_CLASS[content[end] as usize] {
            end += 1;
        }
        let run_end = end;
        while end < n && end - run_end < 2 && content[end] == b'=' {
            end += 1;
        }
        if run_end - start >= MIN_B64 {
            out.extend(decode_run(&content[start..end], start));
        }
        i = end;
    }
    out
}

/// Decodes one run when it looks like base64 of text.
fn decode_run(run: &[u8], start: usize) -> Option<Decoded> {
    // Identifiers and words are base64 alphabet too: require both cases and a digit or symbol.
    let has_upper = run.iter().any(u8::is_ascii_uppercase);
    let has_lower = run.iter().any(u8::is_ascii_lowercase);
    let has_other = run
        .iter()
        .any(|b| b.is_ascii_digit() || matches!(b, b'+' | b'/'));
    if !(has_upper && has_lower && has_other) {
        return None;
    }
    let trimmed = std::str::from_utf8(run).ok()?.trim_end_matches('=');
    let decoded = if run.iter().any(|b| matches!(b, b'-' | b'_')) {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed)
    } else {
        base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed)
    };
    let bytes = decoded.ok()?;
    is_text(&bytes).then(|| Decoded {
        span: start..start + run.len(),
        bytes,
        encoding: "base64",
    })
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
    fn skipping_finds_runs_at_every_offset() {
        let enc =
            // rampart:ignore secrets/config-password-assignment synthetic value for the decoder test
            base64::engine::general_purpose::STANDARD.encode("user: admin, password: Sup3rS3cret!");
        for pad in 0..40 {
            let content = format!("{}={enc} tail", "x.".repeat(pad / 2) + &"y".repeat(pad % 2));
            let runs = base64_runs(content.as_bytes());
            assert_eq!(runs.len(), 1, "offset {pad}: {content}");
            assert_eq!(&content.as_bytes()[runs[0].span.clone()], enc.as_bytes());
        }
        assert!(base64_runs(b"short Zm9vYmFy ").is_empty());
    }

    #[test]
    fn decodes_percent_lines() {
        let runs = percent_lines(b"x\nurl=postgres%3A%2F%2Fu%3Apw%40h\n100% sure\n");
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].bytes, b"url=postgres://u:pw@h");
    }
}

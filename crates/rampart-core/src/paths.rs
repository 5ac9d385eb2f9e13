//! Lexical path helpers shared by the engines (scan-relative paths, always `/`-separated), and
//! the escaping that lets any file name, UTF-8 or not, travel as text.
//!
//! A scan path is text: a file name's UTF-8 stays as it is, except that a backslash is written
//! `\\` and a byte that is not part of valid UTF-8 is written `\xNN` ([`escape_bytes`]). The
//! escaping is reversible ([`unescape`]), so reports can give the exact bytes back (SARIF and
//! Markdown links percent-encode them, [`percent_encode`]). Control characters stay in the text (JSON escapes them); the text and
//! Markdown reports show them escaped ([`printable`]).

use std::borrow::Cow;
use std::path::PathBuf;

/// Normalises a relative `/`-separated path lexically: `a/./b/../c` → `a/c`. Empty segments and
/// `.` are dropped; `..` removes the segment before it (and is dropped at the start, so the result
/// never leaves the scan root). The file system is not consulted.
pub fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Joins `rel` to the directory `dir` and normalises the result ([`normalise`]).
pub fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        normalise(rel)
    } else {
        normalise(&format!("{dir}/{rel}"))
    }
}

/// A file name's bytes as scan-path text: `\` → `\\`, invalid UTF-8 bytes → `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes)
        && !text.contains('\\')
    {
        return text.to_string();
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(&chunk.valid().replace('\\', "\\\\"));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// The exact bytes of a scan path written by [`escape_bytes`].
pub fn unescape(path: &str) -> Vec<u8> {
    let b = path.as_bytes();
    if !b.contains(&b'\\') {
        return b.to_vec();
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
            if b.get(i + 1) == Some(&b'x')
                && let Some(hex) = path.get(i + 2..i + 4)
                && let Ok(v) = u8::from_str_radix(hex, 16)
            {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Percent-encodes `bytes` (a scan path's exact bytes, [`unescape`], or any text): a character
/// that `keep` accepts stays as it is; every other character's UTF-8 bytes, and every byte that
/// is not part of valid UTF-8, become `%XX`.
pub fn percent_encode(bytes: &[u8], keep: impl Fn(char) -> bool) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if keep(c) {
                out.push(c);
            } else {
                for b in c.encode_utf8(&mut [0; 4]).bytes() {
                    let _ = write!(out, "%{b:02X}");
                }
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A scan path as a relative file-system path (its exact bytes on Unix).
pub fn to_path(path: &str) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(std::ffi::OsString::from_vec(unescape(path)))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(&unescape(path)).into_owned())
    }
}

/// Whether a character would change how a line of text reads: control characters, and the
/// invisible marks that reorder text (bidirectional overrides, as in "Trojan Source").
fn hides_text(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A path (or any one-line text) for a terminal or Markdown: a newline shows as `\n`, a tab as
/// `\t`, other control characters as `\xNN` or `\u{NNNN}`, so a hostile file name cannot break a
/// report's lines or disguise itself.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hides_text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if hides_text(c) && (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if hides_text(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_dots_and_parents() {
        assert_eq!(normalise("a/./b/../c"), "a/c");
        assert_eq!(normalise("./a//b/"), "a/b");
        assert_eq!(normalise("../../x"), "x");
        assert_eq!(normalise(""), "");
        assert_eq!(join("mods/net", "../db"), "mods/db");
        assert_eq!(join("", "./x"), "x");
    }

    #[test]
    fn escapes_any_name_reversibly() {
        assert_eq!(escape_bytes(b"src/app.py"), "src/app.py");
        assert_eq!(escape_bytes(b"bad\xff\xfename"), "bad\\xff\\xfename");
        assert_eq!(escape_bytes(b"back\\slash"), "back\\\\slash");
        assert_eq!(escape_bytes("caf\u{e9}\n".as_bytes()), "caf\u{e9}\n");
        for name in [
            &b"bad\xff\xfename"[..],
            b"back\\slash\\x41",
            b"\\xzz\\",
            "caf\u{e9}".as_bytes(),
            b"\xc3",
        ] {
            assert_eq!(unescape(&escape_bytes(name)), name, "{name:?}");
        }
    }

    #[test]
    fn percent_encodes_what_keep_refuses_and_bytes_that_are_not_utf8() {
        let ascii = |c: char| c.is_ascii_alphanumeric() || c == '/';
        assert_eq!(percent_encode(b"a/b c", ascii), "a/b%20c");
        assert_eq!(percent_encode("caf\u{e9}".as_bytes(), ascii), "caf%C3%A9");
        assert_eq!(
            percent_encode("caf\u{e9}".as_bytes(), |_| true),
            "caf\u{e9}"
        );
        assert_eq!(percent_encode(b"x\xff\xc3", |_| true), "x%FF%C3");
    }

    #[test]
    fn printable_shows_control_characters() {
        assert_eq!(printable("a/b.py"), "a/b.py");
        assert_eq!(printable("a\nb\tc\u{1b}[31m"), "a\\nb\\tc\\x1b[31m");
        assert_eq!(printable("x\u{202e}gpj.exe"), "x\\u{202e}gpj.exe");
    }
}

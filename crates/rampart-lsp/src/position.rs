//! Positions: rampart counts 1-based lines and 1-based columns in characters; LSP counts 0-based
//! lines and 0-based columns in code units of the negotiated encoding (UTF-16 unless client and
//! server agree on UTF-8 or UTF-32 through `general.positionEncodings`).

use serde_json::{Value, json};

/// The unit of an LSP column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Bytes of UTF-8.
    Utf8,
    /// UTF-16 code units (the protocol's default).
    Utf16,
    /// Characters (Unicode scalar values).
    Utf32,
}

impl Encoding {
    /// The encoding's name in the protocol (`utf-16`).
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
            Encoding::Utf32 => "utf-32",
        }
    }

    /// Picks the encoding from the client's `general.positionEncodings` (in the client's order
    /// of preference): UTF-8 or UTF-32 when offered (no conversion work), else UTF-16.
    pub fn negotiate(capabilities: &Value) -> Encoding {
        let offered = capabilities
            .pointer("/general/positionEncodings")
            .and_then(Value::as_array);
        let Some(offered) = offered else {
            return Encoding::Utf16;
        };
        for e in offered.iter().filter_map(Value::as_str) {
            match e {
                "utf-8" => return Encoding::Utf8,
                "utf-32" => return Encoding::Utf32,
                _ => {}
            }
        }
        Encoding::Utf16
    }

    /// The length of `c` in this encoding's units.
    fn units(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
            Encoding::Utf32 => 1,
        }
    }
}

/// The text of a 0-based line of `text` (without its `\n` or `\r\n`); empty past the end.
pub fn line(text: &str, index: usize) -> &str {
    let line = text.split('\n').nth(index).unwrap_or("");
    line.strip_suffix('\r').unwrap_or(line)
}

/// Byte offset where each line of `text` starts.
pub fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

/// The LSP column of rampart's 1-based character column `col` on `line_text` (a column past the
/// end of the line is clamped to its end).
pub fn column(line_text: &str, col: usize, enc: Encoding) -> u32 {
    let chars = col.saturating_sub(1);
    line_text
        .chars()
        .take(chars)
        .map(|c| enc.units(c))
        .sum::<usize>() as u32
}

/// The byte offset within `line_text` of an LSP column (clamped to the line; a column inside a
/// character counts as that character's start).
pub fn byte_in_line(line_text: &str, lsp_col: u32, enc: Encoding) -> usize {
    let mut units = 0usize;
    for (i, c) in line_text.char_indices() {
        let next = units + enc.units(c);
        if next > lsp_col as usize {
            return i;
        }
        units = next;
    }
    line_text.len()
}

/// The byte offset in `text` of an LSP position `{line, character}` (clamped to the text).
pub fn offset(text: &str, starts: &[usize], pos: &Value, enc: Encoding) -> usize {
    let l = pos.get("line").and_then(Value::as_u64).unwrap_or(0) as usize;
    let c = pos.get("character").and_then(Value::as_u64).unwrap_or(0) as u32;
    let Some(&start) = starts.get(l) else {
        return text.len();
    };
    let end = starts.get(l + 1).map(|s| s - 1).unwrap_or(text.len());
    let line_text = &text[start..end];
    let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
    start + byte_in_line(line_text, c, enc)
}

/// An LSP range from rampart's 1-based (line, column) pairs, `end` being just past the end. An
/// empty range (a finding known only by its line) covers the line's text instead.
pub fn range(text: &str, start: (usize, usize), end: (usize, usize), enc: Encoding) -> Value {
    let sl = start.0.saturating_sub(1);
    let start_text = line(text, sl);
    let mut sc = column(start_text, start.1, enc);
    let (mut el, mut ec) = if end.0 < start.0 || end == start {
        (sl, sc)
    } else {
        let el = end.0.saturating_sub(1);
        (el, column(line(text, el), end.1, enc))
    };
    if (el, ec) == (sl, sc) {
        // Only the line is known (or a zero-width match): underline the line's text.
        let indent = start_text.len() - start_text.trim_start().len();
        sc = column(start_text, start_text[..indent].chars().count() + 1, enc);
        el = sl;
        ec = column(start_text, start_text.chars().count() + 1, enc);
        if ec <= sc {
            sc = 0;
        }
    }
    json!({
        "start": {"line": sl, "character": sc},
        "end": {"line": el, "character": ec},
    })
}

/// The LSP position of byte `offset` of `text` (clamped to the text, and back to a character
/// boundary).
pub fn at_offset(text: &str, offset: usize, enc: Encoding) -> Value {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_no = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    json!({"line": line_no, "character": column(&text[line_start..], col, enc)})
}

/// Whether the LSP position `pos` lies within `range` (ends included, as editors hover).
pub fn contains(range: &Value, pos: &Value) -> bool {
    let p = |v: &Value| {
        (
            v.get("line").and_then(Value::as_u64).unwrap_or(0),
            v.get("character").and_then(Value::as_u64).unwrap_or(0),
        )
    };
    let (s, e) = (p(&range["start"]), p(&range["end"]));
    let at = p(pos);
    s <= at && at <= e
}

/// Whether two LSP ranges overlap (touching counts).
pub fn overlaps(a: &Value, b: &Value) -> bool {
    contains(a, &b["start"]) || contains(a, &b["end"]) || contains(b, &a["start"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_code_units_of_the_encoding() {
        // `é` is 2 bytes, 1 UTF-16 unit; `😀` is 4 bytes, 2 UTF-16 units, 1 character.
        let l = "é😀x = 1";
        // rampart's column 3 is `x` (é is column 1, 😀 column 2).
        assert_eq!(column(l, 3, Encoding::Utf16), 3);
        assert_eq!(column(l, 3, Encoding::Utf8), 6);
        assert_eq!(column(l, 3, Encoding::Utf32), 2);
        assert_eq!(column(l, 1, Encoding::Utf16), 0);
        // Back again.
        assert_eq!(byte_in_line(l, 3, Encoding::Utf16), 6);
        assert_eq!(byte_in_line(l, 6, Encoding::Utf8), 6);
        assert_eq!(byte_in_line(l, 2, Encoding::Utf32), 6);
        // Inside the surrogate pair: the character's start; past the end: the end.
        assert_eq!(byte_in_line(l, 2, Encoding::Utf16), 2);
        assert_eq!(byte_in_line(l, 99, Encoding::Utf16), l.len());
    }

    #[test]
    fn negotiates_utf8_when_offered_and_utf16_otherwise() {
        let caps = json!({"general": {"positionEncodings": ["utf-16", "utf-8"]}});
        assert_eq!(Encoding::negotiate(&caps), Encoding::Utf8);
        assert_eq!(Encoding::negotiate(&json!({})), Encoding::Utf16);
        let caps = json!({"general": {"positionEncodings": ["utf-16"]}});
        assert_eq!(Encoding::negotiate(&caps), Encoding::Utf16);
    }

    #[test]
    fn ranges_and_offsets() {
        let text = "a\r\n  é = \"x\"\nlast";
        let r = range(text, (2, 8), (2, 10), Encoding::Utf16);
        assert_eq!(
            r,
            json!({"start": {"line": 1, "character": 7}, "end": {"line": 1, "character": 9}})
        );
        // A line-only location underlines the line's text.
        let r = range(text, (2, 1), (2, 1), Encoding::Utf16);
        assert_eq!(
            r,
            json!({"start": {"line": 1, "character": 2}, "end": {"line": 1, "character": 9}})
        );
        let starts = line_starts(text);
        let off = offset(
            text,
            &starts,
            &json!({"line": 1, "character": 3}),
            Encoding::Utf16,
        );
        assert_eq!(&text[off..off + 1], " ");
        let off = offset(
            text,
            &starts,
            &json!({"line": 9, "character": 0}),
            Encoding::Utf16,
        );
        assert_eq!(off, text.len());
        assert!(contains(&r, &json!({"line": 1, "character": 5})));
        assert!(!contains(&r, &json!({"line": 2, "character": 0})));
    }
}

//! The open documents: their text as the editor has it (never the file on disk) and version.

use crate::position::{self, Encoding};
use serde_json::Value;
use std::collections::HashMap;

/// One open document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The URI the client uses for it (answers name it exactly so).
    pub uri: String,
    /// Its path relative to the workspace root, when it is inside the workspace.
    pub path: Option<String>,
    /// The editor's text.
    pub text: String,
    /// The client's version number.
    pub version: i64,
}

impl Document {
    /// Applies `contentChanges` of a `didChange`: whole-text replacements and range edits (in
    /// the negotiated position encoding), in order.
    pub fn apply_changes(&mut self, changes: &[Value], enc: Encoding) {
        for change in changes {
            let Some(text) = change.get("text").and_then(Value::as_str) else {
                continue;
            };
            match change.get("range") {
                Some(range) if !range.is_null() => {
                    let starts = position::line_starts(&self.text);
                    let start = position::offset(&self.text, &starts, &range["start"], enc);
                    let end = position::offset(&self.text, &starts, &range["end"], enc);
                    let (start, end) = (start.min(end), start.max(end));
                    self.text.replace_range(start..end, text);
                }
                _ => self.text = text.to_string(),
            }
        }
    }
}

/// The open documents by URI.
#[derive(Debug, Default)]
pub struct Documents {
    by_uri: HashMap<String, Document>,
}

impl Documents {
    /// Opens (or replaces) a document.
    pub fn open(&mut self, doc: Document) {
        self.by_uri.insert(doc.uri.clone(), doc);
    }

    /// Closes a document; returns it.
    pub fn close(&mut self, uri: &str) -> Option<Document> {
        self.by_uri.remove(uri)
    }

    /// A document by URI.
    pub fn get(&self, uri: &str) -> Option<&Document> {
        self.by_uri.get(uri)
    }

    /// A document by URI, to change it.
    pub fn get_mut(&mut self, uri: &str) -> Option<&mut Document> {
        self.by_uri.get_mut(uri)
    }

    /// The open document at a workspace path.
    pub fn by_path(&self, path: &str) -> Option<&Document> {
        self.by_uri
            .values()
            .find(|d| d.path.as_deref() == Some(path))
    }

    /// Every open document.
    pub fn iter(&self) -> impl Iterator<Item = &Document> {
        self.by_uri.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn applies_incremental_and_full_changes() {
        let mut d = Document {
            uri: "file:///a.py".into(),
            path: Some("a.py".into()),
            text: "x = 'é'\ny = 2\n".into(),
            version: 1,
        };
        // Replace `2` (line 1, UTF-16 column 4) with `30`.
        d.apply_changes(
            &[json!({"range": {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 5}}, "text": "30"})],
            Encoding::Utf16,
        );
        assert_eq!(d.text, "x = 'é'\ny = 30\n");
        // After `é` (UTF-16 column 6): insert `!`.
        d.apply_changes(
            &[json!({"range": {"start": {"line": 0, "character": 6}, "end": {"line": 0, "character": 6}}, "text": "!"})],
            Encoding::Utf16,
        );
        assert_eq!(d.text, "x = 'é!'\ny = 30\n");
        d.apply_changes(&[json!({"text": "new"})], Encoding::Utf16);
        assert_eq!(d.text, "new");
    }

    #[test]
    fn any_edit_at_any_position_keeps_a_valid_text_and_never_panics() {
        // A fixed xorshift sequence: positions inside surrogate pairs and multi-byte
        // characters, past line ends, past the end, reversed ranges, malformed fields.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let pieces = ["a", "é", "😀", "\r\n", "\n", "", "xyz", "\t"];
        for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            let mut d = Document {
                uri: "file:///a".into(),
                path: None,
                text: "é😀x\r\nline two\n\n😀😀".into(),
                version: 0,
            };
            for _ in 0..2_000 {
                let pos = |l: u64, c: u64| json!({"line": l, "character": c});
                let start = pos(next(6), next(12));
                let end = if next(4) == 0 {
                    json!("bad")
                } else {
                    pos(next(6), next(12))
                };
                let text = pieces[next(pieces.len() as u64) as usize];
                d.apply_changes(
                    &[json!({"range": {"start": start, "end": end}, "text": text})],
                    enc,
                );
                let l = next(6) as usize + 1;
                let r =
                    position::range(&d.text, (l, next(12) as usize), (l, next(12) as usize), enc);
                assert!(r["start"]["line"].is_u64());
            }
        }
    }
}

//! A file's content as engines see it, with line/column lookups.

use crate::finding::Location;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Where the content of a [`SourceFile`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file in the working tree.
    WorkTree,
    /// The staged version in the git index.
    Index,
    /// A blob in git history.
    History,
}

/// One file, read once, handed to every engine that wants it.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the scan root, with `/` separators.
    pub path: String,
    /// Absolute path on disk, when the content came from disk.
    pub abs_path: Option<PathBuf>,
    /// The raw bytes (not necessarily UTF-8).
    pub content: Vec<u8>,
    /// Where the content came from.
    pub origin: Origin,
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// Wraps content read from somewhere.
    pub fn new(path: impl Into<String>, content: Vec<u8>, origin: Origin) -> SourceFile {
        SourceFile {
            path: path.into(),
            abs_path: None,
            content,
            origin,
            line_starts: OnceLock::new(),
        }
    }

    /// The content as text, replacing invalid UTF-8.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.content)
    }

    /// The file name (last path component).
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(memchr::memchr_iter(b'\n', &self.content).map(|i| i + 1));
            starts
        })
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        let starts = self.line_starts();
        if self.content.ends_with(b"\n") {
            starts.len() - 1
        } else {
            starts.len()
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.content.len());
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset);
        let start = starts[line - 1];
        // Characters = bytes that do not continue a UTF-8 sequence (a stray continuation byte
        // of invalid UTF-8 counts with its sequence). A vectorised count: fast on huge lines.
        let col = self.content[start..offset]
            .iter()
            .filter(|&&b| (b as i8) >= -0x40)
            .count()
            + 1;
        (line, col)
    }

    /// Byte range of a 1-based line, without its line ending.
    pub fn line_range(&self, line: usize) -> Option<Range<usize>> {
        let starts = self.line_starts();
        let start = *starts.get(line.checked_sub(1)?)?;
        if start > self.content.len() || (start == self.content.len() && line > 1) {
            return None;
        }
        let mut end = starts
            .get(line)
            .map(|&s| s - 1)
            .unwrap_or(self.content.len());
        if end > start && self.content[end - 1] == b'\r' {
            end -= 1;
        }
        Some(start..end)
    }

    /// Text of a 1-based line.
    pub fn line_text(&self, line: usize) -> Option<String> {
        self.line_range(line)
            .map(|r| String::from_utf8_lossy(&self.content[r]).into_owned())
    }

    /// The location of a byte range in this file.
    pub fn location(&self, span: Range<usize>) -> Location {
        let (start_line, start_col) = self.line_col(span.start);
        let (end_line, end_col) = self.line_col(span.end.max(span.start));
        Location {
            path: self.path.clone(),
            start_line,
            start_col,
            end_line,
            end_col,
        }
    }
}

/// Whether content looks binary: a NUL byte in its first 8 KiB, as git and ripgrep decide.
pub fn looks_binary(content: &[u8]) -> bool {
    memchr::memchr(0, &content[..content.len().min(8192)]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_to_lines_and_columns() {
        let f = SourceFile::new(
            "a.txt",
            b"one\r\ntwo \xc3\xa9x\nthree".to_vec(),
            Origin::WorkTree,
        );
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(5), (2, 1));
        // `x` comes after a two-byte character: column counts characters.
        assert_eq!(f.line_col(11), (2, 6));
        assert_eq!(f.line_text(1).unwrap(), "one");
        assert_eq!(f.line_text(3).unwrap(), "three");
        assert_eq!(f.line_text(4), None);
        assert_eq!(f.line_count(), 3);
        let loc = f.location(5..8);
        assert_eq!((loc.start_line, loc.start_col, loc.end_col), (2, 1, 4));
    }

    #[test]
    fn detects_binary() {
        assert!(looks_binary(b"PNG\0\x01"));
        assert!(!looks_binary("héllo".as_bytes()));
    }
}

//! Lines of entries in a parsed lockfile: [`LineFinder`] looks needles up in file order, in
//! time linear in the file whatever order the parser asks in.

use std::collections::HashMap;

/// Finds the lines of needles (`"name": {`, `[[package]]`) in a lockfile.
///
/// Each lookup returns the first occurrence at or after the cursor (just past the previous
/// match found that way), else the first occurrence in the file (leaving the cursor where it
/// is), else 0. Parsers of JSON read objects in key order, not file order, so lookups come out
/// of order: a needle that starts with a JSON string (`"…"`) is answered from an index of every
/// string literal of the text, built once (a binary search per lookup); other needles are
/// searched forward, and each one's first occurrence and the point past which it does not occur
/// are remembered, so no needle scans the file more than twice.
pub struct LineFinder<'a> {
    text: &'a str,
    /// Byte offset the next forward search starts at.
    pos: usize,
    /// Byte offset of the start of every line after the first.
    line_starts: Vec<usize>,
    /// Offsets of the opening quote of every string literal, by its raw content.
    strings: Option<HashMap<&'a str, Vec<usize>>>,
    /// For needles searched as text: first occurrence, and a cursor from which no later
    /// occurrence exists (`usize::MAX` until a search finds none).
    plain: HashMap<String, (Option<usize>, usize)>,
}

impl<'a> LineFinder<'a> {
    /// A finder over `text`, its cursor at the start.
    pub fn new(text: &'a str) -> LineFinder<'a> {
        LineFinder {
            text,
            pos: 0,
            line_starts: memchr::memchr_iter(b'\n', text.as_bytes())
                .map(|i| i + 1)
                .collect(),
            strings: None,
            plain: HashMap::new(),
        }
    }

    /// The 1-based line of the next occurrence of `needle` (0 when absent).
    pub fn find(&mut self, needle: &str) -> usize {
        if needle.is_empty() {
            return 0;
        }
        let found = match literals(needle.as_bytes()).next() {
            Some(_) => self.find_indexed(needle),
            None => self.find_plain(needle),
        };
        match found {
            Some((offset, forward)) => {
                if forward {
                    self.pos = offset + 1;
                }
                self.line(offset)
            }
            None => 0,
        }
    }

    /// 1-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset) + 1
    }

    /// A needle holding JSON strings: candidates come from the string index, by the needle's
    /// literal with the fewest occurrences.
    fn find_indexed(&mut self, needle: &str) -> Option<(usize, bool)> {
        let text = self.text;
        let strings = self.strings.get_or_insert_with(|| index_strings(text));
        let (at, list) = literals(needle.as_bytes())
            .map(|(at, lit)| {
                let list = strings.get(&needle[lit]).map(Vec::as_slice).unwrap_or(&[]);
                (at, list)
            })
            .min_by_key(|(_, list)| list.len())?;
        let matches = |&open: &usize| {
            open.checked_sub(at)
                .filter(|&start| text.as_bytes()[start..].starts_with(needle.as_bytes()))
        };
        // Candidates are sorted by offset, so the first one at or after the cursor is found by
        // binary search.
        let from = list.partition_point(|&open| open < self.pos + at);
        if let Some(start) = list[from..].iter().find_map(matches) {
            return Some((start, true));
        }
        list[..from].iter().find_map(matches).map(|s| (s, false))
    }

    /// A needle without JSON strings: searched forward, with what each search learnt kept.
    fn find_plain(&mut self, needle: &str) -> Option<(usize, bool)> {
        let hay = self.text.as_bytes();
        let (first, dry_from) = self
            .plain
            .entry(needle.to_string())
            .or_insert_with(|| (memchr::memmem::find(hay, needle.as_bytes()), usize::MAX));
        let first = (*first)?;
        if self.pos <= first {
            return Some((first, true));
        }
        if self.pos < *dry_from {
            match memchr::memmem::find(&hay[self.pos..], needle.as_bytes()) {
                Some(off) => return Some((self.pos + off, true)),
                None => *dry_from = self.pos,
            }
        }
        Some((first, false))
    }
}

/// The string literals of a JSON-like text, by raw content (escapes left as written), each
/// with the offsets of its opening quotes in file order.
fn index_strings(text: &str) -> HashMap<&str, Vec<usize>> {
    let mut out: HashMap<&str, Vec<usize>> = HashMap::new();
    for (open, range) in literals(text.as_bytes()) {
        out.entry(&text[range]).or_default().push(open);
    }
    out
}

/// The complete `"…"` literals of a text: offset of the opening quote and the range of the
/// content. A backslash escapes the next byte.
fn literals(b: &[u8]) -> impl Iterator<Item = (usize, std::ops::Range<usize>)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let open = i + memchr::memchr(b'"', b.get(i..)?)?;
        let mut j = open + 1;
        loop {
            let k = j + memchr::memchr2(b'"', b'\\', b.get(j..)?)?;
            if b[k] == b'\\' {
                j = k + 2;
                continue;
            }
            i = k + 1;
            return Some((open, open + 1..k));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::LineFinder;

    #[test]
    fn in_order_and_out_of_order_lookups() {
        let text =
            "{\n  \"b\": {\n    \"v\": 1\n  },\n  \"a\": {\n    \"v\": 2\n  },\n  \"b\": {}\n}\n";
        let mut f = LineFinder::new(text);
        assert_eq!(f.find("\"a\": {"), 5);
        // Before the cursor: the first occurrence, cursor unchanged.
        assert_eq!(f.find("\"b\": {"), 8);
        assert_eq!(f.find("\"b\": {"), 2);
        assert_eq!(f.find("\"v\""), 3);
        assert_eq!(f.find("\"missing\""), 0);
        assert_eq!(f.find(""), 0);
    }

    #[test]
    fn plain_needles_move_forward() {
        let text = "[[package]]\nname = 1\n\n[[package]]\nname = 2\n";
        let mut f = LineFinder::new(text);
        assert_eq!(f.find("[[package]]"), 1);
        assert_eq!(f.find("[[package]]"), 4);
        // More lookups than occurrences: the first occurrence.
        assert_eq!(f.find("[[package]]"), 1);
        assert_eq!(f.find("[[package]]"), 1);
        assert_eq!(f.find("[[nothing]]"), 0);
    }

    #[test]
    fn escaped_quotes_and_slashes() {
        let text = "{\"x\": \"say \\\"hi\\\"\",\n\"name\": \"a\\/b\"}";
        let mut f = LineFinder::new(text);
        assert_eq!(f.find("\"name\": \"a\\/b\""), 2);
        assert_eq!(f.find("\"hi\""), 0);
    }
}

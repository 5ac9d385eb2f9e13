//! YAML lockfiles (pnpm-lock.yaml, pubspec.lock) read with `saphyr-parser` into a small tree of
//! text values that keeps the line of every mapping key, so findings can point at the entry.
//!
//! Scalars stay as written (`1.0` is the text `1.0`); the first document of a stream is read.
//! Aliases are not expanded (lockfiles do not use them; expansion is how a small file becomes a
//! huge tree) and read as null. The parser keeps its own stack; the tree built here is bounded
//! to [`MAX_DEPTH`] levels, so neither building nor dropping it can overflow the stack.

use super::ParseError;
use saphyr_parser::{Event, Parser, ScalarStyle};

/// Deepest nesting of collections read (lockfiles use fewer than ten levels). A deeper file is
/// an error naming the line where the limit is passed.
pub const MAX_DEPTH: usize = 128;

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `~`, `null` or nothing.
    Null,
    /// Any scalar, as text.
    Scalar(String),
    /// A mapping, in file order.
    Map(Vec<Entry>),
    /// A sequence.
    Seq(Vec<Node>),
}

/// One key of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// 1-based line of the key.
    pub line: usize,
    /// The value.
    pub value: Node,
}

impl Node {
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(m) => m.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    /// The text of a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The entries of a mapping (empty otherwise).
    pub fn entries(&self) -> &[Entry] {
        match self {
            Node::Map(m) => m,
            _ => &[],
        }
    }

    /// A scalar field of a mapping.
    pub fn str_of(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }
}

/// A collection being read.
enum Frame {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        /// The key read, waiting for its value, with its line.
        key: Option<(String, usize)>,
        /// Line where the mapping starts (its line as a key).
        line: usize,
    },
}

/// Parses the first document of a YAML stream.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let mut stack: Vec<Frame> = Vec::new();
    for event in Parser::new_from_str(text) {
        let (ev, span) = event.map_err(|e| {
            ParseError::new(
                e.marker().line().max(1),
                format!("invalid YAML: {}", e.info()),
            )
        })?;
        let line = span.start.line().max(1);
        let (node, node_line) = match ev {
            Event::Scalar(v, style, _, _) => {
                let plain = style == ScalarStyle::Plain;
                let node = if plain && matches!(&*v, "" | "~" | "null" | "Null" | "NULL") {
                    Node::Null
                } else {
                    Node::Scalar(v.into_owned())
                };
                (node, line)
            }
            Event::Alias(_) => (Node::Null, line),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ParseError::new(
                        line,
                        format!("YAML nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                stack.push(match ev {
                    Event::SequenceStart(..) => Frame::Seq(Vec::new()),
                    _ => Frame::Map {
                        entries: Vec::new(),
                        key: None,
                        line,
                    },
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items)) => (Node::Seq(items), line),
                Some(Frame::Map { entries, line, .. }) => (Node::Map(entries), line),
                None => continue,
            },
            Event::DocumentEnd | Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => continue,
        };
        match stack.last_mut() {
            None => return Ok(node),
            Some(Frame::Seq(items)) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => {
                    // A key: its text (a collection as a key has none).
                    let text = match node {
                        Node::Scalar(s) => s,
                        Node::Null => "null".to_string(),
                        _ => String::new(),
                    };
                    *key = Some((text, node_line));
                }
                Some((k, kline)) => entries.push(Entry {
                    key: k,
                    line: kline,
                    value: node,
                }),
            },
        }
    }
    Ok(Node::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lockfile_yaml() {
        let y = "lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies:\n      lodash:\n        specifier: ^4.17.0\n        version: 4.17.21\npackages:\n  lodash@4.17.21:\n    resolution: {integrity: sha512-abc==}\n    engines: {node: '>=4'}\nlist:\n- a\n- b: 1\n  c: 2\n";
        let n = parse(y).unwrap();
        assert_eq!(n.str_of("lockfileVersion"), Some("9.0"));
        let lodash = n
            .get("importers")
            .unwrap()
            .get(".")
            .unwrap()
            .get("dependencies")
            .unwrap()
            .get("lodash")
            .unwrap();
        assert_eq!(lodash.str_of("version"), Some("4.17.21"));
        let pk = &n.get("packages").unwrap().entries()[0];
        assert_eq!((pk.key.as_str(), pk.line), ("lodash@4.17.21", 10));
        assert_eq!(
            pk.value.get("resolution").unwrap().str_of("integrity"),
            Some("sha512-abc==")
        );
        match n.get("list").unwrap() {
            Node::Seq(items) => {
                assert_eq!(items.len(), 2);
                assert_eq!(items[1].str_of("c"), Some("2"));
            }
            _ => panic!("not a sequence"),
        }
    }

    #[test]
    fn reports_bad_indentation_with_line() {
        let e = parse("a:\n  b: 1\n   c: 2\n").unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");
        assert!(e.message.starts_with("invalid YAML: "), "{e:?}");
        assert!(parse("a: \"open\nb: 1\n").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        // Block nesting: this reader's limit.
        let block: String = (0..2_000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        let e = parse(&block).unwrap_err();
        assert_eq!(e.line, 129, "{e:?}");
        assert!(e.message.contains("nested deeper than 128 levels"), "{e:?}");
        // Flow nesting: the parser's own limit.
        let e = parse(&"[".repeat(200_000)).unwrap_err();
        assert_eq!(e.message, "invalid YAML: recursion limit exceeded");
        let ok = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn scalars_stay_as_written_and_aliases_are_not_expanded() {
        let n = parse("a: 1.0\nb: ~\nc: 'null'\nd: &x [1, 2]\ne: *x\n").unwrap();
        assert_eq!(n.str_of("a"), Some("1.0"));
        assert_eq!(n.get("b"), Some(&Node::Null));
        assert_eq!(n.str_of("c"), Some("null"));
        assert!(matches!(n.get("d"), Some(Node::Seq(v)) if v.len() == 2));
        assert_eq!(n.get("e"), Some(&Node::Null));
    }
}

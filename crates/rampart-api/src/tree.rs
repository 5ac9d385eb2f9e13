//! YAML and JSON documents into one tree whose nodes keep their byte span.
//!
//! Built on `saphyr-parser` events (as `rampart-iac` does): JSON is read by the same parser
//! (a JSON text is a YAML flow collection), so both formats give the same spans. Events are
//! pulled one at a time (no recursive loader), collections nest at most [`MAX_DEPTH`] levels
//! and alias expansion is bounded by [`ALIAS_LIMIT`] nodes.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;
use std::ops::Range;

/// Deepest nesting of collections read; a deeper collection becomes [`Value::Unknown`].
pub const MAX_DEPTH: usize = 128;

/// Nodes alias expansion may create in one document; later aliases become unknown values.
pub const ALIAS_LIMIT: usize = 100_000;

/// A value of the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or an empty value.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<(String, Node)>),
    /// Something not read (too deep, an alias past the limit).
    Unknown,
}

/// One node: its value and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Byte range of the value.
    pub span: Range<usize>,
    /// Byte range of the mapping key this node is the value of.
    pub key_span: Option<Range<usize>>,
}

impl Node {
    fn new(value: Value, span: Range<usize>) -> Node {
        Node {
            value,
            span,
            key_span: None,
        }
    }

    /// The span a finding points at: the key when the node is a mapping value.
    pub fn report_span(&self) -> Range<usize> {
        self.key_span.clone().unwrap_or_else(|| self.span.clone())
    }

    /// A mapping entry's value.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Map(m) => m,
            _ => &[],
        }
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => &[],
        }
    }

    /// The string, when the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as text (numbers and booleans too).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some((*n as i64).to_string()),
            Value::Num(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The boolean, when the value is one.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Whether the value is a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// Converts to JSON (unknown values become null).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null | Value::Unknown => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Num(n) => serde_json::Number::from_f64(*n)
                .map(J::Number)
                .unwrap_or(J::Null),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(s) => J::Array(s.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }
}

/// A syntax error with its 1-based line.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// What parsing one text gives: its first document, or the first syntax error.
#[derive(Debug)]
pub struct Parsed {
    /// The first document's root, when it parsed.
    pub root: Option<Node>,
    /// The syntax error, if any.
    pub error: Option<SyntaxError>,
    /// Byte offset of the first collection cut for depth or alias left unexpanded.
    pub limit_at: Option<usize>,
}

enum Frame {
    Seq(usize, Vec<Node>, usize),
    Map(usize, Vec<(String, Node)>, Option<Node>, usize),
}

/// Parses the first document of a YAML or JSON text.
pub fn parse(text: &str) -> Parsed {
    let chars: Option<Vec<usize>> = (!text.is_ascii()).then(|| {
        let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        v.push(text.len());
        v
    });
    let byte = |c: usize| match &chars {
        None => c.min(text.len()),
        Some(v) => v.get(c).copied().unwrap_or(text.len()),
    };
    let range = |s: Span| {
        let a = byte(s.start.index());
        a..byte(s.end.index()).max(a)
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, (Node, usize, usize)> = HashMap::new();
    let mut expanded = 0usize;
    let mut skip = 0usize;
    let mut skip_start = 0usize;
    let mut limit_at = None;
    let mut root = None;
    let mut error = None;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = match ev {
            Ok(x) => x,
            Err(e) => {
                error = Some(SyntaxError {
                    line: e.marker().line().max(1),
                    message: e.info().to_string(),
                });
                break;
            }
        };
        if skip > 0 {
            match ev {
                Event::SequenceStart(..) | Event::MappingStart(..) => skip += 1,
                Event::SequenceEnd | Event::MappingEnd => {
                    skip -= 1;
                    if skip == 0 {
                        let end = range(span).end.max(skip_start);
                        push(
                            &mut stack,
                            &mut root,
                            Node::new(Value::Unknown, skip_start..end),
                        );
                    }
                }
                _ => {}
            }
            continue;
        }
        let (node, anchor) = match ev {
            Event::Scalar(v, style, anchor, tag) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
                let is_str_tag = tag.as_deref().is_some_and(|t| t.suffix == "str");
                let value = if quoted || is_str_tag {
                    Value::Str(v.into_owned())
                } else {
                    plain(&v)
                };
                (Node::new(value, range(span)), anchor)
            }
            Event::SequenceStart(..) | Event::MappingStart(..) if stack.len() >= MAX_DEPTH => {
                skip = 1;
                skip_start = range(span).start;
                limit_at.get_or_insert(skip_start);
                continue;
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq(range(span).start, Vec::new(), anchor));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map(range(span).start, Vec::new(), None, anchor));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let end = range(span).end;
                match stack.pop() {
                    Some(Frame::Seq(start, items, anchor)) => {
                        (Node::new(Value::Seq(items), start..end.max(start)), anchor)
                    }
                    Some(Frame::Map(start, entries, _, anchor)) => (
                        Node::new(Value::Map(entries), start..end.max(start)),
                        anchor,
                    ),
                    None => continue,
                }
            }
            Event::Alias(id) => {
                let r = range(span);
                let node = match anchors.get(&id) {
                    Some((_, count, depth))
                        if expanded + count > ALIAS_LIMIT || stack.len() + depth > MAX_DEPTH =>
                    {
                        limit_at.get_or_insert(r.start);
                        Node::new(Value::Unknown, r.clone())
                    }
                    Some((n, count, _)) => {
                        expanded += count;
                        n.clone()
                    }
                    None => Node::new(Value::Null, r.clone()),
                };
                let mut node = node;
                node.span = r;
                node.key_span = None;
                (node, 0)
            }
            Event::DocumentEnd if root.is_some() => break,
            _ => continue,
        };
        if anchor > 0 {
            let (count, depth) = size(&node);
            anchors.insert(anchor, (node.clone(), count, depth));
        }
        push(&mut stack, &mut root, node);
    }
    if error.is_some() {
        root = None;
    }
    Parsed {
        root,
        error,
        limit_at,
    }
}

fn push(stack: &mut [Frame], root: &mut Option<Node>, mut node: Node) {
    match stack.last_mut() {
        None => {
            if root.is_none() {
                *root = Some(node);
            }
        }
        Some(Frame::Seq(_, items, _)) => items.push(node),
        Some(Frame::Map(_, entries, key, _)) => match key.take() {
            None => *key = Some(node),
            Some(k) => {
                node.key_span = Some(k.span.clone());
                let name = k.scalar_text().unwrap_or_default();
                entries.push((name, node));
            }
        },
    }
}

/// Node count and collection depth of a node.
fn size(n: &Node) -> (usize, usize) {
    let children: Box<dyn Iterator<Item = &Node>> = match &n.value {
        Value::Seq(s) => Box::new(s.iter()),
        Value::Map(m) => Box::new(m.iter().map(|(_, v)| v)),
        _ => return (1, 0),
    };
    children
        .map(size)
        .fold((1, 1), |(c, d), (k, e)| (c + k, d.max(e + 1)))
}

/// A plain scalar with the YAML 1.2 core schema.
fn plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => {
            let numeric = s.bytes().any(|b| b.is_ascii_digit())
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
                && !s.starts_with(['e', 'E']);
            match s.parse::<f64>() {
                Ok(n) if numeric => Value::Num(n),
                _ => Value::Str(s.to_string()),
            }
        }
    }
}

/// Maps byte offsets to 1-based lines and columns (columns count characters).
#[derive(Debug, Clone)]
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    /// Indexes a text.
    pub fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text));
        Lines { starts }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_keep_spans() {
        let y = "openapi: 3.0.0\npaths:\n  /a:\n    get: {}\n";
        let p = parse(y);
        let root = p.root.unwrap();
        let get = root
            .get("paths")
            .unwrap()
            .get("/a")
            .unwrap()
            .get("get")
            .unwrap();
        assert_eq!(&y[get.report_span()], "get");
        let j = "{\"openapi\": \"3.1.0\", \"n\": 3, \"s\": \"3\"}";
        let root = parse(j).root.unwrap();
        assert_eq!(root.get("n").unwrap().value, Value::Num(3.0));
        assert_eq!(root.get("s").unwrap().as_str(), Some("3"));
        assert_eq!(&j[root.get("n").unwrap().report_span()], "\"n\"");
    }

    #[test]
    fn deep_nesting_and_alias_bombs_are_bounded() {
        let deep = format!("a: {}1{}", "[".repeat(1000), "]".repeat(1000));
        let p = parse(&deep);
        assert!(p.root.is_some() || p.error.is_some());
        let deep = format!("a:\n{}x\n", "- ".repeat(5000));
        let p = parse(&deep);
        assert!(p.limit_at.is_some());
        let mut t = String::from("l0: &l0 [x, x]\n");
        for i in 1..40 {
            t.push_str(&format!("l{i}: &l{i} [*l{}, *l{}]\n", i - 1, i - 1));
        }
        let p = parse(&t);
        assert!(p.limit_at.is_some());
        assert!(size(&p.root.unwrap()).0 < 4 * ALIAS_LIMIT);
    }

    #[test]
    fn errors_have_lines() {
        let p = parse("a: [1, 2\nb: ]\n");
        assert!(p.root.is_none());
        assert!(p.error.unwrap().line >= 1);
    }
}

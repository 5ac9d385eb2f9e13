//! The uniform document model: every format is parsed into a tree of [`Node`]s, each of which
//! keeps the byte span and line of the text it came from.

use std::ops::Range;

/// A value in a parsed document.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~`, an empty YAML value, or Terraform `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence (YAML sequence, JSON array, HCL tuple or repeated block).
    Seq(Vec<Node>),
    /// A mapping, in source order (YAML mapping, JSON object, HCL body or object).
    Map(Vec<(String, Node)>),
    /// A value that cannot be known statically (a Terraform reference without a default, an
    /// unresolved function call…). Holds the source expression. Never guessed into a finding.
    Unknown(String),
}

/// One node of a document tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Byte range of the value in the file.
    pub span: Range<usize>,
    /// 1-based line of the value's start.
    pub line: usize,
    /// Byte range of the mapping key this node is the value of, if any.
    pub key_span: Option<Range<usize>>,
    /// 1-based line of that key.
    pub key_line: usize,
    /// A YAML tag (`!Ref`, `!reference`…) without its handle normalisation.
    pub tag: Option<String>,
    /// Whether a string came from a YAML block scalar (`|`, `>`): lines of the value then map to
    /// lines of the file after `line`.
    pub block_scalar: bool,
}

impl Node {
    /// A node with a value at a span.
    pub fn new(value: Value, span: Range<usize>, line: usize) -> Node {
        Node {
            value,
            span,
            line,
            key_span: None,
            key_line: 0,
            tag: None,
            block_scalar: false,
        }
    }

    /// A string node.
    pub fn str(s: impl Into<String>, span: Range<usize>, line: usize) -> Node {
        Node::new(Value::Str(s.into()), span, line)
    }

    /// The span to report a finding on: the key when the node is a mapping value, else itself.
    pub fn report_span(&self) -> Range<usize> {
        match &self.key_span {
            Some(k) => {
                // Scalars on the key's line: report `key: value` whole.
                if self.is_scalar() && self.line == self.key_line && self.span.end >= k.start {
                    k.start..self.span.end.max(k.end)
                } else {
                    k.clone()
                }
            }
            None => self.span.clone(),
        }
    }

    /// The line to report a finding on (see [`Node::report_span`]).
    pub fn report_line(&self) -> usize {
        if self.key_span.is_some() {
            self.key_line
        } else {
            self.line
        }
    }

    /// Whether the value is not a sequence or mapping.
    pub fn is_scalar(&self) -> bool {
        !matches!(self.value, Value::Seq(_) | Value::Map(_))
    }

    /// Whether the value is unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self.value, Value::Unknown(_))
    }

    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value of a mapping entry.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a chain of mapping keys.
    pub fn get_path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The string, when the value is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The mapping entries, when the value is a mapping.
    pub fn as_map(&self) -> Option<&[(String, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items, when the value is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The items of a sequence, or the node itself when it is not one.
    pub fn items(&self) -> Vec<&Node> {
        match &self.value {
            Value::Seq(s) => s.iter().collect(),
            _ => vec![self],
        }
    }

    /// A scalar rendered as text (`true`, `42`, the string itself); `None` for containers,
    /// null and unknown values.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// The boolean value, accepting the strings `true` and `false` too.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// The number, accepting numeric strings too.
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// Visits this node and every node below it, depth first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Node)) {
        f(self);
        match &self.value {
            Value::Seq(s) => s.iter().for_each(|n| n.walk(f)),
            Value::Map(m) => m.iter().for_each(|(_, n)| n.walk(f)),
            _ => {}
        }
    }

    /// Converts to JSON (unknown values become strings holding their expression).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            Value::Str(s) => J::String(s.clone()),
            Value::Unknown(e) => J::String(format!("${{{e}}}")),
            Value::Seq(s) => J::Array(s.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }
}

/// Maps byte offsets of a text to 1-based lines.
#[derive(Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes a text.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }
}

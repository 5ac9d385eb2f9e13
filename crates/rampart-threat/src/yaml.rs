//! A YAML loader that keeps the line and column of every node and key (saphyr-parser events),
//! with anchors, aliases and `<<` merge keys (Threagile's example models use them), and bounds
//! on nesting and alias expansion.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;

/// How deeply collections may nest; a deeper document is refused with its position.
pub const MAX_DEPTH: usize = 128;

/// How many nodes alias expansion may create in one document; past it the model is refused
/// ("billion laughs").
pub const MAX_ALIAS_NODES: usize = 100_000;

/// A value with its 1-based line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub col: usize,
}

/// One `key: value` of a mapping, with the key's position.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key as text.
    pub key: String,
    /// 1-based line of the key.
    pub line: usize,
    /// 1-based column of the key.
    pub col: usize,
    /// The value.
    pub value: Node,
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Any other scalar, as written (floats included).
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in file order.
    Map(Vec<Entry>),
}

/// A syntax error or a bound hit, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl Node {
    /// The entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(m) => m,
            _ => &[],
        }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    /// The scalar as text (`None` for null and collections).
    pub fn text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A short name of the node's kind, for messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "a number",
            Value::Str(_) => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

fn plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => match s.parse::<i64>() {
            Ok(i) if !s.starts_with('+') => Value::Int(i),
            _ => Value::Str(s.to_string()),
        },
    }
}

enum Frame {
    Seq(Node, usize),
    Map(Node, usize, Option<Node>),
}

fn node_count(n: &Node) -> usize {
    // Iterative: nesting is already bounded, but anchors may hold large trees.
    let mut count = 0;
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.value {
            Value::Seq(s) => stack.extend(s.iter()),
            Value::Map(m) => stack.extend(m.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    count
}

fn at(span: Span) -> (usize, usize) {
    (span.start.line().max(1), span.start.col() + 1)
}

/// Parses the first document of `text`. An empty text is `Null`.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    parse_docs(text, 1).map(|mut d| {
        if d.is_empty() {
            Node {
                value: Value::Null,
                line: 1,
                col: 1,
            }
        } else {
            d.swap_remove(0)
        }
    })
}

/// Parses every document of a YAML stream (at most `max`).
pub fn parse_all(text: &str, max: usize) -> Result<Vec<Node>, YamlError> {
    parse_docs(text, max)
}

fn parse_docs(text: &str, max: usize) -> Result<Vec<Node>, YamlError> {
    let mut docs: Vec<Node> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut expanded = 0usize;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = ev.map_err(|e| YamlError {
            line: e.marker().line().max(1),
            col: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        let (line, col) = at(span);
        let node = match ev {
            Event::DocumentEnd if docs.len() >= max => break,
            Event::DocumentStart(_) => {
                anchors.clear();
                None
            }
            Event::Scalar(v, style, anchor, _) => {
                let value = match style {
                    ScalarStyle::Plain => plain(&v),
                    _ => Value::Str(v.into_owned()),
                };
                Some((Node { value, line, col }, anchor))
            }
            Event::Alias(id) => {
                let n = anchors.get(&id).cloned().ok_or(YamlError {
                    line,
                    col,
                    message: "alias to an unknown anchor".into(),
                })?;
                expanded += node_count(&n);
                if expanded > MAX_ALIAS_NODES {
                    return Err(YamlError {
                        line,
                        col,
                        message: format!(
                            "aliases expand to more than {MAX_ALIAS_NODES} nodes; the model is not read"
                        ),
                    });
                }
                Some((Node { line, col, ..n }, 0))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _)
                if stack.len() >= MAX_DEPTH =>
            {
                let _ = anchor;
                return Err(YamlError {
                    line,
                    col,
                    message: format!("nested more than {MAX_DEPTH} levels deep"),
                });
            }
            Event::SequenceStart(anchor, _) => {
                let n = Node {
                    value: Value::Seq(Vec::new()),
                    line,
                    col,
                };
                stack.push(Frame::Seq(n, anchor));
                None
            }
            Event::MappingStart(anchor, _) => {
                let n = Node {
                    value: Value::Map(Vec::new()),
                    line,
                    col,
                };
                stack.push(Frame::Map(n, anchor, None));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(n, a)) => Some((n, a)),
                Some(Frame::Map(mut n, a, _)) => {
                    if let Value::Map(m) = &mut n.value {
                        *m = merge(std::mem::take(m));
                    }
                    Some((n, a))
                }
                None => None,
            },
            _ => None,
        };
        let Some((node, anchor)) = node else {
            continue;
        };
        if anchor > 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => docs.push(node),
            Some(Frame::Seq(s, _)) => {
                if let Value::Seq(items) = &mut s.value {
                    items.push(node);
                }
            }
            Some(Frame::Map(m, _, key)) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if let Value::Map(entries) = &mut m.value {
                        entries.push(Entry {
                            key: k.text().unwrap_or_default(),
                            line: k.line,
                            col: k.col,
                            value: node,
                        });
                    }
                }
            },
        }
    }
    Ok(docs)
}

/// Applies `<<` merge keys: the mapping's own keys win over merged ones.
fn merge(entries: Vec<Entry>) -> Vec<Entry> {
    if !entries.iter().any(|e| e.key == "<<") {
        return entries;
    }
    let mut own = Vec::new();
    let mut merged: Vec<Entry> = Vec::new();
    for e in entries {
        if e.key != "<<" {
            own.push(e);
            continue;
        }
        let sources = match &e.value.value {
            Value::Seq(s) => s.clone(),
            _ => vec![e.value.clone()],
        };
        for src in sources {
            for m in src.entries() {
                if !merged.iter().any(|x| x.key == m.key) {
                    merged.push(m.clone());
                }
            }
        }
    }
    for m in merged {
        if !own.iter().any(|x: &Entry| x.key == m.key) {
            own.push(m);
        }
    }
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_anchors_and_merges() {
        let t = "a: &x\n  k: 1\n  j: two\nb:\n  <<: *x\n  j: three\nc: [1, 2]\n";
        let n = parse(t).unwrap();
        let b = n.get("b").unwrap();
        assert_eq!(b.get("k").unwrap().value, Value::Int(1));
        assert_eq!(b.get("j").unwrap().text().unwrap(), "three");
        let c = &n.entries()[2];
        assert_eq!((c.line, c.col), (7, 1));
        assert_eq!(n.get("a").unwrap().get("j").unwrap().line, 3);
    }

    #[test]
    fn errors_and_bounds() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.line >= 1 && !e.message.is_empty());
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep).is_err());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".into()
            } else {
                format!("l{}", i - 1)
            };
            bomb.push_str(&format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        assert!(parse(&bomb).unwrap_err().message.contains("aliases"));
    }
}

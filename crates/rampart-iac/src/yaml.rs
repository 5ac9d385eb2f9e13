//! YAML (and JSON) into the document model, with exact spans, tags and anchors.
//!
//! Built on `saphyr-parser` events (the parser under `saphyr`): each event carries a span, so
//! every node keeps where it came from. Local tags (`!Ref`, `!reference`) are kept on the node;
//! aliases are expanded and `<<` merge keys are applied.

use crate::model::{LineIndex, Node, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, Span, SpannedEventReceiver};
use std::collections::HashMap;
use std::ops::Range;

/// A YAML syntax error.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// How many nodes alias expansion may create in one stream. Past it, further aliases become
/// unknown values instead of copies, so "billion laughs" documents (each anchor aliasing the
/// previous one twice) cost linear time and memory.
pub const ALIAS_EXPANSION_LIMIT: usize = 100_000;

/// How deeply collections may nest in a document. A collection deeper than this becomes one
/// unknown value (its content is not read), so that no recursive walk over the model (checks,
/// paths, JSON conversion, Helm values, dropping the tree) can run out of stack, whatever the
/// thread's stack size. Block-style YAML has no nesting limit of its own (flow style is
/// limited by `saphyr-parser`).
pub const MAX_DEPTH: usize = 256;

/// Everything parsing a YAML stream gives.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The documents parsed (those before a syntax error, when there is one).
    pub docs: Vec<Node>,
    /// The first syntax error.
    pub error: Option<YamlError>,
    /// Line of the first alias left unexpanded (an unknown value) because expansion reached
    /// [`ALIAS_EXPANSION_LIMIT`] nodes.
    pub alias_limit_at: Option<usize>,
    /// Line of the first collection left unread (an unknown value) because it nests deeper
    /// than [`MAX_DEPTH`].
    pub depth_limit_at: Option<usize>,
}

impl Parsed {
    /// Warnings for the limits this parse hit, naming `path` and the line.
    pub fn limit_diagnostics(&self, path: &str) -> Vec<rampart_core::Diagnostic> {
        use rampart_core::Diagnostic;
        let mut out = Vec::new();
        if let Some(line) = self.alias_limit_at {
            out.push(
                Diagnostic::warning(
                    path,
                    format!(
                        "YAML aliases expand to more than {ALIAS_EXPANSION_LIMIT} nodes; aliases \
                         from here on were not expanded and are treated as unknown"
                    ),
                )
                .at_line(line),
            );
        }
        if let Some(line) = self.depth_limit_at {
            out.push(
                Diagnostic::warning(
                    path,
                    format!(
                        "YAML nested more than {MAX_DEPTH} levels deep; the deeper part was not \
                         read and is treated as unknown (the rest of the file is checked)"
                    ),
                )
                .at_line(line),
            );
        }
        out
    }
}

/// Parses every document of a YAML stream. Documents parsed before a syntax error are returned
/// along with the error.
pub fn parse(text: &str) -> (Vec<Node>, Option<YamlError>) {
    let p = parse_full(text);
    (p.docs, p.error)
}

/// Like [`parse`], and also reports the limits the parse hit (see [`Parsed`]).
pub fn parse_full(text: &str) -> Parsed {
    let mut repaired: Option<String> = None;
    for _ in 0..MAX_REPAIRS {
        let t = repaired.as_deref().unwrap_or(text);
        let r = parse_once(t);
        match r.error.as_ref().and_then(|e| repair_flow_close(t, e.line)) {
            Some(fixed) => repaired = Some(fixed),
            None => return r,
        }
    }
    parse_once(repaired.as_deref().unwrap_or(text))
}

/// How many under-indented flow closers [`parse_full`] repairs in one file.
const MAX_REPAIRS: usize = 16;

/// A flow collection closed by a `]` or `}` alone on a line at its key's own indentation
/// (`name: [` … `]`) is accepted by GitHub, PyYAML and most YAML tools, but not by
/// `saphyr-parser`. When the error is on such a line, moves the closer to the end of the previous
/// line and the line break after it: the text keeps its length and its number of lines, so spans
/// and line numbers stay those of the original.
fn repair_flow_close(text: &str, line: usize) -> Option<String> {
    let start = if line <= 1 {
        return None;
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let rest = &text[start..];
    let indent = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let closer = rest[indent..].chars().next()?;
    if closer != ']' && closer != '}' {
        return None;
    }
    let prev_start = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
    let prev = &text[prev_start..start - 1];
    if prev.trim().is_empty() || prev.contains('#') || prev.ends_with('\r') {
        return None;
    }
    let mut fixed = String::with_capacity(text.len());
    fixed.push_str(&text[..start - 1]);
    fixed.push(closer);
    fixed.push('\n');
    fixed.push_str(&rest[..indent]);
    fixed.push_str(&rest[indent + 1..]);
    Some(fixed)
}

fn parse_once(text: &str) -> Parsed {
    let mut b = Builder {
        text,
        chars: if text.is_ascii() {
            None
        } else {
            let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            v.push(text.len());
            Some(v)
        },
        lines: LineIndex::new(text),
        stack: Vec::new(),
        docs: Vec::new(),
        anchors: HashMap::new(),
        expanded: 0,
        limited_at: None,
        skip: 0,
        skip_start: (0, 0),
        deep_at: None,
    };
    // Events are pulled one by one: `Parser::load` recurses once per nesting level and
    // overflows the stack on deeply nested block collections.
    let mut err = None;
    for ev in Parser::new_from_str(text) {
        match ev {
            Ok((ev, span)) => b.on_event(ev, span),
            Err(e) => {
                err = Some(YamlError {
                    line: e.marker().line().max(1),
                    message: e.info().to_string(),
                });
                break;
            }
        }
    }
    if err.is_some() {
        // A half-built document is not reported.
        b.stack.clear();
        b.docs.pop();
    }
    Parsed {
        docs: b.docs,
        error: err,
        alias_limit_at: b.limited_at,
        depth_limit_at: b.deep_at,
    }
}

enum Frame {
    Seq {
        start: usize,
        items: Vec<Node>,
        anchor: usize,
        tag: Option<String>,
    },
    Map {
        start: usize,
        entries: Vec<(String, Node)>,
        key: Option<Node>,
        anchor: usize,
        tag: Option<String>,
    },
}

struct Builder<'a> {
    text: &'a str,
    chars: Option<Vec<usize>>,
    lines: LineIndex,
    stack: Vec<Frame>,
    docs: Vec<Node>,
    /// Anchored nodes with their node counts and depths.
    anchors: HashMap<usize, (Node, usize, usize)>,
    /// Nodes created by alias expansion so far.
    expanded: usize,
    /// Line of the first alias not expanded for the limit.
    limited_at: Option<usize>,
    /// Inside a collection deeper than [`MAX_DEPTH`]: how many collections are open in it
    /// (0 when not skipping).
    skip: usize,
    /// Offset and anchor of the collection being skipped.
    skip_start: (usize, usize),
    /// Line of the first collection skipped for depth.
    deep_at: Option<usize>,
}

/// How many nodes a node holds (itself included), and how many levels of collections (0 for
/// a scalar), in one walk.
fn node_size(n: &Node) -> (usize, usize) {
    fn collection<'a>(children: impl Iterator<Item = &'a Node>) -> (usize, usize) {
        children
            .map(node_size)
            .fold((1, 1), |(count, depth), (k, d)| {
                (count + k, depth.max(d + 1))
            })
    }
    match &n.value {
        Value::Seq(s) => collection(s.iter()),
        Value::Map(m) => collection(m.iter().map(|(_, v)| v)),
        _ => (1, 0),
    }
}

fn tag_name(tag: &saphyr_parser::Tag) -> String {
    if tag.handle == "tag:yaml.org,2002:" {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// Resolves a plain scalar with the YAML 1.2 core schema.
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let b = s.as_bytes();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits(unsigned)
        && let Ok(i) = s.parse::<i64>()
    {
        return Value::Int(i);
    }
    if let Some(h) = s.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(h, 16)
    {
        return Value::Int(i);
    }
    if let Some(o) = s.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(o, 8)
    {
        return Value::Int(i);
    }
    if b.iter().any(u8::is_ascii_digit)
        && b.iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'))
        && !unsigned.starts_with(['e', 'E'])
        && let Ok(f) = s.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(s.to_string())
}

impl Builder<'_> {
    fn byte(&self, char_index: usize) -> usize {
        match &self.chars {
            None => char_index.min(self.text.len()),
            Some(v) => v.get(char_index).copied().unwrap_or(self.text.len()),
        }
    }

    fn range(&self, span: Span) -> Range<usize> {
        let s = self.byte(span.start.index());
        let e = self.byte(span.end.index()).max(s);
        s..e
    }

    fn push_node(&mut self, mut node: Node, anchor: usize) {
        if anchor > 0 {
            let (count, depth) = node_size(&node);
            self.anchors.insert(anchor, (node.clone(), count, depth));
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    node.key_span = Some(k.span.clone());
                    node.key_line = k.line;
                    let name = k.scalar_text().unwrap_or_else(|| match k.value {
                        Value::Null => String::new(),
                        _ => "?".to_string(),
                    });
                    entries.push((name, node));
                }
            },
        }
    }
}

fn apply_merges(entries: Vec<(String, Node)>) -> Vec<(String, Node)> {
    if !entries.iter().any(|(k, _)| k == "<<") {
        return entries;
    }
    let mut own: Vec<(String, Node)> = Vec::new();
    let mut merged: Vec<(String, Node)> = Vec::new();
    for (k, v) in entries {
        if k == "<<" {
            for src in v.items() {
                if let Value::Map(m) = &src.value {
                    for (mk, mv) in m {
                        if !merged.iter().any(|(x, _)| x == mk) {
                            merged.push((mk.clone(), mv.clone()));
                        }
                    }
                }
            }
        } else {
            own.push((k, v));
        }
    }
    for (k, v) in merged {
        if !own.iter().any(|(x, _)| *x == k) {
            own.push((k, v));
        }
    }
    own
}

impl Builder<'_> {
    /// An event inside a collection nested too deeply: only the nesting is followed; when the
    /// collection closes, it becomes one unknown value. Anchors inside it are unknown.
    fn skipped(&mut self, ev: Event<'_>, span: Span) {
        let unknown = |b: &Self, at: Range<usize>| {
            let line = b.lines.line(at.start);
            Node::new(Value::Unknown("nesting depth limit".into()), at, line)
        };
        match ev {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.skip += 1;
                if anchor > 0 {
                    let n = unknown(self, self.range(span));
                    self.anchors.insert(anchor, (n, 1, 0));
                }
            }
            Event::Scalar(_, _, anchor, _) if anchor > 0 => {
                let n = unknown(self, self.range(span));
                self.anchors.insert(anchor, (n, 1, 0));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.skip -= 1;
                if self.skip == 0 {
                    let (start, anchor) = self.skip_start;
                    let end = self.range(span).end.max(start);
                    let n = unknown(self, start..end);
                    self.push_node(n, anchor);
                }
            }
            _ => {}
        }
    }
}

impl<'input> SpannedEventReceiver<'input> for Builder<'_> {
    fn on_event(&mut self, ev: Event<'input>, span: Span) {
        if self.skip > 0 {
            self.skipped(ev, span);
            return;
        }
        match ev {
            Event::Scalar(v, style, anchor, tag) => {
                let range = self.range(span);
                let line = self.lines.line(range.start);
                let tag = tag.as_deref().map(tag_name);
                let value = match (style, tag.as_deref()) {
                    (_, Some("!!str")) => Value::Str(v.into_owned()),
                    // Written by the Helm renderer for values it could not compute.
                    (_, Some("!unknown")) => Value::Unknown(v.into_owned()),
                    (ScalarStyle::Plain, _) => resolve_plain(&v),
                    _ => Value::Str(v.into_owned()),
                };
                let mut node = Node::new(value, range, line);
                node.block_scalar = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
                node.tag = tag.filter(|t| !t.starts_with("!!"));
                self.push_node(node, anchor);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _)
                if self.stack.len() >= MAX_DEPTH =>
            {
                let start = self.range(span).start;
                self.deep_at.get_or_insert(self.lines.line(start));
                self.skip = 1;
                self.skip_start = (start, anchor);
            }
            Event::SequenceStart(anchor, tag) => {
                let start = self.range(span).start;
                self.stack.push(Frame::Seq {
                    start,
                    items: Vec::new(),
                    anchor,
                    tag: tag.as_deref().map(tag_name),
                });
            }
            Event::MappingStart(anchor, tag) => {
                let start = self.range(span).start;
                self.stack.push(Frame::Map {
                    start,
                    entries: Vec::new(),
                    key: None,
                    anchor,
                    tag: tag.as_deref().map(tag_name),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let end = self.range(span).end;
                let (value, start, anchor, tag) = match self.stack.pop() {
                    Some(Frame::Seq {
                        start,
                        items,
                        anchor,
                        tag,
                    }) => (Value::Seq(items), start, anchor, tag),
                    Some(Frame::Map {
                        start,
                        entries,
                        anchor,
                        tag,
                        ..
                    }) => (Value::Map(apply_merges(entries)), start, anchor, tag),
                    None => return,
                };
                let line = self.lines.line(start);
                let mut node = Node::new(value, start..end.max(start), line);
                node.tag = tag.filter(|t| !t.starts_with("!!"));
                self.push_node(node, anchor);
            }
            Event::Alias(id) => {
                let range = self.range(span);
                let line = self.lines.line(range.start);
                let mut node = match self.anchors.get(&id) {
                    Some((_, _, depth)) if self.stack.len() + depth > MAX_DEPTH => {
                        self.deep_at.get_or_insert(line);
                        Node::new(
                            Value::Unknown("nesting depth limit".into()),
                            range.clone(),
                            line,
                        )
                    }
                    Some((_, count, _)) if self.expanded + count > ALIAS_EXPANSION_LIMIT => {
                        self.limited_at.get_or_insert(line);
                        Node::new(
                            Value::Unknown("alias expansion limit".into()),
                            range.clone(),
                            line,
                        )
                    }
                    Some((n, count, _)) => {
                        self.expanded += count;
                        n.clone()
                    }
                    None => Node::new(Value::Null, range.clone(), line),
                };
                node.span = range;
                node.line = line;
                node.key_span = None;
                self.push_node(node, 0);
            }
            Event::DocumentEnd => {
                if self.stack.is_empty() && self.docs.is_empty() {
                    // handled below
                }
            }
            Event::DocumentStart(_) => {
                // An empty document leaves nothing: push a placeholder that the next value
                // replaces.
                self.docs.push(Node::new(Value::Null, 0..0, 0));
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        // A document's root value replaces its placeholder.
        if self.stack.is_empty() && self.docs.len() >= 2 {
            let n = self.docs.len();
            if self.docs[n - 2].line == 0 && self.docs[n - 1].line != 0 {
                let root = self.docs.pop().expect("two docs");
                self.docs[n - 2] = root;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_closer_at_key_indentation_is_accepted() {
        let text = "jobs:\n  t:\n    matrix:\n      name: [\n        \"a\",\n        \"b\",\n      ]\n      include:\n        - x: 1\n";
        assert!(
            parse_once(text).error.is_some(),
            "saphyr-parser rejects it as it is"
        );
        let (docs, err) = parse(text);
        assert!(err.is_none(), "{err:?}");
        let m = docs[0].get_path(&["jobs", "t", "matrix"]).unwrap();
        assert_eq!(
            m.get("name").and_then(Node::as_seq).map(|s| s.len()),
            Some(2)
        );
        assert_eq!(m.get("include").unwrap().line, 9);
        assert_eq!(m.get("include").unwrap().key_line, 8);
        // Real syntax errors still are errors, on their line.
        let (_, err) = parse("a: [1, 2\nb: ]\n");
        assert!(err.is_some());
    }

    #[test]
    fn alias_bombs_stay_small() {
        let mut text = String::from("l0: &l0 [x, x]\n");
        for i in 1..40 {
            text.push_str(&format!("l{i}: &l{i} [*l{}, *l{}]\n", i - 1, i - 1));
        }
        text.push_str("big: *l39\n");
        let t = std::time::Instant::now();
        let p = parse_full(&text);
        let (docs, err, limited) = (p.docs, p.error, p.alias_limit_at);
        assert!(err.is_none());
        assert!(limited.is_some());
        assert!(node_size(&docs[0]).0 < 4 * ALIAS_EXPANSION_LIMIT);
        assert!(t.elapsed().as_secs() < 5);
        // Ordinary aliases are still expanded.
        let p = parse_full("a: &a {k: v}\nb: *a\n");
        let (docs, limited) = (p.docs, p.alias_limit_at);
        assert!(limited.is_none());
        assert_eq!(
            docs[0].get_path(&["b", "k"]).and_then(Node::as_str),
            Some("v")
        );
    }

    /// `- - - … x`: block sequences nested `n` levels in a workflow's steps.
    fn deep_block(n: usize) -> String {
        format!(
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      {}x\nafter: kept\n",
            "- ".repeat(n)
        )
    }

    #[test]
    fn deep_block_nesting_is_cut_at_the_depth_limit() {
        // Block style has no depth limit in saphyr-parser: unbounded, this overflowed the stack
        // of every recursive walk (and of dropping the tree).
        let p = parse_full(&deep_block(100_000));
        assert!(p.error.is_none(), "{:?}", p.error);
        assert_eq!(p.depth_limit_at, Some(6));
        assert_eq!(p.docs.len(), 1);
        assert!(node_size(&p.docs[0]).1 <= MAX_DEPTH);
        // The rest of the document is read.
        assert_eq!(p.docs[0].get("after").and_then(Node::as_str), Some("kept"));
        let mut unknown = 0;
        p.docs[0].walk(&mut |n| unknown += usize::from(n.is_unknown()));
        assert_eq!(unknown, 1);
        let d = p.limit_diagnostics("w.yml");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, Some(6));
        assert!(
            d[0].message.contains("nested more than 256 levels"),
            "{}",
            d[0].message
        );
        // Up to the limit, nothing is cut.
        let p = parse_full(&deep_block(MAX_DEPTH - 10));
        assert!(p.depth_limit_at.is_none());
        let mut unknown = 0;
        p.docs[0].walk(&mut |n| unknown += usize::from(n.is_unknown()));
        assert_eq!(unknown, 0);
    }

    #[test]
    fn aliases_cannot_nest_past_the_depth_limit() {
        // An anchor 200 deep, aliased 200 deep: 400 levels if expanded.
        let nest = |n: usize, inner: &str| format!("{}{inner}", "- ".repeat(n));
        let text = format!(
            "a: &deep\n  {}\nb:\n  {}\n",
            nest(200, "x"),
            nest(200, "*deep")
        );
        let p = parse_full(&text);
        assert!(p.error.is_none(), "{:?}", p.error);
        assert_eq!(p.depth_limit_at, Some(4));
        assert!(node_size(&p.docs[0]).1 <= MAX_DEPTH);
        // Anchors inside a skipped part are unknown, not null.
        let text = format!("a:\n  {}\nb: *in\n", nest(300, "&in x"));
        let p = parse_full(&text);
        assert!(p.docs[0].get("b").is_some_and(Node::is_unknown));
    }

    #[test]
    fn keeps_lines_of_keys_and_values() {
        let text = "a: 1\nb:\n  c: [x, \"y\"]\n  d: |\n    echo hi\n    echo there\ne: true\n";
        let (docs, err) = parse(text);
        assert!(err.is_none());
        assert_eq!(docs.len(), 1);
        let root = &docs[0];
        assert_eq!(root.get("a").unwrap().value, Value::Int(1));
        assert_eq!(root.get("a").unwrap().line, 1);
        let b = root.get("b").unwrap();
        assert_eq!(b.key_line, 2);
        let c = b.get("c").unwrap();
        assert_eq!(c.line, 3);
        assert_eq!(c.as_seq().unwrap()[1].as_str(), Some("y"));
        let d = b.get("d").unwrap();
        assert_eq!(d.key_line, 4);
        assert!(d.block_scalar);
        assert_eq!(d.as_str(), Some("echo hi\necho there\n"));
        assert_eq!(root.get("e").unwrap().value, Value::Bool(true));
        assert_eq!(&text[root.get("e").unwrap().report_span()], "e: true");
    }

    #[test]
    fn multi_document_and_empty_documents() {
        let text = "---\nkind: A\n---\n---\nkind: B\n...\n";
        let (docs, err) = parse(text);
        assert!(err.is_none());
        let kinds: Vec<_> = docs
            .iter()
            .map(|d| d.get("kind").and_then(Node::as_str))
            .collect();
        assert_eq!(kinds, vec![Some("A"), None, Some("B")]);
        assert_eq!(docs[2].get("kind").unwrap().line, 5);
    }

    #[test]
    fn local_tags_are_kept() {
        let text = "Bucket: !Ref MyBucket\nName: !Sub '${AWS::StackName}-x'\nArn: !GetAtt [A, Arn]\nL: !Join\n  - ''\n  - [a, b]\n";
        let (docs, err) = parse(text);
        assert!(err.is_none(), "{err:?}");
        let r = &docs[0];
        assert_eq!(r.get("Bucket").unwrap().tag.as_deref(), Some("!Ref"));
        assert_eq!(r.get("Bucket").unwrap().as_str(), Some("MyBucket"));
        assert_eq!(r.get("Name").unwrap().tag.as_deref(), Some("!Sub"));
        assert_eq!(r.get("Arn").unwrap().tag.as_deref(), Some("!GetAtt"));
        assert_eq!(r.get("L").unwrap().tag.as_deref(), Some("!Join"));
        assert_eq!(r.get("L").unwrap().key_line, 4);
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let text = ".base: &base\n  image: alpine\n  tags: [a]\njob:\n  <<: *base\n  tags: [b]\n";
        let (docs, _) = parse(text);
        let job = docs[0].get("job").unwrap();
        assert_eq!(job.get("image").unwrap().as_str(), Some("alpine"));
        assert_eq!(
            job.get("tags").unwrap().as_seq().unwrap()[0].as_str(),
            Some("b")
        );
    }

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let text = "name: \"héllo wörld\"\nnext: é\n";
        let (docs, _) = parse(text);
        let n = docs[0].get("next").unwrap();
        assert_eq!(&text[n.span.clone()], "é");
        assert_eq!(n.line, 2);
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for text in [
            "a: [1, 2\nb: c",
            "a:\n  - b\n c: d\n",
            "\"unterminated",
            "a: b: c",
            "- a\nb: c",
        ] {
            let (_, err) = parse(text);
            assert!(err.is_some(), "{text}");
        }
    }

    #[test]
    fn json_parses_as_yaml() {
        let text = "{\n  \"a\": {\"b\": [1, 2.5, null, false]},\n  \"c\": \"d\"\n}";
        let (docs, err) = parse(text);
        assert!(err.is_none());
        let b = docs[0].get_path(&["a", "b"]).unwrap().as_seq().unwrap();
        assert_eq!(b[1].value, Value::Float(2.5));
        assert_eq!(docs[0].get("c").unwrap().key_line, 3);
    }
}

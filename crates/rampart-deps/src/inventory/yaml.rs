//! A small YAML reader for lockfiles (pnpm-lock.yaml, yarn berry, pubspec.lock).
//!
//! It reads the subset that lockfile writers emit: block mappings and sequences, plain and quoted
//! scalars, flow mappings and sequences, and literal/folded blocks, and keeps the line of every
//! mapping key so findings can point at the entry. Anchors, tags and multi-document streams are
//! not supported (lockfiles do not use them).

use super::ParseError;

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

#[derive(Debug, Clone)]
struct Line<'a> {
    indent: usize,
    text: &'a str,
    no: usize,
}

/// Parses a YAML document.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let no = i + 1;
        let trimmed_end = raw.trim_end();
        let content = trimmed_end.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if content.starts_with('\t') {
            return Err(ParseError::new(no, "tab used for indentation"));
        }
        if content == "---" || content == "..." {
            continue;
        }
        if content.starts_with("%YAML") {
            continue;
        }
        lines.push(Line {
            indent: trimmed_end.len() - content.len(),
            text: strip_comment(content),
            no,
        });
    }
    if lines.is_empty() {
        return Ok(Node::Null);
    }
    let mut p = Parser { lines, i: 0, text };
    let indent = p.lines[0].indent;
    let node = p.block(indent)?;
    if p.i < p.lines.len() {
        let l = &p.lines[p.i];
        return Err(ParseError::new(l.no, "unexpected indentation"));
    }
    Ok(node)
}

fn strip_comment(s: &str) -> &str {
    // A `#` after white space starts a comment, outside quotes.
    let b = s.as_bytes();
    let mut quote: Option<u8> = None;
    for i in 0..b.len() {
        match quote {
            Some(q) => {
                if b[i] == q {
                    quote = None;
                }
            }
            None => {
                if (b[i] == b'"' || b[i] == b'\'')
                    && (i == 0 || matches!(b[i - 1], b' ' | b'[' | b'{' | b',' | b':'))
                {
                    quote = Some(b[i]);
                } else if b[i] == b'#' && i > 0 && b[i - 1] == b' ' {
                    return s[..i].trim_end();
                }
            }
        }
    }
    s
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    i: usize,
    #[allow(dead_code)]
    text: &'a str,
}

fn is_seq_item(t: &str) -> bool {
    t == "-" || t.starts_with("- ")
}

impl<'a> Parser<'a> {
    fn block(&mut self, indent: usize) -> Result<Node, ParseError> {
        if is_seq_item(self.lines[self.i].text) {
            self.seq(indent)
        } else {
            self.map(indent)
        }
    }

    fn seq(&mut self, indent: usize) -> Result<Node, ParseError> {
        let mut items = Vec::new();
        while self.i < self.lines.len() {
            let l = self.lines[self.i].clone();
            if l.indent < indent {
                break;
            }
            if l.indent > indent {
                return Err(ParseError::new(l.no, "unexpected indentation"));
            }
            if !is_seq_item(l.text) {
                break;
            }
            let rest = l.text[1..].trim_start_matches(' ');
            if rest.is_empty() {
                self.i += 1;
                match self.lines.get(self.i) {
                    Some(n) if n.indent > indent => {
                        let ni = n.indent;
                        items.push(self.block(ni)?);
                    }
                    _ => items.push(Node::Null),
                }
                continue;
            }
            let offset = l.text.len() - rest.len();
            if split_key(rest).is_some() && !rest.starts_with('{') && !rest.starts_with('[') {
                // `- key: value` starts a mapping indented at the item's content.
                self.lines[self.i] = Line {
                    indent: indent + offset,
                    text: rest,
                    no: l.no,
                };
                items.push(self.map(indent + offset)?);
            } else {
                self.i += 1;
                items.push(flow(rest, l.no)?);
            }
        }
        Ok(Node::Seq(items))
    }

    fn map(&mut self, indent: usize) -> Result<Node, ParseError> {
        let mut entries = Vec::new();
        while self.i < self.lines.len() {
            let l = self.lines[self.i].clone();
            if l.indent < indent {
                break;
            }
            if l.indent > indent {
                return Err(ParseError::new(l.no, "unexpected indentation"));
            }
            if is_seq_item(l.text) {
                break;
            }
            let Some((key, value)) = split_key(l.text) else {
                return Err(ParseError::new(
                    l.no,
                    format!("expected `key: value`, found `{}`", l.text),
                ));
            };
            let key = unquote(key, l.no)?;
            self.i += 1;
            let value = if value.is_empty() {
                match self.lines.get(self.i) {
                    Some(n) if n.indent > indent => {
                        let ni = n.indent;
                        self.block(ni)?
                    }
                    Some(n) if n.indent == indent && is_seq_item(n.text) => self.seq(indent)?,
                    _ => Node::Null,
                }
            } else if value == "|"
                || value == ">"
                || value.starts_with("|")
                || value.starts_with('>')
            {
                let mut text = String::new();
                while let Some(n) = self.lines.get(self.i) {
                    if n.indent <= indent {
                        break;
                    }
                    text.push_str(n.text);
                    text.push('\n');
                    self.i += 1;
                }
                Node::Scalar(text)
            } else {
                flow(value, l.no)?
            };
            entries.push(Entry {
                key,
                line: l.no,
                value,
            });
        }
        Ok(Node::Map(entries))
    }
}

/// Splits `key: value` (or `key:`) outside quotes; `None` when there is no such colon.
fn split_key(t: &str) -> Option<(&str, &str)> {
    let b = t.as_bytes();
    let mut i = 0;
    if b.first().is_some_and(|&c| c == b'"' || c == b'\'') {
        let q = b[0];
        i = 1;
        while i < b.len() {
            if b[i] == b'\\' && q == b'"' {
                i += 2;
                continue;
            }
            if b[i] == q {
                if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                break;
            }
            i += 1;
        }
        i += 1;
        if i > b.len() {
            return None;
        }
        let rest = t[i..].trim_start();
        let rest = rest.strip_prefix(':')?;
        if !rest.is_empty() && !rest.starts_with(' ') {
            return None;
        }
        return Some((&t[..i], rest.trim()));
    }
    if b.first().is_some_and(|&c| c == b'{' || c == b'[') {
        return None;
    }
    while i < b.len() {
        if b[i] == b':' && (i + 1 == b.len() || b[i + 1] == b' ') {
            return Some((t[..i].trim_end(), t[i + 1..].trim()));
        }
        i += 1;
    }
    None
}

fn unquote(s: &str, line: usize) -> Result<String, ParseError> {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix('"') {
        let Some(inner) = inner.strip_suffix('"') else {
            return Err(ParseError::new(line, "unterminated double-quoted string"));
        };
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(o) => out.push(o),
                    None => {}
                }
            } else {
                out.push(c);
            }
        }
        return Ok(out);
    }
    if let Some(inner) = s.strip_prefix('\'') {
        let Some(inner) = inner.strip_suffix('\'') else {
            return Err(ParseError::new(line, "unterminated single-quoted string"));
        };
        return Ok(inner.replace("''", "'"));
    }
    Ok(s.to_string())
}

/// Parses an inline value: a scalar, or a flow mapping or sequence.
fn flow(s: &str, line: usize) -> Result<Node, ParseError> {
    let s = s.trim();
    if s.starts_with('{') || s.starts_with('[') {
        let mut f = Flow {
            b: s.as_bytes(),
            s,
            i: 0,
            line,
        };
        let node = f.value()?;
        f.ws();
        if f.i != s.len() {
            return Err(ParseError::new(
                line,
                "unexpected text after a flow collection",
            ));
        }
        return Ok(node);
    }
    if s.is_empty() || s == "~" || s == "null" {
        return Ok(Node::Null);
    }
    Ok(Node::Scalar(unquote(s, line)?))
}

struct Flow<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
    line: usize,
}

impl Flow<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i] == b' ' {
            self.i += 1;
        }
    }

    fn err(&self, msg: &str) -> ParseError {
        ParseError::new(self.line, msg.to_string())
    }

    fn value(&mut self) -> Result<Node, ParseError> {
        self.ws();
        match self.b.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut entries = Vec::new();
                loop {
                    self.ws();
                    if self.b.get(self.i) == Some(&b'}') {
                        self.i += 1;
                        break;
                    }
                    let key = self.scalar(true)?;
                    self.ws();
                    let value = if self.b.get(self.i) == Some(&b':') {
                        self.i += 1;
                        self.value()?
                    } else {
                        Node::Null
                    };
                    entries.push(Entry {
                        key,
                        line: self.line,
                        value,
                    });
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            break;
                        }
                        _ => return Err(self.err("unterminated flow mapping")),
                    }
                }
                Ok(Node::Map(entries))
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.b.get(self.i) == Some(&b']') {
                        self.i += 1;
                        break;
                    }
                    items.push(self.value()?);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            break;
                        }
                        _ => return Err(self.err("unterminated flow sequence")),
                    }
                }
                Ok(Node::Seq(items))
            }
            _ => {
                let s = self.scalar(false)?;
                Ok(if s.is_empty() {
                    Node::Null
                } else {
                    Node::Scalar(s)
                })
            }
        }
    }

    fn scalar(&mut self, key: bool) -> Result<String, ParseError> {
        self.ws();
        let start = self.i;
        if let Some(&q) = self.b.get(self.i).filter(|c| **c == b'"' || **c == b'\'') {
            self.i += 1;
            while self.i < self.b.len() {
                if q == b'"' && self.b[self.i] == b'\\' {
                    self.i += 2;
                    continue;
                }
                if self.b[self.i] == q {
                    break;
                }
                self.i += 1;
            }
            if self.i >= self.b.len() {
                return Err(self.err("unterminated quoted string"));
            }
            self.i += 1;
            return unquote(&self.s[start..self.i], self.line);
        }
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if c == b',' || c == b'}' || c == b']' {
                break;
            }
            if key && c == b':' && matches!(self.b.get(self.i + 1), None | Some(b' ')) {
                break;
            }
            if !key && c == b':' && matches!(self.b.get(self.i + 1), None | Some(b' ')) {
                break;
            }
            self.i += 1;
        }
        Ok(self.s[start..self.i].trim().to_string())
    }
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
        assert_eq!(e.line, 3);
        let e = parse("a: \"open\nb: 1\n").unwrap_err();
        assert_eq!(e.line, 1);
    }
}

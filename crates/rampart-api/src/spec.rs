//! API definitions found by content, and `$ref`s resolved across files.
//!
//! A spec is the root document; the files its `$ref`s name (relative paths, never URLs) are
//! loaded beside it, at most [`MAX_FILES`] of them and [`MAX_FILE_DEPTH`] references away.
//! A `$ref` chain is followed at most [`MAX_HOPS`] hops; a chain that comes back to itself is a
//! cycle. Every problem is a diagnostic naming the file and line of the `$ref`.

use crate::tree::{self, Lines, Node, Value};
use rampart_core::Diagnostic;

/// Files a spec may pull in through `$ref`s (the spec itself not counted).
pub const MAX_FILES: usize = 64;
/// How many files deep `$ref`s are followed (spec → a.yaml → b.yaml is 2).
pub const MAX_FILE_DEPTH: usize = 8;
/// `$ref`s followed in one chain before giving up.
pub const MAX_HOPS: usize = 32;
/// Largest referenced file read.
pub const MAX_REF_FILE_BYTES: u64 = 8 << 20;

/// Which specification a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// Swagger 2.0.
    Swagger2,
    /// OpenAPI 3.0.x.
    OpenApi30,
    /// OpenAPI 3.1.x.
    OpenApi31,
}

/// Whether a parsed document is an API definition, and of which version.
pub fn detect(root: &Node) -> Option<Version> {
    let has_body = ["paths", "components", "webhooks", "definitions", "info"]
        .iter()
        .any(|k| root.get(k).is_some());
    if !has_body {
        return None;
    }
    if let Some(v) = root.get("openapi").and_then(Node::scalar_text) {
        if v.starts_with("3.0") {
            return Some(Version::OpenApi30);
        }
        if v.starts_with("3.") {
            return Some(Version::OpenApi31);
        }
    }
    match root.get("swagger").and_then(Node::scalar_text).as_deref() {
        Some("2.0") | Some("2") => Some(Version::Swagger2),
        _ => None,
    }
}

/// Whether a text may hold an API definition (checked before parsing).
/// `openapi` or `swagger` used as a key (`openapi:`, `"swagger" :`) somewhere.
pub fn may_be_spec(text: &str) -> bool {
    ["openapi", "swagger"].iter().any(|word| {
        text.match_indices(word).any(|(i, _)| {
            let rest = text[i + word.len()..].trim_start_matches(['"', '\'']);
            rest.trim_start_matches([' ', '\t']).starts_with(':')
        })
    })
}

/// One loaded document.
#[derive(Debug)]
pub struct Doc {
    /// Path relative to the scan root.
    pub path: String,
    /// Its root node.
    pub root: Node,
    /// Its line index.
    pub lines: Lines,
}

/// A node reached while reading a spec: the document it is in and, when that is not the
/// spec itself, the `$ref` in the spec it was reached through (where findings point).
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    /// Index of the document in [`Docs::docs`] (0 is the spec).
    pub doc: usize,
    /// The node.
    pub node: &'a Node,
    /// The spec's `$ref` node this was reached through, when `doc` is not 0.
    pub via: Option<&'a Node>,
}

impl<'a> At<'a> {
    /// A child of this node, in the same document.
    pub fn child(&self, node: &'a Node) -> At<'a> {
        At { node, ..*self }
    }

    /// A mapping entry, in the same document.
    pub fn get(&self, key: &str) -> Option<At<'a>> {
        self.node.get(key).map(|n| self.child(n))
    }
}

/// A spec and the files its `$ref`s pull in.
#[derive(Debug)]
pub struct Docs {
    /// The spec first, then referenced files in the order found.
    pub docs: Vec<Doc>,
    /// Problems met while loading and resolving (naming file and line).
    pub problems: Vec<Diagnostic>,
    /// The JSON pointer of every mapping, by document and node address (built on first use).
    pointers: std::sync::OnceLock<std::collections::HashMap<(usize, usize), String>>,
}

/// Reads a referenced file (a path relative to the scan root); `Err` says why not.
pub type Reader<'r> = dyn Fn(&str) -> Result<String, String> + 'r;

impl Docs {
    /// Loads the spec `path` (already parsed) and every file its `$ref`s name, then checks
    /// that every `$ref` resolves.
    pub fn load(path: &str, text: &str, root: Node, read: &Reader<'_>) -> Docs {
        let mut docs = Docs {
            docs: vec![Doc {
                path: path.to_string(),
                root,
                lines: Lines::new(text),
            }],
            problems: Vec::new(),
            pointers: std::sync::OnceLock::new(),
        };
        let mut depth = vec![0usize];
        let mut i = 0;
        while i < docs.docs.len() {
            let mut refs = Vec::new();
            collect_refs(&docs.docs[i].root, &mut refs);
            for (target, offset) in refs {
                let file = target.split('#').next().unwrap_or("");
                if file.is_empty() {
                    continue;
                }
                let line = docs.docs[i].lines.line(offset);
                let from = docs.docs[i].path.clone();
                if file.contains("://") {
                    docs.warn(&from, line, format!("`$ref` to `{file}` is remote and was not followed; vendor it into the repository to have it checked"));
                    continue;
                }
                let Some(p) = resolve_path(&from, file) else {
                    docs.warn(
                        &from,
                        line,
                        format!("`$ref` to `{file}` leaves the scan root and was not followed"),
                    );
                    continue;
                };
                if docs.docs.iter().any(|d| d.path == p) {
                    continue;
                }
                if depth[i] + 1 > MAX_FILE_DEPTH || docs.docs.len() > MAX_FILES {
                    docs.warn(&from, line, format!("`$ref` to `{file}` not followed: a spec reads at most {MAX_FILES} files, {MAX_FILE_DEPTH} references deep"));
                    continue;
                }
                let text = match read(&p) {
                    Ok(t) => t,
                    Err(e) => {
                        docs.warn(&from, line, format!("`$ref` to `{file}` could not be read ({e}); the definitions in it are not checked"));
                        continue;
                    }
                };
                let parsed = tree::parse(&text);
                match parsed.root {
                    Some(root) => {
                        docs.docs.push(Doc {
                            path: p,
                            root,
                            lines: Lines::new(&text),
                        });
                        depth.push(depth[i] + 1);
                    }
                    None => {
                        let why = parsed
                            .error
                            .map(|e| format!("line {}: {}", e.line, e.message))
                            .unwrap_or_else(|| "empty document".into());
                        docs.warn(
                            &from,
                            line,
                            format!("`$ref` to `{file}`: the file does not parse ({why})"),
                        );
                    }
                }
            }
            i += 1;
        }
        docs.check_refs();
        docs
    }

    fn warn(&mut self, path: &str, line: usize, msg: String) {
        self.problems
            .push(Diagnostic::warning(path, msg).at_line(line));
    }

    /// Resolves every `$ref` once, so that broken ones and cycles are reported once each.
    fn check_refs(&mut self) {
        let mut problems = Vec::new();
        for (i, d) in self.docs.iter().enumerate() {
            let mut refs = Vec::new();
            collect_ref_nodes(&d.root, &mut refs);
            for r in refs {
                let at = At {
                    doc: i,
                    node: r,
                    via: None,
                };
                if let Err(e) = self.deref(at) {
                    let line = d.lines.line(r.span.start);
                    problems.push(Diagnostic::warning(&d.path, e).at_line(line));
                }
            }
        }
        self.problems.extend(problems);
    }

    /// The node itself, or what its `$ref` chain ends at.
    pub fn deref<'a>(&'a self, at: At<'a>) -> Result<At<'a>, String> {
        let mut cur = at;
        let mut seen: Vec<(usize, *const Node)> = Vec::new();
        for _ in 0..MAX_HOPS {
            let Some(target) = cur.node.get("$ref").and_then(Node::as_str) else {
                return Ok(cur);
            };
            if seen.contains(&(cur.doc, cur.node as *const Node)) {
                return Err(format!("`$ref: {target}` is part of a reference cycle"));
            }
            seen.push((cur.doc, cur.node as *const Node));
            let (file, pointer) = target.split_once('#').unwrap_or((target, ""));
            let doc = if file.is_empty() {
                cur.doc
            } else {
                let from = &self.docs[cur.doc].path;
                let path = resolve_path(from, file)
                    .ok_or_else(|| format!("`$ref: {target}` points outside the scan root"))?;
                self.docs
                    .iter()
                    .position(|d| d.path == path)
                    .ok_or_else(|| format!("`$ref: {target}`: `{file}` was not loaded"))?
            };
            let node = pointer_get(&self.docs[doc].root, pointer).ok_or_else(|| {
                format!(
                    "`$ref: {target}` points at nothing (`{pointer}` is not in `{}`)",
                    self.docs[doc].path
                )
            })?;
            let via = match (cur.via, cur.doc, doc) {
                (Some(v), _, _) => Some(v),
                (None, 0, d) if d != 0 => Some(cur.node),
                _ => None,
            };
            cur = At { doc, node, via };
        }
        Err(format!(
            "`$ref` chain longer than {MAX_HOPS} hops (a cycle?) starting at `{}`",
            at.node.get("$ref").and_then(Node::as_str).unwrap_or("")
        ))
    }

    /// The JSON pointer of a mapping node of document `doc` (`/components/schemas/User`), for
    /// fingerprints; empty for other nodes.
    pub fn pointer(&self, doc: usize, node: &Node) -> String {
        let map = self.pointers.get_or_init(|| {
            let mut m = std::collections::HashMap::new();
            for (i, d) in self.docs.iter().enumerate() {
                index_pointers(i, &d.root, &mut String::new(), &mut m);
            }
            m
        });
        map.get(&(doc, node as *const Node as usize))
            .cloned()
            .unwrap_or_default()
    }

    /// [`Docs::deref`], or `None` (problems were reported when loading).
    pub fn resolve<'a>(&'a self, at: At<'a>) -> Option<At<'a>> {
        self.deref(at).ok()
    }

    /// Where a finding about `at` points in the spec: byte span and, when the node lives in
    /// another file, that file and line (for the message).
    pub fn place(&self, at: &At<'_>) -> (std::ops::Range<usize>, Option<String>) {
        if at.doc == 0 {
            return (at.node.report_span(), None);
        }
        let d = &self.docs[at.doc];
        let other = format!(
            "{} line {}",
            d.path,
            d.lines.line(at.node.report_span().start)
        );
        match at.via {
            Some(v) => (v.report_span(), Some(other)),
            None => (0..0, Some(other)),
        }
    }
}

fn index_pointers(
    doc: usize,
    n: &Node,
    path: &mut String,
    out: &mut std::collections::HashMap<(usize, usize), String>,
) {
    let len = path.len();
    match &n.value {
        Value::Map(m) => {
            out.insert((doc, n as *const Node as usize), path.clone());
            for (k, v) in m {
                path.push('/');
                path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                index_pointers(doc, v, path, out);
                path.truncate(len);
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push_str(&format!("/{i}"));
                index_pointers(doc, v, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// Every `$ref` string of a tree, with its byte offset.
fn collect_refs(n: &Node, out: &mut Vec<(String, usize)>) {
    match &n.value {
        Value::Map(m) => {
            for (k, v) in m {
                if k == "$ref"
                    && let Some(s) = v.as_str()
                {
                    out.push((s.to_string(), v.span.start));
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Seq(s) => s.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// Every mapping holding a `$ref`.
fn collect_ref_nodes<'a>(n: &'a Node, out: &mut Vec<&'a Node>) {
    match &n.value {
        Value::Map(m) => {
            if m.iter().any(|(k, v)| k == "$ref" && v.as_str().is_some()) {
                out.push(n);
            }
            m.iter().for_each(|(_, v)| collect_ref_nodes(v, out));
        }
        Value::Seq(s) => s.iter().for_each(|x| collect_ref_nodes(x, out)),
        _ => {}
    }
}

/// `file` relative to the folder of `from`, normalised; `None` when it leaves the root.
pub fn resolve_path(from: &str, file: &str) -> Option<String> {
    if file.starts_with('/') || file.contains('\\') || file.contains(':') {
        return None;
    }
    let dir = from.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in file.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Follows a JSON pointer (`/components/schemas/User`, `~0`, `~1` and `%xx` decoded).
pub fn pointer_get<'a>(root: &'a Node, pointer: &str) -> Option<&'a Node> {
    let pointer = percent_decode(pointer);
    if pointer.is_empty() {
        return Some(root);
    }
    let rest = pointer.strip_prefix('/')?;
    let mut cur = root;
    for raw in rest.split('/') {
        let key = raw.replace("~1", "/").replace("~0", "~");
        cur = match &cur.value {
            Value::Map(_) => cur.get(&key)?,
            Value::Seq(s) => s.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[(&str, &str)]) -> Docs {
        let (p, t) = files[0];
        let root = tree::parse(t).root.unwrap();
        let read = |path: &str| {
            files
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, t)| t.to_string())
                .ok_or_else(|| "no such file".to_string())
        };
        Docs::load(p, t, root, &read)
    }

    #[test]
    fn refs_resolve_across_files_and_cycles_are_named() {
        let spec = "openapi: 3.0.0\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: 'common/s.yaml#/B'}\n    C: {$ref: '#/components/schemas/C'}\n    D: {$ref: 'missing.yaml'}\n    E: {$ref: '#/nope'}\n";
        let s = "B:\n  type: object\n  properties:\n    x: {$ref: '../api.yaml#/components/schemas/A'}\n";
        let d = load(&[("api.yaml", spec), ("common/s.yaml", s)]);
        assert_eq!(d.docs.len(), 2);
        let a = At {
            doc: 0,
            node: pointer_get(&d.docs[0].root, "/components/schemas/A").unwrap(),
            via: None,
        };
        let b = d.deref(a).unwrap();
        assert_eq!(b.doc, 1);
        assert!(b.via.is_some());
        let (span, other) = d.place(&b);
        assert_eq!(&spec[span], "A");
        assert_eq!(other.as_deref(), Some("common/s.yaml line 1"));
        let msgs: Vec<String> = d.problems.iter().map(|p| p.message.clone()).collect();
        assert!(msgs.iter().any(|m| m.contains("cycle")), "{msgs:?}");
        assert!(
            msgs.iter()
                .any(|m| m.contains("missing.yaml") && m.contains("could not be read")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("points at nothing")),
            "{msgs:?}"
        );
        assert!(
            d.problems
                .iter()
                .all(|p| p.path.as_deref() == Some("api.yaml") && p.line.is_some())
        );
    }

    #[test]
    fn paths_stay_in_the_root() {
        assert_eq!(
            resolve_path("a/b.yaml", "../c.yaml").as_deref(),
            Some("c.yaml")
        );
        assert_eq!(resolve_path("b.yaml", "../c.yaml"), None);
        assert_eq!(resolve_path("b.yaml", "/etc/passwd"), None);
        assert_eq!(
            pointer_get(&tree::parse("a: {b/c: 1}").root.unwrap(), "/a/b~1c").map(|n| n.span.len()),
            Some(1)
        );
    }
}

//! Path expressions over the document model: `spec.containers[*].securityContext.privileged`.
//!
//! Segments are separated by dots. A segment is a key (`name`, or `"quoted.key"`), `*` (every
//! value of a mapping or item of a sequence), `[*]` (every item of a sequence, or the node itself
//! when it is not one) / `[N]` after a key, `~"regex"` (values whose key matches), `@json` (parse the
//! string value as JSON/YAML), or, first only, a `$macro` the subject provides (`$podspec`,
//! `$containers`, `$workflow`, `$job`). A key applied to a sequence applies to each item, so
//! Terraform blocks (which may repeat) and single mappings read the same way.

use crate::model::{Node, Value};
use std::borrow::Cow;

/// One step of a path.
#[derive(Debug, Clone)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// Every value of a mapping or item of a sequence (`*`).
    All,
    /// Every item of a sequence; any other node is a one-item list (`[*]`).
    Items,
    /// One sequence item.
    Index(usize),
    /// Parse a string as JSON/YAML.
    Json,
    /// A named root the subject provides.
    Macro(String),
    /// The values of a mapping whose keys match a regex (`~"(?i)password"`).
    KeyRegex(regex::Regex),
}

impl PartialEq for Seg {
    fn eq(&self, other: &Seg) -> bool {
        match (self, other) {
            (Seg::Key(a), Seg::Key(b)) | (Seg::Macro(a), Seg::Macro(b)) => a == b,
            (Seg::Index(a), Seg::Index(b)) => a == b,
            (Seg::All, Seg::All) | (Seg::Items, Seg::Items) | (Seg::Json, Seg::Json) => true,
            (Seg::KeyRegex(a), Seg::KeyRegex(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The steps.
    pub segs: Vec<Seg>,
    /// The text it was parsed from.
    pub text: String,
}

impl Path {
    /// Parses a path expression.
    pub fn parse(text: &str) -> Result<Path, String> {
        let mut segs = Vec::new();
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'.' => i += 1,
                b'~' if b.get(i + 1) == Some(&b'"') => {
                    let end = text[i + 2..]
                        .find('"')
                        .ok_or_else(|| format!("unterminated `~\"` in `{text}`"))?;
                    let re = regex::Regex::new(&text[i + 2..i + 2 + end])
                        .map_err(|e| format!("bad key regex in `{text}`: {e}"))?;
                    segs.push(Seg::KeyRegex(re));
                    i += end + 3;
                }
                b'"' => {
                    let end = text[i + 1..]
                        .find('"')
                        .ok_or_else(|| format!("unterminated quote in `{text}`"))?;
                    segs.push(Seg::Key(text[i + 1..i + 1 + end].to_string()));
                    i += end + 2;
                }
                b'[' => {
                    let end = text[i..]
                        .find(']')
                        .ok_or_else(|| format!("unterminated `[` in `{text}`"))?;
                    let inner = &text[i + 1..i + end];
                    if inner == "*" {
                        segs.push(Seg::Items);
                    } else {
                        segs.push(Seg::Index(
                            inner
                                .parse()
                                .map_err(|_| format!("bad index `{inner}` in `{text}`"))?,
                        ));
                    }
                    i += end + 1;
                }
                _ => {
                    let end = text[i..]
                        .find(['.', '['])
                        .map(|e| i + e)
                        .unwrap_or(text.len());
                    let word = &text[i..end];
                    segs.push(match word {
                        "*" => Seg::All,
                        "@json" => Seg::Json,
                        w if w.starts_with('$') => {
                            if !segs.is_empty() {
                                return Err(format!("`{w}` must come first in `{text}`"));
                            }
                            Seg::Macro(w[1..].to_string())
                        }
                        w => Seg::Key(w.to_string()),
                    });
                    i = end;
                }
            }
        }
        Ok(Path {
            segs,
            text: text.to_string(),
        })
    }
}

/// What a path reaches from a node.
#[derive(Debug, Default)]
pub struct Reached<'a> {
    /// The nodes at the end of the path (nulls excluded).
    pub nodes: Vec<Cow<'a, Node>>,
    /// Whether an unknown value stood in the way, so that absence is not certain.
    pub unknown: bool,
    /// The deepest node reached on the way, where a missing attribute is reported.
    pub deepest: Option<Cow<'a, Node>>,
}

/// Provides `$macro` roots.
pub type Macros<'b, 'm> = &'b dyn Fn(&str) -> Vec<&'m Node>;

/// Follows a path from `root`.
pub fn resolve<'a, 'm: 'a>(root: &'a Node, path: &Path, macros: Macros<'_, 'm>) -> Reached<'a> {
    let mut cur: Vec<Cow<'a, Node>> = vec![Cow::Borrowed(root)];
    let mut out = Reached::default();
    let mut segs = &path.segs[..];
    if let Some(Seg::Macro(m)) = segs.first() {
        cur = macros(m)
            .into_iter()
            .map(|n| Cow::Borrowed(n as &'a Node))
            .collect();
        segs = &segs[1..];
    }
    if let Some(first) = cur.first() {
        out.deepest = Some(first.clone());
    }
    for seg in segs {
        let mut next: Vec<Cow<'a, Node>> = Vec::new();
        for n in cur {
            step(n, seg, &mut next, &mut out.unknown);
        }
        next.retain(|n| !n.is_null());
        if next.is_empty() {
            out.nodes.clear();
            return out;
        }
        out.deepest = next.first().cloned();
        cur = next;
    }
    out.nodes = cur;
    out
}

fn step<'a>(n: Cow<'a, Node>, seg: &Seg, next: &mut Vec<Cow<'a, Node>>, unknown: &mut bool) {
    if n.is_unknown() {
        *unknown = true;
        return;
    }
    match (seg, n) {
        (Seg::Key(k), Cow::Borrowed(n)) => match &n.value {
            Value::Map(m) => next.extend(
                m.iter()
                    .filter(|(x, _)| x == k)
                    .map(|(_, v)| Cow::Borrowed(v)),
            ),
            Value::Seq(s) => {
                for item in s {
                    step(Cow::Borrowed(item), seg, next, unknown);
                }
            }
            _ => {}
        },
        (Seg::Key(k), Cow::Owned(n)) => match n.value {
            Value::Map(m) => next.extend(
                m.into_iter()
                    .filter(|(x, _)| x == k)
                    .map(|(_, v)| Cow::Owned(v)),
            ),
            Value::Seq(s) => {
                for item in s {
                    step(Cow::Owned(item), seg, next, unknown);
                }
            }
            _ => {}
        },
        (Seg::All, Cow::Borrowed(n)) => match &n.value {
            Value::Map(m) => next.extend(m.iter().map(|(_, v)| Cow::Borrowed(v))),
            Value::Seq(s) => next.extend(s.iter().map(Cow::Borrowed)),
            _ => {}
        },
        (Seg::All, Cow::Owned(n)) => match n.value {
            Value::Map(m) => next.extend(m.into_iter().map(|(_, v)| Cow::Owned(v))),
            Value::Seq(s) => next.extend(s.into_iter().map(Cow::Owned)),
            _ => {}
        },
        (Seg::KeyRegex(re), n) => match &n.value {
            Value::Map(m) => next.extend(
                m.iter()
                    .filter(|(k, _)| re.is_match(k))
                    .map(|(_, v)| Cow::Owned(v.clone())),
            ),
            Value::Seq(s) => {
                for item in s {
                    step(Cow::Owned(item.clone()), seg, next, unknown);
                }
            }
            _ => {}
        },
        (Seg::Items, Cow::Borrowed(n)) => match &n.value {
            Value::Seq(s) => next.extend(s.iter().map(Cow::Borrowed)),
            _ => next.push(Cow::Borrowed(n)),
        },
        (Seg::Items, Cow::Owned(n)) => match n.value {
            Value::Seq(s) => next.extend(s.into_iter().map(Cow::Owned)),
            v => next.push(Cow::Owned(Node { value: v, ..n })),
        },
        (Seg::Index(i), n) => {
            if let Some(item) = n.as_seq().and_then(|s| s.get(*i)) {
                next.push(Cow::Owned(item.clone()));
            }
        }
        (Seg::Json, n) => match &n.value {
            Value::Str(s) => {
                let (docs, err) = crate::yaml::parse(s);
                if err.is_none()
                    && let Some(d) = docs.into_iter().next()
                {
                    next.push(Cow::Owned(relocate(d, &n)));
                }
            }
            Value::Map(_) | Value::Seq(_) => next.push(n),
            _ => {}
        },
        (Seg::Macro(_), _) => {}
    }
}

/// Gives a parsed sub-document the location of the string it came from.
fn relocate(mut d: Node, at: &Node) -> Node {
    d.span = at.span.clone();
    d.line = at.line;
    d.key_span = at.key_span.clone();
    d.key_line = at.key_line;
    match &mut d.value {
        Value::Seq(s) => {
            for c in s.iter_mut() {
                *c = relocate(std::mem::replace(c, Node::new(Value::Null, 0..0, 0)), at);
            }
        }
        Value::Map(m) => {
            for (_, c) in m.iter_mut() {
                *c = relocate(std::mem::replace(c, Node::new(Value::Null, 0..0, 0)), at);
            }
        }
        _ => {}
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_resolves() {
        let p = Path::parse("spec.containers[*].\"a.b\".c[0]").unwrap();
        assert_eq!(p.segs.len(), 6);
        let (docs, _) = crate::yaml::parse(
            "spec:\n  containers:\n    - a.b:\n        c: [1]\n    - a.b:\n        c: [2]\n",
        );
        let none = |_: &str| Vec::new();
        let r = resolve(&docs[0], &p, &none);
        assert_eq!(r.nodes.len(), 2);
        let r = resolve(&docs[0], &Path::parse("spec.containers.x").unwrap(), &none);
        assert!(r.nodes.is_empty());
        assert_eq!(r.deepest.unwrap().key_line, 2);
        let (docs, _) = crate::yaml::parse("p: '{\"Statement\": [{\"Action\": \"*\"}]}'\n");
        let r = resolve(
            &docs[0],
            &Path::parse("p.@json.Statement[*].Action").unwrap(),
            &none,
        );
        assert_eq!(r.nodes[0].as_str(), Some("*"));
        assert_eq!(r.nodes[0].line, 1);
        let (docs, _) = crate::yaml::parse("env:\n  A: 1\n  DB_PASSWORD: x\n");
        let r = resolve(
            &docs[0],
            &Path::parse("env.~\"(?i)db.password\"").unwrap(),
            &none,
        );
        assert_eq!(r.nodes.len(), 1);
        assert_eq!(r.nodes[0].line, 3);
    }
}

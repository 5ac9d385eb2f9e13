//! `replacements`: a value of one object (`source`: `kind`, `name`, `namespace`, `group`,
//! `version`, `fieldPath`, default `metadata.name`; `options.delimiter`/`index`) copied into
//! fields of others (`targets`: `select`, `reject`, `fieldPaths`, `options.delimiter`/
//! `index`/`create`). Entries may be inline or `path:` files of replacement lists. They run
//! after the patches and transformers. The copied value keeps the source's position, so a
//! finding on it points at where the value was written.
//!
//! Field paths: `.`-separated keys, `[name=app]` list selectors, list indices and `*`
//! (every entry of a list or mapping).

#[allow(unused_imports)]
use super::*;

/// Splits a field path into segments (brackets keep their dots).
pub(crate) fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '[' => {
                depth += 1;
                cur.push(c);
            }
            ']' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            '.' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter()
        .filter(|s| !s.is_empty())
        .map(
            |s| match s.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
                // `[config.kubernetes.io/x]`: a key with dots.
                Some(inner) if !inner.contains('=') => inner.to_string(),
                _ => s,
            },
        )
        .collect()
}

/// The nodes a field path reaches.
pub(crate) fn lookup<'a>(n: &'a Node, segs: &[String]) -> Vec<&'a Node> {
    let Some((s, rest)) = segs.split_first() else {
        return vec![n];
    };
    match &n.value {
        Value::Seq(items) => {
            if s == "*" {
                return items.iter().flat_map(|i| lookup(i, rest)).collect();
            }
            if let Some((k, v)) = selector(s) {
                return items
                    .iter()
                    .filter(|i| i.get(k).and_then(Node::scalar_text).as_deref() == Some(v))
                    .flat_map(|i| lookup(i, rest))
                    .collect();
            }
            match s.parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some(i) => lookup(i, rest),
                None => Vec::new(),
            }
        }
        Value::Map(m) if s == "*" => m.iter().flat_map(|(_, v)| lookup(v, rest)).collect(),
        Value::Map(_) => n.get(s).map(|c| lookup(c, rest)).unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn selector(s: &str) -> Option<(&str, &str)> {
    s.strip_prefix('[')?.strip_suffix(']')?.split_once('=')
}

/// Sets every field a path reaches (creating missing mappings when `create`).
fn assign(n: &mut Node, segs: &[String], create: bool, f: &dyn Fn(&Node) -> Node) -> usize {
    let Some((s, rest)) = segs.split_first() else {
        *n = f(n);
        return 1;
    };
    match &mut n.value {
        Value::Seq(items) => {
            if s == "*" {
                return items.iter_mut().map(|i| assign(i, rest, create, f)).sum();
            }
            if let Some((k, v)) = selector(s) {
                return items
                    .iter_mut()
                    .filter(|i| i.get(k).and_then(Node::scalar_text).as_deref() == Some(v))
                    .map(|i| assign(i, rest, create, f))
                    .sum();
            }
            match s.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(i) => assign(i, rest, create, f),
                None => 0,
            }
        }
        Value::Map(m) => {
            if s == "*" {
                return m.iter_mut().map(|(_, v)| assign(v, rest, create, f)).sum();
            }
            if !m.iter().any(|(k, _)| k == s) {
                if !create {
                    return 0;
                }
                let blank = if rest.is_empty() {
                    Value::Null
                } else {
                    Value::Map(Vec::new())
                };
                let span = n.span.clone();
                let line = n.line;
                if let Value::Map(m) = &mut n.value {
                    m.push((s.clone(), Node::new(blank, span, line)));
                }
            }
            child_mut(n, s).map_or(0, |c| assign(c, rest, create, f))
        }
        Value::Null if create => {
            n.value = Value::Map(Vec::new());
            assign(n, segs, create, f)
        }
        _ => 0,
    }
}

/// Whether an object matches a `select`/`reject`/`source` selector.
fn matches(sel: &Node, r: &Node) -> bool {
    let api = text_at(r, &["apiVersion"]).unwrap_or("");
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    let checks: [(&str, Option<&str>); 5] = [
        ("kind", text_at(r, &["kind"])),
        ("name", text_at(r, &["metadata", "name"])),
        ("namespace", text_at(r, &["metadata", "namespace"])),
        ("group", Some(group)),
        ("version", Some(version)),
    ];
    checks
        .iter()
        .all(|(k, have)| match sel.get(k).and_then(Node::as_str) {
            Some(want) => *have == Some(want),
            None => true,
        })
}

fn opt<'a>(n: &'a Node, k: &str) -> Option<&'a Node> {
    n.get("options").and_then(|o| o.get(k))
}

impl Builder<'_> {
    /// Applies the kustomization's `replacements` to `acc`.
    pub(crate) fn replacements(&mut self, dir: &str, kpath: &str, k: &Node, acc: &mut [Node]) {
        let Some(list) = k.get("replacements") else {
            return;
        };
        let Some(items) = list.as_seq() else {
            self.error(kpath, list, "`replacements` must be a list".into());
            return;
        };
        let mut reps: Vec<(Node, String)> = Vec::new();
        for r in items {
            if let Some(p) = r.get("path").and_then(Node::as_str) {
                match self.docs(&join(dir, p)) {
                    Some(docs) => {
                        let path = join(dir, p);
                        for d in docs {
                            match &d.value {
                                Value::Seq(s) => {
                                    reps.extend(s.iter().map(|x| (x.clone(), path.clone())))
                                }
                                Value::Map(_) => reps.push((d.clone(), path.clone())),
                                _ => {}
                            }
                        }
                    }
                    None => self.error(kpath, r, format!("replacement file `{p}` not found")),
                }
            } else {
                reps.push((r.clone(), kpath.to_string()));
            }
        }
        for (r, path) in reps {
            self.replacement(&path, &r, acc);
        }
    }

    fn replacement(&mut self, path: &str, r: &Node, acc: &mut [Node]) {
        let Some(src) = r.get("source").filter(|s| s.as_map().is_some()) else {
            self.error(path, r, "a replacement needs a `source` mapping".into());
            return;
        };
        let fp = src
            .get("fieldPath")
            .and_then(Node::as_str)
            .unwrap_or("metadata.name");
        let found: Vec<&Node> = acc.iter().filter(|o| matches(src, o)).collect();
        let value = match found.as_slice() {
            [one] => lookup(one, &segments(fp)).first().map(|n| (*n).clone()),
            [] => {
                self.error(path, src, "replacement source matches no object".into());
                return;
            }
            _ => {
                self.error(
                    path,
                    src,
                    format!(
                        "replacement source matches {} objects, not one",
                        found.len()
                    ),
                );
                return;
            }
        };
        let Some(mut value) = value else {
            self.error(path, src, format!("replacement source has no `{fp}`"));
            return;
        };
        if let Some(d) = opt(src, "delimiter").and_then(Node::as_str) {
            let i = opt(src, "index").and_then(Node::as_f64).unwrap_or(0.0) as usize;
            let s = value.scalar_text().unwrap_or_default();
            match s.split(d).nth(i) {
                Some(part) => value.value = Value::Str(part.to_string()),
                None => {
                    self.error(
                        path,
                        src,
                        format!("replacement source index {i} out of range"),
                    );
                    return;
                }
            }
        }
        for t in strs(r.get("targets")) {
            let Some(sel) = t.get("select") else {
                self.error(path, t, "a replacement target needs `select`".into());
                continue;
            };
            let rejects = strs(t.get("reject"));
            let create = opt(t, "create").and_then(Node::as_bool).unwrap_or(false);
            let delim = opt(t, "delimiter").and_then(Node::as_str).map(String::from);
            let index = opt(t, "index").and_then(Node::as_f64).unwrap_or(0.0) as i64;
            for f in strs(t.get("fieldPaths")) {
                let Some(fp) = f.as_str() else { continue };
                let segs = segments(fp);
                let v = value.clone();
                let put = |old: &Node| -> Node {
                    // No key span: findings on the value point at the source.
                    let mut n = v.clone();
                    n.key_span = None;
                    if let Some(d) = &delim {
                        let cur = old.scalar_text().unwrap_or_default();
                        let mut parts: Vec<String> =
                            cur.split(d.as_str()).map(String::from).collect();
                        let new = v.scalar_text().unwrap_or_default();
                        if index < 0 {
                            parts.insert(0, new);
                        } else if (index as usize) < parts.len() {
                            parts[index as usize] = new;
                        } else {
                            parts.push(new);
                        }
                        n.value = Value::Str(parts.join(d));
                    }
                    n
                };
                for o in acc.iter_mut() {
                    if matches(sel, o) && !rejects.iter().any(|rj| matches(rj, o)) {
                        assign(o, &segs, create, &put);
                    }
                }
            }
        }
    }
}

//! The generators: `configMapGenerator` and `secretGenerator` (`literals`, `files`, `envs`,
//! `env`; `behavior` create/merge/replace; `options` and the kustomization's
//! `generatorOptions`: labels, annotations, `immutable`). They run after the resources and
//! before the patches, as in kustomize.
//!
//! Provenance: a literal's value points at the literal in the kustomization, a file's value at
//! the file (its first line), an env file's value at its line; the object itself points at the
//! generator entry. The content-hash name suffix kustomize appends (unless
//! `disableNameSuffixHash`) is not computed: names are kept as written, which only matters for
//! references between objects, not for the checks.

#[allow(unused_imports)]
use super::*;

/// How many bytes of generator inputs (files and env files) one build may read.
pub const MAX_GENERATOR_INPUT: usize = 16 << 20;

impl Builder<'_> {
    /// Runs the kustomization's generators, adding (or merging into) objects of `acc`.
    pub(crate) fn generators(&mut self, dir: &str, kpath: &str, k: &Node, acc: &mut Vec<Node>) {
        let global = k.get("generatorOptions");
        for (key, kind) in [
            ("configMapGenerator", "ConfigMap"),
            ("secretGenerator", "Secret"),
        ] {
            let Some(list) = k.get(key) else { continue };
            let Some(items) = list.as_seq() else {
                if !list.is_null() {
                    self.error(kpath, list, format!("`{key}` must be a list"));
                }
                continue;
            };
            for g in items {
                self.generate(dir, kpath, g, kind, key, global, acc);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn generate(
        &mut self,
        dir: &str,
        kpath: &str,
        g: &Node,
        kind: &str,
        key: &str,
        global: Option<&Node>,
        acc: &mut Vec<Node>,
    ) {
        if g.as_map().is_none() {
            self.error(kpath, g, format!("a `{key}` entry must be a mapping"));
            return;
        }
        let Some(name) = g.get("name").filter(|n| n.as_str().is_some()) else {
            self.error(kpath, g, format!("a `{key}` entry needs a `name`"));
            return;
        };
        let secret = kind == "Secret";
        let mut data: Vec<(String, Node)> = Vec::new();
        for l in strs(g.get("literals")) {
            let Some(s) = l.scalar_text() else { continue };
            match s.split_once('=') {
                Some((k, v)) if !k.is_empty() => {
                    let v = v.trim_matches(|c| c == '"' || c == '\'').to_string();
                    data.push((k.to_string(), Node::str(v, l.span.clone(), l.line)));
                }
                _ => self.error(
                    kpath,
                    l,
                    format!("`{key}` literal `{s}` is not `KEY=VALUE`"),
                ),
            }
        }
        for f in strs(g.get("files")) {
            let Some(s) = f.as_str() else { continue };
            let (k, rel) = match s.split_once('=') {
                Some((k, p)) => (k.to_string(), p),
                None => (s.rsplit('/').next().unwrap_or(s).to_string(), s),
            };
            let Some((text, base)) = self.input(dir, rel, kpath, f, key) else {
                continue;
            };
            let end = base + text.trim_end_matches('\n').len();
            data.push((k, Node::str(text, base..end, 1)));
        }
        let mut envs = strs(g.get("envs"));
        envs.extend(g.get("env").filter(|e| e.as_str().is_some()));
        for e in envs {
            let Some(rel) = e.as_str() else { continue };
            let Some((text, base)) = self.input(dir, rel, kpath, e, key) else {
                continue;
            };
            let mut off = 0;
            for (i, line) in text.split('\n').enumerate() {
                let start = off;
                off += line.len() + 1;
                let t = line.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                if let Some((k, v)) = t.split_once('=') {
                    let lead = line.len() - line.trim_start().len();
                    let span = base + start + lead..base + start + line.trim_end().len();
                    data.push((
                        k.trim().to_string(),
                        Node::str(v.trim_matches(|c| c == '"' || c == '\''), span, i + 1),
                    ));
                }
            }
        }
        if secret {
            use base64::Engine as _;
            for (_, v) in data.iter_mut() {
                if let Value::Str(s) = &v.value {
                    v.value = Value::Str(base64::engine::general_purpose::STANDARD.encode(s));
                }
            }
        }
        let at = |v: Value| Node::new(v, g.span.clone(), g.line);
        let behavior = g.get("behavior").and_then(Node::as_str).unwrap_or("create");
        let name_s = name.as_str().unwrap_or_default().to_string();
        if behavior == "merge" || behavior == "replace" {
            let Some(target) = acc.iter_mut().find(|r| {
                text_at(r, &["kind"]) == Some(kind)
                    && text_at(r, &["metadata", "name"]) == Some(name_s.as_str())
            }) else {
                self.error(
                    kpath,
                    g,
                    format!(
                        "`{key}` `{name_s}` has behavior `{behavior}` but no {kind} of that \
                         name comes from the resources"
                    ),
                );
                return;
            };
            if behavior == "replace" || target.get("data").is_none_or(|d| d.as_map().is_none()) {
                set(target, "data", at(Value::Map(data)));
            } else if let Some(d) = child_mut(target, "data") {
                for (k, v) in data {
                    set(d, &k, v);
                }
            }
            return;
        }
        if behavior != "create" {
            self.error(
                kpath,
                g,
                format!("`{key}` behavior `{behavior}` is not create, merge or replace"),
            );
            return;
        }
        let mut md = vec![("name".to_string(), name.clone())];
        if let Some(ns) = g.get("namespace").filter(|n| n.as_str().is_some()) {
            md.push(("namespace".into(), ns.clone()));
        }
        let mut doc = vec![
            ("apiVersion".to_string(), at(Value::Str("v1".into()))),
            ("kind".to_string(), at(Value::Str(kind.into()))),
            ("metadata".to_string(), at(Value::Map(md))),
        ];
        if secret {
            let t = g
                .get("type")
                .cloned()
                .unwrap_or_else(|| at(Value::Str("Opaque".into())));
            doc.push(("type".into(), t));
        }
        doc.push(("data".into(), at(Value::Map(data))));
        let mut doc = at(Value::Map(doc));
        for opts in [global, g.get("options")].into_iter().flatten() {
            for field in ["labels", "annotations"] {
                for (k, v) in opts.get(field).and_then(Node::as_map).unwrap_or(&[]) {
                    put(&mut doc, &["metadata", field], k, v);
                }
            }
            if let Some(i) = opts.get("immutable") {
                set(&mut doc, "immutable", i.clone());
            }
        }
        acc.push(doc);
    }

    /// A generator's input file: its text and base in the virtual text, or an error naming
    /// the kustomization.
    fn input(
        &mut self,
        dir: &str,
        rel: &str,
        kpath: &str,
        at: &Node,
        key: &str,
    ) -> Option<(String, usize)> {
        if is_remote(rel) {
            self.error(
                kpath,
                at,
                format!("`{key}` input `{rel}` is remote, not read"),
            );
            return None;
        }
        let p = join(dir, rel);
        if self.generated + 1 > MAX_GENERATOR_INPUT {
            self.error(
                kpath,
                at,
                format!(
                    "`{key}` inputs of this build exceed {} MiB; `{rel}` not read",
                    MAX_GENERATOR_INPUT >> 20
                ),
            );
            return None;
        }
        match self.load(&p) {
            Some((t, b)) => {
                self.generated += t.len();
                Some((t, b))
            }
            None => {
                self.error(kpath, at, format!("`{key}` file `{rel}` not found"));
                None
            }
        }
    }
}

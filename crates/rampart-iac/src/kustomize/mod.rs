//! Kustomize: a `kustomization.yaml` is built into the manifests it produces, which then go
//! through the Kubernetes checks.
//!
//! Supported: `resources` / `bases` (files and directories with a kustomization, recursively),
//! `components` (their resources and patches), `patchesStrategicMerge`, `patchesJson6902`,
//! `patches` (strategic merge or JSON 6902, with or without `target`), `namespace`,
//! `namePrefix` / `nameSuffix`, `commonLabels`, `labels`, `commonAnnotations`, and `images`
//! (`newName`, `newTag`, `digest`), the generators (`configMapGenerator`, `secretGenerator`,
//! see `generate.rs`) and `replacements` (see `replace.rs`). Remote resources (URLs) are
//! skipped with a note.
//!
//! **Provenance.** Every file a build reads is laid out in one virtual text (file after file);
//! node spans are shifted into it, so a node of a base keeps pointing into the base and a value
//! set by a patch points into the patch. Values a kustomization synthesises (an `images`
//! rewrite, a namespace) point at the kustomization entry that produced them.
//! [`Build::locate`] maps a span of the virtual text back to its file.

mod generate;
mod json6902;
mod merge;
mod replace;
#[cfg(test)]
mod tests;
mod transform;

pub use json6902::json6902;
pub use merge::strategic_merge;

#[allow(unused_imports)]
use {generate::*, json6902::*, merge::*, replace::*, transform::*};

#[allow(unused_imports)]
use crate::model::{LineIndex, Node, Value};
#[allow(unused_imports)]
use rampart_core::Diagnostic;
#[allow(unused_imports)]
use std::collections::{BTreeSet, HashMap};
#[allow(unused_imports)]
use std::ops::Range;

/// The file names of a kustomization.
pub const KUSTOMIZATION_FILES: &[&str] =
    &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Whether a path is a kustomization file.
pub fn is_kustomization(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    KUSTOMIZATION_FILES.contains(&name)
}

/// Reads a file by its path relative to the scan root.
pub type Reader<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// The result of building one kustomization.
pub struct Build {
    /// The kustomization file.
    pub path: String,
    /// The resulting manifests (spans in the virtual text).
    pub docs: Vec<Node>,
    /// Every file read, with its text and where it starts in the virtual text.
    pub files: Vec<(String, String, usize)>,
    /// The virtual text: the files one after the other.
    pub text: String,
    /// Problems, each naming the file at fault.
    pub diagnostics: Vec<Diagnostic>,
    /// Kustomization directories this build included (itself excepted).
    pub kustomizations: BTreeSet<String>,
}

impl Build {
    /// The file (index into `files`) and file-relative span of a span of the virtual text.
    pub fn locate(&self, span: &Range<usize>) -> Option<(usize, Range<usize>)> {
        let i = self
            .files
            .partition_point(|(_, _, base)| *base <= span.start)
            .checked_sub(1)?;
        let (_, text, base) = &self.files[i];
        let start = span.start - base;
        let end = (span.end - base).min(text.len());
        (start <= text.len()).then_some((i, start..end.max(start)))
    }
}

/// Builds the kustomization in `dir` (relative to the scan root).
pub fn build(dir: &str, read: Reader<'_>) -> Option<Build> {
    let mut b = Builder {
        read,
        files: Vec::new(),
        index: HashMap::new(),
        total: 0,
        diagnostics: Vec::new(),
        kustomizations: BTreeSet::new(),
        builds: 0,
        generated: 0,
    };
    let (path, _) = b.kustomization_file(dir)?;
    let mut stack = Vec::new();
    let docs = b.build_dir(dir, &mut stack);
    b.kustomizations.remove(dir);
    let mut text = String::with_capacity(b.total);
    for (_, t, base) in &b.files {
        while text.len() < *base {
            text.push('\n');
        }
        text.push_str(t);
    }
    Some(Build {
        path,
        docs,
        files: b.files,
        text,
        diagnostics: b.diagnostics,
        kustomizations: b.kustomizations,
    })
}

pub(crate) struct Builder<'a> {
    pub(crate) read: Reader<'a>,
    pub(crate) files: Vec<(String, String, usize)>,
    pub(crate) index: HashMap<String, usize>,
    pub(crate) total: usize,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) kustomizations: BTreeSet<String>,
    /// Kustomizations built so far (a base included twice is built twice).
    pub(crate) builds: usize,
    /// Bytes of generator inputs read so far (see `MAX_GENERATOR_INPUT`).
    pub(crate) generated: usize,
}

/// How deep kustomizations may include one another (overlay → base → base…).
pub const MAX_NESTING: usize = 64;
/// How many kustomizations one top-level build may build (a base included by several of its
/// members is built once per inclusion, which can grow exponentially).
pub const MAX_BUILDS: usize = 10_000;

/// Joins a relative reference to a directory, resolving `.` and `..`.
pub fn join(dir: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        rampart_core::paths::normalise(rel)
    } else {
        rampart_core::paths::join(dir, rel)
    }
}

pub(crate) fn is_remote(r: &str) -> bool {
    r.contains("://")
        || r.starts_with("git@")
        || r.starts_with("github.com/")
        || r.starts_with("gitlab.com/")
        || r.starts_with("bitbucket.org/")
}

pub(crate) fn shift(n: &mut Node, d: usize) {
    n.span = n.span.start + d..n.span.end + d;
    if let Some(k) = &mut n.key_span {
        *k = k.start + d..k.end + d;
    }
    match &mut n.value {
        Value::Seq(s) => s.iter_mut().for_each(|c| shift(c, d)),
        Value::Map(m) => m.iter_mut().for_each(|(_, c)| shift(c, d)),
        _ => {}
    }
}

pub(crate) fn strs(n: Option<&Node>) -> Vec<&Node> {
    n.and_then(Node::as_seq)
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

impl Builder<'_> {
    /// Reads a file once per build; returns its text and base offset.
    pub(crate) fn load(&mut self, path: &str) -> Option<(String, usize)> {
        if let Some(&i) = self.index.get(path) {
            let (_, t, b) = &self.files[i];
            return Some((t.clone(), *b));
        }
        let text = (self.read)(path)?;
        let base = self.total;
        self.total += text.len() + 1;
        self.index.insert(path.to_string(), self.files.len());
        self.files.push((path.to_string(), text.clone(), base));
        Some((text, base))
    }

    /// The YAML documents of a file, spans shifted into the virtual text.
    pub(crate) fn docs(&mut self, path: &str) -> Option<Vec<Node>> {
        let (text, base) = self.load(path)?;
        let parsed = crate::yaml::parse_full(&text);
        if let Some(e) = &parsed.error {
            self.diagnostics.push(
                Diagnostic::error(path, format!("YAML syntax error: {}", e.message))
                    .at_line(e.line),
            );
        }
        self.diagnostics.extend(parsed.limit_diagnostics(path));
        let mut docs = parsed.docs;
        docs.iter_mut().for_each(|d| shift(d, base));
        Some(docs)
    }

    pub(crate) fn kustomization_file(&mut self, dir: &str) -> Option<(String, Node)> {
        for name in KUSTOMIZATION_FILES {
            let p = join(dir, name);
            if let Some(docs) = self.docs(&p) {
                let doc = docs
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| Node::new(Value::Map(Vec::new()), 0..0, 1));
                return Some((p, doc));
            }
        }
        None
    }

    pub(crate) fn error(&mut self, path: &str, n: &Node, msg: String) {
        self.diagnostics
            .push(Diagnostic::error(path, msg).at_line(n.report_line().max(1)));
    }

    /// Builds the kustomization of `dir`.
    pub(crate) fn build_dir(&mut self, dir: &str, stack: &mut Vec<String>) -> Vec<Node> {
        let Some((kpath, k)) = self.kustomization_file(dir) else {
            return Vec::new();
        };
        if stack.iter().any(|d| d == dir) {
            let chain = stack
                .iter()
                .chain(std::iter::once(&dir.to_string()))
                .cloned()
                .collect::<Vec<_>>()
                .join(" → ");
            self.diagnostics.push(Diagnostic::error(
                &kpath,
                format!("kustomization cycle: {chain}; the cyclic base is skipped"),
            ));
            return Vec::new();
        }
        if stack.len() >= MAX_NESTING {
            self.diagnostics.push(Diagnostic::error(
                &kpath,
                format!(
                    "kustomizations include one another more than {MAX_NESTING} levels deep; \
                     this base (reached through {}) is skipped",
                    stack.first().map(String::as_str).unwrap_or(dir)
                ),
            ));
            return Vec::new();
        }
        self.builds += 1;
        if self.builds > MAX_BUILDS {
            if self.builds == MAX_BUILDS + 1 {
                self.diagnostics.push(Diagnostic::error(
                    &kpath,
                    format!(
                        "the build of {} includes more than {MAX_BUILDS} kustomizations; the \
                         rest (from this one on) are skipped",
                        stack.first().map(String::as_str).unwrap_or(dir)
                    ),
                ));
            }
            return Vec::new();
        }
        if k.as_map().is_none() {
            self.error(&kpath, &k, "a kustomization must be a mapping".into());
            return Vec::new();
        }
        if !stack.is_empty() {
            self.kustomizations.insert(dir.to_string());
        }
        stack.push(dir.to_string());
        let mut acc: Vec<Node> = Vec::new();
        for key in ["resources", "bases"] {
            for r in strs(k.get(key)) {
                let Some(rel) = r.as_str() else { continue };
                if is_remote(rel) {
                    self.diagnostics.push(
                        Diagnostic::note(
                            &kpath,
                            format!(
                                "remote kustomize resource `{rel}` is not fetched and not scanned"
                            ),
                        )
                        .at_line(r.line),
                    );
                    continue;
                }
                let p = join(dir, rel);
                if let Some(docs) = self.docs(&p) {
                    acc.extend(docs.into_iter().filter(|d| d.as_map().is_some()));
                } else if self.has_kustomization(&p) {
                    let sub = self.build_dir(&p, stack);
                    acc.extend(sub);
                } else {
                    self.error(&kpath, r, format!("kustomize resource `{rel}` not found"));
                }
            }
        }
        // Components: their resources join, their patches apply to everything so far.
        for c in strs(k.get("components")) {
            let Some(rel) = c.as_str() else { continue };
            if is_remote(rel) {
                continue;
            }
            let p = join(dir, rel);
            if self.has_kustomization(&p) {
                let (cres, cpatches) = self.component(&p, stack);
                acc.extend(cres);
                for (patch, path) in cpatches {
                    self.apply_patch(&mut acc, &patch, &path);
                }
            } else {
                self.error(&kpath, c, format!("kustomize component `{rel}` not found"));
            }
        }
        self.generators(dir, &kpath, &k, &mut acc);
        let patches = self.patches(dir, &kpath, &k);
        for p in patches {
            self.apply_patch(&mut acc, &p, &kpath);
        }
        transform(&mut acc, &k);
        self.replacements(dir, &kpath, &k, &mut acc);
        stack.pop();
        acc
    }

    pub(crate) fn has_kustomization(&mut self, dir: &str) -> bool {
        KUSTOMIZATION_FILES
            .iter()
            .any(|n| self.index.contains_key(&join(dir, n)) || (self.read)(&join(dir, n)).is_some())
    }

    /// A component's own resources and patches (its transformers apply to the whole build).
    pub(crate) fn component(
        &mut self,
        dir: &str,
        stack: &mut Vec<String>,
    ) -> (Vec<Node>, Vec<(Patch, String)>) {
        let Some((kpath, k)) = self.kustomization_file(dir) else {
            return (Vec::new(), Vec::new());
        };
        self.kustomizations.insert(dir.to_string());
        let mut res = Vec::new();
        for r in strs(k.get("resources")) {
            let Some(rel) = r.as_str() else { continue };
            let p = join(dir, rel);
            if let Some(docs) = self.docs(&p) {
                res.extend(docs.into_iter().filter(|d| d.as_map().is_some()));
            } else if self.has_kustomization(&p) {
                res.extend(self.build_dir(&p, stack));
            }
        }
        let patches = self
            .patches(dir, &kpath, &k)
            .into_iter()
            .map(|p| (p, kpath.clone()))
            .collect();
        (res, patches)
    }

    /// The patches a kustomization declares, in kustomize's order.
    pub(crate) fn patches(&mut self, dir: &str, kpath: &str, k: &Node) -> Vec<Patch> {
        let mut out = Vec::new();
        for p in strs(k.get("patchesStrategicMerge")) {
            let Some(s) = p.as_str() else { continue };
            let docs = if s.contains('\n') {
                Some(self.inline(p, s))
            } else {
                self.docs(&join(dir, s))
            };
            match docs {
                Some(docs) => {
                    out.extend(docs.into_iter().filter(|d| d.as_map().is_some()).map(|d| {
                        Patch::Smp {
                            doc: d,
                            target: None,
                        }
                    }))
                }
                None => self.error(kpath, p, format!("kustomize patch `{s}` not found")),
            }
        }
        for p in strs(k.get("patchesJson6902")) {
            let target = p.get("target").cloned();
            if let Some(ops) = self.patch_body(dir, kpath, p) {
                match ops.first().filter(|d| d.as_seq().is_some()) {
                    Some(ops) => out.push(Patch::Json {
                        ops: ops.clone(),
                        target,
                    }),
                    None => self.error(
                        kpath,
                        p,
                        "patchesJson6902 entry is not a list of operations".into(),
                    ),
                }
            }
        }
        for p in strs(k.get("patches")) {
            let target = p.get("target").cloned();
            let Some(docs) = self.patch_body(dir, kpath, p) else {
                continue;
            };
            match docs.first() {
                Some(d) if d.as_seq().is_some() => {
                    if target.is_none() {
                        self.error(kpath, p, "a JSON 6902 patch needs a `target`".into());
                    } else {
                        out.push(Patch::Json {
                            ops: d.clone(),
                            target,
                        });
                    }
                }
                _ => out.extend(docs.into_iter().filter(|d| d.as_map().is_some()).map(|d| {
                    Patch::Smp {
                        doc: d,
                        target: target.clone(),
                    }
                })),
            }
        }
        out
    }

    /// The documents of a patch entry's `path` or inline `patch`.
    pub(crate) fn patch_body(&mut self, dir: &str, kpath: &str, p: &Node) -> Option<Vec<Node>> {
        if let Some(path) = p.get("path").and_then(Node::as_str) {
            let docs = self.docs(&join(dir, path));
            if docs.is_none() {
                self.error(kpath, p, format!("kustomize patch `{path}` not found"));
            }
            return docs;
        }
        if let Some(inline) = p.get("patch") {
            let s = inline.as_str().unwrap_or("").to_string();
            return Some(self.inline(inline, &s));
        }
        self.error(kpath, p, "a patch needs `path` or `patch`".into());
        None
    }

    /// Parses an inline patch (a string in the kustomization). A block scalar's lines map to
    /// the kustomization's lines; other strings point at the string.
    pub(crate) fn inline(&mut self, at: &Node, s: &str) -> Vec<Node> {
        let (mut docs, _) = crate::yaml::parse(s);
        // `at.span` is already in the virtual text: find the file to map lines.
        let file = self
            .files
            .iter()
            .rfind(|(_, _, base)| *base <= at.span.start)
            .map(|(_, t, base)| (t.clone(), *base));
        for d in docs.iter_mut() {
            match (&file, at.block_scalar) {
                (Some((text, base)), true) => {
                    let lines = LineIndex::new(text);
                    let inner = LineIndex::new(s);
                    respan_lines(d, text, *base, &lines, at.line, &inner);
                }
                _ => respan_all(d, &at.span, at.line),
            }
        }
        docs
    }

    pub(crate) fn apply_patch(&mut self, acc: &mut Vec<Node>, p: &Patch, kpath: &str) {
        match p {
            // `$patch: delete` on the whole object removes it.
            Patch::Smp { doc, target } if directive(doc) == Some("delete") => {
                let before = acc.len();
                acc.retain(|r| match target {
                    Some(t) => !selects(t, r),
                    None => !same_object(doc, r),
                });
                if acc.len() == before {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            kpath,
                            format!("kustomize patch for {} matches no resource", describe(doc)),
                        )
                        .at_line(doc.line),
                    );
                }
            }
            Patch::Smp { doc, target } => {
                let mut hit = false;
                for r in acc.iter_mut() {
                    let ok = match target {
                        Some(t) => selects(t, r),
                        None => same_object(doc, r),
                    };
                    if ok {
                        hit = true;
                        let mut patch = doc.clone();
                        if target.is_some()
                            && let Value::Map(m) = &mut patch.value
                        {
                            // With a target, the patch's own name does not rename.
                            m.retain(|(k, _)| k != "apiVersion" && k != "kind");
                            if let Some((_, md)) = m.iter_mut().find(|(k, _)| k == "metadata")
                                && let Value::Map(mm) = &mut md.value
                            {
                                mm.retain(|(k, _)| k != "name" && k != "namespace");
                            }
                        }
                        strategic_merge(r, &patch, "");
                    }
                }
                if !hit {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            kpath,
                            format!("kustomize patch for {} matches no resource", describe(doc)),
                        )
                        .at_line(doc.line),
                    );
                }
            }
            Patch::Json { ops, target } => {
                let t = target.as_ref();
                let mut hit = false;
                for r in acc.iter_mut() {
                    if t.is_some_and(|t| selects(t, r)) {
                        hit = true;
                        if let Err(e) = json6902(r, ops) {
                            self.diagnostics.push(
                                Diagnostic::error(kpath, format!("JSON 6902 patch failed: {e}"))
                                    .at_line(ops.line),
                            );
                        }
                    }
                }
                if !hit {
                    self.diagnostics.push(
                        Diagnostic::warning(kpath, "kustomize JSON 6902 patch matches no resource")
                            .at_line(ops.line),
                    );
                }
            }
        }
    }
}

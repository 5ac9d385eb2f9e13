//! Kustomize: a `kustomization.yaml` is built into the manifests it produces, which then go
//! through the Kubernetes checks.
//!
//! Supported: `resources` / `bases` (files and directories with a kustomization, recursively),
//! `components` (their resources and patches), `patchesStrategicMerge`, `patchesJson6902`,
//! `patches` (strategic merge or JSON 6902, with or without `target`), `namespace`,
//! `namePrefix` / `nameSuffix`, `commonLabels`, `labels`, `commonAnnotations`, and `images`
//! (`newName`, `newTag`, `digest`). Remote resources (URLs) are skipped with a note;
//! generators (`configMapGenerator`, `secretGenerator`) and `replacements` are not applied.
//!
//! **Provenance.** Every file a build reads is laid out in one virtual text (file after file);
//! node spans are shifted into it, so a node of a base keeps pointing into the base and a value
//! set by a patch points into the patch. Values a kustomization synthesises (an `images`
//! rewrite, a namespace) point at the kustomization entry that produced them.
//! [`Build::locate`] maps a span of the virtual text back to its file.

use crate::model::{LineIndex, Node, Value};
use rampart_core::Diagnostic;
use std::collections::{BTreeSet, HashMap};
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

struct Builder<'a> {
    read: Reader<'a>,
    files: Vec<(String, String, usize)>,
    index: HashMap<String, usize>,
    total: usize,
    diagnostics: Vec<Diagnostic>,
    kustomizations: BTreeSet<String>,
    /// Kustomizations built so far (a base included twice is built twice).
    builds: usize,
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

fn is_remote(r: &str) -> bool {
    r.contains("://")
        || r.starts_with("git@")
        || r.starts_with("github.com/")
        || r.starts_with("gitlab.com/")
        || r.starts_with("bitbucket.org/")
}

fn shift(n: &mut Node, d: usize) {
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

fn strs(n: Option<&Node>) -> Vec<&Node> {
    n.and_then(Node::as_seq)
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

impl Builder<'_> {
    /// Reads a file once per build; returns its text and base offset.
    fn load(&mut self, path: &str) -> Option<(String, usize)> {
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
    fn docs(&mut self, path: &str) -> Option<Vec<Node>> {
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

    fn kustomization_file(&mut self, dir: &str) -> Option<(String, Node)> {
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

    fn error(&mut self, path: &str, n: &Node, msg: String) {
        self.diagnostics
            .push(Diagnostic::error(path, msg).at_line(n.report_line().max(1)));
    }

    /// Builds the kustomization of `dir`.
    fn build_dir(&mut self, dir: &str, stack: &mut Vec<String>) -> Vec<Node> {
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
        let patches = self.patches(dir, &kpath, &k);
        for p in patches {
            self.apply_patch(&mut acc, &p, &kpath);
        }
        transform(&mut acc, &k);
        stack.pop();
        acc
    }

    fn has_kustomization(&mut self, dir: &str) -> bool {
        KUSTOMIZATION_FILES
            .iter()
            .any(|n| self.index.contains_key(&join(dir, n)) || (self.read)(&join(dir, n)).is_some())
    }

    /// A component's own resources and patches (its transformers apply to the whole build).
    fn component(
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
    fn patches(&mut self, dir: &str, kpath: &str, k: &Node) -> Vec<Patch> {
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
    fn patch_body(&mut self, dir: &str, kpath: &str, p: &Node) -> Option<Vec<Node>> {
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
    fn inline(&mut self, at: &Node, s: &str) -> Vec<Node> {
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

    fn apply_patch(&mut self, acc: &mut Vec<Node>, p: &Patch, kpath: &str) {
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

enum Patch {
    Smp { doc: Node, target: Option<Node> },
    Json { ops: Node, target: Option<Node> },
}

fn describe(doc: &Node) -> String {
    format!(
        "{}/{}",
        doc.get("kind").and_then(Node::as_str).unwrap_or("?"),
        doc.get_path(&["metadata", "name"])
            .and_then(Node::as_str)
            .unwrap_or("?")
    )
}

fn respan_all(n: &mut Node, span: &Range<usize>, line: usize) {
    n.span = span.clone();
    n.line = line;
    n.key_span = None;
    n.key_line = 0;
    match &mut n.value {
        Value::Seq(s) => s.iter_mut().for_each(|c| respan_all(c, span, line)),
        Value::Map(m) => m.iter_mut().for_each(|(_, c)| respan_all(c, span, line)),
        _ => {}
    }
}

/// Maps nodes of an inline block scalar onto the kustomization's lines (whole trimmed lines).
fn respan_lines(
    n: &mut Node,
    text: &str,
    base: usize,
    lines: &LineIndex,
    first: usize,
    inner: &LineIndex,
) {
    let to_file = |off: usize| -> (Range<usize>, usize) {
        // `first` is the line of the block scalar's first content line.
        let l = first + inner.line(off) - 1;
        let start = lines.line_start(l).unwrap_or(text.len());
        let end = lines.line_start(l + 1).unwrap_or(text.len());
        let line_text = &text[start..end];
        let lead = line_text.len() - line_text.trim_start().len();
        let trimmed = line_text.trim_end().len();
        (base + start + lead..base + start + trimmed.max(lead), l)
    };
    let (s, l) = to_file(n.span.start);
    n.span = s;
    n.line = l;
    if let Some(k) = &n.key_span {
        let (ks, kl) = to_file(k.start);
        n.key_span = Some(ks);
        n.key_line = kl;
    }
    match &mut n.value {
        Value::Seq(s) => s
            .iter_mut()
            .for_each(|c| respan_lines(c, text, base, lines, first, inner)),
        Value::Map(m) => m
            .iter_mut()
            .for_each(|(_, c)| respan_lines(c, text, base, lines, first, inner)),
        _ => {}
    }
}

fn text_at<'a>(n: &'a Node, path: &[&str]) -> Option<&'a str> {
    n.get_path(path).and_then(Node::as_str)
}

/// Whether a strategic merge patch names this object (kind and name; namespace when given).
fn same_object(patch: &Node, r: &Node) -> bool {
    let kind = text_at(patch, &["kind"]);
    let name = text_at(patch, &["metadata", "name"]);
    if kind.is_none() || kind != text_at(r, &["kind"]) || name != text_at(r, &["metadata", "name"])
    {
        return false;
    }
    match text_at(patch, &["metadata", "namespace"]) {
        Some(ns) => text_at(r, &["metadata", "namespace"]).is_none_or(|x| x == ns),
        None => true,
    }
}

/// Whether a patch `target` selects an object (kind and name are anchored regexes).
fn selects(t: &Node, r: &Node) -> bool {
    let re = |pat: &str, v: Option<&str>| {
        regex::Regex::new(&format!("^(?:{pat})$")).is_ok_and(|re| re.is_match(v.unwrap_or("")))
    };
    if let Some(k) = text_at(t, &["kind"])
        && !re(k, text_at(r, &["kind"]))
    {
        return false;
    }
    if let Some(n) = text_at(t, &["name"])
        && !re(n, text_at(r, &["metadata", "name"]))
    {
        return false;
    }
    if let Some(ns) = text_at(t, &["namespace"])
        && text_at(r, &["metadata", "namespace"]).unwrap_or("default") != ns
    {
        return false;
    }
    let api = text_at(r, &["apiVersion"]).unwrap_or("");
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    if let Some(g) = text_at(t, &["group"])
        && g != group
    {
        return false;
    }
    if let Some(v) = text_at(t, &["version"])
        && v != version
    {
        return false;
    }
    if let Some(sel) = text_at(t, &["labelSelector"]) {
        for part in sel.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let have = r.get_path(&["metadata", "labels", k.trim_end_matches('!')]);
            let ok = if v.is_empty() {
                have.is_some()
            } else {
                have.and_then(Node::scalar_text).as_deref() == Some(v.trim_start_matches('='))
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

/// The key list items of a field are merged on (Kubernetes `patchMergeKey`s).
fn merge_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "hostAliases" => match field {
            "hostAliases" => "ip",
            _ => "name",
        },
        "ports" => "containerPort",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "tolerations" | "topologySpreadConstraints" => return None,
        _ => return None,
    })
}

fn directive(n: &Node) -> Option<&str> {
    n.get("$patch").and_then(Node::as_str)
}

/// Strategic merge of `patch` into `base` (Kubernetes semantics for the common fields):
/// mappings merge, `null` deletes, lists with a merge key merge by it, other lists are
/// replaced; `$patch: delete` / `$patch: replace` are honoured.
pub fn strategic_merge(base: &mut Node, patch: &Node, field: &str) {
    match (&mut base.value, &patch.value) {
        (Value::Map(bm), Value::Map(pm)) => {
            if directive(patch) == Some("replace") {
                let mut p = patch.clone();
                if let Value::Map(m) = &mut p.value {
                    m.retain(|(k, _)| k != "$patch");
                }
                base.value = p.value;
                return;
            }
            for (k, pv) in pm {
                if k == "$patch"
                    || k.starts_with("$setElementOrder")
                    || k.starts_with("$retainKeys")
                {
                    continue;
                }
                if pv.is_null() || directive(pv) == Some("delete") {
                    bm.retain(|(x, _)| x != k);
                    continue;
                }
                match bm.iter_mut().find(|(x, _)| x == k) {
                    Some((_, bv)) if bv.is_scalar() || pv.is_scalar() => *bv = pv.clone(),
                    Some((_, bv)) => strategic_merge(bv, pv, k),
                    None => bm.push((k.clone(), pv.clone())),
                }
            }
        }
        (Value::Seq(bs), Value::Seq(ps)) => match merge_key(field) {
            Some(key) => {
                for item in ps {
                    let id = item.get(key).map(Node::to_json);
                    let pos = id.as_ref().and_then(|id| {
                        bs.iter()
                            .position(|b| b.get(key).map(Node::to_json).as_ref() == Some(id))
                    });
                    match (pos, directive(item)) {
                        (Some(i), Some("delete")) => {
                            bs.remove(i);
                        }
                        (None, Some("delete")) => {}
                        (Some(i), _) => strategic_merge(&mut bs[i], item, ""),
                        (None, _) => bs.push(item.clone()),
                    }
                }
            }
            None => base.value = patch.value.clone(),
        },
        _ => {
            let (ks, kl) = (base.key_span.clone(), base.key_line);
            *base = patch.clone();
            if base.key_span.is_none() {
                base.key_span = ks;
                base.key_line = kl;
            }
        }
    }
}

/// Decodes a JSON pointer into its tokens.
fn pointer(p: &str) -> Result<Vec<String>, String> {
    if p.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = p.strip_prefix('/') else {
        return Err(format!("`{p}` is not a JSON pointer"));
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn child_mut<'a>(n: &'a mut Node, tok: &str) -> Option<&'a mut Node> {
    match &mut n.value {
        Value::Map(m) => m.iter_mut().find(|(k, _)| k == tok).map(|(_, v)| v),
        Value::Seq(s) => s.get_mut(tok.parse::<usize>().ok()?),
        _ => None,
    }
}

fn get_mut<'a>(n: &'a mut Node, toks: &[String]) -> Option<&'a mut Node> {
    toks.iter().try_fold(n, |n, t| child_mut(n, t))
}

fn remove_at(n: &mut Node, toks: &[String]) -> Result<Node, String> {
    let (last, parent) = toks.split_last().ok_or("cannot remove the document")?;
    let p = get_mut(n, parent).ok_or("path not found")?;
    match &mut p.value {
        Value::Map(m) => {
            let i = m
                .iter()
                .position(|(k, _)| k == last)
                .ok_or("path not found")?;
            Ok(m.remove(i).1)
        }
        Value::Seq(s) => {
            let i: usize = last.parse().map_err(|_| "bad index")?;
            if i < s.len() {
                Ok(s.remove(i))
            } else {
                Err("index out of range".into())
            }
        }
        _ => Err("path not found".into()),
    }
}

fn add_at(n: &mut Node, toks: &[String], mut v: Node, replace: bool) -> Result<(), String> {
    let Some((last, parent)) = toks.split_last() else {
        *n = v;
        return Ok(());
    };
    let p = get_mut(n, parent).ok_or("path not found")?;
    match &mut p.value {
        Value::Map(m) => match m.iter_mut().find(|(k, _)| k == last) {
            Some((_, x)) => *x = v,
            None if replace => return Err("path not found".into()),
            None => m.push((last.clone(), v)),
        },
        Value::Seq(s) => {
            // List items have no key.
            v.key_span = None;
            if last == "-" && !replace {
                s.push(v);
            } else {
                let i: usize = last.parse().map_err(|_| "bad index")?;
                if replace {
                    *s.get_mut(i).ok_or("index out of range")? = v;
                } else if i <= s.len() {
                    s.insert(i, v);
                } else {
                    return Err("index out of range".into());
                }
            }
        }
        _ => return Err("path not found".into()),
    }
    Ok(())
}

/// Applies JSON 6902 operations (`add`, `remove`, `replace`, `move`, `copy`, `test`); on a
/// failed operation the document is left as it was.
pub fn json6902(doc: &mut Node, ops: &Node) -> Result<(), String> {
    let mut work = doc.clone();
    for op in ops.as_seq().unwrap_or(&[]) {
        let name = op.get("op").and_then(Node::as_str).unwrap_or("");
        let path = pointer(op.get("path").and_then(Node::as_str).unwrap_or(""))?;
        let from = || pointer(op.get("from").and_then(Node::as_str).unwrap_or(""));
        let value = || {
            op.get("value")
                .cloned()
                .ok_or_else(|| format!("`{name}` needs a value"))
        };
        match name {
            "add" => add_at(&mut work, &path, value()?, false),
            "replace" => add_at(&mut work, &path, value()?, true),
            "remove" => remove_at(&mut work, &path).map(|_| ()),
            "move" => {
                let v = remove_at(&mut work, &from()?)?;
                add_at(&mut work, &path, v, false)
            }
            "copy" => {
                let v = get_mut(&mut work, &from()?)
                    .ok_or("`from` not found")?
                    .clone();
                add_at(&mut work, &path, v, false)
            }
            "test" => {
                let have = get_mut(&mut work, &path).map(|n| n.to_json());
                if have == Some(value()?.to_json()) {
                    Ok(())
                } else {
                    Err(format!(
                        "test of {} failed",
                        op.get("path").and_then(Node::as_str).unwrap_or("")
                    ))
                }
            }
            other => Err(format!("unknown operation `{other}`")),
        }
        .map_err(|e| {
            format!(
                "{name} {}: {e}",
                op.get("path").and_then(Node::as_str).unwrap_or("")
            )
        })?;
    }
    *doc = work;
    Ok(())
}

/// Kinds that are not namespaced (the namespace transformer leaves them alone).
const CLUSTER_KINDS: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "IngressClass",
    "RuntimeClass",
    "PodSecurityPolicy",
];

fn set(m: &mut Node, key: &str, v: Node) {
    if let Value::Map(entries) = &mut m.value {
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some((_, x)) => *x = v,
            None => entries.push((key.to_string(), v)),
        }
    }
}

/// Sets `key` in the mapping at `path` below `n`, creating missing mappings (spanned like
/// `v`); does nothing where a non-mapping is in the way.
fn put(n: &mut Node, path: &[&str], key: &str, v: &Node) {
    let Some((first, rest)) = path.split_first() else {
        if n.as_map().is_some() {
            set(n, key, v.clone());
        }
        return;
    };
    if n.as_map().is_none() {
        return;
    }
    if n.get(first).is_none_or(|x| x.is_null()) {
        let mut m = Node::new(Value::Map(Vec::new()), v.span.clone(), v.line);
        m.key_span = v.key_span.clone();
        m.key_line = v.key_line;
        set(n, first, m);
    }
    if let Some(c) = child_mut(n, first) {
        put(c, rest, key, v);
    }
}

/// Splits an image reference into name, tag and digest.
pub fn split_image(img: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match img.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (img, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(c) => (&rest[..slash + c], Some(&rest[slash + c + 1..]), digest),
        None => (rest, None, digest),
    }
}

/// The namespace, name, label, annotation and image transformers.
fn transform(acc: &mut [Node], k: &Node) {
    let prefix = k.get("namePrefix").and_then(Node::as_str).unwrap_or("");
    let suffix = k.get("nameSuffix").and_then(Node::as_str).unwrap_or("");
    let ns = k.get("namespace").filter(|n| n.as_str().is_some());
    let mut labels: Vec<(String, Node, bool)> = Vec::new();
    for (key, v) in k.get("commonLabels").and_then(Node::as_map).unwrap_or(&[]) {
        labels.push((key.clone(), v.clone(), true));
    }
    for l in strs(k.get("labels")) {
        let templates = l
            .get("includeTemplates")
            .or_else(|| l.get("includeSelectors"))
            .and_then(Node::as_bool)
            .unwrap_or(false);
        for (key, v) in l.get("pairs").and_then(Node::as_map).unwrap_or(&[]) {
            labels.push((key.clone(), v.clone(), templates));
        }
    }
    let annotations = k
        .get("commonAnnotations")
        .and_then(Node::as_map)
        .unwrap_or(&[]);
    let images = strs(k.get("images"));
    for r in acc.iter_mut() {
        let kind = text_at(r, &["kind"]).unwrap_or("").to_string();
        if let Some(ns) = ns
            && !CLUSTER_KINDS.contains(&kind.as_str())
            && r.get("metadata").is_some()
        {
            put(r, &["metadata"], "namespace", ns);
        }
        if (!prefix.is_empty() || !suffix.is_empty())
            && kind != "Namespace"
            && let Some(name) = r.get_path(&["metadata", "name"]).cloned()
            && let Some(s) = name.as_str()
        {
            let mut n = name.clone();
            n.value = Value::Str(format!("{prefix}{s}{suffix}"));
            if let Some(md) = child_mut(r, "metadata") {
                set(md, "name", n);
            }
        }
        for (key, v, templates) in &labels {
            if r.get("metadata").is_some() {
                put(r, &["metadata", "labels"], key, v);
            }
            if *templates
                && crate::docs::WORKLOAD_KINDS.contains(&kind.as_str())
                && let Some(spec) = child_mut(r, "spec")
                && let Some(tpl) = child_mut(spec, "template")
            {
                put(tpl, &["metadata", "labels"], key, v);
            }
        }
        for (key, v) in annotations {
            if r.get("metadata").is_some() {
                put(r, &["metadata", "annotations"], key, v);
            }
        }
        if !images.is_empty() {
            retag(r, &images);
        }
    }
}

/// Rewrites container images per the `images` entries (every `image` field below the object).
fn retag(n: &mut Node, images: &[&Node]) {
    match &mut n.value {
        Value::Map(m) => {
            for (k, v) in m.iter_mut() {
                if k == "image"
                    && let Some(img) = v.as_str()
                {
                    let (name, tag, digest) = split_image(img);
                    let Some(e) = images
                        .iter()
                        .find(|e| e.get("name").and_then(Node::as_str) == Some(name))
                    else {
                        continue;
                    };
                    let new_name = e.get("newName").and_then(Node::as_str).unwrap_or(name);
                    let new_digest = e.get("digest");
                    let new_tag = e.get("newTag");
                    let (text, from) = if let Some(d) = new_digest.and_then(Node::scalar_text) {
                        (format!("{new_name}@{d}"), new_digest)
                    } else if let Some(t) = new_tag.and_then(Node::scalar_text) {
                        (format!("{new_name}:{t}"), new_tag)
                    } else {
                        let mut s = new_name.to_string();
                        if let Some(t) = tag {
                            s = format!("{s}:{t}");
                        }
                        if let Some(d) = digest {
                            s = format!("{s}@{d}");
                        }
                        (s, e.get("newName"))
                    };
                    // The value now comes from the kustomization entry: point there.
                    let at = from.unwrap_or(e);
                    let mut node = at.clone();
                    node.value = Value::Str(text);
                    node.tag = None;
                    *v = node;
                } else {
                    retag(v, images);
                }
            }
        }
        Value::Seq(s) => s.iter_mut().for_each(|c| retag(c, images)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(s: &str) -> Node {
        crate::yaml::parse(s).0.remove(0)
    }

    /// Builds `top` from in-memory kustomizations (`dir` → text).
    fn build_from(files: &HashMap<String, String>, top: &str) -> Build {
        let read = |p: &str| files.get(p).cloned();
        build(top, &read).expect("top-level kustomization")
    }

    #[test]
    fn long_chains_of_bases_stop_at_the_nesting_limit() {
        // k0 → k1 → … → k5000: unbounded, the recursive build overflowed the stack.
        let mut files = HashMap::new();
        for i in 0..5000 {
            files.insert(
                format!("k{i}/kustomization.yaml"),
                format!("resources:\n  - ../k{}\n", i + 1),
            );
        }
        let b = build_from(&files, "k0");
        let msgs: Vec<&str> = b.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(msgs[0].contains("more than 64 levels deep"), "{msgs:?}");
        assert_eq!(
            b.diagnostics[0].path.as_deref(),
            Some(format!("k{MAX_NESTING}/kustomization.yaml").as_str())
        );
    }

    #[test]
    fn exponential_inclusion_stops_at_the_build_budget() {
        // Each level includes both directories of the next: 2^40 builds unbounded.
        let mut files = HashMap::new();
        for i in 0..40 {
            for d in ["a", "b"] {
                files.insert(
                    format!("{d}{i}/kustomization.yaml"),
                    format!("resources:\n  - ../a{n}\n  - ../b{n}\n", n = i + 1),
                );
            }
        }
        files.insert(
            "top/kustomization.yaml".into(),
            "resources:\n  - ../a0\n".into(),
        );
        let b = build_from(&files, "top");
        assert!(
            b.diagnostics
                .iter()
                .any(|d| d.message.contains("more than 10000 kustomizations")),
            "{:?}",
            b.diagnostics
        );
    }

    #[test]
    fn strategic_merge_containers_by_name() {
        let mut base = y(
            "spec:\n  containers:\n    - name: a\n      image: x\n    - name: b\n      image: y\n  hostNetwork: true\n",
        );
        let patch = y(
            "spec:\n  containers:\n    - name: b\n      securityContext:\n        privileged: true\n    - name: c\n      image: z\n  hostNetwork: null\n",
        );
        strategic_merge(&mut base, &patch, "");
        let cs = base
            .get_path(&["spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap();
        assert_eq!(cs.len(), 3);
        assert_eq!(cs[1].get("image").unwrap().as_str(), Some("y"));
        assert_eq!(
            cs[1]
                .get_path(&["securityContext", "privileged"])
                .unwrap()
                .value,
            Value::Bool(true)
        );
        assert!(base.get_path(&["spec", "hostNetwork"]).is_none());
        let del = y("spec:\n  containers:\n    - name: a\n      $patch: delete\n");
        strategic_merge(&mut base, &del, "");
        assert_eq!(
            base.get_path(&["spec", "containers"])
                .unwrap()
                .as_seq()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn json6902_ops() {
        let mut d = y("spec:\n  containers:\n    - name: a\n      image: x\n");
        let ops = y(
            "- op: add\n  path: /spec/containers/0/securityContext\n  value: {privileged: true}\n- op: replace\n  path: /spec/containers/0/image\n  value: nginx\n- op: add\n  path: /spec/containers/-\n  value: {name: b}\n- op: copy\n  from: /spec/containers/1\n  path: /spec/containers/2\n- op: remove\n  path: /spec/containers/2\n- op: move\n  from: /spec/containers/1/name\n  path: /spec/n\n",
        );
        json6902(&mut d, &ops).unwrap();
        assert_eq!(d.get_path(&["spec", "n"]).unwrap().as_str(), Some("b"));
        let c = &d
            .get_path(&["spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap()[0];
        assert_eq!(c.get("image").unwrap().as_str(), Some("nginx"));
        assert_eq!(c.get("image").unwrap().line, 6);
        // A failing operation leaves the document unchanged.
        let before = d.clone();
        let bad = y("- op: replace\n  path: /spec/nope/x\n  value: 1\n");
        assert!(json6902(&mut d, &bad).is_err());
        assert_eq!(d, before);
        let t = y("- op: test\n  path: /spec/n\n  value: c\n");
        assert!(json6902(&mut d, &t).is_err());
    }

    #[test]
    fn images() {
        assert_eq!(split_image("nginx"), ("nginx", None, None));
        assert_eq!(
            split_image("reg:5000/a/b:1.2"),
            ("reg:5000/a/b", Some("1.2"), None)
        );
        assert_eq!(
            split_image("a/b:1@sha256:abc"),
            ("a/b", Some("1"), Some("sha256:abc"))
        );
    }

    #[test]
    fn join_paths() {
        assert_eq!(join("overlays/prod", "../../base"), "base");
        assert_eq!(join("", "./a/b.yaml"), "a/b.yaml");
    }

    #[test]
    fn transformers_and_targets() {
        let k = y(
            "namespace: prod\nnamePrefix: p-\nnameSuffix: -s\ncommonLabels:\n  team: a\nimages:\n  - name: nginx\n    newName: reg/nginx\n    newTag: \"1.2\"\n  - name: busybox\n    newName: reg/bb\n",
        );
        let mut acc = vec![
            y(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: nginx:1.0\n        - name: b\n          image: busybox@sha256:abc\n",
            ),
            y("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n"),
        ];
        transform(&mut acc, &k);
        let d = &acc[0];
        assert_eq!(text_at(d, &["metadata", "name"]), Some("p-web-s"));
        assert_eq!(text_at(d, &["metadata", "namespace"]), Some("prod"));
        assert_eq!(text_at(d, &["metadata", "labels", "team"]), Some("a"));
        assert_eq!(
            text_at(d, &["spec", "template", "metadata", "labels", "team"]),
            Some("a")
        );
        let cs = d
            .get_path(&["spec", "template", "spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap();
        assert_eq!(cs[0].get("image").unwrap().as_str(), Some("reg/nginx:1.2"));
        // The new image value points at the `newTag` entry of the kustomization.
        assert_eq!(cs[0].get("image").unwrap().line, 9);
        assert_eq!(
            cs[1].get("image").unwrap().as_str(),
            Some("reg/bb@sha256:abc")
        );
        // Cluster-scoped kinds get no namespace, Namespaces keep their name.
        assert!(acc[1].get_path(&["metadata", "namespace"]).is_none());
        assert_eq!(text_at(&acc[1], &["metadata", "name"]), Some("prod"));

        let t =
            y("kind: Deploy.*\nname: \"p-.*\"\nlabelSelector: app=web\ngroup: apps\nversion: v1\n");
        assert!(selects(&t, d));
        assert!(!selects(&y("kind: Deployment\nname: web\n"), d));
        assert!(!selects(&y("kind: Deployment\nlabelSelector: app=db\n"), d));
        assert!(!selects(&y("kind: Deployment\nnamespace: dev\n"), d));
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        let k = y(
            "namespace: x\ncommonLabels: {a: b}\ncommonAnnotations: {c: d}\nnamePrefix: p-\nimages: [{name: n, newTag: \"1\"}]\n",
        );
        let mut acc = vec![
            y("kind: Deployment\nmetadata: just-a-string\nspec:\n  template: 3\n"),
            y("kind: Deployment\nmetadata:\nspec: [1]\n"),
            y("kind: Pod\nmetadata: {labels: [x]}\nspec: {containers: [{image: n}]}\n"),
        ];
        transform(&mut acc, &k);
        assert_eq!(text_at(&acc[1], &["metadata", "namespace"]), Some("x"));
        assert_eq!(
            acc[2]
                .get_path(&["spec", "containers"])
                .unwrap()
                .as_seq()
                .unwrap()[0]
                .get("image")
                .unwrap()
                .as_str(),
            Some("n:1")
        );
        let mut d = y("a: 1\n");
        assert!(json6902(&mut d, &y("- op: add\n  path: /a/b\n  value: 1\n")).is_err());
        assert!(json6902(&mut d, &y("- op: add\n  path: nope\n  value: 1\n")).is_err());
        assert!(json6902(&mut d, &y("- op: remove\n  path: \"\"\n")).is_err());
        strategic_merge(&mut d, &y("a: {b: 1}\n"), "");
        strategic_merge(&mut d, &y("- 1\n"), "");
    }
}

//! Executing a parsed template: output with a source map, variables, control flow, template
//! calls, and the budgets of one render.

#[allow(unused_imports)]
use super::*;

/// Rendered text with a map back to the template: each segment `(output offset, template
/// offset, exact)`; exact segments are template text copied byte for byte, the others are the
/// output of the action at that offset.
#[derive(Default, Debug)]
pub struct Output {
    /// The rendered text.
    pub text: String,
    /// The source map, by output offset.
    pub segments: Vec<(usize, usize, bool)>,
}

impl Output {
    /// The template offset an output offset came from.
    pub fn source(&self, off: usize) -> usize {
        let i = self.segments.partition_point(|s| s.0 <= off);
        match i.checked_sub(1).map(|i| self.segments[i]) {
            Some((o, s, true)) => s + (off - o),
            Some((_, s, false)) => s,
            None => 0,
        }
    }

    pub(crate) fn push(&mut self, s: &str, src: usize, exact: bool) {
        if s.is_empty() {
            return;
        }
        self.segments.push((self.text.len(), src, exact));
        self.text.push_str(s);
    }
}

/// Templates of a chart by name, with the source of each file.
pub struct Set {
    /// Each `define` with the text of the file it is in.
    pub(crate) defines: HashMap<String, (Rc<str>, Vec<Item>)>,
    /// Problems met while rendering (unknown functions, `required` values missing…).
    pub notes: std::cell::RefCell<Vec<String>>,
    /// What the render in progress has spent of its budgets.
    pub(crate) spent: std::cell::Cell<Spent>,
    /// The chart's files for `.Files` (`None`: unknown).
    pub(crate) files: Option<Rc<BTreeMap<String, Vec<u8>>>>,
}

/// What one render has spent (see the `MAX_*` budgets).
#[derive(Clone, Copy, Default)]
pub(crate) struct Spent {
    /// Execution steps.
    pub(crate) steps: usize,
    /// Bytes of text that functions (`toJson`, `include`, `printf`…) returned.
    pub(crate) produced: usize,
    /// Actions and template calls being executed, one inside the other.
    pub(crate) nesting: usize,
    /// When the render must stop.
    pub(crate) deadline: Option<std::time::Instant>,
}

/// Execution steps one render may take.
pub const MAX_STEPS: usize = 2_000_000;
/// Largest rendered output of one template, in bytes.
pub const MAX_OUTPUT: usize = 8 << 20;
/// How many bytes of text functions may return during one render (text assigned to
/// variables or discarded counts too: `{{ $_ := toJson .Values }}` in a loop).
pub const MAX_PRODUCED: usize = 64 << 20;
/// How long one template may take to render.
pub const MAX_RENDER_TIME: std::time::Duration = std::time::Duration::from_secs(5);
/// How deeply actions and template calls may be executed one inside the other.
pub const MAX_EXEC_NESTING: usize = 256;
/// How deeply values built by templates (`list`, `dict`, `append`…) may nest.
pub const MAX_VALUE_DEPTH: usize = 256;
/// Largest count a function may produce (`repeat`, `until`, `indent`…).
pub(crate) const MAX_COUNT: f64 = 100_000.0;

pub(crate) enum Flow {
    Normal,
    Break,
    Continue,
}

pub(crate) type Vars = Vec<(String, V)>;

/// How deeply template calls (`template`, `include`, `tpl`) may nest.
pub(crate) const MAX_CALL_DEPTH: usize = 64;

pub(crate) struct Exec<'a> {
    pub(crate) set: &'a Set,
    pub(crate) src: &'a str,
    /// Template calls this executor runs inside (see [`MAX_CALL_DEPTH`]).
    pub(crate) depth: usize,
}

impl Set {
    /// Collects the `define`s of parsed files (each with its text).
    pub fn new(files: Vec<(&str, &mut Parsed)>) -> Set {
        let mut defines = HashMap::new();
        for (src, f) in files {
            let src: Rc<str> = Rc::from(src);
            for (n, body) in f.defines.drain(..) {
                defines.insert(n, (src.clone(), body));
            }
        }
        Set {
            defines,
            notes: Default::default(),
            spent: Default::default(),
            files: None,
        }
    }

    /// Gives `.Files` the chart's files (chart-relative path and content).
    pub fn with_files(mut self, files: Option<Vec<(String, Vec<u8>)>>) -> Set {
        self.files = files.map(|f| Rc::new(f.into_iter().collect()));
        self
    }

    /// Renders a parsed file whose text is `src`, with `root` as `.` and `$`.
    pub fn render(&self, parsed: &Parsed, src: &str, root: &V) -> Result<Output, String> {
        let mut out = Output::default();
        let ex = Exec {
            set: self,
            src,
            depth: 0,
        };
        self.spent.set(Spent {
            deadline: Some(std::time::Instant::now() + MAX_RENDER_TIME),
            ..Spent::default()
        });
        let mut vars: Vars = vec![("$".into(), root.clone())];
        ex.items(&parsed.body, root, &mut vars, &mut out, None)?;
        Ok(out)
    }

    /// Counts one execution step; an error when a budget of the render is spent.
    pub(crate) fn step(&self, out_len: usize) -> Result<(), String> {
        let mut sp = self.spent.get();
        sp.steps += 1;
        self.spent.set(sp);
        if sp.steps > MAX_STEPS {
            return Err(format!("rendering takes more than {MAX_STEPS} steps"));
        }
        if out_len > MAX_OUTPUT {
            return Err(format!(
                "rendered output is larger than {} MiB",
                MAX_OUTPUT >> 20
            ));
        }
        if sp.steps.is_multiple_of(64)
            && let Some(d) = sp.deadline
            && std::time::Instant::now() > d
        {
            return Err(format!(
                "rendering takes more than {} s",
                MAX_RENDER_TIME.as_secs()
            ));
        }
        Ok(())
    }

    /// Counts the text a function returned.
    pub(crate) fn produced(&self, v: &V) -> Result<(), String> {
        if let V::Str(t) = v {
            let mut sp = self.spent.get();
            sp.produced += t.len();
            self.spent.set(sp);
            if sp.produced > MAX_PRODUCED || t.len() > MAX_OUTPUT {
                return Err(format!(
                    "functions return more than {} MiB of text",
                    MAX_PRODUCED >> 20
                ));
            }
        }
        Ok(())
    }

    /// Runs `f` one execution level deeper (an action's body or a template call).
    pub(crate) fn nested<T>(&self, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
        let mut sp = self.spent.get();
        if sp.nesting >= MAX_EXEC_NESTING {
            return Err(format!(
                "actions and template calls nest more than {MAX_EXEC_NESTING} levels deep"
            ));
        }
        sp.nesting += 1;
        self.spent.set(sp);
        let r = f();
        let mut sp = self.spent.get();
        sp.nesting -= 1;
        self.spent.set(sp);
        r
    }

    pub(crate) fn note(&self, m: String) {
        let mut n = self.notes.borrow_mut();
        if !n.contains(&m) {
            n.push(m);
        }
    }
}

impl<'a> Exec<'a> {
    /// Executes the named template one level deeper (`template` or `include`, named in the
    /// error) with `dot` as `.` and `$`, its output mapped to `site`; `false`, with a note,
    /// when no such template is defined.
    pub(crate) fn call_define(
        &self,
        name: &str,
        call: &str,
        dot: &V,
        out: &mut Output,
        site: usize,
    ) -> Result<bool, String> {
        let Some((src, body)) = self.set.defines.get(name) else {
            self.set.note(format!("template `{name}` is not defined"));
            return Ok(false);
        };
        if self.depth > MAX_CALL_DEPTH {
            return Err(format!("{call} `{name}`: recursion too deep"));
        }
        let ex = Exec {
            depth: self.depth + 1,
            src,
            ..*self
        };
        let mut vars: Vars = vec![("$".into(), dot.clone())];
        self.set
            .nested(|| ex.items(body, dot, &mut vars, out, Some(site)))?;
        Ok(true)
    }

    /// The text a nested render (`include`, `tpl`) returns: unknown when it printed an
    /// unknown value, and counted as text a function returned.
    fn text_value(&self, text: String) -> Result<V, String> {
        if text.contains("{{unknown}}") || text.contains("!unknown helm") {
            return Ok(V::Unknown);
        }
        let v = V::Str(text);
        self.set.produced(&v)?;
        Ok(v)
    }

    /// `site`: when executing a `template` body, the call's offset (output maps there).
    pub(crate) fn items(
        &self,
        items: &[Item],
        dot: &V,
        vars: &mut Vars,
        out: &mut Output,
        site: Option<usize>,
    ) -> Result<Flow, String> {
        for it in items {
            match self.item(it, dot, vars, out, site)? {
                Flow::Normal => {}
                f => return Ok(f),
            }
        }
        Ok(Flow::Normal)
    }

    pub(crate) fn scoped(
        &self,
        items: &[Item],
        dot: &V,
        vars: &mut Vars,
        out: &mut Output,
        site: Option<usize>,
    ) -> Result<Flow, String> {
        let n = vars.len();
        let r = self.set.nested(|| self.items(items, dot, vars, out, site));
        vars.truncate(n);
        r
    }

    pub(crate) fn item(
        &self,
        it: &Item,
        dot: &V,
        vars: &mut Vars,
        out: &mut Output,
        site: Option<usize>,
    ) -> Result<Flow, String> {
        self.set.step(out.text.len())?;
        match it {
            Item::Text(a, b) => {
                let t = &self.src[*a..*b];
                match site {
                    Some(s) => out.push(t, s, false),
                    None => out.push(t, *a, true),
                }
            }
            Item::Action(p, at) => {
                let v = self.pipe(p, dot, vars)?;
                if p.decl.is_empty() {
                    let s = match &v {
                        V::Unknown => unknown_text(&out.text),
                        v if v.is_unknown() => unknown_text(&out.text),
                        v => v.print(),
                    };
                    out.push(&s, site.unwrap_or(*at), false);
                }
            }
            Item::If(branches, else_) | Item::With(branches, else_) => {
                let with = matches!(it, Item::With(..));
                for (p, body) in branches {
                    let v = self.pipe(p, dot, vars)?;
                    match v.truth() {
                        None => return Ok(Flow::Normal),
                        Some(true) => {
                            let d = if with { &v } else { dot };
                            return self.scoped(body, d, vars, out, site);
                        }
                        Some(false) => {}
                    }
                }
                return self.scoped(else_, dot, vars, out, site);
            }
            Item::Range(p, body, else_) => {
                let mut p2 = p.clone();
                let decl = std::mem::take(&mut p2.decl);
                let v = self.pipe(&p2, dot, vars)?;
                let pairs: Vec<(V, V)> = match &v {
                    V::List(l) => l
                        .iter()
                        .enumerate()
                        .map(|(i, x)| (V::Int(i as i64), x.clone()))
                        .collect(),
                    V::Map(m) => m
                        .iter()
                        .map(|(k, x)| (V::Str(k.clone()), x.clone()))
                        .collect(),
                    V::Int(n) if (*n as f64) <= MAX_COUNT => {
                        (0..*n).map(|i| (V::Int(i), V::Int(i))).collect()
                    }
                    V::Nil => Vec::new(),
                    V::Unknown => return Ok(Flow::Normal),
                    other => return Err(format!("range can't iterate over {}", other.print())),
                };
                if pairs.is_empty() {
                    return self.scoped(else_, dot, vars, out, site);
                }
                for (k, x) in pairs {
                    let n = vars.len();
                    match decl.as_slice() {
                        [v1] => vars.push((v1.clone(), x.clone())),
                        [k1, v1] => {
                            vars.push((k1.clone(), k));
                            vars.push((v1.clone(), x.clone()));
                        }
                        _ => {}
                    }
                    let f = self.set.nested(|| self.items(body, &x, vars, out, site))?;
                    vars.truncate(n);
                    if let Flow::Break = f {
                        break;
                    }
                }
            }
            Item::Template(name, p, at) => {
                let d = match p {
                    Some(p) => self.pipe(p, dot, vars)?,
                    None => V::Nil,
                };
                let site = site.unwrap_or(*at);
                if !self.call_define(name, "template", &d, out, site)? {
                    out.push(&unknown_text(&out.text), site, false);
                }
            }
            Item::Break => return Ok(Flow::Break),
            Item::Continue => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    pub(crate) fn pipe(&self, p: &Pipe, dot: &V, vars: &mut Vars) -> Result<V, String> {
        let mut prev: Option<V> = None;
        for cmd in &p.cmds {
            prev = Some(self.cmd(cmd, dot, vars, prev)?);
        }
        let v = prev.unwrap_or(V::Nil);
        if !p.decl.is_empty() {
            let name = &p.decl[p.decl.len() - 1];
            if p.assign {
                match vars.iter_mut().rev().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = v.clone(),
                    None => return Err(format!("undefined variable {name}")),
                }
            } else {
                vars.push((name.clone(), v.clone()));
            }
        }
        Ok(v)
    }

    pub(crate) fn arg(&self, a: &Arg, dot: &V, vars: &mut Vars) -> Result<V, String> {
        Ok(match a {
            Arg::Lit(v) => v.clone(),
            Arg::Field(f) => fields(dot, f),
            Arg::Var(n, f) => {
                let base = vars
                    .iter()
                    .rev()
                    .find(|(x, _)| x == n)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| format!("undefined variable {n}"))?;
                fields(&base, f)
            }
            Arg::Sub(p, chain) => fields(&self.pipe(p, dot, vars)?, chain),
            Arg::Ident(f) => self.call(f, Vec::new())?,
        })
    }

    pub(crate) fn cmd(
        &self,
        args: &[Arg],
        dot: &V,
        vars: &mut Vars,
        prev: Option<V>,
    ) -> Result<V, String> {
        match &args[0] {
            Arg::Ident(f) => {
                // `and`/`or` short-circuit.
                if f == "and" || f == "or" {
                    let mut vals: Vec<V> = Vec::new();
                    for a in &args[1..] {
                        vals.push(self.arg(a, dot, vars)?);
                    }
                    vals.extend(prev);
                    return Ok(and_or(f == "and", vals));
                }
                let mut vals = Vec::new();
                for a in &args[1..] {
                    vals.push(self.arg(a, dot, vars)?);
                }
                vals.extend(prev);
                self.call(f, vals)
            }
            Arg::Field(f) if args.len() > 1 || prev.is_some() => {
                // A method call with arguments: `.Capabilities.APIVersions.Has "x"`, `.Files.Get`.
                let mut vals = Vec::new();
                for a in &args[1..] {
                    vals.push(self.arg(a, dot, vars)?);
                }
                vals.extend(prev);
                self.method(f, &vals)
            }
            Arg::Var(_, f) if !f.is_empty() && (args.len() > 1 || prev.is_some()) => {
                // `$.Files.Get "x"`.
                let mut vals = Vec::new();
                for a in &args[1..] {
                    vals.push(self.arg(a, dot, vars)?);
                }
                vals.extend(prev);
                self.method(f, &vals)
            }
            a => {
                if args.len() > 1 {
                    return Err("can't give arguments to a non-function".into());
                }
                self.arg(a, dot, vars)
            }
        }
    }

    pub(crate) fn call(&self, f: &str, a: Vec<V>) -> Result<V, String> {
        match f {
            "include" => {
                let name = a.first().map(V::print).unwrap_or_default();
                let d = a.get(1).cloned().unwrap_or(V::Nil);
                let mut out = Output::default();
                if !self.call_define(&name, "include", &d, &mut out, 0)? {
                    return Ok(V::Unknown);
                }
                self.text_value(out.text)
            }
            "tpl" => {
                let (Some(V::Str(t)), Some(d)) = (a.first(), a.get(1)) else {
                    return Ok(V::Unknown);
                };
                let mut parsed = match parse(t) {
                    Ok(p) => p,
                    Err(e) => return Err(format!("tpl: {}", e.message)),
                };
                if self.depth > MAX_CALL_DEPTH {
                    return Err("tpl: recursion too deep".into());
                }
                let local = Set::new(vec![(t.as_str(), &mut parsed)]);
                let mut merged = Set {
                    defines: self.set.defines.clone(),
                    notes: Default::default(),
                    spent: std::cell::Cell::new(self.set.spent.get()),
                    files: self.set.files.clone(),
                };
                merged.defines.extend(local.defines);
                let ex = Exec {
                    set: &merged,
                    src: t,
                    depth: self.depth + 1,
                };
                let mut out = Output::default();
                let mut v2: Vars = vec![("$".into(), d.clone())];
                let r = merged.nested(|| ex.items(&parsed.body, d, &mut v2, &mut out, Some(0)));
                self.set.spent.set(merged.spent.get());
                r?;
                for n in merged.notes.into_inner() {
                    self.set.note(n);
                }
                self.text_value(out.text)
            }
            "required" => {
                let v = a.get(1).cloned().unwrap_or(V::Nil);
                if matches!(&v, V::Nil) || v == V::Str(String::new()) {
                    self.set.note(format!(
                        "required value missing: {}",
                        a.first().map(V::print).unwrap_or_default()
                    ));
                    return Ok(V::Unknown);
                }
                Ok(v)
            }
            "fail" => Err(format!(
                "fail: {}",
                a.first().map(V::print).unwrap_or_default()
            )),
            _ => match builtin(f, &a) {
                Some(v) => {
                    self.set.produced(&v)?;
                    if BUILDERS.contains(&f) && depth_over(&v, MAX_VALUE_DEPTH) {
                        return Err(format!(
                            "{f}: values nest more than {MAX_VALUE_DEPTH} levels deep"
                        ));
                    }
                    Ok(v)
                }
                None => {
                    if !KNOWN_UNKNOWN.contains(&f) {
                        self.set.note(format!(
                            "function `{f}` is not supported (or not with these arguments); its result is unknown"
                        ));
                    }
                    Ok(V::Unknown)
                }
            },
        }
    }
}

/// Functions that build a value around their arguments (one level deeper than them).
pub(crate) const BUILDERS: &[&str] = &[
    "list",
    "tuple",
    "dict",
    "set",
    "append",
    "mustAppend",
    "push",
    "mustPush",
    "prepend",
    "mustPrepend",
];

/// Whether a value nests more than `limit` levels (lists and maps) deep.
pub(crate) fn depth_over(v: &V, limit: usize) -> bool {
    match v {
        _ if limit == 0 => matches!(v, V::List(_) | V::Map(_)),
        V::List(l) => l.iter().any(|x| depth_over(x, limit - 1)),
        V::Map(m) => m.values().any(|x| depth_over(x, limit - 1)),
        _ => false,
    }
}

/// Functions whose result is not computable statically (no note).
pub(crate) const KNOWN_UNKNOWN: &[&str] = &[
    "sha256sum",
    "sha1sum",
    "now",
    "date",
    "randAlphaNum",
    "randAlpha",
    "randNumeric",
    "randAscii",
    "uuidv4",
    "genCA",
    "genSelfSignedCert",
    "genSignedCert",
    "genPrivateKey",
    "derivePassword",
    "htpasswd",
    "encryptAES",
    "decryptAES",
    "getHostByName",
    "env",
    "expandenv",
    "unixEpoch",
    "dateInZone",
    "adler32sum",
    "bcrypt",
];

pub(crate) fn unknown_text(before: &str) -> String {
    let line = before.rsplit('\n').next().unwrap_or("");
    let t = line.trim_end();
    if t.ends_with(':') || t.trim_start() == "-" || t.ends_with(" -") {
        if line.ends_with(' ') {
            "!unknown helm".into()
        } else {
            " !unknown helm".into()
        }
    } else if t.trim().is_empty() {
        String::new()
    } else {
        "{{unknown}}".into()
    }
}

pub(crate) fn fields(v: &V, f: &[String]) -> V {
    f.iter().fold(v.clone(), |v, k| match (&v, k.as_str()) {
        (V::Map(m), "AsConfig" | "AsSecrets") if !m.contains_key(k) => {
            as_config(m, k == "AsSecrets")
        }
        _ => v.get(k),
    })
}

pub(crate) fn and_or(and: bool, vals: Vec<V>) -> V {
    let mut last = V::Nil;
    for v in vals {
        match v.truth() {
            None => return V::Unknown,
            Some(t) if t != and => return v,
            _ => last = v,
        }
    }
    last
}

/// API versions `Capabilities.APIVersions.Has` answers yes to (built-in, stable ones).
pub(crate) const API_VERSIONS: &[&str] = &[
    "v1",
    "apps/v1",
    "batch/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "policy/v1",
    "networking.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
    "storage.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "admissionregistration.k8s.io/v1",
    "coordination.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "discovery.k8s.io/v1",
    "certificates.k8s.io/v1",
    "node.k8s.io/v1",
];

pub(crate) fn method(f: &[String], a: &[V]) -> V {
    match f.last().map(String::as_str) {
        Some("Has") if f.iter().any(|x| x == "APIVersions") => {
            let v = a.first().map(V::print).unwrap_or_default();
            let base = v.split('/').take(2).collect::<Vec<_>>().join("/");
            V::Bool(API_VERSIONS.contains(&v.as_str()) || API_VERSIONS.contains(&base.as_str()))
        }
        _ => V::Unknown,
    }
}

/// Builds the root object Helm gives templates.
pub fn root(values: V, chart: &V, release_name: &str, template_name: &str, base_path: &str) -> V {
    let mut m = BTreeMap::new();
    m.insert("Values".into(), values);
    let mut c = BTreeMap::new();
    for (k, key) in [
        ("name", "Name"),
        ("version", "Version"),
        ("appVersion", "AppVersion"),
        ("description", "Description"),
        ("type", "Type"),
    ] {
        c.insert(key.to_string(), chart.get(k));
    }
    m.insert("Chart".into(), V::Map(c));
    let mut r = BTreeMap::new();
    r.insert("Name".into(), V::Str(release_name.into()));
    r.insert("Namespace".into(), V::Str("default".into()));
    r.insert("Service".into(), V::Str("Helm".into()));
    r.insert("IsInstall".into(), V::Bool(true));
    r.insert("IsUpgrade".into(), V::Bool(false));
    r.insert("Revision".into(), V::Int(1));
    m.insert("Release".into(), V::Map(r));
    let mut kv = BTreeMap::new();
    for (k, v) in [
        ("Version", "v1.29.0"),
        ("GitVersion", "v1.29.0"),
        ("Major", "1"),
        ("Minor", "29"),
    ] {
        kv.insert(k.to_string(), V::Str(v.into()));
    }
    let mut cap = BTreeMap::new();
    cap.insert("KubeVersion".into(), V::Map(kv));
    cap.insert("APIVersions".into(), V::Unknown);
    m.insert("Capabilities".into(), V::Map(cap));
    let mut t = BTreeMap::new();
    t.insert("Name".into(), V::Str(template_name.into()));
    t.insert("BasePath".into(), V::Str(base_path.into()));
    m.insert("Template".into(), V::Map(t));
    m.insert("Files".into(), V::Unknown);
    V::Map(m)
}

//! Calls in the taint analysis: resolving a callee (a function of the file, a method, a
//! function of another project file), applying its summary, and the default flow through
//! unknown calls (receiver and arguments into the result, mutating methods into the receiver).

use super::value::{append_trace, rebase, step};
use super::{
    Analyzer, Frame, Label, MUTATORS, Msg, OWN_FILE, Origin, Resolved, SinkAt, Summary, Value,
};
use crate::ir::*;
use crate::pattern::NodeRef;

impl Analyzer<'_> {
    /// The class a function belongs to, or its nearest enclosing function's.
    pub(super) fn class_of(&self, mut f: FuncId) -> Option<ClassId> {
        for _ in 0..32 {
            let func = &self.module.functions[f];
            if func.class.is_some() {
                return func.class;
            }
            f = func.parent?;
        }
        None
    }

    /// The method `name` of the class of `f`, or of the classes enclosing it (innermost first).
    fn enclosing_method(&self, mut f: FuncId, name: &str) -> Option<FuncId> {
        let m = self.module;
        for _ in 0..16 {
            let ci = self.class_of(f)?;
            if let Some(id) = m.method_named(ci, name) {
                return Some(id);
            }
            // Out of the class: the function the method of `ci` around `f` is nested in.
            let mut g = f;
            for _ in 0..32 {
                if m.functions[g].class == Some(ci) {
                    break;
                }
                g = m.functions[g].parent?;
            }
            f = m.functions[g].parent?;
        }
        None
    }

    /// Resolves a callee: a local function (with whether the receiver is passed as `self`), or
    /// a function of another project file.
    pub(super) fn resolve(&mut self, fr: &Frame<'_>, callee: &Expr) -> Option<Resolved> {
        let m = self.module;
        match &callee.kind {
            ExprKind::Name(n) => {
                if let Some(id) = m.function_named(n, fr.func) {
                    return Some((Some(id), None, false));
                }
                // Java: a bare call inside a class is a method of the class (or its bases),
                // or of an enclosing class (from an inner or anonymous class).
                if m.lang == crate::lang::Lang::Java
                    && let Some(id) = self.enclosing_method(fr.func, n)
                {
                    return Some((Some(id), None, false));
                }
                if let Some(ci) = m.classes.iter().position(|c| &c.name == n) {
                    let init = m
                        .method_named(ci, "__init__")
                        .or_else(|| m.method_named(ci, "constructor"));
                    return init.map(|id| (Some(id), None, m.lang == crate::lang::Lang::Python));
                }
                if m.lang == crate::lang::Lang::Go && m.import_of(n).is_none() {
                    // Go: maybe a function of another file of the same package.
                    let p = self.project?;
                    let same_package = Import {
                        module: String::new(),
                        level: 0,
                        name: None,
                        alias: n.clone(),
                    };
                    let (file, fid) = p.resolve(&self.file.path, &same_package, Some(n))?;
                    self.used_project = true;
                    return Some((None, p.summary(file, fid).map(|s| (s, file as u32)), false));
                }
                let imp = m.import_of(n)?;
                if m.lang == crate::lang::Lang::Java && !self.call_tainted {
                    // A static import: followed across files only with tainted arguments.
                    return None;
                }
                let p = self.project?;
                let (file, fid) = p.resolve(&self.file.path, imp, imp.name.as_deref())?;
                self.used_project = true;
                Some((None, p.summary(file, fid).map(|s| (s, file as u32)), false))
            }
            ExprKind::Attr(b, meth) => {
                // Java: by the receiver's declared type when it is known.
                if m.lang == crate::lang::Lang::Java
                    && let Some(r) = self.java_typed_call(fr, b, meth)
                {
                    return r;
                }
                if let ExprKind::Name(recv) = &b.kind {
                    if recv == "self" || recv == "this" || recv == "cls" {
                        let ci = self.class_of(fr.func)?;
                        let id = m.method_named(ci, meth)?;
                        return Some((Some(id), None, m.lang == crate::lang::Lang::Python));
                    }
                    if let Some(ci) = m.classes.iter().position(|c| &c.name == recv) {
                        let id = m.method_named(ci, meth)?;
                        return Some((Some(id), None, false));
                    }
                    if m.lang == crate::lang::Lang::Java && !fr.env.contains_key(recv.as_str()) {
                        // `Sql.clean(x)`: a class imported or of the same package.
                        return self.java_project_method(recv, meth);
                    }
                }
                if b.root_name().is_some_and(|r| fr.env.contains_key(r)) {
                    return None;
                }
                // A call through a module object: `util.clean(x)`, `app.util.clean(x)`,
                // `require('./util').clean(x)`.
                let imp = super::modules::module_of(m, b)?;
                let p = self.project?;
                let (file, fid) = p.resolve(&self.file.path, &imp, Some(meth))?;
                self.used_project = true;
                Some((None, p.summary(file, fid).map(|s| (s, file as u32)), false))
            }
            _ => None,
        }
    }

    pub(super) fn eval_call(&mut self, fr: &mut Frame<'_>, e: &Expr, c: &Call) -> Value {
        let recv = match &c.callee.kind {
            ExprKind::Attr(b, _) => Some(self.eval(fr, b)),
            ExprKind::Func(_) => None,
            _ => {
                let _ = self.eval(fr, &c.callee);
                None
            }
        };
        let mut parts: Vec<(Span, Value)> = Vec::with_capacity(c.args.len() + c.kwargs.len());
        for a in &c.args {
            let v = self.eval(fr, a);
            parts.push((a.span, v));
        }
        for k in &c.kwargs {
            let v = self.eval(fr, &k.value);
            parts.push((k.value.span, v));
        }
        if !self.ix.safe_after.is_empty() {
            self.clean_format_args(c, recv.as_ref(), &mut parts);
        }
        // Java follows calls into other files only with input (source taint) in the call.
        let input = |v: &Value| v.labels.iter().any(|l| matches!(l.origin, Origin::Source));
        self.call_tainted = recv.as_ref().is_some_and(input) || parts.iter().any(|(_, v)| input(v));
        let java = self.module.lang == crate::lang::Lang::Java;
        // Java lists created empty in this function: elements by constant index.
        let list = if java {
            self.java_list_call(fr, c, &parts)
        } else {
            None
        };
        let resolved = if list.is_some() {
            None
        } else {
            self.resolve(fr, &c.callee)
        };
        let library = resolved.is_none();
        // Python's `d.get("k")`/`d.pop("k", …)`: what is stored under that key.
        let keyed = if library {
            self.keyed_read(fr, c)
        } else {
            None
        };
        let recv_or_key = keyed.as_ref().or(recv.as_ref());
        let mut v = match (list.clone(), resolved) {
            (Some(v), _) => v,
            (None, resolved) => match resolved {
                Some((local, external, self_param)) => {
                    let summary = match local {
                        Some(id) => {
                            let params = self.module.functions[id].params.clone();
                            self.summary(id).map(|s| (s, params, OWN_FILE))
                        }
                        None => external.map(|(s, f)| (s, Vec::new(), f)),
                    };
                    match summary {
                        Some((s, params, from)) => {
                            // Positional arguments, shifted past `self`; keyword ones by name.
                            let mut args: Vec<Value> = Vec::new();
                            if self_param {
                                args.push(recv.clone().unwrap_or_default());
                            }
                            args.extend(parts[..c.args.len()].iter().map(|(_, v)| v.clone()));
                            for (k, (_, v)) in c.kwargs.iter().zip(&parts[c.args.len()..]) {
                                if let Some(i) = params.iter().position(|p| p.name == k.name) {
                                    if args.len() <= i {
                                        args.resize(i + 1, Value::default());
                                    }
                                    args[i].join(v);
                                }
                            }
                            let name = c.callee.dotted().unwrap_or_else(|| "function".into());
                            self.apply_summary(fr, &s, &args, e.span, &name, from)
                        }
                        None => self.default_call(recv.as_ref(), &parts, c),
                    }
                }
                None => self.default_call(recv_or_key, &parts, c),
            },
        };
        // Java: functions passed to a library method (`list.forEach(this::handle)`,
        // `stream.map(x -> …)`) are called with the receiver's elements.
        if java && library && list.is_none() {
            self.java_callbacks(fr, c, recv.as_ref(), &parts, &mut v);
        }
        // JavaScript and Python (Java has its own callbacks above):
        if !java {
            // A callback of `then`/`subscribe`/`forEach`… receives the receiver's input;
            // `computed(cb)` is what `cb` returns (`taint/callbacks.rs`).
            if let (ExprKind::Attr(base, meth), Some(r)) = (&c.callee.kind, &recv)
                && self.promise_carries_input(fr, base, meth)
            {
                let cb = self.callback_flow(fr, r, meth, &c.args);
                v.add_labels(&cb.labels);
            }
            if !c.args.is_empty() {
                let cb = self.callback_value(fr, &c.callee, &c.args);
                v.add_labels(&cb.labels);
            }
        }
        // Mutating methods taint their receiver: `lst.append(x)`, and through a chain of
        // them the first receiver (`sb.append(a).append(x)` returns `sb`).
        if let ExprKind::Attr(b, meth) = &c.callee.kind
            && list.is_none()
            && MUTATORS.contains(&meth.as_str())
        {
            let mut b = b;
            while let ExprKind::Call(inner) = &b.kind
                && let ExprKind::Attr(b2, m2) = &inner.callee.kind
                && MUTATORS.contains(&m2.as_str())
            {
                b = b2;
            }
            let mut arg_taint = Value::default();
            for (_, pv) in &parts {
                arg_taint.add_labels(&pv.labels);
            }
            if arg_taint.tainted()
                && let Some(p) = self.path_of(fr, b)
            {
                let ent = fr.env.entry(p).or_default();
                ent.add_labels(&arg_taint.labels);
                ent.konst = None;
            }
        }
        if !self.ix.props.is_empty() {
            self.propagate(fr, e, &parts);
        }
        self.apply_patterns(fr, e, &mut v, &parts);
        v
    }

    /// Python's `m.get("k", …)`/`m.pop("k", …)` on a named mapping: the value stored under
    /// that key, as `m["k"]` reads it (after `session["next"] = url`, `session.get("idp")` is
    /// clean); `None` for other calls.
    fn keyed_read(&mut self, fr: &mut Frame<'_>, c: &Call) -> Option<Value> {
        if self.module.lang != crate::lang::Lang::Python {
            return None;
        }
        let ExprKind::Attr(base, meth) = &c.callee.kind else {
            return None;
        };
        let key = c.args.first()?;
        if !matches!(meth.as_str(), "get" | "pop")
            || !matches!(key.kind, ExprKind::Lit(Lit::Str(_)))
            || !matches!(
                base.kind,
                ExprKind::Name(_) | ExprKind::Attr(..) | ExprKind::Subscript(..)
            )
        {
            return None;
        }
        let read = Expr::new(
            ExprKind::Subscript(base.clone(), Box::new(key.clone())),
            c.callee.span,
        );
        Some(self.eval_place(fr, &read, false))
    }

    /// The value of an unknown call: its receiver's taint and its arguments' — except for a
    /// record lookup ([`is_record_lookup`]), whose arguments are keys: what it returns is
    /// stored data, not the key (`Order.objects.get(number=q)`, `links.getByURL(url)`).
    pub(super) fn default_call(
        &self,
        recv: Option<&Value>,
        parts: &[(Span, Value)],
        call: &Call,
    ) -> Value {
        let mut v = Value::default();
        if let Some(r) = recv {
            v.add_labels(&r.labels);
        }
        if !is_record_lookup(call) {
            for (_, p) in parts {
                v.add_labels(&p.labels);
            }
        }
        v
    }

    pub(super) fn propagate(&mut self, fr: &mut Frame<'_>, e: &Expr, parts: &[(Span, Value)]) {
        let ctx = self.ctx();
        let mut updates = Vec::new();
        for (f, from, to) in &self.ix.props {
            if let Some(m) = f.eval(NodeRef::Expr(e), &fr.anc, &ctx) {
                let (Some(fb), Some(_)) = (m.get(from), m.get(to)) else {
                    continue;
                };
                if let Some((_, v)) = parts.iter().find(|(s, _)| *s == fb.span)
                    && v.tainted()
                {
                    updates.push((to.clone(), m.clone(), v.clone()));
                }
            }
        }
        for (to, m, v) in updates {
            let Some(tb) = m.get(&to) else { continue };
            let text = tb.text.clone();
            if text
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
            {
                let ent = fr.env.entry(text).or_default();
                ent.add_labels(&v.labels);
                ent.konst = None;
            }
        }
    }

    pub(super) fn apply_summary(
        &mut self,
        fr: &mut Frame<'_>,
        s: &Summary,
        args: &[Value],
        span: Span,
        name: &str,
        from: u32,
    ) -> Value {
        let loc = self.at(span);
        let mut out = Value::default();
        for l in &s.ret {
            match l.origin {
                Origin::Source if from == OWN_FILE => out.add_labels(std::slice::from_ref(l)),
                Origin::Source => out.add_labels(&[Label {
                    origin: l.origin,
                    rules: l.rules,
                    trace: rebase(&l.trace, from),
                }]),
                Origin::Param(i) => {
                    if let Some(a) = args.get(i as usize) {
                        for al in &a.labels {
                            let rules = al.rules.and(l.rules);
                            if rules.is_empty() {
                                continue;
                            }
                            out.add_labels(&[Label {
                                origin: al.origin,
                                rules,
                                trace: step(
                                    Some(&al.trace),
                                    loc.clone(),
                                    Msg::Text(format!("passes through `{name}`")),
                                ),
                            }]);
                        }
                    }
                }
            }
        }
        for (i, rules, t, sink) in &s.param_sinks {
            let Some(a) = args.get(*i as usize) else {
                continue;
            };
            for al in &a.labels {
                let hit = al.rules.and(*rules);
                if hit.is_empty() {
                    continue;
                }
                let into = step(
                    Some(&al.trace),
                    loc.clone(),
                    Msg::Text(format!("passed to `{name}`")),
                );
                let full = append_trace(&into, t, from);
                // The finding stands at the sink, in the callee's file (named as this
                // analysis names it).
                let at = SinkAt {
                    file: if sink.file == OWN_FILE {
                        from
                    } else {
                        sink.file
                    },
                    ..sink.clone()
                };
                self.record_hit(fr, &al.origin, hit, full, &at);
            }
        }
        out
    }
}

/// Whether an unknown call looks a record up by key: the ORM and repository methods that
/// return stored rows (`objects.get(pk=…)` with keyword arguments only, `filter(…)`,
/// `findOne({…})`, `findById(id)`, `getByURL(url)`, Django's `get_object_or_404(Model, pk=…)`).
/// Their arguments choose which record, they do not flow into it; so do a cache's `get` and
/// `get_many` (`cache.get(key)`, `caches["default"].get(k)`). A receiver that is itself
/// input still taints the result (`request.GET.get('q')`); `requests.get(url)` is no lookup
/// (a positional argument): what it returns comes from wherever the URL points.
pub(super) fn is_record_lookup(call: &Call) -> bool {
    let name = match &call.callee.kind {
        ExprKind::Attr(_, m) => m.as_str(),
        ExprKind::Name(n) => {
            return matches!(n.as_str(), "get_object_or_404" | "get_list_or_404");
        }
        _ => return false,
    };
    if name == "get" || name == "get_many" {
        // `cache.get(key)`, `self.page_cache.get(k)`: a cache answers with what was stored.
        let cache = match &call.callee.kind {
            ExprKind::Attr(b, _) => match &b.kind {
                ExprKind::Name(n) | ExprKind::Attr(_, n) => {
                    n.to_ascii_lowercase().contains("cache")
                }
                ExprKind::Subscript(c, _) => c
                    .dotted()
                    .is_some_and(|d| d.to_ascii_lowercase().ends_with("caches")),
                _ => false,
            },
            _ => false,
        };
        return cache || (name == "get" && call.args.is_empty() && !call.kwargs.is_empty());
    }
    const LOOKUPS: &[&str] = &[
        "filter",
        "exclude",
        "get_or_create",
        "findOne",
        "findById",
        "findByPk",
        "findAll",
        "findUnique",
        "findFirst",
        "findOneBy",
        "getOne",
        "getById",
    ];
    LOOKUPS.contains(&name) || by_key(name, "getBy") || by_key(name, "findBy") || {
        name.starts_with("get_by_") || name.starts_with("find_by_")
    }
}

/// `prefix` followed by a capitalised key name (`getByURL`, `findByEmail`).
fn by_key(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .and_then(|r| r.chars().next())
        .is_some_and(|c| c.is_ascii_uppercase())
}

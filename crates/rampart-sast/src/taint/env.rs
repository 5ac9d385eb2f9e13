//! The analyzer's environment of access paths: which path a place names (`x`, `x.f`, `x.k`),
//! reading a path (its own value, else its base's; enclosing functions' stored values for
//! closures, class-level state for `self.x`/`this.x`), and storing into one (strong updates on
//! assignment, weak ones for unknown keys, destructuring).

use super::*;

impl<'a> Analyzer<'a> {
    /// The access path of a place: `x`, `x.f`, `x.k` (constant keys), if it has one.
    pub(super) fn path_of(&mut self, fr: &mut Frame<'_>, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Name(n) => Some(n.clone()),
            ExprKind::Attr(b, f) => self.path_of(fr, b).map(|p| format!("{p}.{f}")),
            ExprKind::Subscript(b, k) => {
                let key = match &k.kind {
                    ExprKind::Lit(l) => Some(l.clone()),
                    ExprKind::Name(_) => self.eval(fr, k).konst,
                    _ => None,
                }?;
                let key = match key {
                    Lit::Str(s) => s,
                    Lit::Int(i) => i.to_string(),
                    _ => return None,
                };
                self.path_of(fr, b).map(|p| format!("{p}.{key}"))
            }
            _ => None,
        }
    }

    /// Records tainted values stored in instance fields and in scopes that closures may capture.
    pub(super) fn remember(&mut self, fr: &Frame<'_>, p: &str, v: &Value) {
        if !v.labels.iter().any(|l| l.origin == Origin::Source) {
            return;
        }
        let sources: Vec<Label> = v
            .labels
            .iter()
            .filter(|l| l.origin == Origin::Source)
            .cloned()
            .collect();
        if p.starts_with("self.") || p.starts_with("this.") {
            if let Some(c) = self.class_of(fr.func) {
                let map = self.fields.entry(c).or_default();
                map.entry(p.to_string()).or_default().add_labels(&sources);
                self.fields_version += 1;
            }
            return;
        }
        if self.has_children[fr.func] {
            let map = self.captured.entry(fr.func).or_default();
            map.entry(p.to_string()).or_default().add_labels(&sources);
        }
        // A nested function writing a variable it does not bind writes the enclosing scope's
        // (JavaScript closures; in Python only through an object: `box.value = x`): the other
        // functions nested there see it (`onMounted(() => { html.value = d })` and a Vue
        // template reading `html`).
        if let Some(parent) = self.module.functions[fr.func].parent
            && fr.func != 0
            && (p.contains('.') || self.module.lang.family() == crate::lang::Family::JavaScript)
            && !self.binds_locally(fr, root_of(p))
        {
            let mut f = Some(parent);
            let mut hops = 0;
            while let Some(x) = f
                && hops < 16
            {
                let map = self.captured.entry(x).or_default();
                map.entry(p.to_string()).or_default().add_labels(&sources);
                f = self.module.functions[x].parent;
                hops += 1;
            }
        }
    }

    /// Whether the function of `fr` binds `name` itself: a parameter, or a variable it
    /// assigned whole before (storing into `name.f` does not bind `name`).
    fn binds_locally(&self, fr: &Frame<'_>, name: &str) -> bool {
        self.module.functions[fr.func]
            .params
            .iter()
            .any(|p| p.name == name)
            || fr.env.contains_key(name)
    }

    /// The value of a place not assigned in the current function: an instance field set by
    /// another method of the class, or a variable of an enclosing function. With `whole`, what
    /// was stored in its fields counts too (`s` after `s.a = x`); without, only what was stored
    /// at the place itself (the base of a longer access: `s.b` after `s.a = x` is clean).
    pub(super) fn outer_value(&mut self, fr: &Frame<'_>, p: &str, whole: bool) -> Option<Value> {
        let lookup = |map: &HashMap<String, Value>, p: &str| -> Option<Value> {
            let mut found = map.get(p).cloned();
            if !whole {
                return found;
            }
            let prefix = format!("{p}.");
            for (k, v) in map {
                if k.starts_with(&prefix) {
                    found
                        .get_or_insert_with(Value::default)
                        .add_labels(&v.labels);
                }
            }
            found
        };
        if p.starts_with("self.") || p.starts_with("this.") {
            // What the class's fields hold depends on which methods have run so far.
            self.cut = true;
            let c = self.class_of(fr.func)?;
            if self.fields_busy[c] {
                self.cut_short = true;
            }
            if !self.fields_done[c] {
                self.fields_done[c] = true;
                // A summary computed by this pass that met a callee being analysed (in
                // progress, such as the method reading the field) misses what that callee
                // does: it is forgotten after the pass and computed again when called
                // (`doGet` calling `show` through `list.forEach(this::show)` while `show`'s
                // read of `this.out` runs `doGet`).
                let before: Vec<bool> = self.summaries.iter().map(Option::is_some).collect();
                self.fields_busy[c] = true;
                self.collecting_fields += 1;
                self.collect_triggers.push((fr.func, self.fields_version));
                for m in self.module.classes[c].methods.clone() {
                    if !self.in_progress[m] {
                        self.summary(m);
                    }
                }
                for (f, had) in before.into_iter().enumerate() {
                    if !had && self.partial[f] {
                        self.summaries[f] = None;
                    }
                }
                self.collect_triggers.pop();
                self.collecting_fields -= 1;
                self.fields_busy[c] = false;
            }
            return self.fields.get(&c).and_then(|m| lookup(m, p));
        }
        if self.captured.is_empty() {
            return None;
        }
        let mut f = self.module.functions[fr.func].parent;
        let mut hops = 0;
        while let Some(x) = f {
            if let Some(v) = self.captured.get(&x).and_then(|m| lookup(m, p)) {
                return Some(v);
            }
            hops += 1;
            if hops > 16 {
                break;
            }
            f = self.module.functions[x].parent;
        }
        None
    }

    pub(super) fn read_path(fr: &Frame<'_>, p: &str) -> Option<Value> {
        let mut found: Option<Value> = fr.env.get(p).cloned();
        let prefix = format!("{p}.");
        for (k, v) in fr.env.range(prefix.clone()..) {
            if !k.starts_with(&prefix) {
                break;
            }
            let mut x = found.take().unwrap_or_default();
            x.add_labels(&v.labels);
            x.konst = None;
            found = Some(x);
        }
        if found.is_some() {
            return found;
        }
        None
    }

    pub(super) fn store(&mut self, fr: &mut Frame<'_>, target: &Expr, mut v: Value) {
        match &target.kind {
            ExprKind::List(items) => {
                for t in items {
                    let mut x = v.clone();
                    x.konst = None;
                    self.store(fr, t, x);
                }
                return;
            }
            ExprKind::Subscript(b, k) if self.path_of(fr, target).is_none() => {
                // Unknown key: weak update of the container.
                let _ = self.eval(fr, k);
                if let Some(p) = self.path_of(fr, b) {
                    let e = fr.env.entry(p).or_default();
                    e.add_labels(&v.labels);
                    e.konst = None;
                }
                return;
            }
            _ => {}
        }
        let Some(p) = self.path_of(fr, target) else {
            return;
        };
        if v.tainted()
            && let ExprKind::Name(n) = &target.kind
            && !n.starts_with('$')
        {
            let loc = self.at(target.span);
            for l in &mut v.labels {
                l.trace = step(
                    Some(&l.trace),
                    loc.clone(),
                    Msg::Text(format!("assigned to `{n}`")),
                );
            }
        }
        let prefix = format!("{p}.");
        let stale: Vec<String> = fr
            .env
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for k in stale {
            fr.env.remove(&k);
        }
        self.remember(fr, &p, &v);
        fr.env.insert(p, v);
    }

    pub(super) fn assign(&mut self, fr: &mut Frame<'_>, target: &Expr, value: &Expr, s: &Stmt) {
        // Dict literals with constant keys are stored key by key.
        if let ExprKind::Dict(items) = &value.kind {
            let mut rest = Value::default();
            let mut keyed = Vec::new();
            for (k, v) in items {
                let kv = self.eval(fr, k);
                let vv = self.eval(fr, v);
                match kv.konst {
                    Some(Lit::Str(key)) => keyed.push((key, vv)),
                    Some(Lit::Int(i)) => keyed.push((i.to_string(), vv)),
                    _ => rest.add_labels(&vv.labels),
                }
            }
            self.store(fr, target, rest);
            if let Some(p) = self.path_of(fr, target) {
                for (k, v) in keyed {
                    fr.env.insert(format!("{p}.{k}"), v);
                }
            }
            return;
        }
        let v = self.eval(fr, value);
        self.check_stmt(fr, s, &v);
        self.store(fr, target, v);
        if self.module.lang == crate::lang::Lang::Java {
            self.java_new_list(fr, target, value);
        }
    }
}

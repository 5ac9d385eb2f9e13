//! Java calls resolved by declared type and across files.
//!
//! `h.fixed(w)` with `Helper h` (a local, parameter or field, or `new Helper().fixed(w)`)
//! resolves to class `Helper`'s method `fixed`: of this file, or of the project file that
//! declares `Helper` (imported, or in the same package without import). `Sql.clean(x)` with
//! `Sql` imported or of the same package, and a statically imported `clean(x)`, resolve to
//! the other file's method. A type that is no project class (JDK, libraries) resolves to
//! nothing: the call's default flow applies, as for any unknown call. Abstract and interface
//! methods (no body) are never callees: their implementation is unknown.

use super::{Analyzer, Frame, OWN_FILE, Resolved, Value};
use crate::ir::*;

/// Library methods whose result is what their function argument returns for the elements
/// (`stream.map(f)`, `optional.map(f)`, `future.thenApply(f)`), not the elements themselves.
const MAPPERS: &[&str] = &[
    "map",
    "flatMap",
    "mapToObj",
    "mapMulti",
    "thenApply",
    "thenApplyAsync",
    "thenCompose",
    "thenComposeAsync",
    "handle",
    "transform",
];

/// List types whose `new T<>()` starts empty: elements by constant index are tracked.
const LIST_TYPES: &[&str] = &[
    "ArrayList",
    "LinkedList",
    "Vector",
    "CopyOnWriteArrayList",
    "Stack",
];

/// List methods that neither change a list nor are modelled by index: the tracked length
/// stays known across them. Any other method called on a tracked list forgets its length.
const LIST_READERS: &[&str] = &[
    "get",
    "getFirst",
    "getLast",
    "size",
    "isEmpty",
    "contains",
    "containsAll",
    "indexOf",
    "lastIndexOf",
    "iterator",
    "listIterator",
    "stream",
    "parallelStream",
    "forEach",
    "toArray",
    "subList",
    "toString",
    "equals",
    "hashCode",
];

/// The env key holding the length of a tracked list at path `p` (no Java field is named so).
fn len_key(p: &str) -> String {
    format!("{p}.#len")
}

/// The project key of class `class` of package `package` (`Project::resolve` for Java).
pub(crate) fn class_key(package: &str, class: &str) -> String {
    if package.is_empty() {
        format!("java:{class}")
    } else {
        format!("java:{package}.{class}")
    }
}

/// The methods of a Java module that other files may call, as `Class.method` (methods with
/// a body only; the first of overloads wins when resolving).
pub(crate) fn project_members(m: &Module) -> Vec<(String, FuncId)> {
    let mut out = Vec::new();
    for c in &m.classes {
        for &f in &c.methods {
            let func = &m.functions[f];
            if !func.body.is_empty() && !func.name.starts_with('<') {
                out.push((format!("{}.{}", c.name, func.name), f));
            }
        }
    }
    out
}

/// Whether a name looks like a class (Java convention: an upper-case initial).
fn class_like(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

impl Analyzer<'_> {
    /// The declared type of a receiver: a local or parameter of `fr`'s function or the
    /// functions around it, a field of an enclosing class (`this.f` or a static field), or
    /// the class of a `new T(…)`.
    fn java_receiver_type(&self, fr: &Frame<'_>, base: &Expr) -> Option<String> {
        let m = self.module;
        let field = |name: &str| {
            let mut f = Some(fr.func);
            for _ in 0..64 {
                let x = f?;
                if let Some(ci) = m.functions[x].class
                    && let Some(t) = m.types.fields.get(&(ci, name.to_string()))
                {
                    return Some(t.clone());
                }
                f = m.functions[x].parent;
            }
            None
        };
        match &base.kind {
            ExprKind::Name(n) => {
                let mut f = Some(fr.func);
                for _ in 0..64 {
                    let Some(x) = f else { break };
                    if let Some(t) = m.types.vars.get(&(x, n.clone())) {
                        return Some(t.clone());
                    }
                    f = m.functions[x].parent;
                }
                field(n)
            }
            ExprKind::Attr(b, name) if matches!(&b.kind, ExprKind::Name(t) if t == "this") => {
                field(name)
            }
            ExprKind::Call(c) if c.is_new => match &c.callee.kind {
                ExprKind::Name(t) | ExprKind::Attr(_, t) => Some(t.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// Resolves `base.meth(…)` by the declared type of `base`: `None` when the type is not
    /// known (name resolution decides), else the method found, if any (`Some(None)`: the
    /// type is known and the call is not into the project: the default flow applies).
    pub(super) fn java_typed_call(
        &mut self,
        fr: &Frame<'_>,
        base: &Expr,
        meth: &str,
    ) -> Option<Option<Resolved>> {
        let ty = self.java_receiver_type(fr, base)?;
        let m = self.module;
        if let Some(ci) = m.classes.iter().position(|c| c.name == ty) {
            let id = m
                .method_named(ci, meth)
                .filter(|&id| !m.functions[id].body.is_empty());
            return Some(id.map(|id| (Some(id), None, false)));
        }
        Some(self.java_project_method(&ty, meth))
    }

    /// `Class.meth` of another project file: `Class` imported, or of this file's package.
    /// Followed only when an argument or the receiver carries input (source taint, not a
    /// parameter's label while summarising): the file's own flows go one call deep into other
    /// files, whose summaries do not follow calls into further files (their calls get the
    /// default flow); a file none of whose input-carrying calls goes into the project is not
    /// analysed again in `finish`. Following every call (and every call of every summary) into
    /// the project made the JDK sources below 14 times slower, with many files cut by the time
    /// limit.
    pub(super) fn java_project_method(&mut self, class: &str, meth: &str) -> Option<Resolved> {
        let m = self.module;
        if !class_like(class) || !self.call_tainted {
            return None;
        }
        let imp = match m.import_of(class) {
            Some(i) if i.name.is_some() => i.clone(),
            Some(_) => return None,
            None => Import {
                module: m.package.clone().unwrap_or_default(),
                level: 0,
                name: Some(class.to_string()),
                alias: class.to_string(),
            },
        };
        let p = self.project?;
        let member = format!("{class}.{meth}");
        let (file, fid) = p.resolve(&self.file.path, &imp, Some(&member))?;
        self.used_project = true;
        Some((None, p.summary(file, fid).map(|s| (s, file as u32)), false))
    }
}

impl Analyzer<'_> {
    /// `l = new ArrayList<>()` (no argument, or a capacity): `l` is an empty list whose
    /// elements are tracked by index (`l.0`, `l.1`… in the environment, as map entries under
    /// constant keys are `m.k`) while its length is known.
    pub(super) fn java_new_list(&mut self, fr: &mut Frame<'_>, target: &Expr, value: &Expr) {
        let ExprKind::Call(c) = &value.kind else {
            return;
        };
        let ty = match &c.callee.kind {
            ExprKind::Name(t) | ExprKind::Attr(_, t) => t.as_str(),
            _ => return,
        };
        let empty = c.args.is_empty()
            || (c.args.len() == 1 && matches!(c.args[0].kind, ExprKind::Lit(Lit::Int(_))));
        if c.is_new
            && empty
            && LIST_TYPES.contains(&ty)
            && let Some(p) = self.path_of(fr, target)
        {
            fr.env.insert(len_key(&p), Value::konst(Lit::Int(0)));
        }
    }

    /// A method call on a list of known length (`java_new_list`): `add(x)`, `add(i, x)`,
    /// `set(i, x)`, `get(i)`, `remove(i)`, `getFirst()`, `getLast()` and `clear()` with
    /// constant indexes act on the elements by index (`remove` and `add(i, x)` shift the
    /// ones after); the call's value, or `None` when the call is not modelled so (then the
    /// default flow applies: an unknown index is any element). Other methods that may
    /// change the list forget its length.
    pub(super) fn java_list_call(
        &mut self,
        fr: &mut Frame<'_>,
        c: &Call,
        parts: &[(Span, Value)],
    ) -> Option<Value> {
        let ExprKind::Attr(b, meth) = &c.callee.kind else {
            return None;
        };
        if !matches!(b.kind, ExprKind::Name(_) | ExprKind::Attr(..)) {
            return None;
        }
        let p = self.path_of(fr, b)?;
        let key = len_key(&p);
        let n = match fr.env.get(&key)?.konst {
            Some(Lit::Int(n)) if (0..4096).contains(&n) => n,
            _ => {
                fr.env.remove(&key);
                return None;
            }
        };
        let index = |i: usize| match parts.get(i).and_then(|(_, v)| v.konst.as_ref()) {
            Some(Lit::Int(k)) => Some(*k),
            _ => None,
        };
        let elem = |fr: &Frame<'_>, k: i64| fr.env.get(&format!("{p}.{k}")).cloned();
        let at = |k: i64| format!("{p}.{k}");
        let arg = |i: usize| {
            let mut v = parts.get(i).map(|(_, v)| v.clone()).unwrap_or_default();
            v.konst = None;
            v
        };
        let argc = c.args.len();
        let out = match (meth.as_str(), argc) {
            ("add", 1) => {
                let v = arg(0);
                self.remember(fr, &at(n), &v);
                fr.env.insert(at(n), v);
                fr.env.insert(key, Value::konst(Lit::Int(n + 1)));
                Value::konst(Lit::Bool(true))
            }
            ("add", 2) if index(0).is_some_and(|i| (0..=n).contains(&i)) => {
                let i = index(0)?;
                for k in (i..n).rev() {
                    let moved = elem(fr, k).unwrap_or_default();
                    fr.env.insert(at(k + 1), moved);
                }
                let v = arg(1);
                self.remember(fr, &at(i), &v);
                fr.env.insert(at(i), v);
                fr.env.insert(key, Value::konst(Lit::Int(n + 1)));
                Value::default()
            }
            ("set", 2) if index(0).is_some_and(|i| (0..n).contains(&i)) => {
                let i = index(0)?;
                let old = elem(fr, i).unwrap_or_default();
                let v = arg(1);
                self.remember(fr, &at(i), &v);
                fr.env.insert(at(i), v);
                old
            }
            ("get", 1) if index(0).is_some() => {
                let i = index(0)?;
                // Past the end: `get` throws, no value comes out.
                elem(fr, i).unwrap_or_default()
            }
            ("getFirst", 0) => elem(fr, 0).unwrap_or_default(),
            ("getLast", 0) => elem(fr, n - 1).unwrap_or_default(),
            ("remove", 1) if index(0).is_some_and(|i| (0..n).contains(&i)) => {
                let i = index(0)?;
                let old = elem(fr, i).unwrap_or_default();
                for k in i..n - 1 {
                    let moved = elem(fr, k + 1).unwrap_or_default();
                    fr.env.insert(at(k), moved);
                }
                fr.env.remove(&at(n - 1));
                fr.env.insert(key, Value::konst(Lit::Int(n - 1)));
                old
            }
            ("clear", 0) => {
                for k in 0..n {
                    fr.env.remove(&at(k));
                }
                Value::default()
            }
            (m, _) => {
                if !LIST_READERS.contains(&m) {
                    fr.env.remove(&key);
                }
                return None;
            }
        };
        Some(out)
    }

    /// Calls the functions passed to a library method (lambdas, method references) with the
    /// receiver's data (its elements; without a receiver, the other arguments'), each
    /// parameter getting it: a sink inside the function is reached, and for [`MAPPERS`] the
    /// call's value becomes what the function returns (`map(Encode::forHtml)` is clean for
    /// XSS); for other methods it is added to the default flow.
    pub(super) fn java_callbacks(
        &mut self,
        fr: &mut Frame<'_>,
        c: &Call,
        recv: Option<&Value>,
        parts: &[(Span, Value)],
        v: &mut Value,
    ) {
        let funcs: Vec<FuncId> = c
            .args
            .iter()
            .filter_map(|a| match a.kind {
                ExprKind::Func(id) => Some(id),
                _ => None,
            })
            .collect();
        if funcs.is_empty() {
            return;
        }
        let mut elements = Value::default();
        match recv {
            Some(r) => elements.add_labels(&r.labels),
            None => {
                for (a, (_, pv)) in c.args.iter().zip(parts) {
                    if !matches!(a.kind, ExprKind::Func(_)) {
                        elements.add_labels(&pv.labels);
                    }
                }
            }
        }
        let meth = match &c.callee.kind {
            ExprKind::Attr(_, m) => m.as_str(),
            ExprKind::Name(n) => n.as_str(),
            _ => "",
        };
        let name = c.callee.dotted().unwrap_or_else(|| meth.to_string());
        let mut out = Value::default();
        let mut called = false;
        for id in funcs {
            let Some(s) = self.summary(id) else { continue };
            called = true;
            let params = self.module.functions[id].params.len();
            // Each element enters the function as each of its parameters.
            let args = vec![elements.clone(); params.max(1)];
            let span = self.module.functions[id].span;
            let r = self.apply_summary(fr, &s, &args, span, &name, OWN_FILE);
            out.add_labels(&r.labels);
        }
        if called && MAPPERS.contains(&meth) {
            *v = out;
        } else {
            v.add_labels(&out.labels);
        }
    }
}

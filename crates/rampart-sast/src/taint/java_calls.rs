//! Java calls resolved by declared type and across files.
//!
//! `h.fixed(w)` with `Helper h` (a local, parameter or field, or `new Helper().fixed(w)`)
//! resolves to class `Helper`'s method `fixed`: of this file, or of the project file that
//! declares `Helper` (imported, or in the same package without import). `Sql.clean(x)` with
//! `Sql` imported or of the same package, and a statically imported `clean(x)`, resolve to
//! the other file's method. A type that is no project class (JDK, libraries) resolves to
//! nothing: the call's default flow applies, as for any unknown call. Abstract and interface
//! methods (no body) are never callees: their implementation is unknown.

use super::{Analyzer, Frame, Resolved};
use crate::ir::*;

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

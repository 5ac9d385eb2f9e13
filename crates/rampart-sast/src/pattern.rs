//! The structural matcher: Semgrep-style patterns, lowered to the IR by the same lowering as
//! code, and matched against IR nodes (the formulas that combine them are in
//! [`crate::formula`]).
//!
//! Matching rules, in short: a metavariable `$X` matches any expression and binds it (a second
//! occurrence must have the same text); `...` matches any run of arguments, parameters, list items
//! or any single expression; the string `"..."` matches any string literal; `<... P ...>` matches
//! an expression containing `P`; a dotted name `a.b.c` matches code written the same way or code
//! whose imports resolve to it (`from a.b import c as d; d`); keyword arguments in the pattern must
//! be present in the code, in any order, and the code may have more.

use crate::ir::*;
use crate::lang::{Family, Lang};
use crate::lower;

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The pattern as written.
    pub text: String,
    /// The pattern lowered (function 0's body holds it; nested function patterns live here too).
    pub module: Module,
    /// What kind of node it matches.
    pub node: PatNode,
    /// The name that a matching node must contain at its head, used to index patterns.
    pub key: Option<String>,
    /// Java typed metavariables (`(HttpServletRequest $R)`): (metavariable, simple type name)
    /// that the bound variable's declared type must have (`crate::typed_metavar`).
    pub types: Vec<(String, String)>,
}

/// What a pattern is.
#[derive(Debug, Clone)]
pub enum PatNode {
    /// An expression.
    Expr(Expr),
    /// An assignment `target = value`.
    Assign(Expr, Expr),
    /// A function definition (index in the pattern's module).
    Func(FuncId),
    /// `if (cond) { ... }` (with `else { ... }`: the else branch), for `pattern-inside`.
    If(Expr, bool),
}

/// A node of the code that patterns are matched against.
#[derive(Debug, Clone, Copy)]
pub enum NodeRef<'a> {
    /// An expression.
    Expr(&'a Expr),
    /// A statement.
    Stmt(&'a Stmt),
    /// A function definition.
    Func(&'a Function),
}

impl NodeRef<'_> {
    /// The span of the node.
    pub fn span(&self) -> Span {
        match self {
            NodeRef::Expr(e) => e.span,
            NodeRef::Stmt(s) => s.span,
            NodeRef::Func(f) => f.span,
        }
    }
}

/// A metavariable binding.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// `$X`.
    pub name: String,
    /// Where the bound code is.
    pub span: Span,
    /// Its text (whitespace-normalised).
    pub text: String,
    /// The constant the bound name stands for, if any (`metavariable-regex` tries it too).
    pub konst: Option<String>,
}

/// The result of a successful match.
#[derive(Debug, Clone, Default)]
pub struct Match {
    /// Metavariable bindings.
    pub binds: Vec<Binding>,
    /// Spans of code matched by metavariables or `...` (the "holes" of the pattern).
    pub holes: Vec<Span>,
    /// The span `focus-metavariable` selected.
    pub focus: Option<Span>,
    /// For `pattern-inside`: the node that must lie inside the matched code (an `if` pattern
    /// only encloses what is in its branch).
    pub within: Option<Span>,
}

impl Match {
    /// The binding of a metavariable.
    pub fn get(&self, name: &str) -> Option<&Binding> {
        self.binds.iter().find(|b| b.name == name)
    }
}

/// What the matcher needs to know about the code.
pub struct Ctx<'a> {
    /// The module the nodes belong to.
    pub module: &'a Module,
    /// The source text.
    pub src: &'a [u8],
}

impl Ctx<'_> {
    fn text(&self, span: Span) -> String {
        let r = span.start as usize..(span.end as usize).min(self.src.len());
        let s = String::from_utf8_lossy(self.src.get(r).unwrap_or(&[]));
        rampart_core::fingerprint::normalise(&s)
    }

    /// The dotted name of `e` with its first part resolved through the module's imports
    /// (`sp.call` → `subprocess.call` after `import subprocess as sp`).
    pub fn canonical(&self, e: &Expr) -> Option<String> {
        let dotted = e.dotted()?;
        let (head, rest) = match dotted.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (dotted.as_str(), None),
        };
        let imp = self.module.import_of(head)?;
        let mut base = imp.module.trim_start_matches("node:").to_string();
        if let Some(n) = &imp.name
            && n != "default"
        {
            base = format!("{base}.{n}");
        }
        Some(match rest {
            Some(r) => format!("{base}.{r}"),
            None => base,
        })
    }

    /// Go: the dotted name of `e` with an aliased import written as the package's own name
    /// (`h.Get` after `import h "net/http"` → `http.Get`), so that patterns written with the
    /// usual package name match aliased imports too.
    pub fn go_default_named(&self, e: &Expr) -> Option<String> {
        if self.module.lang != crate::lang::Lang::Go {
            return None;
        }
        let dotted = e.dotted()?;
        let (head, rest) = dotted.split_once('.')?;
        let imp = self.module.import_of(head)?;
        let short = crate::lower::go::package_name(&imp.module.replace('.', "/"));
        (short != head).then(|| format!("{short}.{rest}"))
    }

    /// The index key of a node: the last name of its head (`call` for `sp.call(x)`), resolved
    /// through imports for bare names.
    pub fn key_of(&self, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Name(n) => Some(match self.module.import_of(n) {
                Some(Import { name: Some(m), .. }) if m != "default" => m.clone(),
                _ => n.clone(),
            }),
            ExprKind::Attr(_, f) => Some(f.clone()),
            ExprKind::Call(c) => self.key_of(&c.callee),
            _ => None,
        }
    }
}

pub use crate::error::PatternError;

/// The function a Go pattern that is not a declaration is wrapped in to parse.
const GO_WRAP: &str = "__pattern__";

impl Pattern {
    /// Compiles pattern text for a family of languages.
    pub fn parse(text: &str, family: Family) -> Result<Pattern, PatternError> {
        let lang = match family {
            Family::Python => Lang::Python,
            Family::JavaScript => Lang::JavaScript,
            Family::Java => Lang::Java,
            Family::Go => Lang::Go,
        };
        let (untyped, types) = if lang == Lang::Java {
            crate::typed_metavar::strip(text.trim())
        } else {
            (text.trim().to_string(), Vec::new())
        };
        let mut rewritten = lower::rewrite_pattern(&untyped);
        if lang == Lang::Java && !rewritten.ends_with(';') && !rewritten.ends_with('}') {
            // A Java expression is a statement only with its semicolon.
            rewritten.push(';');
        }
        let mut src = rewritten.clone();
        let mut tree = crate::lang::parse(lang, src.as_bytes(), None)
            .ok_or_else(|| PatternError(format!("cannot parse pattern `{text}`")))?;
        if tree.root_node().has_error() && lang == Lang::JavaScript {
            // An object literal or a bare `{...}` body: try it as an expression.
            src = format!("({rewritten})");
            if let Some(t) = crate::lang::parse(lang, src.as_bytes(), None)
                && !t.root_node().has_error()
            {
                tree = t;
            }
        }
        let mut go_wrapped = false;
        if tree.root_node().has_error() && lang == Lang::Go {
            // Go statements and expressions are valid only inside a function body.
            src = format!("package p\nfunc {GO_WRAP}() {{\n{rewritten}\n}}\n");
            if let Some(t) = crate::lang::parse(lang, src.as_bytes(), None)
                && !t.root_node().has_error()
            {
                tree = t;
                go_wrapped = true;
            }
        }
        if tree.root_node().has_error() {
            return Err(PatternError(format!(
                "pattern `{text}` is not valid {lang:?}"
            )));
        }
        let mut module = lower::lower_pattern(lang, &tree, src.as_bytes());
        if go_wrapped && let Some(w) = module.functions.iter().position(|f| f.name == GO_WRAP) {
            module.functions[0].body = std::mem::take(&mut module.functions[w].body);
        }
        let body = &module.functions[0].body;
        let stmts: Vec<&Stmt> = body
            .iter()
            .filter(|s| !matches!(s.kind, StmtKind::Import(_) | StmtKind::Class(_)))
            .collect();
        let node = match stmts.as_slice() {
            [s] => match &s.kind {
                StmtKind::Expr(Expr {
                    kind: ExprKind::Func(id),
                    ..
                }) => PatNode::Func(*id),
                StmtKind::Expr(e) => PatNode::Expr(e.clone()),
                StmtKind::Assign { target, value } => {
                    PatNode::Assign(target.clone(), value.clone())
                }
                StmtKind::Func(id) => PatNode::Func(*id),
                StmtKind::Return(Some(e)) => PatNode::Expr(e.clone()),
                StmtKind::If { cond, els, .. } => PatNode::If(cond.clone(), !els.is_empty()),
                _ => {
                    return Err(PatternError(format!(
                        "pattern `{text}`: unsupported statement"
                    )));
                }
            },
            _ => {
                return Err(PatternError(format!(
                    "pattern `{text}`: one expression, assignment or function definition expected"
                )));
            }
        };
        let key = match &node {
            PatNode::Expr(e) => pat_key(e),
            PatNode::Assign(..) | PatNode::Func(_) | PatNode::If(..) => None,
        };
        Ok(Pattern {
            text: text.to_string(),
            module,
            node,
            key,
            types,
        })
    }

    /// Matches this pattern against one node.
    pub fn matches(&self, node: NodeRef, ctx: &Ctx, m: &mut Match) -> bool {
        self.matches_untyped(node, ctx, m)
            && self.types.iter().all(|(mv, ty)| {
                m.get(mv)
                    .is_some_and(|b| crate::typed_metavar::has_type(ctx, b, ty))
            })
    }

    fn matches_untyped(&self, node: NodeRef, ctx: &Ctx, m: &mut Match) -> bool {
        let mut mm = Matcher {
            ctx,
            pat: &self.module,
            m,
        };
        match (&self.node, node) {
            (PatNode::Expr(p), NodeRef::Expr(e)) => mm.expr(p, e),
            // `pattern-inside: f(...)` seen from a statement (the taint analysis keeps statements,
            // not expressions, as ancestors): an expression of it enclosing the node.
            (PatNode::Expr(p), NodeRef::Stmt(s)) => {
                let Some(w) = mm.m.within else { return false };
                let mut found = false;
                stmt_exprs(s, &mut |e| {
                    e.walk(&mut |x| {
                        if !found && x.span.contains(w) && x.span != w {
                            let saved = (mm.m.binds.len(), mm.m.holes.len());
                            if mm.expr(p, x) {
                                found = true;
                            } else {
                                mm.m.binds.truncate(saved.0);
                                mm.m.holes.truncate(saved.1);
                            }
                        }
                    })
                });
                found
            }
            (PatNode::Assign(pt, pv), NodeRef::Stmt(s)) => match &s.kind {
                StmtKind::Assign { target, value } => mm.expr(pt, target) && mm.expr(pv, value),
                _ => false,
            },
            (PatNode::Func(pf), NodeRef::Func(f)) => mm.func(&self.module.functions[*pf], f),
            (PatNode::If(pc, in_else), NodeRef::Stmt(s)) => match &s.kind {
                StmtKind::If { cond, then, els } => {
                    let branch = if *in_else { els } else { then };
                    let inside = match mm.m.within {
                        Some(w) => branch.iter().any(|b| b.span.contains(w)),
                        None => true,
                    };
                    inside && mm.expr(pc, cond)
                }
                _ => false,
            },
            _ => false,
        }
    }
}

/// The expressions directly held by a statement (not those of nested blocks).
fn stmt_exprs<'a>(s: &'a Stmt, f: &mut dyn FnMut(&'a Expr)) {
    match &s.kind {
        StmtKind::Assign { target, value } => {
            f(target);
            f(value);
        }
        StmtKind::Expr(e) | StmtKind::Return(Some(e)) => f(e),
        StmtKind::If { cond, .. } => f(cond),
        StmtKind::Loop { target, iter, .. } => {
            if let Some(t) = target {
                f(t);
            }
            f(iter);
        }
        _ => {}
    }
}

/// The index key of a pattern expression (see [`Ctx::key_of`]); `None` matches any node.
fn pat_key(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => Some(n.clone()),
        ExprKind::Attr(_, f) if !f.starts_with('$') => Some(f.clone()),
        ExprKind::Call(c) => pat_key(&c.callee),
        _ => None,
    }
}

fn has_metavar(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        if matches!(x.kind, ExprKind::MetaVar(_) | ExprKind::Ellipsis) {
            found = true;
        }
        if let ExprKind::Attr(_, f) = &x.kind
            && f.starts_with('$')
        {
            found = true;
        }
    });
    found
}

struct Matcher<'a, 'b> {
    ctx: &'a Ctx<'a>,
    pat: &'a Module,
    m: &'b mut Match,
}

impl Matcher<'_, '_> {
    fn bind(&mut self, name: &str, span: Span, text: Option<String>) -> bool {
        self.bind_k(name, span, text, None)
    }

    fn bind_k(
        &mut self,
        name: &str,
        span: Span,
        text: Option<String>,
        konst: Option<String>,
    ) -> bool {
        let text = text.unwrap_or_else(|| self.ctx.text(span));
        if let Some(b) = self.m.binds.iter().find(|b| b.name == name) {
            return b.text == text;
        }
        self.m.binds.push(Binding {
            name: name.to_string(),
            span,
            text,
            konst,
        });
        true
    }

    fn save(&self) -> (usize, usize) {
        (self.m.binds.len(), self.m.holes.len())
    }

    fn restore(&mut self, s: (usize, usize)) {
        self.m.binds.truncate(s.0);
        self.m.holes.truncate(s.1);
    }

    fn expr(&mut self, p: &Expr, t: &Expr) -> bool {
        match &p.kind {
            ExprKind::MetaVar(name) => {
                self.m.holes.push(t.span);
                let konst = match &t.kind {
                    ExprKind::Name(n) => self.ctx.module.consts.get(n).and_then(|l| match l {
                        Lit::Str(s) => Some(s.clone()),
                        Lit::Int(i) => Some(i.to_string()),
                        _ => None,
                    }),
                    _ => None,
                };
                return self.bind_k(name, t.span, None, konst);
            }
            ExprKind::Ellipsis => {
                self.m.holes.push(t.span);
                return true;
            }
            ExprKind::Deep(inner) => {
                let mut found = false;
                t.walk(&mut |x| {
                    if !found {
                        let s = self.save();
                        if self.expr(inner, x) {
                            found = true;
                        } else {
                            self.restore(s);
                        }
                    }
                });
                return found;
            }
            _ => {}
        }
        // Dotted names without metavariables: compare as written or as resolved.
        // (A chain on a call, `a.b().c`, is compared part by part below.)
        if matches!(p.kind, ExprKind::Name(_) | ExprKind::Attr(..))
            && !has_metavar(p)
            && let Some(pd) = p.dotted()
        {
            return t.dotted().as_deref() == Some(pd.as_str())
                || self.ctx.canonical(t).as_deref() == Some(pd.as_str())
                || self.ctx.go_default_named(t).as_deref() == Some(pd.as_str());
        }
        match (&p.kind, &t.kind) {
            (ExprKind::Attr(pb, pf), ExprKind::Attr(tb, tf)) => {
                let ok = if pf.starts_with('$') {
                    self.bind(pf, t.span, Some(tf.clone()))
                } else {
                    pf == tf
                };
                ok && self.expr(pb, tb)
            }
            (ExprKind::Attr(pb, pf), _) => {
                // `os.system` also matches `system` imported from `os`.
                let Some(tc) = self.ctx.canonical(t) else {
                    return false;
                };
                let Some((tb, tf)) = tc.rsplit_once('.') else {
                    return false;
                };
                let field_ok = if pf.starts_with('$') {
                    self.bind(pf, t.span, Some(tf.to_string()))
                } else {
                    pf == tf
                };
                field_ok && !has_metavar(pb) && pb.dotted().as_deref() == Some(tb)
            }
            (ExprKind::Subscript(pb, pk), ExprKind::Subscript(tb, tk)) => {
                self.expr(pb, tb) && self.expr(pk, tk)
            }
            (ExprKind::Call(pc), ExprKind::Call(tc)) => self.call(pc, tc),
            (ExprKind::Lit(Lit::Str(ps)), ExprKind::Lit(Lit::Str(ts))) => ps == "..." || ps == ts,
            (ExprKind::Lit(Lit::Str(ps)), ExprKind::StrBuild(_)) => ps == "...",
            (ExprKind::Lit(pl), ExprKind::Lit(tl)) => pl == tl,
            // Constants are seen through: `"md5"` matches `algo` after `algo = "md5"`.
            (ExprKind::Lit(pl), ExprKind::Name(n)) => match self.ctx.module.consts.get(n) {
                Some(Lit::Str(ts)) => matches!(pl, Lit::Str(ps) if ps == "..." || ps == ts),
                Some(tl) => pl == tl,
                None => false,
            },
            (ExprKind::BinOp(po, pa, pb), ExprKind::BinOp(to, ta, tb)) => {
                po == to && self.expr(pa, ta) && self.expr(pb, tb)
            }
            (ExprKind::Not(pa), ExprKind::Not(ta)) => self.expr(pa, ta),
            (ExprKind::StrBuild(ps), ExprKind::StrBuild(ts))
            | (ExprKind::List(ps), ExprKind::List(ts)) => self.list(ps, ts),
            (ExprKind::Dict(ps), ExprKind::Dict(ts)) => self.dict(ps, ts),
            (ExprKind::Cond(pa, pb, pc), ExprKind::Cond(ta, tb, tc)) => {
                self.expr(pa, ta) && self.expr(pb, tb) && self.expr(pc, tc)
            }
            (ExprKind::Func(pf), ExprKind::Func(tf)) => {
                let pf = &self.pat.functions[*pf];
                let tf = &self.ctx.module.functions[*tf];
                self.func(pf, tf)
            }
            (ExprKind::Name(_), _) => false,
            _ => false,
        }
    }

    fn call(&mut self, p: &Call, t: &Call) -> bool {
        if p.is_new && !t.is_new {
            return false;
        }
        if !self.expr(&p.callee, &t.callee) {
            return false;
        }
        let has_ellipsis = p.args.iter().any(|a| matches!(a.kind, ExprKind::Ellipsis));
        for pk in &p.kwargs {
            let found = t.kwargs.iter().any(|tk| {
                let s = self.save();
                let name_ok = if pk.name.starts_with('$') {
                    self.bind(&pk.name, tk.name_span, Some(tk.name.clone()))
                } else {
                    pk.name == tk.name
                };
                if name_ok && self.expr(&pk.value, &tk.value) {
                    true
                } else {
                    self.restore(s);
                    false
                }
            });
            if !found {
                return false;
            }
        }
        if has_ellipsis {
            for tk in &t.kwargs {
                if !p.kwargs.iter().any(|pk| pk.name == tk.name) {
                    self.m.holes.push(tk.value.span);
                }
            }
        }
        self.list(&p.args, &t.args)
    }

    fn list(&mut self, ps: &[Expr], ts: &[Expr]) -> bool {
        let Some((first, rest)) = ps.split_first() else {
            return ts.is_empty();
        };
        if matches!(first.kind, ExprKind::Ellipsis) {
            for k in 0..=ts.len() {
                let s = self.save();
                for t in &ts[..k] {
                    self.m.holes.push(t.span);
                }
                if self.list(rest, &ts[k..]) {
                    return true;
                }
                self.restore(s);
            }
            return false;
        }
        let Some((t0, trest)) = ts.split_first() else {
            return false;
        };
        let s = self.save();
        if self.expr(first, t0) && self.list(rest, trest) {
            return true;
        }
        self.restore(s);
        false
    }

    fn dict(&mut self, ps: &[(Expr, Expr)], ts: &[(Expr, Expr)]) -> bool {
        // Every pattern entry must match some entry; `...` allows others.
        let open = ps.iter().any(|(k, _)| matches!(k.kind, ExprKind::Ellipsis));
        let mut used = 0;
        for (pk, pv) in ps {
            if matches!(pk.kind, ExprKind::Ellipsis) {
                continue;
            }
            let found = ts.iter().any(|(tk, tv)| {
                let s = self.save();
                if self.expr(pk, tk) && self.expr(pv, tv) {
                    true
                } else {
                    self.restore(s);
                    false
                }
            });
            if !found {
                return false;
            }
            used += 1;
        }
        open || used == ts.len()
    }

    fn func(&mut self, p: &Function, t: &Function) -> bool {
        if p.name.starts_with('$') {
            if !self.bind(&p.name, t.span, Some(t.name.clone())) {
                return false;
            }
        } else if p.name != "<anonymous>" && p.name != "<lambda>" && p.name != t.name {
            return false;
        }
        for pd in &p.decorators {
            let found = t.decorators.iter().any(|td| {
                let s = self.save();
                if self.expr(pd, td) {
                    true
                } else {
                    self.restore(s);
                    false
                }
            });
            if !found {
                return false;
            }
        }
        let pp: Vec<Expr> = p
            .params
            .iter()
            .map(|x| {
                let kind = if x.name == lower::ELLIPSIS {
                    ExprKind::Ellipsis
                } else if x.name.starts_with('$') {
                    ExprKind::MetaVar(x.name.clone())
                } else {
                    ExprKind::Name(x.name.clone())
                };
                Expr::new(kind, x.span)
            })
            .collect();
        let tp: Vec<Expr> = t
            .params
            .iter()
            .map(|x| Expr::new(ExprKind::Name(x.name.clone()), x.span))
            .collect();
        self.params(&pp, &tp)
    }

    fn params(&mut self, ps: &[Expr], ts: &[Expr]) -> bool {
        let Some((first, rest)) = ps.split_first() else {
            return ts.is_empty();
        };
        match &first.kind {
            ExprKind::Ellipsis => (0..=ts.len()).any(|k| {
                let s = self.save();
                if self.params(rest, &ts[k..]) {
                    true
                } else {
                    self.restore(s);
                    false
                }
            }),
            _ => {
                let Some((t0, trest)) = ts.split_first() else {
                    return false;
                };
                let ok = match (&first.kind, &t0.kind) {
                    (ExprKind::MetaVar(n), ExprKind::Name(tn)) => {
                        self.bind(n, t0.span, Some(tn.clone()))
                    }
                    (ExprKind::Name(a), ExprKind::Name(b)) => a == b,
                    _ => false,
                };
                ok && self.params(rest, trest)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(lang: Lang, src: &str) -> Module {
        let tree = crate::lang::parse(lang, src.as_bytes(), None).unwrap();
        lower::lower(lang, &tree, src.as_bytes())
    }

    fn count(pat: &str, family: Family, lang: Lang, src: &str) -> usize {
        let p = Pattern::parse(pat, family).unwrap();
        let m = module(lang, src);
        let ctx = Ctx {
            module: &m,
            src: src.as_bytes(),
        };
        let mut n = 0;
        crate::walk::walk_module(&m, &mut |node, _| {
            let mut mm = Match::default();
            if p.matches(node, &ctx, &mut mm) {
                n += 1;
            }
        });
        n
    }

    #[test]
    fn matches_calls_with_ellipsis_and_kwargs() {
        let src = "import subprocess as sp\nfrom os import system\nsp.call(x, shell=True)\nsp.call(x)\nsystem('ls')\n";
        let py = |p: &str| count(p, Family::Python, Lang::Python, src);
        assert_eq!(py("subprocess.call(..., shell=True, ...)"), 1);
        assert_eq!(py("subprocess.call(...)"), 2);
        assert_eq!(py("os.system($X)"), 1);
        assert_eq!(py("os.system(\"...\")"), 1);
        assert_eq!(py("$F(..., shell=True)"), 1);
    }

    #[test]
    fn matches_metavariables_consistently() {
        let src = "a == a\na == b\n";
        assert_eq!(count("$X == $X", Family::Python, Lang::Python, src), 1);
        let js = "const el = document.getElementById('x'); el.innerHTML = name; foo(`a ${b}`);";
        let j = |p: &str| count(p, Family::JavaScript, Lang::JavaScript, js);
        assert_eq!(j("$E.innerHTML = $V"), 1);
        assert_eq!(j("document.getElementById(...)"), 1);
        assert_eq!(j("foo(<... b ...>)"), 1);
    }

    #[test]
    fn matches_function_definitions_and_jsx() {
        let src = "@app.get('/x')\ndef view(a, q):\n    pass\n";
        assert_eq!(
            count(
                "@$APP.get(...)\ndef $F(..., $P, ...): ...",
                Family::Python,
                Lang::Python,
                src
            ),
            1
        );
        let tsx = "const C = () => <div dangerouslySetInnerHTML={{__html: x}} />;";
        assert_eq!(
            count(
                "<$EL dangerouslySetInnerHTML={$X} />",
                Family::JavaScript,
                Lang::Tsx,
                tsx
            ),
            1
        );
    }
}

//! Django URL configurations: the functions and class-based views a `urls.py` maps URLs to
//! (`path('x/<slug>/', views.f)`, `re_path(r'^(?P<n>…)$', f)`, `url(…)`,
//! `views.C.as_view()`) are views whatever their shape, which only the project pass can know
//! (the URL conf is another file).
//!
//! A view's module is analysed again in `finish` with each view marked ([`mark_views`]): its
//! request parameter is called `request` whatever its name (the rules' `request.GET`… sources
//! then apply), and each parameter that a URL capture fills is `p = DjangoUrlParam(p)` at the
//! start of the body, a source rules name. A capture whose converter or group admits only word
//! characters (`<int:…>`, `<slug:…>`, `<uuid:…>`, `(?P<n>\d+)`, `[\w-]+`) cannot carry markup or
//! quotes and is not a source; `<str:…>`, `<path:…>`, `<name>` and other groups are.

use super::Project;
use crate::ir::*;
use std::collections::HashMap;

/// The made-up call around a URL-captured parameter of a view.
pub const DJANGO_URL_PARAM: &str = "DjangoUrlParam";

/// What a URL conf maps a URL to.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct View {
    /// The function, or the class of a class-based view.
    pub name: String,
    /// A class-based view (`C.as_view()`): its handler methods are the views.
    pub class: bool,
    /// What the route captures: `None` when the route is not a literal (every parameter after
    /// the request may be one); else the captures, by name (`None` for an unnamed group), and
    /// whether each may carry any text.
    pub captures: Option<Vec<(Option<String>, bool)>>,
}

/// Methods of a class-based view that handle requests.
const HANDLERS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "dispatch",
];

/// The views each project file defines, from the project's `urls.py` files: unit index →
/// views. A URL conf whose IR was not kept is lowered again within `timeout`.
pub(super) fn url_conf_views(
    project: &Project<'_>,
    timeout: std::time::Duration,
) -> HashMap<usize, Vec<View>> {
    let mut out: HashMap<usize, Vec<View>> = HashMap::new();
    for (i, u) in project.units.iter().enumerate() {
        let path = u.text.path();
        if u.lang != crate::lang::Lang::Python || !(path == "urls.py" || path.ends_with("/urls.py"))
        {
            continue;
        }
        project.deadline.set(std::time::Instant::now() + timeout);
        let Some(m) = project.module(i) else { continue };
        let mut routes = Vec::new();
        for s in &m.functions[0].body {
            stmt_routes(s, &mut routes);
        }
        for (route, view) in routes {
            if let Some((unit, v)) = resolve_view(project, &m, i, path, route, view) {
                let list = out.entry(unit).or_default();
                if !list.contains(&v) {
                    list.push(v);
                }
            }
        }
    }
    out
}

/// The `path()`/`re_path()`/`url()` calls of a statement: (route, view).
fn stmt_routes<'m>(s: &'m Stmt, out: &mut Vec<(&'m Expr, &'m Expr)>) {
    let mut visit = |e: &'m Expr| {
        e.walk(&mut |x| {
            if let ExprKind::Call(c) = &x.kind
                && let ExprKind::Name(f) | ExprKind::Attr(_, f) = &c.callee.kind
                && matches!(f.as_str(), "path" | "re_path" | "url")
                && let Some(route) = c.args.first()
                && let Some(view) = c
                    .args
                    .get(1)
                    .or_else(|| c.kwargs.iter().find(|k| k.name == "view").map(|k| &k.value))
            {
                out.push((route, view));
            }
        })
    };
    match &s.kind {
        StmtKind::Assign { value, .. } => visit(value),
        StmtKind::Expr(e) => visit(e),
        _ => {}
    }
}

/// The unit and view a route's view expression names.
fn resolve_view(
    project: &Project<'_>,
    m: &Module,
    conf: usize,
    conf_path: &str,
    route: &Expr,
    view: &Expr,
) -> Option<(usize, View)> {
    let re = !matches!(route.kind, ExprKind::Lit(_)) || is_regex_route(route);
    let captures = match &route.kind {
        ExprKind::Lit(Lit::Str(r)) => Some(if re {
            regex_captures(r)
        } else {
            path_captures(r)
        }),
        _ => None,
    };
    // `C.as_view(…)`: a class-based view.
    let (target, class) = match &view.kind {
        ExprKind::Call(c) if matches!(&c.callee.kind, ExprKind::Attr(_, a) if a == "as_view") => {
            let ExprKind::Attr(b, _) = &c.callee.kind else {
                return None;
            };
            (&**b, true)
        }
        _ => (view, false),
    };
    let (unit, name) = match &target.kind {
        // `views.f`: a function of a module.
        ExprKind::Attr(b, name) => {
            let imp = crate::taint::module_of(m, b)?;
            (project.module_file(conf_path, &imp)?, name.clone())
        }
        // `f`: imported (`from .views import f`), or defined in the URL conf itself.
        ExprKind::Name(n) => match m.import_of(n) {
            Some(imp) if imp.name.is_some() => {
                let module = Import {
                    name: None,
                    alias: String::new(),
                    ..imp.clone()
                };
                (
                    project.module_file(conf_path, &module)?,
                    imp.name.clone().unwrap_or_default(),
                )
            }
            Some(_) => return None,
            None => (conf, n.clone()),
        },
        _ => return None,
    };
    Some((
        unit,
        View {
            name,
            class,
            captures,
        },
    ))
}

/// Whether a route literal is a regular expression (`re_path`/`url` routes start with `^` or
/// hold groups).
fn is_regex_route(route: &Expr) -> bool {
    matches!(&route.kind, ExprKind::Lit(Lit::Str(r)) if r.starts_with('^') || r.contains("(?P<") || r.ends_with('$'))
}

/// The captures of a `path()` route: `<name>`, `<conv:name>`; only `int`, `slug` and `uuid`
/// converters are word characters alone.
fn path_captures(route: &str) -> Vec<(Option<String>, bool)> {
    let mut out = Vec::new();
    let mut rest = route;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let inner = &rest[open + 1..open + close];
        let (conv, name) = inner.split_once(':').unwrap_or(("str", inner));
        out.push((
            Some(name.trim().to_string()),
            !matches!(conv.trim(), "int" | "slug" | "uuid"),
        ));
        rest = &rest[open + close + 1..];
    }
    out
}

/// The groups of a regular-expression route, named or not, in order; a group of word
/// characters alone (`\d+`, `[\w-]+`, `[0-9a-f]{8}`) carries no markup or quotes.
fn regex_captures(route: &str) -> Vec<(Option<String>, bool)> {
    let b = route.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'(' if b.get(i + 1) == Some(&b'?') && b.get(i + 2) != Some(&b'P') => i += 1,
            b'(' => {
                let (name, body_start) = if route[i..].starts_with("(?P<") {
                    match route[i + 4..].find('>') {
                        Some(e) => (Some(route[i + 4..i + 4 + e].to_string()), i + 5 + e),
                        None => break,
                    }
                } else {
                    (None, i + 1)
                };
                // The group's body, up to its closing parenthesis.
                let mut depth = 1;
                let mut j = body_start;
                while j < b.len() && depth > 0 {
                    match b[j] {
                        b'\\' => j += 1,
                        b'(' => depth += 1,
                        b')' => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                }
                let body = &route[body_start..j.saturating_sub(1).max(body_start)];
                out.push((name, !word_only(body)));
                i = body_start;
            }
            _ => i += 1,
        }
    }
    out
}

/// Whether a group's pattern matches word characters and `-` only.
fn word_only(body: &str) -> bool {
    let cleaned = body
        .replace("\\d", "")
        .replace("\\w", "")
        .replace("a-z", "")
        .replace("A-Z", "")
        .replace("0-9", "")
        .replace("a-f", "")
        .replace("A-F", "");
    !body.is_empty()
        && cleaned
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "[]-_+*?{},".contains(c))
}

/// Marks the views of a module (see the module's documentation).
pub(super) fn mark_views(m: &mut Module, views: &[View]) {
    for v in views {
        let funcs: Vec<FuncId> = if v.class {
            let Some(ci) = m.classes.iter().position(|c| c.name == v.name) else {
                continue;
            };
            HANDLERS
                .iter()
                .filter_map(|h| m.method_named(ci, h))
                .collect()
        } else {
            m.functions
                .iter()
                .enumerate()
                .skip(1)
                .filter(|(_, f)| f.name == v.name && f.parent == Some(0) && f.class.is_none())
                .map(|(i, _)| i)
                .collect()
        };
        for fid in funcs {
            mark_view(m, fid, v.class, v.captures.as_deref());
        }
    }
}

fn mark_view(
    m: &mut Module,
    fid: FuncId,
    method: bool,
    captures: Option<&[(Option<String>, bool)]>,
) {
    let f = &mut m.functions[fid];
    let first = usize::from(method);
    let Some(req) = f.params.get(first).map(|p| p.name.clone()) else {
        return;
    };
    if req != "request" && req != "self" {
        f.params[first].name = "request".into();
        rename_stmts(&mut f.body, &req, "request");
    }
    let any_unsafe = captures.is_none_or(|c| c.iter().any(|(_, u)| *u));
    let mut prologue = Vec::new();
    for (k, p) in f.params.iter().enumerate().skip(first + 1) {
        let from_url = match captures {
            None => true,
            Some(caps) => match caps
                .iter()
                .find(|(n, _)| n.as_deref() == Some(p.name.as_str()))
            {
                Some((_, unsafe_)) => *unsafe_,
                // `*args`/`**kwargs` receive the captures; unnamed groups are positional.
                None if p.name == "args" || p.name == "kwargs" => any_unsafe,
                None => caps
                    .iter()
                    .filter(|(n, _)| n.is_none())
                    .nth(k - first - 1)
                    .is_some_and(|(_, u)| *u),
            },
        };
        if from_url {
            let sp = p.span;
            let name = Expr::new(ExprKind::Name(p.name.clone()), sp);
            let value = Expr::new(
                ExprKind::Call(Box::new(Call {
                    callee: Expr::new(ExprKind::Name(DJANGO_URL_PARAM.into()), sp),
                    args: vec![name.clone()],
                    kwargs: Vec::new(),
                    is_new: false,
                })),
                sp,
            );
            prologue.push(Stmt {
                kind: StmtKind::Assign {
                    target: name,
                    value,
                },
                span: sp,
            });
        }
    }
    if !prologue.is_empty() {
        prologue.append(&mut f.body);
        f.body = prologue;
    }
}

fn rename_stmts(stmts: &mut [Stmt], from: &str, to: &str) {
    for s in stmts {
        match &mut s.kind {
            StmtKind::Assign { target, value } => {
                rename_expr(target, from, to);
                rename_expr(value, from, to);
            }
            StmtKind::Expr(e) | StmtKind::Return(Some(e)) => rename_expr(e, from, to),
            StmtKind::If { cond, then, els } => {
                rename_expr(cond, from, to);
                rename_stmts(then, from, to);
                rename_stmts(els, from, to);
            }
            StmtKind::Loop { target, iter, body } => {
                if let Some(t) = target {
                    rename_expr(t, from, to);
                }
                rename_expr(iter, from, to);
                rename_stmts(body, from, to);
            }
            _ => {}
        }
    }
}

fn rename_expr(e: &mut Expr, from: &str, to: &str) {
    match &mut e.kind {
        ExprKind::Name(n) if n == from => *n = to.to_string(),
        ExprKind::Attr(b, _) | ExprKind::Not(b) | ExprKind::Deep(b) => rename_expr(b, from, to),
        ExprKind::Subscript(a, b) | ExprKind::BinOp(_, a, b) => {
            rename_expr(a, from, to);
            rename_expr(b, from, to);
        }
        ExprKind::Call(c) => {
            rename_expr(&mut c.callee, from, to);
            for a in &mut c.args {
                rename_expr(a, from, to);
            }
            for k in &mut c.kwargs {
                rename_expr(&mut k.value, from, to);
            }
        }
        ExprKind::Cond(a, b, c) => {
            rename_expr(a, from, to);
            rename_expr(b, from, to);
            rename_expr(c, from, to);
        }
        ExprKind::StrBuild(xs) | ExprKind::List(xs) | ExprKind::Unknown(xs) => {
            for x in xs {
                rename_expr(x, from, to);
            }
        }
        ExprKind::Dict(kv) => {
            for (k, v) in kv {
                rename_expr(k, from, to);
                rename_expr(v, from, to);
            }
        }
        ExprKind::Comp(binds, elt) => {
            for (t, it) in binds {
                rename_expr(t, from, to);
                rename_expr(it, from, to);
            }
            rename_expr(elt, from, to);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_of_routes() {
        assert_eq!(
            path_captures("post/<int:year>/<slug:s>/<title>/<path:rest>"),
            vec![
                (Some("year".into()), false),
                (Some("s".into()), false),
                (Some("title".into()), true),
                (Some("rest".into()), true),
            ]
        );
        assert_eq!(
            regex_captures(r"^tags/(?P<tag>[\w-]+)/(?P<q>[^/]+)/(\d+)/$"),
            vec![
                (Some("tag".into()), false),
                (Some("q".into()), true),
                (None, false),
            ]
        );
    }
}

//! What a Python web framework sends as HTML: the return value of a view is the response body,
//! and a string body is served as `text/html` (Flask, Quart) unless the view says otherwise.
//! `return e` in such a view becomes `return ViewReturnHtml(e)`, a sink rules can name (as
//! Java's `ResponseBodyHtml`, see `java_decl.rs`); what changes the content type is rule data
//! (`jsonify(...)`, `Response(..., mimetype=…)` as sanitizers of `python-xss`).
//!
//! A view is a function under a route decorator (`@app.route(…)`, `@bp.get(…)`, …): a Flask one
//! when the file imports `flask`/`quart` and not `fastapi`; a FastAPI one only with
//! `response_class=HTMLResponse` or a `-> HTMLResponse` return annotation (FastAPI serialises
//! other returns as JSON). Django views return `HttpResponse` objects, and a view that returns
//! `HTMLResponse(body)` itself builds one: both are sinks of their own, so such a returned call
//! is not wrapped again.

use super::build::{call, var};
use crate::ir::{Expr, ExprKind, Import, Lit, Stmt, StmtKind};

/// The name of the made-up call around a view's returned body.
pub const VIEW_RETURN_HTML: &str = "ViewReturnHtml";

/// FastAPI's (Starlette's) HTML response class.
const HTML_RESPONSE: &str = "HTMLResponse";

/// Whether a return annotation names `HTMLResponse` (`-> HTMLResponse`,
/// `-> responses.HTMLResponse`).
pub(super) fn annotation_is_html(annotation: &str) -> bool {
    annotation.trim().rsplit('.').next() == Some(HTML_RESPONSE)
}

const ROUTE_METHODS: &[&str] = &[
    "route",
    "get",
    "post",
    "put",
    "delete",
    "patch",
    "api_route",
];

/// Whether a function with these decorators, in a file with these imports, returns an HTML body;
/// `returns_html` says its return annotation names `HTMLResponse`.
pub(super) fn is_html_view(decorators: &[Expr], imports: &[Import], returns_html: bool) -> bool {
    let imports_any = |roots: &[&str]| {
        imports.iter().any(|i| {
            let root = i.module.split('.').next().unwrap_or_default();
            i.level == 0 && roots.contains(&root)
        })
    };
    decorators.iter().any(|d| {
        let ExprKind::Call(c) = &d.kind else {
            return false;
        };
        let ExprKind::Attr(_, method) = &c.callee.kind else {
            return false;
        };
        if !ROUTE_METHODS.contains(&method.as_str()) {
            return false;
        }
        if let Some(k) = c.kwargs.iter().find(|k| k.name == "response_class") {
            return matches!(&k.value.kind,
                ExprKind::Name(n) | ExprKind::Attr(_, n) if n == HTML_RESPONSE);
        }
        if returns_html {
            return true;
        }
        imports_any(&["flask", "quart"]) && !imports_any(&["fastapi"])
    })
}

/// Wraps the bodies returned by a view's own `return`s (nested functions are not touched).
/// Literal dicts and lists are JSON; `return body, status[, headers]` wraps the body unless the
/// headers name a content type.
pub(super) fn wrap_returns(body: &mut [Stmt]) {
    for s in body {
        match &mut s.kind {
            StmtKind::Return(Some(e)) => wrap(e),
            StmtKind::If { then, els, .. } => {
                wrap_returns(then);
                wrap_returns(els);
            }
            StmtKind::Loop { body, .. } => wrap_returns(body),
            _ => {}
        }
    }
}

fn wrap(e: &mut Expr) {
    match &mut e.kind {
        ExprKind::Dict(_) => {}
        ExprKind::List(items) => {
            let response_tuple = items.len() >= 2
                && matches!(
                    items[1].kind,
                    ExprKind::Lit(Lit::Int(_)) | ExprKind::Dict(_)
                );
            let sets_type = items.iter().any(|i| match &i.kind {
                ExprKind::Dict(kv) => kv.iter().any(|(k, _)| {
                    matches!(&k.kind, ExprKind::Lit(Lit::Str(s)) if s.eq_ignore_ascii_case("content-type"))
                }),
                _ => false,
            });
            if response_tuple && !sets_type {
                wrap(&mut items[0]);
            }
        }
        // `return HTMLResponse(body)`: the response is built here; its body is the sink.
        ExprKind::Call(c)
            if matches!(&c.callee.kind,
                ExprKind::Name(n) | ExprKind::Attr(_, n) if n == HTML_RESPONSE) => {}
        _ => {
            let sp = e.span;
            let inner = std::mem::replace(e, Expr::unknown(sp));
            *e = call(
                var(VIEW_RETURN_HTML, sp),
                vec![inner],
                Vec::new(),
                false,
                sp,
            );
        }
    }
}

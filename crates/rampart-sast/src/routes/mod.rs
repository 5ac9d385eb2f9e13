//! HTTP routes the code serves, recognised from the frameworks' route declarations and
//! published as [`Fact::HttpRoute`] for engines that compare them with something else (the
//! threat engine's drift).
//!
//! A light, line-based reader of the declarations' usual written forms, independent of the IR
//! (the route table of a service is what its declarations say, no data flow needed):
//! - Python: Flask and FastAPI decorators (`@app.route("/x", methods=["POST"])`,
//!   `@bp.get("/x")`, `@router.post("/x")`, `@app.api_route(…)`); Django `path()`,
//!   `re_path()` and `url()` in `urls.py`;
//! - JavaScript/TypeScript: Express, Koa, Fastify and Hono routers (`app.get('/x', …)`,
//!   `router.post("/x", …)`, `adminRouter.delete(…)`, `app.all(…)`), when the file names one of
//!   those frameworks;
//! - Java (`java.rs`): Spring MVC mappings (`@RequestMapping`/`@GetMapping`… on the class and
//!   the method, paths joined, `method =`) and JAX-RS (`@Path` on class and method, `@GET`…);
//! - Go (`go.rs`): `net/http` (`http.HandleFunc("/x", …)`, `mux.Handle`, Go 1.22
//!   `"GET /x"` patterns), gorilla/mux (`.Methods(…)`), gin, echo, chi and fiber
//!   (`r.GET("/x", …)`, `r.Get(…)`, groups whose prefix is a literal in the same function,
//!   chi's `r.Route("/p", func(r chi.Router) {…})`).
//!
//! Bounded: files over [`MAX_BYTES`] and lines over [`MAX_LINE`] are not read, at most
//! [`MAX_ROUTES`] routes per file.

mod go;
mod java;
mod javascript;
mod python;

use rampart_core::{Fact, HttpRoute};

/// Largest file read for routes.
pub const MAX_BYTES: usize = 2 << 20;
/// Longest line read for routes (minified code declares no readable routes).
pub const MAX_LINE: usize = 2_000;
/// Most routes published per file.
pub const MAX_ROUTES: usize = 2_000;

/// The text inside a literal's quotes.
fn unquote(s: &str) -> String {
    s.get(1..s.len().saturating_sub(1))
        .unwrap_or("")
        .to_string()
}

fn is_python(path: &str) -> bool {
    path.ends_with(".py")
}

fn is_js(path: &str) -> bool {
    [".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"]
        .iter()
        .any(|e| path.ends_with(e))
}

/// `prefix` and `path` joined with one `/` (`/api` + `users` → `/api/users`); the result
/// starts with `/`.
fn join_path(prefix: &str, path: &str) -> String {
    let p = prefix.trim_end_matches('/');
    let q = path.trim_start_matches('/');
    let joined = match (p.is_empty(), q.is_empty()) {
        (_, true) if !p.is_empty() => p.to_string(),
        (true, _) => q.to_string(),
        _ => format!("{p}/{q}"),
    };
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// The routes `text` (the file at `path`) declares, in file order.
pub fn find(path: &str, text: &str) -> Vec<HttpRoute> {
    if text.len() > MAX_BYTES {
        return Vec::new();
    }
    if is_python(path) {
        python::python(path, text)
    } else if is_js(path) {
        javascript::javascript(path, text)
    } else if path.ends_with(".java") {
        java::java(path, text)
    } else if path.ends_with(".go") {
        go::go(path, text)
    } else {
        Vec::new()
    }
}

/// [`find`] as facts.
pub fn facts(path: &str, text: &str) -> Vec<Fact> {
    find(path, text).into_iter().map(Fact::HttpRoute).collect()
}

/// (line, method, path, framework) of each route: what the tests compare.
#[cfg(test)]
fn brief(routes: &[HttpRoute]) -> Vec<(usize, &str, &str, &str)> {
    routes
        .iter()
        .map(|r| {
            (
                r.line,
                r.method.as_str(),
                r.path.as_str(),
                r.framework.as_str(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_joined_with_one_slash() {
        assert_eq!(join_path("/api/", "/users"), "/api/users");
        assert_eq!(join_path("api", "users"), "/api/users");
        assert_eq!(join_path("/api", ""), "/api");
        assert_eq!(join_path("", ""), "/");
        assert_eq!(join_path("", "x/{id}"), "/x/{id}");
    }

    #[test]
    fn flask_routes_with_methods() {
        let src = "from flask import Flask\napp = Flask(__name__)\n\n@app.route('/login', methods=['GET', 'POST'])\ndef login(): ...\n@bp.route(\"/admin/users\")\ndef users(): ...\n@app.delete('/items/<int:id>')\ndef rm(id): ...\n# @app.route('/commented')\n";
        let r = find("web/app.py", src);
        assert_eq!(
            brief(&r),
            [
                (4, "GET", "/login", "flask"),
                (4, "POST", "/login", "flask"),
                (6, "GET", "/admin/users", "flask"),
                (8, "DELETE", "/items/<int:id>", "flask"),
            ]
        );
        assert_eq!(r[0].file, "web/app.py");
    }

    #[test]
    fn fastapi_routes() {
        let src = "from fastapi import APIRouter, FastAPI\nrouter = APIRouter()\n@router.get(\"/users/{id}\")\nasync def u(id: int): ...\n@app.api_route(path='/debug/vars', methods=('GET',))\ndef v(): ...\n";
        assert_eq!(
            brief(&find("api/main.py", src)),
            [
                (3, "GET", "/users/{id}", "fastapi"),
                (5, "GET", "/debug/vars", "fastapi")
            ]
        );
    }

    #[test]
    fn django_urls() {
        let src = "from django.urls import path, re_path\nurlpatterns = [\n    path('admin/', admin.site.urls),\n    re_path(r'^api/(?P<pk>[0-9]+)/$', views.item),\n    path(\"\", views.index),\n]\n";
        assert_eq!(
            brief(&find("shop/urls.py", src)),
            [
                (3, "ANY", "/admin/", "django"),
                (4, "ANY", "/api/(?P<pk>[0-9]+)/", "django"),
                (5, "ANY", "/", "django")
            ]
        );
        // `path()` elsewhere is not a route declaration.
        assert!(find("shop/views.py", "import django\nx = path('a/')\n").is_empty());
    }

    #[test]
    fn express_routes_not_clients() {
        let src = "const express = require('express');\nconst app = express();\nconst adminRouter = express.Router();\napp.get('/', home);\nadminRouter.post(\"/users/:id\", save);\napp.all(`/debug`, dbg);\naxios.get('/api/users');\nconst v = map.get('/key');\n// app.get('/commented', x)\napp.set('title', 'x'); app.get('title');\nrequest(app).get('/health');\n";
        assert_eq!(
            brief(&find("web/server.js", src)),
            [
                (4, "GET", "/", "express"),
                (5, "POST", "/users/:id", "express"),
                (6, "ANY", "/debug", "express"),
            ]
        );
    }

    #[test]
    fn koa_router_in_typescript() {
        let src = "import Router from '@koa/router';\nimport Koa from \"koa\";\nconst router = new Router();\nrouter.put('/items/:id', ctx => {});\n";
        assert_eq!(
            brief(&find("svc/routes.ts", src)),
            [(4, "PUT", "/items/:id", "koa")]
        );
    }

    #[test]
    fn no_framework_no_routes_and_bounds() {
        assert!(find("a.js", "app.get('/x', f)\n").is_empty());
        assert!(find("a.py", "@app.route('/x')\n").is_empty());
        assert!(find("a.go", "flask\n@app.route('/x')\n").is_empty());
        let long = format!("import flask\n@app.route('/{}')\n", "x".repeat(MAX_LINE));
        assert!(find("a.py", &long).is_empty());
        let many = format!(
            "import flask\n{}",
            "@app.get('/x')\n".repeat(MAX_ROUTES + 5)
        );
        assert_eq!(find("a.py", &many).len(), MAX_ROUTES);
        let big = format!("import flask\n@app.get('/x')\n{}", " ".repeat(MAX_BYTES));
        assert!(find("a.py", &big).is_empty());
        // Odd input does not panic.
        for s in [
            "@app.route(\"",
            "app.get('/",
            "path('",
            "@\u{e9}.get('/\u{e9}')",
            "'",
        ] {
            find("flask.py", &format!("flask\n{s}"));
            find("urls.py", s);
            find("x.js", &format!("'express'\n{s}"));
        }
    }
}

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
//!   those frameworks.
//!
//! Bounded: files over [`MAX_BYTES`] and lines over [`MAX_LINE`] are not read, at most
//! [`MAX_ROUTES`] routes per file.

use rampart_core::{Fact, HttpRoute};
use regex::Regex;
use std::sync::OnceLock;

/// Largest file read for routes.
pub const MAX_BYTES: usize = 2 << 20;
/// Longest line read for routes (minified code declares no readable routes).
pub const MAX_LINE: usize = 2_000;
/// Most routes published per file.
pub const MAX_ROUTES: usize = 2_000;

struct Patterns {
    py_decorator: Regex,
    py_methods: Regex,
    django: Regex,
    js_call: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        // `@app.route("/x"`, `@bp.get('/x'`, `@router.api_route(path="/x"`.
        py_decorator: Regex::new(
            r#"^\s*@\s*[A-Za-z_][\w.]*\.(route|api_route|get|post|put|patch|delete|head|options)\s*\(\s*(?:path\s*=\s*|rule\s*=\s*)?[rbuf]?("[^"]*"|'[^']*')"#,
        )
        .expect("route pattern"),
        py_methods: Regex::new(r#"methods\s*=\s*[\[\(\{]([^\]\)\}]*)"#).expect("methods pattern"),
        // `path("admin/", …)`, `re_path(r"^api/", …)`, `url(r'^x/$', …)`.
        django: Regex::new(
            r#"(?:^|[\s\[(,])(?:path|re_path|url)\s*\(\s*(?:route\s*=\s*)?[rbu]?("[^"]*"|'[^']*')"#,
        )
        .expect("django pattern"),
        // `app.get('/x'`, `router.post("/x"`, `apiRouter.all(`/x``.
        js_call: Regex::new(
            r#"(?:^|[^\w.$])([A-Za-z_$][\w$]*)\s*\.\s*(get|post|put|patch|delete|del|head|options|all)\s*\(\s*("/[^"]*"|'/[^']*'|`/[^`$]*`)"#,
        )
        .expect("express pattern"),
    })
}

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

/// Receivers that serve routes: `app`, `router`, `server`, `api`, `routes`, and names ending
/// in `app`, `router` or `routes` (`adminRouter`, `apiApp`). Clients (`axios.get('/x')`,
/// `request(app).get('/x')` in tests) are other names or not a plain name.
fn serving_receiver(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    matches!(l.as_str(), "app" | "server" | "api" | "fastify" | "koa")
        || l.ends_with("app")
        || l.ends_with("router")
        || l.ends_with("routes")
}

/// The routes `text` (the file at `path`) declares, in file order.
pub fn find(path: &str, text: &str) -> Vec<HttpRoute> {
    if text.len() > MAX_BYTES {
        return Vec::new();
    }
    if is_python(path) {
        python(path, text)
    } else if is_js(path) {
        javascript(path, text)
    } else {
        Vec::new()
    }
}

/// [`find`] as facts.
pub fn facts(path: &str, text: &str) -> Vec<Fact> {
    find(path, text).into_iter().map(Fact::HttpRoute).collect()
}

fn python(path: &str, text: &str) -> Vec<HttpRoute> {
    let p = patterns();
    let django_file = path.rsplit('/').next() == Some("urls.py");
    let framework = if text.contains("fastapi") {
        "fastapi"
    } else if text.contains("flask") {
        "flask"
    } else if text.contains("django") || django_file {
        "django"
    } else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if out.len() >= MAX_ROUTES {
            break;
        }
        if line.len() > MAX_LINE || line.trim_start().starts_with('#') {
            continue;
        }
        if let Some(c) = p.py_decorator.captures(line) {
            let verb = &c[1];
            let methods: Vec<String> = if verb == "route" || verb == "api_route" {
                match p.py_methods.captures(line) {
                    Some(m) => m[1]
                        .split(',')
                        .map(|s| s.trim().trim_matches(['"', '\'']).to_ascii_uppercase())
                        .filter(|s| !s.is_empty())
                        .collect(),
                    // Flask's default; FastAPI's `api_route` without methods is GET too.
                    None => vec!["GET".into()],
                }
            } else {
                vec![verb.to_ascii_uppercase()]
            };
            for m in methods {
                out.push(HttpRoute {
                    file: path.into(),
                    line: i + 1,
                    method: m,
                    path: unquote(&c[2]),
                    framework: framework.into(),
                });
            }
        } else if django_file && let Some(c) = p.django.captures(line) {
            let route = unquote(&c[1]);
            let route = route.trim_start_matches('^').trim_end_matches('$');
            out.push(HttpRoute {
                file: path.into(),
                line: i + 1,
                method: "ANY".into(),
                path: format!("/{}", route.trim_start_matches('/')),
                framework: "django".into(),
            });
        }
    }
    out
}

fn javascript(path: &str, text: &str) -> Vec<HttpRoute> {
    let framework = ["express", "koa", "fastify", "hono"]
        .into_iter()
        .find(|f| text.contains(&format!("'{f}")) || text.contains(&format!("\"{f}")));
    let Some(framework) = framework else {
        return Vec::new();
    };
    let p = patterns();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if out.len() >= MAX_ROUTES {
            break;
        }
        let code = line.trim_start();
        if line.len() > MAX_LINE || code.starts_with("//") || code.starts_with('*') {
            continue;
        }
        for c in p.js_call.captures_iter(line) {
            if !serving_receiver(&c[1]) {
                continue;
            }
            let method = match &c[2] {
                "all" => "ANY".to_string(),
                "del" => "DELETE".to_string(),
                m => m.to_ascii_uppercase(),
            };
            out.push(HttpRoute {
                file: path.into(),
                line: i + 1,
                method,
                path: unquote(&c[3]),
                framework: framework.into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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

//! Python routes: Flask and FastAPI decorators, Django `path()`/`re_path()`/`url()` in
//! `urls.py`.

use super::{MAX_LINE, MAX_ROUTES, unquote};
use rampart_core::HttpRoute;
use regex::Regex;
use std::sync::OnceLock;

struct Patterns {
    py_decorator: Regex,
    py_methods: Regex,
    django: Regex,
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
    })
}

/// The routes of a Python file.
pub(super) fn python(path: &str, text: &str) -> Vec<HttpRoute> {
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

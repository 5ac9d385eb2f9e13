//! Go routes: `net/http` (`http.HandleFunc("/x", …)`, `mux.Handle(…)`, Go 1.22 patterns
//! `"GET /x"`, a host before the path dropped), gorilla/mux (`.Methods("GET")` on the same
//! line), gin and echo (`r.GET("/x", …)`, `r.Any`, `r.Handle("GET", "/x", …)`), chi and fiber
//! (`r.Get("/x", …)`, `app.All`, chi `r.Method("GET", "/x", …)`).
//!
//! Prefixes: `v1 := r.Group("/v1")` (gin, echo, fiber) gives `v1`'s routes the prefix, and its
//! own groups theirs (the assignment is remembered until the next top-level `func`); chi's
//! `r.Route("/p", func(r chi.Router) { … })` gives the routes of the closure's router inside
//! its braces the prefix. Method names in `Get` case serve routes only in files that import
//! chi or fiber (elsewhere `x.Get("/k")` is a client or a map).

use super::{MAX_LINE, MAX_ROUTES, join_path};
use rampart_core::HttpRoute;
use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;

struct Patterns {
    call: Regex,
    group: Regex,
    route: Regex,
    methods: Regex,
    literal: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        // `r.GET("/x"`, `http.HandleFunc("/x"`, `r.Handle("GET", "/x"`.
        call: Regex::new(
            r#"(?:^|[^\w.])([A-Za-z_]\w*)\s*\.\s*(HandleFunc|Handle|GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|Any|Get|Post|Put|Delete|Patch|Head|Options|Connect|Trace|All|Method|MethodFunc)\s*\(\s*("[^"]*"|`[^`]*`)(\s*,\s*("[^"]*"|`[^`]*`))?"#,
        )
        .expect("go route pattern"),
        // `v1 := r.Group("/v1")`, `api = app.Group("/api")`.
        group: Regex::new(r#"([A-Za-z_]\w*)\s*:?=\s*([A-Za-z_]\w*)\s*\.\s*Group\s*\(\s*("[^"]*"|`[^`]*`)"#)
            .expect("go group pattern"),
        // chi: `r.Route("/p", func(sub chi.Router) {`.
        route: Regex::new(
            r#"([A-Za-z_]\w*)\s*\.\s*Route\s*\(\s*("[^"]*"|`[^`]*`)\s*,\s*func\s*\(\s*([A-Za-z_]\w*)"#,
        )
        .expect("chi route pattern"),
        // gorilla/mux: `.Methods("GET", "POST")`.
        methods: Regex::new(r#"\.\s*Methods\s*\(([^)]*)\)"#).expect("methods pattern"),
        literal: Regex::new(r#""([^"]*)""#).expect("literal pattern"),
    })
}

/// The frameworks a file imports, the first one naming its routes.
fn framework(text: &str) -> Option<&'static str> {
    [
        ("github.com/gin-gonic/gin", "gin"),
        ("github.com/labstack/echo", "echo"),
        ("github.com/go-chi/chi", "chi"),
        ("github.com/gofiber/fiber", "fiber"),
        ("github.com/gorilla/mux", "gorilla/mux"),
        ("\"net/http\"", "net/http"),
    ]
    .into_iter()
    .find(|(import, _)| text.contains(import))
    .map(|(_, name)| name)
}

fn unquote(s: &str) -> &str {
    s.get(1..s.len().saturating_sub(1)).unwrap_or("")
}

/// A `net/http` pattern: `"GET /x"` → (`GET`, `/x`), `"example.com/x"` → (`ANY`, `/x`).
fn http_pattern(p: &str) -> (String, String) {
    let (method, rest) = match p.split_once(' ') {
        Some((m, r)) if !m.is_empty() && m.chars().all(|c| c.is_ascii_uppercase()) => {
            (m.to_string(), r.trim_start())
        }
        _ => ("ANY".to_string(), p),
    };
    let path = match rest.find('/') {
        Some(i) => &rest[i..],
        None => rest,
    };
    (method, path.to_string())
}

/// The routes of a Go file.
pub(super) fn go(path: &str, text: &str) -> Vec<HttpRoute> {
    let Some(fw) = framework(text) else {
        return Vec::new();
    };
    let title_case_serves = matches!(fw, "chi" | "fiber");
    let p = patterns();
    let mut out = Vec::new();
    // Group prefixes by variable (this function), chi `Route` scopes (depth, router, prefix).
    let mut groups: HashMap<String, String> = HashMap::new();
    let mut scopes: Vec<(i64, String, String)> = Vec::new();
    let mut depth: i64 = 0;
    for (i, line) in text.lines().enumerate() {
        if out.len() >= MAX_ROUTES {
            break;
        }
        if line.len() > MAX_LINE {
            continue;
        }
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        if line.starts_with("func ") {
            groups.clear();
        }
        let prefix_of = |recv: &str, groups: &HashMap<String, String>| -> String {
            if let Some((_, _, p)) = scopes.iter().rev().find(|(_, r, _)| r == recv) {
                return p.clone();
            }
            groups.get(recv).cloned().unwrap_or_default()
        };
        for c in p.group.captures_iter(line) {
            let base = prefix_of(&c[2], &groups);
            let full = join_path(&base, unquote(&c[3]));
            groups.insert(c[1].to_string(), full);
        }
        let mut new_scope = None;
        if let Some(c) = p.route.captures(line) {
            let base = prefix_of(&c[1], &groups);
            new_scope = Some((c[3].to_string(), join_path(&base, unquote(&c[2]))));
        }
        for c in p.call.captures_iter(line) {
            let (recv, verb) = (&c[1], &c[2]);
            let first = unquote(&c[3]);
            let second = c.get(5).map(|m| unquote(m.as_str()));
            let (methods, route): (Vec<String>, String) = match verb {
                "HandleFunc" | "Handle" | "Method" | "MethodFunc" => match second {
                    // gin `r.Handle("GET", "/x", h)`, chi `r.Method("GET", "/x", h)`.
                    Some(s)
                        if !first.is_empty() && first.chars().all(|c| c.is_ascii_uppercase()) =>
                    {
                        (vec![first.to_string()], s.to_string())
                    }
                    _ if matches!(verb, "Method" | "MethodFunc") => continue,
                    _ => {
                        let (m, r) = http_pattern(first);
                        // gorilla/mux: `.Methods("GET", "POST")` on the same line.
                        let listed: Vec<String> = p
                            .methods
                            .captures(line)
                            .map(|ms| {
                                p.literal
                                    .captures_iter(&ms[1])
                                    .map(|x| x[1].to_ascii_uppercase())
                                    .collect()
                            })
                            .unwrap_or_default();
                        if listed.is_empty() {
                            (vec![m], r)
                        } else {
                            (listed, r)
                        }
                    }
                },
                "Any" | "All" => (vec!["ANY".to_string()], first.to_string()),
                v if v.chars().all(|c| c.is_ascii_uppercase()) => {
                    (vec![v.to_string()], first.to_string())
                }
                v => {
                    if !title_case_serves
                        || recv == "http"
                        || recv.to_ascii_lowercase().contains("client")
                    {
                        continue;
                    }
                    (vec![v.to_ascii_uppercase()], first.to_string())
                }
            };
            if !route.starts_with('/') && !route.is_empty() {
                continue;
            }
            let full = join_path(&prefix_of(recv, &groups), &route);
            for m in methods {
                out.push(route_of(path, i, &m, full.clone(), fw));
            }
        }
        let opened = line.matches('{').count() as i64;
        let closed = line.matches('}').count() as i64;
        if let Some((router, prefix)) = new_scope {
            scopes.push((depth, router, prefix));
        }
        depth += opened - closed;
        while scopes.last().is_some_and(|(d, _, _)| depth <= *d) {
            scopes.pop();
        }
    }
    out.truncate(MAX_ROUTES);
    out
}

fn route_of(path: &str, i: usize, method: &str, route: String, fw: &str) -> HttpRoute {
    HttpRoute {
        file: path.into(),
        line: i + 1,
        method: method.to_string(),
        path: route,
        framework: fw.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{brief, find};

    #[test]
    fn net_http_and_go_1_22_patterns() {
        let src = "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.HandleFunc(\"/health\", health)\n\tmux := http.NewServeMux()\n\tmux.Handle(\"GET /users/{id}\", h)\n\tmux.HandleFunc(\"POST example.com/items\", add)\n\t// http.HandleFunc(\"/commented\", x)\n\thttp.Get(\"/client\")\n}\n";
        assert_eq!(
            brief(&find("cmd/main.go", src)),
            [
                (6, "ANY", "/health", "net/http"),
                (8, "GET", "/users/{id}", "net/http"),
                (9, "POST", "/items", "net/http"),
            ]
        );
    }

    #[test]
    fn gorilla_methods() {
        let src = "import (\n\t\"net/http\"\n\t\"github.com/gorilla/mux\"\n)\nfunc routes(r *mux.Router) {\n\tr.HandleFunc(\"/a\", a).Methods(\"GET\", \"POST\")\n\tr.HandleFunc(\"/b\", b)\n}\n";
        assert_eq!(
            brief(&find("r.go", src)),
            [
                (6, "GET", "/a", "gorilla/mux"),
                (6, "POST", "/a", "gorilla/mux"),
                (7, "ANY", "/b", "gorilla/mux"),
            ]
        );
    }

    #[test]
    fn gin_and_echo_groups() {
        let src = "import \"github.com/gin-gonic/gin\"\n\nfunc setup(r *gin.Engine) {\n\tr.GET(\"/ping\", ping)\n\tv1 := r.Group(\"/v1\")\n\tv1.POST(\"/users\", create)\n\tadmin := v1.Group(\"/admin\")\n\tadmin.DELETE(\"/users/:id\", rm)\n\tr.Any(\"/proxy\", p)\n\tr.Handle(\"PATCH\", \"/x\", x)\n}\n\nfunc other(v1 *gin.RouterGroup) {\n\tv1.GET(\"/unknown-prefix\", u)\n}\n";
        assert_eq!(
            brief(&find("srv.go", src)),
            [
                (4, "GET", "/ping", "gin"),
                (6, "POST", "/v1/users", "gin"),
                (8, "DELETE", "/v1/admin/users/:id", "gin"),
                (9, "ANY", "/proxy", "gin"),
                (10, "PATCH", "/x", "gin"),
                (14, "GET", "/unknown-prefix", "gin"),
            ]
        );
        let echo = "import \"github.com/labstack/echo/v4\"\nfunc main() {\n\te := echo.New()\n\tg := e.Group(\"/api\")\n\tg.PUT(\"/items/:id\", up)\n}\n";
        assert_eq!(
            brief(&find("e.go", echo)),
            [(5, "PUT", "/api/items/:id", "echo")]
        );
    }

    #[test]
    fn chi_routes_and_fiber() {
        let src = "import \"github.com/go-chi/chi/v5\"\n\nfunc r() {\n\tr := chi.NewRouter()\n\tr.Get(\"/\", home)\n\tr.Route(\"/articles\", func(r chi.Router) {\n\t\tr.Post(\"/\", create)\n\t\tr.Route(\"/{id}\", func(sub chi.Router) {\n\t\t\tsub.Get(\"/\", get)\n\t\t})\n\t})\n\tr.Delete(\"/x\", del)\n\tr.Method(\"GET\", \"/m\", h)\n\tclient.Get(\"/not-a-route\")\n}\n";
        assert_eq!(
            brief(&find("r.go", src)),
            [
                (5, "GET", "/", "chi"),
                (7, "POST", "/articles", "chi"),
                (9, "GET", "/articles/{id}", "chi"),
                (12, "DELETE", "/x", "chi"),
                (13, "GET", "/m", "chi"),
            ]
        );
        let fiber = "import \"github.com/gofiber/fiber/v2\"\nfunc main() {\n\tapp := fiber.New()\n\tapi := app.Group(\"/api\")\n\tapi.Get(\"/list\", l)\n\tapp.All(\"/any\", a)\n}\n";
        assert_eq!(
            brief(&find("f.go", fiber)),
            [
                (5, "GET", "/api/list", "fiber"),
                (6, "ANY", "/any", "fiber")
            ]
        );
    }

    #[test]
    fn no_framework_and_odd_input() {
        assert!(find("a.go", "package a\nfunc f() { r.GET(\"/x\", h) }\n").is_empty());
        assert!(find("a.go", "import \"net/http\"\nm.Get(\"/k\")\n").is_empty());
        for s in [
            "r.GET(\"",
            "r.Route(\"/a\", func(",
            "}}}}",
            "v := r.Group(`",
            "r.Handle(\"GET\",",
        ] {
            find("a.go", &format!("import \"github.com/go-chi/chi\"\n{s}"));
        }
    }
}

//! JavaScript/TypeScript routes: Express, Koa, Fastify and Hono routers.

use super::{MAX_LINE, MAX_ROUTES, unquote};
use rampart_core::HttpRoute;
use regex::Regex;
use std::sync::OnceLock;

fn js_call() -> &'static Regex {
    static P: OnceLock<Regex> = OnceLock::new();
    P.get_or_init(|| {
        Regex::new(
            r#"(?:^|[^\w.$])([A-Za-z_$][\w$]*)\s*\.\s*(get|post|put|patch|delete|del|head|options|all)\s*\(\s*("/[^"]*"|'/[^']*'|`/[^`$]*`)"#,
        )
        .expect("express pattern")
    })
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

/// The routes of a JavaScript/TypeScript file.
pub(super) fn javascript(path: &str, text: &str) -> Vec<HttpRoute> {
    let framework = ["express", "koa", "fastify", "hono"]
        .into_iter()
        .find(|f| text.contains(&format!("'{f}")) || text.contains(&format!("\"{f}")));
    let Some(framework) = framework else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if out.len() >= MAX_ROUTES {
            break;
        }
        let code = line.trim_start();
        if line.len() > MAX_LINE || code.starts_with("//") || code.starts_with('*') {
            continue;
        }
        for c in js_call().captures_iter(line) {
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

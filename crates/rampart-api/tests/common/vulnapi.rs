//! A small items API, deliberately vulnerable (`tests/fixtures/vulnapi/vuln.yaml`) or fixed
//! (`fixed.yaml`), served by axum on 127.0.0.1 for the probe's tests.
//!
//! Planted flaws of the vulnerable one: any non-empty bearer token and unsigned `alg: none`
//! JWTs are accepted, `/admin/stats` needs no credentials at all, one user reads another's
//! item (BOLA), `POST /items` binds every field sent (`role`, `isAdmin`, `balance`),
//! `/users/me` returns the password hash and an undocumented field, `/search` builds SQL from
//! its input and answers the database error with a stack trace (status 500, undocumented),
//! `/hello` reflects its input in HTML, `/login` has no rate limit, `/reports` answers an
//! object where the spec says array, and answers carry `Server`/`X-Powered-By` banners and no
//! `X-Content-Type-Options`.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};

/// Tokens of the two users.
pub const ALICE: &str = "token-alice-0123456789";
/// Bob's token.
pub const BOB: &str = "token-bob-9876543210";

struct Item {
    id: String,
    owner: &'static str,
    fields: Map<String, Value>,
}

struct Api {
    vulnerable: bool,
    items: Mutex<Vec<Item>>,
    failed_logins: Mutex<u32>,
}

/// Starts the API on 127.0.0.1 and returns its base URL. The server lives as long as the
/// test process.
pub fn start(vulnerable: bool) -> String {
    let (id_a, id_b) = if vulnerable {
        ("1".to_string(), "2".to_string())
    } else {
        (uuid(1), uuid(2))
    };
    let api = Arc::new(Api {
        vulnerable,
        items: Mutex::new(vec![
            Item {
                id: id_a,
                owner: "alice",
                fields: Map::from_iter([("name".to_string(), json!("alice's notes"))]),
            },
            Item {
                id: id_b,
                owner: "bob",
                fields: Map::from_iter([("name".to_string(), json!("bob's notes"))]),
            },
        ]),
        failed_logins: Mutex::new(0),
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            tx.send(listener.local_addr().expect("address"))
                .expect("send");
            let app = Router::new().fallback(handle).with_state(api);
            axum::serve(listener, app).await.expect("serve");
        });
    });
    let addr = rx.recv().expect("server address");
    format!("http://{addr}")
}

fn uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn reply(api: &Api, status: u16, content_type: &str, body: String) -> Response {
    let mut b = Response::builder()
        .status(status)
        .header("Content-Type", content_type);
    if api.vulnerable {
        b = b
            .header("Server", "vulnapi/1.2.3")
            .header("X-Powered-By", "Express 4.17.1");
    } else {
        b = b
            .header("X-Content-Type-Options", "nosniff")
            .header("Cache-Control", "no-store");
        if status == 429 {
            b = b.header("Retry-After", "60");
        }
    }
    b.body(Body::from(body)).expect("response")
}

fn json_reply(api: &Api, status: u16, v: Value) -> Response {
    reply(api, status, "application/json", v.to_string())
}

fn error(api: &Api, status: u16, msg: &str) -> Response {
    json_reply(api, status, json!({"error": msg}))
}

/// Who the request is from: `Some(user)`, or `None` when it must be refused.
fn user(api: &Api, req: &Request) -> Option<&'static str> {
    let auth = req.headers().get("authorization")?.to_str().ok()?;
    let token = auth.strip_prefix("Bearer ")?;
    match token {
        ALICE => return Some("alice"),
        BOB => return Some("bob"),
        _ => {}
    }
    if !api.vulnerable {
        return None;
    }
    // Vulnerable: an unsigned JWT names its user; any other token is a guest.
    let mut parts = token.split('.');
    let head = parts.next().and_then(b64json);
    let claims = parts.next().and_then(b64json);
    match (head, claims) {
        (Some(h), Some(c)) if h["alg"] == "none" => {
            Some(if c["sub"] == "2" { "bob" } else { "alice" })
        }
        _ if !token.is_empty() => Some("guest"),
        _ => None,
    }
}

fn b64json(s: &str) -> Option<Value> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn query(req: &Request, key: &str) -> Option<String> {
    req.uri().query()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| decode(v))
    })
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (
                (b[i + 1] as char).to_digit(16),
                (b[i + 2] as char).to_digit(16),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn item_json(it: &Item) -> Value {
    let mut m = it.fields.clone();
    m.insert("id".into(), id_value(&it.id));
    Value::Object(m)
}

fn id_value(id: &str) -> Value {
    id.parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(id))
}

async fn handle(State(api): State<Arc<Api>>, req: Request) -> Response {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let who = user(&api, &req);
    let name_q = query(&req, "name");
    let q = query(&req, "q");
    let body = to_bytes(req.into_body(), 1 << 20).await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let v = api.vulnerable;
    match (method.as_str(), path.as_str()) {
        ("POST", "/login") => {
            let mut failed = api.failed_logins.lock().unwrap();
            if !v && *failed >= 5 {
                return error(&api, 429, "too many attempts");
            }
            if body["username"] == "alice" && body["password"] == "correct horse" {
                return json_reply(&api, 200, json!({"token": ALICE}));
            }
            *failed += 1;
            error(&api, 401, "wrong credentials")
        }
        ("GET", "/admin/stats") if v => json_reply(&api, 200, json!({"users": 2})),
        ("GET", "/reports") if v => json_reply(&api, 200, json!({"reports": []})),
        ("GET", "/hello") if v => reply(
            &api,
            200,
            "text/html",
            format!("<p>Hello {}</p>", name_q.unwrap_or_default()),
        ),
        ("POST", "/webhooks") if v => reply(&api, 204, "application/json", String::new()),
        _ => {
            let Some(who) = who else {
                return error(&api, 401, "credentials required");
            };
            route(&api, &method, &path, who, body, q)
        }
    }
}

fn route(
    api: &Api,
    method: &str,
    path: &str,
    who: &'static str,
    body: Value,
    q: Option<String>,
) -> Response {
    let v = api.vulnerable;
    let mut items = api.items.lock().unwrap();
    match (method, path) {
        ("GET", "/items") => {
            let mine: Vec<Value> = items
                .iter()
                .filter(|i| i.owner == who)
                .map(item_json)
                .collect();
            json_reply(api, 200, Value::Array(mine))
        }
        ("POST", "/items") => {
            let Value::Object(sent) = body else {
                return error(api, 400, "a JSON object is required");
            };
            let n = items.len() as u32 + 1;
            let id = if v { n.to_string() } else { uuid(n) };
            let fields: Map<String, Value> = if v {
                sent.into_iter().filter(|(k, _)| k != "id").collect()
            } else {
                let name = sent.get("name").cloned().unwrap_or(json!("unnamed"));
                Map::from_iter([("name".to_string(), name)])
            };
            items.push(Item {
                id,
                owner: who,
                fields,
            });
            json_reply(api, 201, item_json(items.last().expect("pushed")))
        }
        ("GET", "/users/me") => {
            if v {
                json_reply(
                    api,
                    200,
                    json!({"id": 1, "name": who, "passwordHash": "$2b$12$abcdefghijklmnopqrstuv", "internalNote": "vip"}),
                )
            } else {
                json_reply(api, 200, json!({"id": uuid(100), "name": who}))
            }
        }
        ("GET", "/search") => {
            let q = q.unwrap_or_default();
            if v && q.contains('\'') {
                let trace = format!(
                    "sqlite3.OperationalError: near \"'\": syntax error\nTraceback (most recent call last):\n  File \"/usr/src/app/search.py\", line 12, in search\n    cur.execute(\"SELECT * FROM items WHERE name = '{q}'\")"
                );
                return reply(api, 500, "text/plain", trace);
            }
            let hits: Vec<Value> = items
                .iter()
                .filter(|i| {
                    i.owner == who
                        && i.fields
                            .get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| n.contains(&q))
                })
                .map(item_json)
                .collect();
            json_reply(api, 200, Value::Array(hits))
        }
        ("GET", p) if p.starts_with("/items/") => {
            let id = decode(&p["/items/".len()..]);
            match items.iter().find(|i| i.id == id) {
                Some(it) if v || it.owner == who => json_reply(api, 200, item_json(it)),
                _ => error(api, 404, "not found"),
            }
        }
        _ => error(api, 404, "not found"),
    }
}

//! A fake forge on loopback that keeps what the fix requests build: GitHub's git data (blobs,
//! trees, commits, refs) and pull requests, GitLab's commits and merge requests, and the
//! comments on them. It can be switched "down" (every request answers 503).
#![allow(dead_code)]

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A commit the fake holds: its tree (path → contents; only the files pushed through the API),
/// its parent, its message.
#[derive(Debug, Clone)]
pub struct FakeCommit {
    pub files: BTreeMap<String, String>,
    pub parent: String,
    pub message: String,
}

/// A pull/merge request.
#[derive(Debug, Clone)]
pub struct FakeRequest {
    pub number: i64,
    pub head: String,
    pub base: String,
    pub title: String,
    pub body: String,
    pub open: bool,
    pub comments: Vec<String>,
}

/// Everything the fake forge received and keeps.
#[derive(Debug, Default)]
pub struct ForgeState {
    /// Every request as `METHOD path`.
    pub calls: Vec<String>,
    pub blobs: BTreeMap<String, String>,
    /// Tree sha → (base tree, path → blob sha).
    pub trees: BTreeMap<String, (String, BTreeMap<String, String>)>,
    pub commits: BTreeMap<String, FakeCommit>,
    /// Branch → commit.
    pub refs: BTreeMap<String, String>,
    pub requests: Vec<FakeRequest>,
    /// Answer 503 to everything.
    pub down: bool,
    next: u64,
}

impl ForgeState {
    fn id(&mut self) -> String {
        self.next += 1;
        format!("{:040x}", 0xf000_0000u64 + self.next)
    }

    /// The files of the commit `branch` points at.
    pub fn branch_files(&self, branch: &str) -> BTreeMap<String, String> {
        let sha = &self.refs[branch];
        self.commits[sha].files.clone()
    }

    /// The requests from `branch`.
    pub fn requests_from(&self, branch: &str) -> Vec<FakeRequest> {
        self.requests
            .iter()
            .filter(|r| r.head == branch)
            .cloned()
            .collect()
    }
}

pub type Shared = Arc<Mutex<ForgeState>>;

fn answer(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

fn ok(v: Value) -> Response {
    answer(StatusCode::OK, v)
}

fn github(s: &mut ForgeState, method: &str, path: &str, query: &str, body: &Value) -> Response {
    let Some(rest) = path.strip_prefix("/repos/acme/web") else {
        return answer(StatusCode::NOT_FOUND, json!({"message": "no such repo"}));
    };
    let q: BTreeMap<String, String> = serde_urlencoded::from_str(query).unwrap_or_default();
    match (method, rest) {
        ("POST", p) if p.starts_with("/statuses/") => ok(json!({})),
        ("GET", p) if p.starts_with("/git/commits/") => {
            let sha = &p["/git/commits/".len()..];
            ok(json!({"sha": sha, "tree": {"sha": format!("{:0>40}", "7")}}))
        }
        ("POST", "/git/blobs") => {
            assert_eq!(body["encoding"], "utf-8");
            let sha = s.id();
            s.blobs
                .insert(sha.clone(), body["content"].as_str().unwrap().to_string());
            answer(StatusCode::CREATED, json!({"sha": sha}))
        }
        ("POST", "/git/trees") => {
            let mut entries = BTreeMap::new();
            for e in body["tree"].as_array().unwrap() {
                assert_eq!(e["type"], "blob");
                let blob = e["sha"].as_str().unwrap();
                assert!(s.blobs.contains_key(blob), "a blob made before");
                entries.insert(e["path"].as_str().unwrap().to_string(), blob.to_string());
            }
            let sha = s.id();
            let base = body["base_tree"].as_str().unwrap_or_default().to_string();
            s.trees.insert(sha.clone(), (base, entries));
            answer(StatusCode::CREATED, json!({"sha": sha}))
        }
        ("POST", "/git/commits") => {
            let tree = &s.trees[body["tree"].as_str().unwrap()].1;
            let files = tree
                .iter()
                .map(|(p, b)| (p.clone(), s.blobs[b].clone()))
                .collect();
            let sha = s.id();
            s.commits.insert(
                sha.clone(),
                FakeCommit {
                    files,
                    parent: body["parents"][0].as_str().unwrap().to_string(),
                    message: body["message"].as_str().unwrap().to_string(),
                },
            );
            answer(StatusCode::CREATED, json!({"sha": sha}))
        }
        ("GET", p) if p.starts_with("/git/ref/heads/") => {
            let branch = &p["/git/ref/heads/".len()..];
            match s.refs.get(branch) {
                Some(sha) => {
                    ok(json!({"ref": format!("refs/heads/{branch}"), "object": {"sha": sha}}))
                }
                None => answer(StatusCode::NOT_FOUND, json!({"message": "Not Found"})),
            }
        }
        ("POST", "/git/refs") => {
            let branch = body["ref"]
                .as_str()
                .unwrap()
                .strip_prefix("refs/heads/")
                .unwrap()
                .to_string();
            if s.refs.contains_key(&branch) {
                return answer(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({"message": "Reference already exists"}),
                );
            }
            s.refs
                .insert(branch, body["sha"].as_str().unwrap().to_string());
            answer(StatusCode::CREATED, json!({}))
        }
        ("PATCH", p) if p.starts_with("/git/refs/heads/") => {
            let branch = &p["/git/refs/heads/".len()..];
            assert_eq!(body["force"], true, "fix branches are force-updated");
            if !s.refs.contains_key(branch) {
                return answer(StatusCode::UNPROCESSABLE_ENTITY, json!({}));
            }
            s.refs.insert(
                branch.to_string(),
                body["sha"].as_str().unwrap().to_string(),
            );
            ok(json!({}))
        }
        ("GET", "/pulls") => {
            let head = q["head"].strip_prefix("acme:").unwrap().to_string();
            assert_eq!(q["state"], "open");
            let list: Vec<Value> = s
                .requests
                .iter()
                .filter(|r| r.open && r.head == head)
                .map(|r| json!({"number": r.number}))
                .collect();
            ok(json!(list))
        }
        ("POST", "/pulls") => {
            let head = body["head"].as_str().unwrap().to_string();
            if !s.refs.contains_key(&head) {
                return answer(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({"message": "no head"}),
                );
            }
            let number = s.requests.len() as i64 + 1;
            s.requests.push(FakeRequest {
                number,
                head,
                base: body["base"].as_str().unwrap().to_string(),
                title: body["title"].as_str().unwrap().to_string(),
                body: body["body"].as_str().unwrap().to_string(),
                open: true,
                comments: vec![],
            });
            answer(StatusCode::CREATED, json!({"number": number}))
        }
        ("PATCH", p) if p.starts_with("/pulls/") => {
            let n: i64 = p["/pulls/".len()..].parse().unwrap();
            let r = &mut s.requests[n as usize - 1];
            if let Some(t) = body["title"].as_str() {
                r.title = t.into();
            }
            if let Some(b) = body["body"].as_str() {
                r.body = b.into();
            }
            if body["state"] == "closed" {
                r.open = false;
            }
            ok(json!({"number": n}))
        }
        ("POST", p) if p.starts_with("/issues/") && p.ends_with("/comments") => {
            let n: i64 = p["/issues/".len()..p.len() - "/comments".len()]
                .parse()
                .unwrap();
            let r = &mut s.requests[n as usize - 1];
            r.comments.push(body["body"].as_str().unwrap().to_string());
            answer(StatusCode::CREATED, json!({"id": 900 + r.comments.len()}))
        }
        _ => answer(StatusCode::NOT_FOUND, json!({"message": "unknown route"})),
    }
}

fn gitlab(s: &mut ForgeState, method: &str, path: &str, query: &str, body: &Value) -> Response {
    let Some(rest) = path.strip_prefix("/projects/acme%2Fweb") else {
        return answer(
            StatusCode::NOT_FOUND,
            json!({"message": "404 Project Not Found"}),
        );
    };
    let q: BTreeMap<String, String> = serde_urlencoded::from_str(query).unwrap_or_default();
    match (method, rest) {
        ("POST", p) if p.starts_with("/statuses/") => ok(json!({})),
        ("POST", "/repository/commits") => {
            let branch = body["branch"].as_str().unwrap().to_string();
            assert_eq!(body["force"], true);
            let mut files = BTreeMap::new();
            for a in body["actions"].as_array().unwrap() {
                assert_eq!(a["action"], "update");
                files.insert(
                    a["file_path"].as_str().unwrap().to_string(),
                    a["content"].as_str().unwrap().to_string(),
                );
            }
            let sha = s.id();
            s.commits.insert(
                sha.clone(),
                FakeCommit {
                    files,
                    parent: body["start_sha"].as_str().unwrap().to_string(),
                    message: body["commit_message"].as_str().unwrap().to_string(),
                },
            );
            s.refs.insert(branch, sha.clone());
            answer(StatusCode::CREATED, json!({"id": sha}))
        }
        ("GET", "/merge_requests") => {
            assert_eq!(q["state"], "opened");
            let list: Vec<Value> = s
                .requests
                .iter()
                .filter(|r| r.open && r.head == q["source_branch"])
                .map(|r| json!({"iid": r.number}))
                .collect();
            ok(json!(list))
        }
        ("POST", "/merge_requests") => {
            let number = s.requests.len() as i64 + 1;
            s.requests.push(FakeRequest {
                number,
                head: body["source_branch"].as_str().unwrap().to_string(),
                base: body["target_branch"].as_str().unwrap().to_string(),
                title: body["title"].as_str().unwrap().to_string(),
                body: body["description"].as_str().unwrap().to_string(),
                open: true,
                comments: vec![],
            });
            answer(StatusCode::CREATED, json!({"iid": number}))
        }
        ("PUT", p) if p.starts_with("/merge_requests/") => {
            let n: i64 = p["/merge_requests/".len()..].parse().unwrap();
            let r = &mut s.requests[n as usize - 1];
            if let Some(t) = body["title"].as_str() {
                r.title = t.into();
            }
            if let Some(b) = body["description"].as_str() {
                r.body = b.into();
            }
            if body["state_event"] == "close" {
                r.open = false;
            }
            ok(json!({"iid": n}))
        }
        ("POST", p) if p.starts_with("/merge_requests/") && p.ends_with("/notes") => {
            let n: i64 = p["/merge_requests/".len()..p.len() - "/notes".len()]
                .parse()
                .unwrap();
            let r = &mut s.requests[n as usize - 1];
            r.comments.push(body["body"].as_str().unwrap().to_string());
            answer(StatusCode::CREATED, json!({"id": 900 + r.comments.len()}))
        }
        _ => answer(StatusCode::NOT_FOUND, json!({"message": "unknown route"})),
    }
}

/// Starts the fake forge: GitHub's API at the root, GitLab's under `/api/v4`. Returns its base
/// URL and its state.
pub async fn start() -> (String, Shared) {
    let state: Shared = Arc::default();
    let shared = state.clone();
    let app = axum::Router::new().fallback(move |req: Request| {
        let shared = shared.clone();
        async move {
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, 16 << 20).await.unwrap();
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let mut s = shared.lock().unwrap();
            let path = parts.uri.path().to_string();
            let query = parts.uri.query().unwrap_or_default().to_string();
            let method = parts.method.to_string();
            s.calls.push(format!("{method} {path}"));
            if s.down {
                return answer(StatusCode::SERVICE_UNAVAILABLE, json!({"message": "down"}));
            }
            match path.strip_prefix("/api/v4") {
                Some(rest) => {
                    let auth = parts
                        .headers
                        .get("private-token")
                        .map(|v| v.to_str().unwrap());
                    assert_eq!(auth, Some("glpat-test"));
                    gitlab(&mut s, &method, rest, &query, &body)
                }
                None => {
                    let auth = parts
                        .headers
                        .get("authorization")
                        .map(|v| v.to_str().unwrap());
                    assert_eq!(auth, Some("Bearer ghp_test"));
                    github(&mut s, &method, &path, &query, &body)
                }
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), state)
}

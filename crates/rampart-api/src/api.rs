//! A version-independent view of one spec: operations, parameters, security, servers and
//! schemas, with `$ref`s followed. Swagger 2.0 and OpenAPI 3.x differ in where things live;
//! the capabilities read them only through this view.

use crate::spec::{At, Docs, Version};
use crate::tree::{Node, Value};
use std::collections::HashSet;

/// HTTP methods an OpenAPI path item may hold.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Deepest schema nesting walked (`properties`, `items`, `allOf`…).
pub const MAX_SCHEMA_DEPTH: usize = 48;

/// One operation.
#[derive(Debug, Clone, Copy)]
pub struct Op<'a> {
    /// Its path template (`/users/{id}`).
    pub path: &'a str,
    /// Lower-case method.
    pub method: &'a str,
    /// The operation object.
    pub at: At<'a>,
    /// The path item it belongs to.
    pub item: At<'a>,
}

impl Op<'_> {
    /// `GET /users/{id}`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.to_ascii_uppercase(), self.path)
    }

    /// Whether the method changes state.
    pub fn is_write(&self) -> bool {
        matches!(self.method, "post" | "put" | "patch" | "delete")
    }
}

/// Where a schema is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// In a request body or form.
    Request,
    /// In a response.
    Response,
    /// In a parameter.
    Parameter,
    /// Declared (components, definitions) and not reached from an operation.
    Declared,
}

/// One server URL (for Swagger 2.0, one per scheme of `host` + `basePath`).
#[derive(Debug, Clone)]
pub struct Server<'a> {
    /// The URL.
    pub url: String,
    /// The server object (OpenAPI) or the `host` / `schemes` node (Swagger).
    pub at: At<'a>,
}

/// The view.
pub struct Api<'a> {
    /// The documents.
    pub docs: &'a Docs,
    /// The version.
    pub version: Version,
}

impl<'a> Api<'a> {
    /// The spec's root.
    pub fn root(&self) -> At<'a> {
        At {
            doc: 0,
            node: &self.docs.docs[0].root,
            via: None,
        }
    }

    /// Follows `$ref`s.
    pub fn resolve(&self, at: At<'a>) -> Option<At<'a>> {
        self.docs.resolve(at)
    }

    /// A mapping entry with `$ref`s followed.
    pub fn get(&self, at: At<'a>, key: &str) -> Option<At<'a>> {
        self.resolve(at.get(key)?)
    }

    /// Every operation, in spec order.
    pub fn ops(&self) -> Vec<Op<'a>> {
        let mut out = Vec::new();
        let Some(paths) = self.root().get("paths") else {
            return out;
        };
        for (path, item) in paths.node.entries() {
            if !path.starts_with('/') {
                continue;
            }
            let Some(item) = self.resolve(paths.child(item)) else {
                continue;
            };
            for (m, op) in item.node.entries() {
                if let Some(method) = METHODS.iter().find(|x| **x == m.as_str())
                    && op.is_map()
                {
                    out.push(Op {
                        path,
                        method,
                        at: item.child(op),
                        item,
                    });
                }
            }
        }
        out
    }

    /// The security requirements in force for an operation: `None` when none is declared at
    /// all, else each requirement's scheme names (an empty requirement allows anonymous use).
    pub fn security(&self, op: &Op<'a>) -> Option<Vec<Vec<String>>> {
        let node = op
            .at
            .node
            .get("security")
            .or_else(|| self.root().node.get("security"))?;
        let reqs: Vec<Vec<String>> = node
            .items()
            .iter()
            .map(|r| r.entries().iter().map(|(k, _)| k.clone()).collect())
            .collect();
        (!reqs.is_empty()).then_some(reqs)
    }

    /// Whether an operation requires credentials (declared security, no anonymous option).
    pub fn is_secured(&self, op: &Op<'a>) -> bool {
        self.security(op)
            .is_some_and(|r| r.iter().all(|req| !req.is_empty()))
    }

    /// The security schemes by name (`components.securitySchemes` / `securityDefinitions`).
    pub fn schemes(&self) -> Vec<(&'a str, At<'a>)> {
        let holder = match self.version {
            Version::Swagger2 => self.root().get("securityDefinitions"),
            _ => self
                .root()
                .get("components")
                .and_then(|c| self.resolve(c))
                .and_then(|c| c.get("securitySchemes")),
        };
        let Some(holder) = holder.and_then(|h| self.resolve(h)) else {
            return Vec::new();
        };
        holder
            .node
            .entries()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), self.resolve(holder.child(v))?)))
            .collect()
    }

    /// The servers.
    pub fn servers(&self) -> Vec<Server<'a>> {
        let root = self.root();
        if self.version == Version::Swagger2 {
            let Some(host) = root.get("host") else {
                return Vec::new();
            };
            let h = host.node.scalar_text().unwrap_or_default();
            let base = root
                .node
                .get("basePath")
                .and_then(Node::as_str)
                .unwrap_or("");
            let schemes = root.get("schemes");
            let list: Vec<(String, At<'a>)> = match schemes {
                Some(s) => s
                    .node
                    .items()
                    .iter()
                    .filter_map(|x| Some((x.as_str()?.to_string(), s.child(x))))
                    .collect(),
                None => vec![("https".into(), host)],
            };
            return list
                .into_iter()
                .map(|(scheme, at)| Server {
                    url: format!("{scheme}://{h}{base}"),
                    at,
                })
                .collect();
        }
        let Some(servers) = root.get("servers") else {
            return Vec::new();
        };
        servers
            .node
            .items()
            .iter()
            .filter_map(|s| {
                Some(Server {
                    url: s.get("url")?.as_str()?.to_string(),
                    at: servers.child(s),
                })
            })
            .collect()
    }

    /// Parameters of an operation (its path item's too), resolved.
    pub fn params(&self, op: &Op<'a>) -> Vec<At<'a>> {
        let mut out = Vec::new();
        for holder in [op.item, op.at] {
            if let Some(ps) = holder.get("parameters") {
                for p in ps.node.items() {
                    if let Some(p) = self.resolve(ps.child(p)) {
                        out.push(p);
                    }
                }
            }
        }
        out
    }

    /// The responses of an operation by status code (`200`, `4XX`, `default`), resolved.
    pub fn responses(&self, op: &Op<'a>) -> Vec<(&'a str, At<'a>)> {
        let Some(rs) = op.at.get("responses").and_then(|r| self.resolve(r)) else {
            return Vec::new();
        };
        rs.node
            .entries()
            .iter()
            .filter_map(|(code, r)| Some((code.as_str(), self.resolve(rs.child(r))?)))
            .collect()
    }

    /// The schemas of a response (each media type's, or Swagger's `schema`).
    pub fn response_schemas(&self, resp: At<'a>) -> Vec<At<'a>> {
        self.content_schemas(resp)
    }

    /// The headers a response declares (names lower-cased).
    pub fn response_headers(&self, resp: At<'a>) -> Vec<String> {
        resp.node
            .get("headers")
            .map(|h| {
                h.entries()
                    .iter()
                    .map(|(k, _)| k.to_ascii_lowercase())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn content_schemas(&self, holder: At<'a>) -> Vec<At<'a>> {
        let mut out = Vec::new();
        if let Some(s) = holder.get("schema") {
            out.push(s);
        }
        if let Some(content) = holder.get("content") {
            for (_, media) in content.node.entries() {
                if let Some(s) = media.get("schema") {
                    out.push(content.child(media).child(s));
                }
            }
        }
        out.into_iter().filter_map(|s| self.resolve(s)).collect()
    }

    /// The request-body schemas of an operation (OpenAPI `requestBody`, Swagger `in: body`).
    pub fn request_schemas(&self, op: &Op<'a>) -> Vec<At<'a>> {
        let mut out = Vec::new();
        if let Some(body) = op.at.get("requestBody").and_then(|b| self.resolve(b)) {
            out.extend(self.content_schemas(body));
        }
        for p in self.params(op) {
            if p.node.get("in").and_then(Node::as_str) == Some("body") {
                out.extend(self.content_schemas(p));
            }
        }
        out
    }

    /// Every schema object of the spec with where it is used, each visited once (nested ones
    /// included: properties, items, compositions), within [`MAX_SCHEMA_DEPTH`].
    pub fn each_schema(&self, f: &mut dyn FnMut(At<'a>, Use)) {
        let mut seen = HashSet::new();
        for op in self.ops() {
            for s in self.request_schemas(&op) {
                self.walk_schema(s, Use::Request, 0, &mut seen, f);
            }
            for (_, r) in self.responses(&op) {
                for s in self.response_schemas(r) {
                    self.walk_schema(s, Use::Response, 0, &mut seen, f);
                }
            }
            for p in self.params(&op) {
                if p.node.get("in").and_then(Node::as_str) == Some("body") {
                    continue;
                }
                match p.get("schema").and_then(|s| self.resolve(s)) {
                    Some(s) => self.walk_schema(s, Use::Parameter, 0, &mut seen, f),
                    // Swagger 2.0 non-body parameters carry their schema keywords themselves.
                    None if p.node.get("type").is_some() => {
                        self.walk_schema(p, Use::Parameter, 0, &mut seen, f)
                    }
                    None => {}
                }
            }
        }
        let root = self.root();
        let declared = match self.version {
            Version::Swagger2 => root.get("definitions"),
            _ => root
                .get("components")
                .and_then(|c| self.resolve(c))
                .and_then(|c| c.get("schemas")),
        };
        if let Some(d) = declared.and_then(|d| self.resolve(d)) {
            for (_, s) in d.node.entries() {
                if let Some(s) = self.resolve(d.child(s)) {
                    self.walk_schema(s, Use::Declared, 0, &mut seen, f);
                }
            }
        }
    }

    fn walk_schema(
        &self,
        s: At<'a>,
        use_: Use,
        depth: usize,
        seen: &mut HashSet<(usize, *const Node)>,
        f: &mut dyn FnMut(At<'a>, Use),
    ) {
        if depth > MAX_SCHEMA_DEPTH
            || !s.node.is_map()
            || !seen.insert((s.doc, s.node as *const Node))
        {
            return;
        }
        f(s, use_);
        for child in self.sub_schemas(s) {
            if let Some(c) = self.resolve(child) {
                self.walk_schema(c, use_, depth + 1, seen, f);
            }
        }
    }

    /// The schemas directly inside a schema (not resolved).
    pub fn sub_schemas(&self, s: At<'a>) -> Vec<At<'a>> {
        let mut out = Vec::new();
        if let Some(p) = s.get("properties") {
            out.extend(p.node.entries().iter().map(|(_, v)| p.child(v)));
        }
        for k in ["items", "additionalProperties", "not"] {
            if let Some(c) = s.get(k).filter(|c| c.node.is_map()) {
                out.push(c);
            }
        }
        for k in ["allOf", "anyOf", "oneOf"] {
            if let Some(c) = s.get(k) {
                out.extend(c.node.items().iter().map(|x| c.child(x)));
            }
        }
        out
    }

    /// The properties of an object schema, compositions (`allOf`/`oneOf`/`anyOf`) merged, with
    /// their dotted path, each resolved; nested objects and array items are followed.
    pub fn properties(&self, s: At<'a>) -> Vec<(String, At<'a>)> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        self.collect_props(s, "", 0, &mut seen, &mut out);
        out
    }

    fn collect_props(
        &self,
        s: At<'a>,
        prefix: &str,
        depth: usize,
        seen: &mut HashSet<(usize, *const Node)>,
        out: &mut Vec<(String, At<'a>)>,
    ) {
        if depth > MAX_SCHEMA_DEPTH || !seen.insert((s.doc, s.node as *const Node)) {
            return;
        }
        if let Some(p) = s.get("properties") {
            for (name, v) in p.node.entries() {
                let Some(v) = self.resolve(p.child(v)) else {
                    continue;
                };
                let path = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}.{name}")
                };
                out.push((path.clone(), v));
                self.collect_props(v, &path, depth + 1, seen, out);
            }
        }
        if let Some(items) = s.get("items").and_then(|i| self.resolve(i)) {
            self.collect_props(items, prefix, depth + 1, seen, out);
        }
        for k in ["allOf", "anyOf", "oneOf"] {
            if let Some(c) = s.get(k) {
                for x in c.node.items() {
                    if let Some(x) = self.resolve(c.child(x)) {
                        self.collect_props(x, prefix, depth + 1, seen, out);
                    }
                }
            }
        }
    }
}

/// A schema's `type`s (3.1 allows a list; absent gives none).
pub fn types(s: &Node) -> Vec<&str> {
    match s.get("type").map(|t| &t.value) {
        Some(Value::Str(t)) => vec![t.as_str()],
        Some(Value::Seq(v)) => v.iter().filter_map(Node::as_str).collect(),
        _ => Vec::new(),
    }
}

//! The probe's sequence: read as user A, create as A (with `--allow-writes`), read A's objects
//! as B, then without and with forged credentials, inject, burst login-like operations.

use super::checks::{self, SERVER_OWNED};
use super::http::{Client, Exchange, Stop};
use super::{Options, Outcome, rule, values};
use crate::api::{Api, Op};
use crate::spec::At;
use crate::tree::Node;
use base64::Engine as _;
use rampart_core::source::Origin;
use rampart_core::{Diagnostic, Finding, RuleMeta, SourceFile};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Header or query name-value pairs.
type Pairs = Vec<(String, String)>;

/// Requests of one rate-limit burst.
const BURST: usize = 20;

/// Who sends a request.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    A,
    B,
    Nobody,
    Malformed,
    AlgNone,
}

pub(crate) struct Prober<'a, 'o> {
    api: &'a Api<'a>,
    file: SourceFile,
    opts: &'o Options,
    client: Client,
    out: Outcome,
    reported: HashSet<(String, String)>,
    stopped: bool,
    /// Object ids user A can see or created, by collection path (`/items`).
    ids: HashMap<String, String>,
    /// Whether some answer lacked `X-Content-Type-Options: nosniff`, and one example.
    no_nosniff: Option<Exchange>,
    banner: Option<(Exchange, String)>,
}

impl<'a, 'o> Prober<'a, 'o> {
    pub(crate) fn new(api: &'a Api<'a>, path: &str, text: &str, opts: &'o Options) -> Self {
        let secrets = [&opts.auth_a, &opts.auth_b]
            .into_iter()
            .flatten()
            .flat_map(|t| {
                let v = t
                    .split_once(": ")
                    .map_or(t.as_str(), |(_, v)| v)
                    .to_string();
                [v, t.clone()]
            })
            .collect();
        Prober {
            api,
            file: SourceFile::new(path, text.as_bytes().to_vec(), Origin::WorkTree),
            opts,
            client: Client::new(&opts.base_url, opts.max_requests, opts.rate, secrets),
            out: Outcome::default(),
            reported: HashSet::new(),
            stopped: false,
            ids: HashMap::new(),
            no_nosniff: None,
            banner: None,
        }
    }

    pub(crate) fn run(mut self) -> Outcome {
        let ops = self.api.ops();
        let (collections, items): (Vec<Op<'a>>, Vec<Op<'a>>) =
            ops.iter().copied().partition(|o| !o.path.contains('{'));
        // 1. Read collections as A; 2. create as A.
        for op in collections.iter().filter(|o| o.method == "get") {
            self.read(op);
        }
        if self.opts.allow_writes {
            for op in collections
                .iter()
                .filter(|o| o.method == "post" && !login_like(o))
            {
                self.create(op);
            }
        }
        // 3. Objects: as A, then as B.
        for op in items.iter().filter(|o| o.method == "get") {
            self.read_item(op);
        }
        // 4. Authentication, 5. injection.
        for op in &ops {
            // DELETE is never sent: a broken check would destroy data.
            if (self.opts.allow_writes && op.method != "delete") || !op.is_write() {
                self.authn(op);
            }
        }
        for op in ops.iter().filter(|o| !o.is_write()) {
            self.inject(op);
        }
        // 6. Rate limiting.
        for op in ops.iter().filter(|o| login_like(o) && o.method != "delete") {
            if op.is_write() && !self.opts.allow_writes {
                self.note(format!(
                    "{} looks like a login; its rate limit is tested only with --allow-writes",
                    op.label()
                ));
                continue;
            }
            self.burst(op);
        }
        self.api_wide();
        if self.stopped {
            self.note(format!(
                "the request budget ({}) ran out; raise --max-requests to run every check",
                self.opts.max_requests
            ));
        }
        self.out.requests = self.client.sent();
        self.out
    }

    fn note(&mut self, m: String) {
        self.out
            .diagnostics
            .push(Diagnostic::note(self.file.path.clone(), m));
    }

    fn token(&self, who: Who) -> Option<String> {
        match who {
            Who::A => self.opts.auth_a.clone(),
            Who::B => self.opts.auth_b.clone(),
            Who::Nobody => None,
            Who::Malformed => Some("rampart.probe.invalid".into()),
            Who::AlgNone => Some(alg_none(self.opts.auth_a.as_deref())),
        }
    }

    /// Headers and query pairs carrying `who`'s credential for `op`, by its security scheme.
    fn credentials(&self, op: &Op<'a>, who: Who) -> (Pairs, Pairs) {
        let Some(token) = self.token(who) else {
            return (Vec::new(), Vec::new());
        };
        if let Some((k, v)) = token.split_once(": ")
            && !k.contains(' ')
        {
            return (vec![(k.to_string(), v.to_string())], Vec::new());
        }
        let scheme = self
            .api
            .security(op)
            .and_then(|r| r.into_iter().flatten().next())
            .and_then(|name| self.api.schemes().into_iter().find(|(n, _)| *n == name))
            .map(|(_, s)| s.node);
        let field = |n: &Node, k: &str| n.get(k).and_then(Node::as_str).unwrap_or("").to_string();
        match scheme {
            Some(s) if field(s, "type").eq_ignore_ascii_case("apiKey") => {
                let name = field(s, "name");
                if field(s, "in") == "query" {
                    (Vec::new(), vec![(name, token)])
                } else if field(s, "in") == "cookie" {
                    (
                        vec![("Cookie".into(), format!("{name}={token}"))],
                        Vec::new(),
                    )
                } else {
                    (vec![(name, token)], Vec::new())
                }
            }
            Some(s)
                if field(s, "scheme").eq_ignore_ascii_case("basic")
                    || field(s, "type") == "basic" =>
            {
                let b = base64::engine::general_purpose::STANDARD.encode(token);
                (
                    vec![("Authorization".into(), format!("Basic {b}"))],
                    Vec::new(),
                )
            }
            _ => (
                vec![("Authorization".into(), format!("Bearer {token}"))],
                Vec::new(),
            ),
        }
    }

    /// Sends `op` as `who`, path parameters from `fill` (else A's ids, else generated values),
    /// `inject` replacing one parameter's value, `body` for writes.
    fn send(
        &mut self,
        op: &Op<'a>,
        who: Who,
        inject: Option<(&str, &str)>,
        body: Option<&Value>,
    ) -> Option<Exchange> {
        if self.stopped {
            return None;
        }
        let (headers, mut query) = self.credentials(op, who);
        let mut path = op.path.to_string();
        for p in self.api.params(op) {
            let name = p.node.get("name").and_then(Node::as_str).unwrap_or("");
            let place = p.node.get("in").and_then(Node::as_str).unwrap_or("");
            let required = p.node.get("required").and_then(Node::as_bool) == Some(true);
            let value = match inject {
                Some((n, v)) if n == name => v.to_string(),
                _ if place == "path" => self
                    .ids
                    .get(collection_of(op.path))
                    .cloned()
                    .unwrap_or_else(|| values::param_text(self.api, p)),
                _ => values::param_text(self.api, p),
            };
            match place {
                "path" => path = path.replace(&format!("{{{name}}}"), &values::encode(&value)),
                "query" if required || inject.is_some_and(|(n, _)| n == name) => {
                    query.push((name.to_string(), value))
                }
                _ => {}
            }
        }
        if !query.is_empty() {
            let q: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", values::encode(k), values::encode(v)))
                .collect();
            path = format!("{path}?{}", q.join("&"));
        }
        let body_text = body.map(Value::to_string).or_else(|| {
            op.is_write().then(|| {
                self.api
                    .request_schemas(op)
                    .first()
                    .map(|s| values::value(self.api, *s).to_string())
                    .unwrap_or_else(|| "{}".into())
            })
        });
        let method = op.method.to_ascii_uppercase();
        match self
            .client
            .send(&method, &path, &headers, body_text.as_deref())
        {
            Ok(x) => {
                self.observe(op, &x);
                Some(x)
            }
            Err(Stop::Budget) => {
                self.stopped = true;
                None
            }
            Err(Stop::Failed(e)) => {
                self.out.diagnostics.push(Diagnostic::warning(
                    self.file.path.clone(),
                    format!("request failed: {e}"),
                ));
                None
            }
        }
    }

    /// Checks every answer has in common: verbose errors, headers, banners.
    fn observe(&mut self, op: &Op<'a>, x: &Exchange) {
        if let Some(sig) = checks::verbose_error(&x.body) {
            self.report(
                op,
                "probe-verbose-error",
                "",
                x,
                format!(
                    "{} {} answered {} with internal detail (`{sig}`)",
                    x.method, op.path, x.status
                ),
            );
        }
        if x.header("x-content-type-options")
            .is_none_or(|v| !v.eq_ignore_ascii_case("nosniff"))
            && self.no_nosniff.is_none()
        {
            self.no_nosniff = Some(x.clone());
        }
        if self.banner.is_none() {
            let b = x
                .header("x-powered-by")
                .map(|v| format!("X-Powered-By: {v}"))
                .or_else(|| {
                    x.header("server")
                        .filter(|v| v.chars().any(|c| c.is_ascii_digit()))
                        .map(|v| format!("Server: {v}"))
                });
            if let Some(b) = b {
                self.banner = Some((x.clone(), b));
            }
        }
    }

    /// A normal read as A: conformance and data exposure.
    fn read(&mut self, op: &Op<'a>) -> Option<Exchange> {
        let x = self.send(op, Who::A, None, None)?;
        self.conformance(op, &x);
        if x.ok()
            && let Some(id) = x.json().as_ref().and_then(checks::object_id)
        {
            self.ids.entry(op.path.to_string()).or_insert(id);
        }
        Some(x)
    }

    fn create(&mut self, op: &Op<'a>) {
        let mut body = self
            .api
            .request_schemas(op)
            .first()
            .map(|s| values::value(self.api, *s))
            .unwrap_or(Value::Object(Default::default()));
        let Value::Object(m) = &mut body else {
            return;
        };
        for (k, v) in SERVER_OWNED {
            m.insert(k.to_string(), v());
        }
        let Some(x) = self.send(op, Who::A, None, Some(&body)) else {
            return;
        };
        self.conformance(op, &x);
        if !x.ok() {
            return;
        }
        let created = x.json();
        if let Some(id) = created.as_ref().and_then(checks::object_id) {
            self.ids.insert(op.path.to_string(), id);
        }
        // Read back: the creation's answer, then the object itself where the spec has it.
        let mut seen = created
            .into_iter()
            .map(|v| (v, x.clone()))
            .collect::<Vec<_>>();
        let item =
            self.api.ops().into_iter().find(|o| {
                o.method == "get" && collection_of(o.path) == op.path && o.path != op.path
            });
        if let Some(item) = item
            && let Some(back) = self.send(&item, Who::A, None, None)
            && let Some(v) = back.json()
        {
            seen.push((v, back));
        }
        for (v, ex) in seen {
            for (k, val) in SERVER_OWNED {
                if v.get(*k) == Some(&val()) {
                    self.report(
                        op,
                        "probe-mass-assignment",
                        k,
                        &ex,
                        format!(
                            "{} accepted `{k}: {}` and it was read back",
                            op.label(),
                            val()
                        ),
                    );
                }
            }
        }
    }

    fn read_item(&mut self, op: &Op<'a>) {
        let Some(a) = self.read(op) else {
            return;
        };
        if !a.ok() || self.opts.auth_b.is_none() || !self.ids.contains_key(collection_of(op.path)) {
            return;
        }
        let Some(b) = self.send(op, Who::B, None, None) else {
            return;
        };
        if b.ok() && b.body == a.body {
            self.report(
                op,
                "probe-bola",
                "",
                &b,
                format!(
                    "user B read user A's object with {} {} (answered {})",
                    b.method,
                    strip_base(&b.url, &self.opts.base_url),
                    b.status
                ),
            );
        }
    }

    fn authn(&mut self, op: &Op<'a>) {
        if !self.api.is_secured(op) || login_like(op) {
            return;
        }
        for (who, id, what) in [
            (Who::Nobody, "probe-no-auth-required", "without credentials"),
            (
                Who::Malformed,
                "probe-malformed-token-accepted",
                "with a malformed token",
            ),
            (
                Who::AlgNone,
                "probe-alg-none-accepted",
                "with an unsigned `alg: none` JWT",
            ),
        ] {
            let Some(x) = self.send(op, who, None, None) else {
                return;
            };
            if x.ok() {
                self.report(
                    op,
                    id,
                    "",
                    &x,
                    format!("{} answered {} {what}", op.label(), x.status),
                );
                // Without credentials already open: forged tokens prove nothing more.
                if who == Who::Nobody {
                    return;
                }
            }
        }
    }

    fn inject(&mut self, op: &Op<'a>) {
        let target = self.api.params(op).into_iter().find_map(|p| {
            let place = p.node.get("in").and_then(Node::as_str)?;
            (place == "query" || place == "path")
                .then(|| p.node.get("name").and_then(Node::as_str))?
        });
        let Some(name) = target else {
            return;
        };
        const PAYLOAD: &str = "1'\"<rampart-probe>";
        let Some(x) = self.send(op, Who::A, Some((name, PAYLOAD)), None) else {
            return;
        };
        self.conformance(op, &x);
        if let Some(sig) = checks::sql_error(&x.body) {
            self.report(
                op,
                "probe-sql-error",
                name,
                &x,
                format!(
                    "a quote in `{name}` of {} produced a database error (`{sig}`)",
                    op.label()
                ),
            );
        }
        let html = x.header("content-type").is_some_and(|c| c.contains("html"));
        if html && x.body.contains("<rampart-probe>") {
            self.report(
                op,
                "probe-reflected-input",
                name,
                &x,
                format!(
                    "markup sent in `{name}` of {} came back unescaped in HTML",
                    op.label()
                ),
            );
        }
    }

    fn burst(&mut self, op: &Op<'a>) {
        let n = BURST.min(self.client.left());
        if n < BURST {
            self.stopped = true;
            return;
        }
        let body = serde_json::json!({"username": "rampart-probe", "password": "wrong-password-probe", "email": "probe@example.com"});
        let mut last = None;
        for _ in 0..n {
            let Some(x) = self.send(op, Who::Nobody, None, Some(&body)) else {
                return;
            };
            if x.status == 429 || x.header("retry-after").is_some() {
                return;
            }
            last = Some(x);
        }
        if let Some(x) = last {
            self.report(
                op,
                "probe-no-rate-limit",
                "",
                &x,
                format!("{n} failed attempts in a row on {} got no 429", op.label()),
            );
        }
    }

    /// Status codes and bodies against the spec, and sensitive or undocumented fields.
    fn conformance(&mut self, op: &Op<'a>, x: &Exchange) {
        let Some(resp) = checks::documented(self.api, op, x.status) else {
            let st = x.status.to_string();
            self.report(
                op,
                "probe-undocumented-status",
                &st,
                x,
                format!(
                    "{} answered {}, which the spec does not document",
                    op.label(),
                    x.status
                ),
            );
            return;
        };
        let Some(body) = x.json() else {
            return;
        };
        let mut ks = Vec::new();
        checks::keys(&body, &mut ks, "", 0);
        for k in ks {
            let last = k.rsplit('.').next().unwrap_or(&k);
            if checks::is_sensitive(last) {
                self.report(
                    op,
                    "probe-sensitive-data-exposed",
                    &k,
                    x,
                    format!("the answer of {} holds `{k}`", op.label()),
                );
            }
        }
        if let Some(schema) = self.api.response_schemas(resp).first().copied() {
            let d = checks::diff(self.api, schema, &body);
            for u in d.undocumented {
                let last = u.rsplit('.').next().unwrap_or(&u).to_string();
                if !checks::is_sensitive(&last) {
                    self.report(
                        op,
                        "probe-undocumented-field",
                        &u,
                        x,
                        format!(
                            "the answer of {} holds `{u}`, which the spec does not document",
                            op.label()
                        ),
                    );
                }
            }
            if let Some(m) = d.mismatches.first() {
                let m = m.clone();
                self.report(
                    op,
                    "probe-schema-mismatch",
                    "",
                    x,
                    format!("{}: {m}", op.label()),
                );
            }
        }
    }

    fn api_wide(&mut self) {
        let root = self.api.root();
        let at = root
            .get("openapi")
            .or_else(|| root.get("swagger"))
            .unwrap_or(root);
        if let Some(x) = self.no_nosniff.take() {
            self.report_at(
                at,
                "probe-missing-security-headers",
                "nosniff",
                &x,
                "answers lack `X-Content-Type-Options: nosniff`".into(),
            );
        }
        if let Some((x, b)) = self.banner.take() {
            self.report_at(
                at,
                "probe-server-banner",
                "banner",
                &x,
                format!("answers carry `{b}`"),
            );
        }
    }

    fn report(&mut self, op: &Op<'a>, id: &str, detail: &str, x: &Exchange, message: String) {
        let key = format!("{}:{detail}", op.label());
        if self.reported.insert((id.to_string(), key.clone())) {
            self.finding(op.at, rule(id), key, x, message);
        }
    }

    fn report_at(&mut self, at: At<'a>, id: &str, key: &str, x: &Exchange, message: String) {
        if self.reported.insert((id.to_string(), key.to_string())) {
            self.finding(at, rule(id), key.to_string(), x, message);
        }
    }

    fn finding(&mut self, at: At<'a>, r: &RuleMeta, key: String, x: &Exchange, message: String) {
        let (span, _) = self.api.docs.place(&at);
        let mut f = Finding::keyed(r, &self.file, span, self.client.redact(&message), key);
        let (req, resp) = self.client.evidence(x);
        f.properties.insert("request".into(), Value::from(req));
        f.properties.insert("response".into(), Value::from(resp));
        f.properties
            .insert("owasp_api".into(), Value::from(r.owasp.clone()));
        self.out.findings.push(f);
    }
}

/// The collection an item path belongs to: `/items/{id}` → `/items`.
fn collection_of(path: &str) -> &str {
    match path.find("/{") {
        Some(i) => &path[..i],
        None => path,
    }
}

fn login_like(op: &Op<'_>) -> bool {
    let p = op.path.to_ascii_lowercase();
    [
        "login", "signin", "sign-in", "token", "auth", "session", "password", "otp",
    ]
    .iter()
    .any(|w| p.contains(w))
}

fn strip_base<'u>(url: &'u str, base: &str) -> &'u str {
    url.strip_prefix(base.trim_end_matches('/')).unwrap_or(url)
}

/// An unsigned JWT (`alg: none`): user A's claims when A's token is a JWT, else an admin
/// subject.
fn alg_none(a: Option<&str>) -> String {
    let b64 = |s: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let claims = a
        .and_then(|t| t.split('.').nth(1))
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .filter(|c| serde_json::from_slice::<Value>(c).is_ok())
        .unwrap_or_else(|| br#"{"sub":"1","role":"admin","exp":4102444800}"#.to_vec());
    format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(&claims)
    )
}

//! The probe's HTTP client: requests only to the base URL, never a redirect followed, no proxy
//! from the environment, a request budget and a rate, and evidence with tokens redacted.

use std::time::{Duration, Instant};

/// Largest response body read.
pub const MAX_BODY: u64 = 1 << 20;

/// Evidence text kept per request or response body.
const EVIDENCE_CHARS: usize = 600;

/// One request and its answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Upper-case method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Headers sent.
    pub req_headers: Vec<(String, String)>,
    /// Body sent.
    pub req_body: Option<String>,
    /// Status code.
    pub status: u16,
    /// Response headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Response body (at most [`MAX_BODY`]).
    pub body: String,
}

impl Exchange {
    /// A response header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The response body as JSON, when it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why the probe stops sending.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// `--max-requests` reached.
    Budget,
    /// The request could not be sent or answered (connection refused, timeout…).
    Failed(String),
}

/// The client.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    budget: usize,
    sent: usize,
    interval: Duration,
    last: Option<Instant>,
    secrets: Vec<String>,
}

impl Client {
    /// A client for `base` (scheme, host, port and an optional path prefix), sending at most
    /// `budget` requests at most `rate` per second; `secrets` are redacted from evidence.
    pub fn new(base: &str, budget: usize, rate: f64, secrets: Vec<String>) -> Client {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .user_agent(concat!("rampart-api-probe/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let interval = if rate > 0.0 {
            Duration::from_secs_f64(1.0 / rate)
        } else {
            Duration::ZERO
        };
        Client {
            agent,
            base: base.trim_end_matches('/').to_string(),
            budget,
            sent: 0,
            interval,
            last: None,
            secrets: secrets.into_iter().filter(|s| s.len() >= 4).collect(),
        }
    }

    /// Requests sent so far.
    pub fn sent(&self) -> usize {
        self.sent
    }

    /// Requests left in the budget.
    pub fn left(&self) -> usize {
        self.budget - self.sent
    }

    /// Sends one request to `path` (with its query) under the base URL.
    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Option<&str>,
    ) -> Result<Exchange, Stop> {
        if self.sent >= self.budget {
            return Err(Stop::Budget);
        }
        if let Some(last) = self.last {
            let wait = self.interval.saturating_sub(last.elapsed());
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
        }
        self.last = Some(Instant::now());
        self.sent += 1;
        // The path is the spec's template with values filled in; it never holds a scheme or
        // host, so the URL is always under the base.
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        let url = format!("{}{}", self.base, path);
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let sent = match body {
            Some(b) => req
                .header("Content-Type", "application/json")
                .body(b.to_string())
                .map(|r| self.agent.run(r)),
            None => req.body(()).map(|r| self.agent.run(r)),
        };
        let failed = |e: &dyn std::fmt::Display| Stop::Failed(format!("{method} {url}: {e}"));
        let mut resp = sent.map_err(|e| failed(&e))?.map_err(|e| failed(&e))?;
        let status = resp.status().as_u16();
        let resp_headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let text = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_string()
            .unwrap_or_default();
        Ok(Exchange {
            method: method.to_string(),
            url,
            req_headers: headers.to_vec(),
            req_body: body.map(str::to_string),
            status,
            headers: resp_headers,
            body: text,
        })
    }

    /// The exchange as evidence text: request line, headers and body, then the status,
    /// headers and body of the answer, clipped, with every token the probe holds redacted.
    pub fn evidence(&self, x: &Exchange) -> (String, String) {
        let mut req = format!("{} {}\n", x.method, x.url);
        for (k, v) in &x.req_headers {
            req.push_str(&format!("{k}: {v}\n"));
        }
        if let Some(b) = &x.req_body {
            req.push('\n');
            req.push_str(&clip(b));
        }
        let mut resp = format!("{}\n", x.status);
        for (k, v) in &x.headers {
            resp.push_str(&format!("{k}: {v}\n"));
        }
        if !x.body.is_empty() {
            resp.push('\n');
            resp.push_str(&clip(&x.body));
        }
        (self.redact(&req), self.redact(&resp))
    }

    /// `text` with every secret the probe holds, and every bearer token, replaced.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            out = out.replace(s.as_str(), &mask(s));
        }
        redact_jwts(&out)
    }
}

fn mask(s: &str) -> String {
    let head: String = s.chars().take(4).collect();
    format!("{head}…[{} chars redacted]", s.chars().count())
}

/// JWT-shaped runs (`eyJ….….…`) replaced by their first characters.
fn redact_jwts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("eyJ") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(tail.len());
        let tok = &tail[..len];
        if tok.matches('.').count() >= 1 && len > 16 {
            out.push_str(&mask(tok));
        } else {
            out.push_str(tok);
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

fn clip(s: &str) -> String {
    if s.chars().count() <= EVIDENCE_CHARS {
        return s.to_string();
    }
    let mut c: String = s.chars().take(EVIDENCE_CHARS).collect();
    c.push('…');
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_tokens_and_jwts() {
        let c = Client::new("http://127.0.0.1:9", 1, 0.0, vec!["secret-token-a".into()]);
        let r = c.redact(
            "Authorization: Bearer secret-token-a and eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
        );
        assert!(!r.contains("secret-token-a"), "{r}");
        assert!(!r.contains("eyJzdWIiOiIxIn0"), "{r}");
        assert!(r.contains("secr…"), "{r}");
    }

    #[test]
    fn the_budget_is_kept() {
        let mut c = Client::new("http://127.0.0.1:9", 0, 0.0, vec![]);
        assert_eq!(c.send("GET", "/", &[], None).unwrap_err(), Stop::Budget);
        assert_eq!(c.sent(), 0);
    }
}

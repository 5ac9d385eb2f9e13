//! Publishers: where a delivery goes. Each renders a [`Notice`] (everything a message says,
//! read from the database by [`super::delivery`]) for its receiver and sends it, blocking
//! (`ureq`, lettre's SMTP transport), on a thread off the async runtime.
//!
//! A publisher returns `Ok` only when the receiver took the message (a 2xx answer, the SMTP
//! server's `250`): the delivery is marked sent after that, and only then.

pub mod email;
pub mod slack;
pub mod tickets;
pub mod webhook;

use super::rules::{PublisherKind, Rule};
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

/// A project as messages name it.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectRef {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// A finding as messages name it.
#[derive(Debug, Clone, Serialize)]
pub struct FindingRef {
    /// Its id.
    pub id: i64,
    /// The tool that reported it.
    pub tool: String,
    /// Its rule.
    pub rule: String,
    /// Its title.
    pub title: String,
    /// Its severity.
    pub severity: String,
    /// Where it is (its first place in its latest scan), `path:line`, if known.
    pub location: Option<String>,
    /// Its page on the dashboard.
    pub url: String,
}

/// One event as a message tells it.
#[derive(Debug, Clone, Serialize)]
pub struct EventNotice {
    /// The outbox event's id.
    pub id: i64,
    /// `new_finding`, `reopened_finding`, `fixed_finding`, `sla_overdue`, `scan_failed`,
    /// `policy_failed` or `deployment_advisory`.
    pub kind: String,
    /// One line saying what happened.
    pub title: String,
    /// Its severity, if it has one.
    pub severity: Option<String>,
    /// The project, if the event concerns one.
    pub project: Option<ProjectRef>,
    /// The findings it concerns at or above the rule's severity (at most
    /// [`super::delivery::MAX_LISTED`]; `findings_total` counts them all).
    pub findings: Vec<FindingRef>,
    /// How many findings it concerns at or above the rule's severity.
    pub findings_total: usize,
    /// A page to look at (the project's or the finding's on the dashboard).
    pub url: Option<String>,
    /// The event's own data, as written to the outbox.
    pub data: Value,
    /// When it happened (Unix ms).
    pub created_at: i64,
}

/// The ticket a delivery updates, when one was opened before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// The number or key.
    pub external_id: String,
    /// Its web page.
    pub url: Option<String>,
    /// `open` or `closed`.
    pub state: String,
}

/// Everything one delivery sends.
#[derive(Debug, Clone)]
pub struct Notice {
    /// The delivery's id (the receivers' idempotency key).
    pub delivery: i64,
    /// The rule's id and name.
    pub rule: (i64, String),
    /// The events: one, or a digest's many.
    pub events: Vec<EventNotice>,
    /// A digest of a day's events.
    pub digest: bool,
    /// For tickets: `finding:{id}` or `project:{id}`, and the ticket already opened for it.
    pub subject: Option<(String, Option<Ticket>)>,
    /// When it is sent (Unix ms).
    pub now: i64,
}

impl Notice {
    /// A one-line summary (a digest's count, else its event's title).
    pub fn headline(&self) -> String {
        if self.digest {
            format!(
                "rampart digest ({}): {} event{}",
                self.rule.1,
                self.events.len(),
                if self.events.len() == 1 { "" } else { "s" }
            )
        } else {
            self.events
                .first()
                .map_or_else(|| "rampart".to_string(), |e| e.title.clone())
        }
    }
}

/// What a publisher did, beyond succeeding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Sent.
    Sent,
    /// A ticket opened, updated or closed: the mapping to keep.
    Ticket(Ticket),
}

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishError {
    /// What happened (shown on the settings page; no secret in it).
    pub message: String,
    /// Retrying cannot help (a 4xx other than 408/429, a configuration the receiver refuses).
    pub permanent: bool,
}

impl PublishError {
    /// A failure worth retrying.
    pub fn transient(message: impl Into<String>) -> PublishError {
        PublishError {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure retrying cannot mend.
    pub fn permanent(message: impl Into<String>) -> PublishError {
        PublishError {
            message: message.into(),
            permanent: true,
        }
    }

    /// The failure for an HTTP answer `status` (not 2xx) with `body`.
    pub fn http(what: &str, status: u16, body: &str) -> PublishError {
        let message = format!(
            "{what} answered {status}: {}",
            body.chars().take(300).collect::<String>()
        );
        PublishError {
            message,
            permanent: (400..500).contains(&status) && status != 408 && status != 429,
        }
    }
}

/// Sends notices somewhere.
pub trait Publisher: Send + Sync {
    /// Sends `notice` (blocking); `Ok` only once the receiver took it.
    fn publish(&self, notice: &Notice) -> Result<Outcome, PublishError>;
}

/// The publisher of `rule`.
pub fn for_rule(rule: &Rule) -> Result<Box<dyn Publisher>, PublishError> {
    let bad = |e: serde_json::Error| {
        PublishError::permanent(format!("the rule's config is not valid: {e}"))
    };
    Ok(match rule.publisher {
        PublisherKind::Webhook => Box::new(webhook::Webhook {
            config: serde_json::from_value(rule.config.clone()).map_err(bad)?,
        }),
        PublisherKind::Slack => Box::new(slack::Slack {
            config: serde_json::from_value(rule.config.clone()).map_err(bad)?,
        }),
        PublisherKind::Github | PublisherKind::Gitlab | PublisherKind::Jira => {
            Box::new(tickets::Tracker {
                kind: rule.publisher,
                config: serde_json::from_value(rule.config.clone()).map_err(bad)?,
            })
        }
        PublisherKind::Email => Box::new(email::Email {
            config: serde_json::from_value(rule.config.clone()).map_err(bad)?,
        }),
    })
}

/// The longest answer read from a receiver.
const MAX_ANSWER: u64 = 1 << 20;

/// An HTTP agent with a 30 s limit, 4xx/5xx as answers (not errors).
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Sends `body` with `method` and `headers` to `url`; the answer's JSON (or `Null`) on a 2xx.
pub(crate) fn send_json(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Option<&[u8]>,
) -> Result<Value, PublishError> {
    let what = format!("{method} {}", redact(url));
    let mut resp = match (method, body) {
        ("GET", _) => {
            let mut r = agent.get(url);
            for (k, v) in headers {
                r = r.header(*k, v);
            }
            r.call()
        }
        (_, body) => {
            let mut r = match method {
                "PUT" => agent.put(url),
                "PATCH" => agent.patch(url),
                _ => agent.post(url),
            };
            for (k, v) in headers {
                r = r.header(*k, v);
            }
            r.content_type("application/json")
                .send(body.unwrap_or(&b"{}"[..]))
        }
    }
    .map_err(|e| PublishError::transient(format!("{what}: {e}")))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER)
        .read_to_string()
        .unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(PublishError::http(&what, status, &text));
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `url` without its path and query (incoming-webhook URLs carry their secret there).
pub fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?']).next().unwrap_or("");
    format!("{scheme}://{host}/…")
}

/// The user agent sent.
pub(crate) const USER_AGENT: &str = concat!("rampart/", env!("CARGO_PKG_VERSION"));

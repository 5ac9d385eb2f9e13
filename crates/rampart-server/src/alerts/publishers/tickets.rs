//! Tickets: GitHub issues, GitLab issues and Jira issues (REST v2). One ticket per finding (or
//! per rule and project, the rule's `ticket_per: project`), kept in `notification_ticket`: a
//! later event about the same finding comments on its ticket (reopening it when it was closed)
//! instead of opening another, and the finding's `fixed_finding` event closes it (GitHub
//! `state: closed`, GitLab `state_event: close`, Jira the configured transition). Every ticket
//! links back to the finding's (or project's) dashboard page.

use super::{
    EventNotice, Notice, Outcome, PublishError, Publisher, Ticket, USER_AGENT, agent, send_json,
};
use crate::alerts::rules::{PublisherKind, TrackerConfig};
use base64::Engine;
use serde_json::{Value, json};

/// A ticket publisher.
pub struct Tracker {
    /// GitHub, GitLab or Jira.
    pub kind: PublisherKind,
    /// Its settings.
    pub config: TrackerConfig,
}

/// What to do with the subject's ticket.
enum Action {
    Open { title: String, body: String },
    Comment { body: String, reopen: bool },
    Close { body: String },
    Nothing,
}

/// The text of an event about one subject (Markdown; Jira renders most of it as text).
fn describe(e: &EventNotice) -> String {
    let mut out = format!("**{}**\n\n", e.title);
    if let Some(p) = &e.project {
        out.push_str(&format!("Project: {} (#{})\n", p.name, p.id));
    }
    for f in e.findings.iter().take(50) {
        out.push_str(&format!(
            "- {} `{}` {}{} — {}\n",
            f.severity,
            f.rule,
            f.title,
            f.location
                .as_ref()
                .map(|l| format!(" at `{l}`"))
                .unwrap_or_default(),
            f.url
        ));
    }
    if e.findings_total > e.findings.len().min(50) {
        out.push_str(&format!(
            "- …and {} more\n",
            e.findings_total - e.findings.len().min(50)
        ));
    }
    if let Some(url) = &e.url {
        out.push_str(&format!("\nOn rampart: {url}\n"));
    }
    out
}

fn plan(notice: &Notice) -> Action {
    let Some(e) = notice.events.first() else {
        return Action::Nothing;
    };
    let (subject, existing) = match &notice.subject {
        Some((s, t)) => (s.as_str(), t.as_ref()),
        None => ("", None),
    };
    let per_finding = subject.starts_with("finding:");
    let body = describe(e);
    if e.kind == "fixed_finding" {
        return match existing {
            Some(t) if t.state == "open" && per_finding => Action::Close { body },
            Some(_) if !per_finding => Action::Comment {
                body,
                reopen: false,
            },
            _ => Action::Nothing,
        };
    }
    match existing {
        Some(t) => Action::Comment {
            body,
            reopen: t.state != "open",
        },
        None => {
            let title = match (per_finding, e.findings.first(), &e.project) {
                (true, Some(f), Some(p)) => {
                    format!(
                        "[rampart] {} {}: {} in {}",
                        f.severity, f.rule, f.title, p.name
                    )
                }
                (_, _, Some(p)) => format!("[rampart] {} ({})", p.name, notice.rule.1),
                _ => format!("[rampart] {}", e.title),
            };
            Action::Open {
                title: title.chars().take(250).collect(),
                body,
            }
        }
    }
}

/// A path segment with everything but unreserved characters percent-encoded.
fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Tracker {
    fn base(&self) -> String {
        let default = match self.kind {
            PublisherKind::Github => "https://api.github.com",
            PublisherKind::Gitlab => "https://gitlab.com/api/v4",
            _ => "",
        };
        self.config
            .api
            .as_deref()
            .unwrap_or(default)
            .trim_end_matches('/')
            .to_string()
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        let mut h = vec![
            ("User-Agent", USER_AGENT.to_string()),
            ("Accept", "application/json".to_string()),
        ];
        match self.kind {
            PublisherKind::Github => {
                h[1].1 = "application/vnd.github+json".into();
                h.push(("Authorization", format!("Bearer {}", self.config.token)));
            }
            PublisherKind::Gitlab => h.push(("PRIVATE-TOKEN", self.config.token.clone())),
            _ => match &self.config.user {
                Some(user) => h.push((
                    "Authorization",
                    format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD
                            .encode(format!("{user}:{}", self.config.token))
                    ),
                )),
                None => h.push(("Authorization", format!("Bearer {}", self.config.token))),
            },
        }
        h
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, PublishError> {
        let url = format!("{}{path}", self.base());
        let bytes = body.map(|b| b.to_string().into_bytes());
        send_json(&agent(), method, &url, &self.headers(), bytes.as_deref())
    }

    /// The issue's path under the API (`/repos/o/r/issues/7`, `/projects/p/issues/7`,
    /// `/rest/api/2/issue/KEY-7`).
    fn issue_path(&self, id: &str) -> String {
        match self.kind {
            PublisherKind::Github => format!("/repos/{}/issues/{id}", self.config.project),
            PublisherKind::Gitlab => {
                format!("/projects/{}/issues/{id}", segment(&self.config.project))
            }
            _ => format!("/rest/api/2/issue/{}", segment(id)),
        }
    }

    fn open(&self, title: &str, body: &str) -> Result<Ticket, PublishError> {
        let labels = &self.config.labels;
        let (id, url) = match self.kind {
            PublisherKind::Github => {
                let v = self.call(
                    "POST",
                    &format!("/repos/{}/issues", self.config.project),
                    Some(json!({"title": title, "body": body, "labels": labels})),
                )?;
                (
                    v["number"].to_string(),
                    v["html_url"].as_str().map(String::from),
                )
            }
            PublisherKind::Gitlab => {
                let v = self.call(
                    "POST",
                    &format!("/projects/{}/issues", segment(&self.config.project)),
                    Some(json!({"title": title, "description": body, "labels": labels.join(",")})),
                )?;
                (
                    v["iid"].to_string(),
                    v["web_url"].as_str().map(String::from),
                )
            }
            _ => {
                let v = self.call(
                    "POST",
                    "/rest/api/2/issue",
                    Some(json!({"fields": {
                        "project": {"key": self.config.project},
                        "summary": title,
                        "description": body,
                        "issuetype": {"name": self.config.issue_type.as_deref().unwrap_or("Bug")},
                        "labels": labels,
                    }})),
                )?;
                let key = v["key"].as_str().unwrap_or_default().to_string();
                let url = format!("{}/browse/{key}", self.base());
                (key, Some(url))
            }
        };
        if id.is_empty() || id == "null" {
            return Err(PublishError::permanent(
                "the tracker created an issue but did not say its number",
            ));
        }
        Ok(Ticket {
            external_id: id,
            url,
            state: "open".into(),
        })
    }

    fn comment(&self, id: &str, body: &str) -> Result<(), PublishError> {
        let path = self.issue_path(id);
        match self.kind {
            PublisherKind::Github => self.call(
                "POST",
                &format!("{path}/comments"),
                Some(json!({"body": body})),
            )?,
            PublisherKind::Gitlab => self.call(
                "POST",
                &format!("{path}/notes"),
                Some(json!({"body": body})),
            )?,
            _ => self.call(
                "POST",
                &format!("{path}/comment"),
                Some(json!({"body": body})),
            )?,
        };
        Ok(())
    }

    fn set_state(&self, id: &str, open: bool) -> Result<(), PublishError> {
        let path = self.issue_path(id);
        match self.kind {
            PublisherKind::Github => {
                let state = if open { "open" } else { "closed" };
                self.call("PATCH", &path, Some(json!({"state": state})))?;
            }
            PublisherKind::Gitlab => {
                let event = if open { "reopen" } else { "close" };
                self.call("PUT", &path, Some(json!({"state_event": event})))?;
            }
            _ => {
                // Jira: the workflow's transition by name (reopening is left to the comment).
                if open {
                    return Ok(());
                }
                let want = self.config.close_transition.as_deref().unwrap_or("Done");
                let list = self.call("GET", &format!("{path}/transitions"), None)?;
                let found = list["transitions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|t| {
                        t["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(want))
                            || t["id"].as_str() == Some(want)
                    })
                    .and_then(|t| t["id"].as_str().map(String::from))
                    .ok_or_else(|| {
                        PublishError::permanent(format!(
                            "the Jira issue {id} has no transition named `{want}` (config.close_transition)"
                        ))
                    })?;
                self.call(
                    "POST",
                    &format!("{path}/transitions"),
                    Some(json!({"transition": {"id": found}})),
                )?;
            }
        }
        Ok(())
    }
}

impl Publisher for Tracker {
    fn publish(&self, notice: &Notice) -> Result<Outcome, PublishError> {
        let existing = notice.subject.as_ref().and_then(|(_, t)| t.clone());
        match plan(notice) {
            Action::Nothing => Ok(Outcome::Sent),
            Action::Open { title, body } => Ok(Outcome::Ticket(self.open(&title, &body)?)),
            Action::Comment { body, reopen } => {
                let mut t = existing.expect("a comment is planned on an existing ticket");
                if reopen {
                    self.set_state(&t.external_id, true)?;
                    t.state = "open".into();
                }
                self.comment(&t.external_id, &body)?;
                Ok(Outcome::Ticket(t))
            }
            Action::Close { body } => {
                let mut t = existing.expect("a close is planned on an existing ticket");
                self.comment(&t.external_id, &body)?;
                self.set_state(&t.external_id, false)?;
                t.state = "closed".into();
                Ok(Outcome::Ticket(t))
            }
        }
    }
}

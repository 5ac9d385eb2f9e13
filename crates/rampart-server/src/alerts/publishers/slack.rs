//! Slack-compatible incoming webhooks: `text` (the fallback) and Block Kit `blocks` (a header, a
//! section per event with its findings, links to the dashboard). Mattermost and Teams'
//! Slack-compatible endpoints take the same body.

use super::{EventNotice, Notice, Outcome, PublishError, Publisher, USER_AGENT, agent, send_json};
use crate::alerts::rules::SlackConfig;
use serde_json::{Value, json};

/// The Slack publisher.
pub struct Slack {
    /// Its settings.
    pub config: SlackConfig,
}

/// Findings listed per event in a message (Slack allows 50 blocks and 3,000 characters per
/// section).
const LISTED: usize = 10;

/// Slack's mrkdwn with `&`, `<`, `>` escaped.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn section(e: &EventNotice) -> Value {
    let mut text = match &e.url {
        Some(url) => format!("*<{}|{}>*", esc(url), esc(&e.title)),
        None => format!("*{}*", esc(&e.title)),
    };
    for f in e.findings.iter().take(LISTED) {
        text.push_str(&format!(
            "\n• `{}` <{}|{}>{}",
            f.severity,
            esc(&f.url),
            esc(&f.title),
            f.location
                .as_ref()
                .map(|l| format!(" — {}", esc(l)))
                .unwrap_or_default()
        ));
    }
    if e.findings_total > LISTED.min(e.findings.len()) {
        text.push_str(&format!(
            "\n…and {} more",
            e.findings_total - LISTED.min(e.findings.len())
        ));
    }
    let text: String = text.chars().take(2900).collect();
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

/// The JSON body of `notice`.
pub fn body(notice: &Notice) -> Value {
    let headline = notice.headline();
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": headline.chars().take(150).collect::<String>()}
    })];
    // Slack takes at most 50 blocks.
    for e in notice.events.iter().take(45) {
        blocks.push(section(e));
    }
    if notice.events.len() > 45 {
        blocks.push(json!({"type": "context", "elements": [
            {"type": "mrkdwn", "text": format!("…and {} more events", notice.events.len() - 45)}
        ]}));
    }
    json!({"text": headline, "blocks": blocks})
}

impl Publisher for Slack {
    fn publish(&self, notice: &Notice) -> Result<Outcome, PublishError> {
        let bytes = body(notice).to_string().into_bytes();
        let headers = [
            ("User-Agent", USER_AGENT.to_string()),
            ("Idempotency-Key", notice.delivery.to_string()),
            ("X-Rampart-Delivery", notice.delivery.to_string()),
        ];
        send_json(&agent(), "POST", &self.config.url, &headers, Some(&bytes))?;
        Ok(Outcome::Sent)
    }
}

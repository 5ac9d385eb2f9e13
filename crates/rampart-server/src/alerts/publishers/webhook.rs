//! The generic webhook: a JSON POST (schema `rampart.alert/v1`, `docs/alerts.md`) signed with
//! HMAC-SHA256 of the body under the rule's secret, in `X-Rampart-Signature: sha256=<hex>`.
//! `X-Rampart-Delivery` and `Idempotency-Key` carry the delivery's id (the same on every retry:
//! a receiver drops a repeat after a crash between its answer and our record of it).

use super::{Notice, Outcome, PublishError, Publisher, USER_AGENT, agent, send_json};
use crate::alerts::rules::WebhookConfig;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// The webhook publisher.
pub struct Webhook {
    /// Its settings.
    pub config: WebhookConfig,
}

/// The body's schema name.
pub const SCHEMA: &str = "rampart.alert/v1";

/// The JSON body of `notice`.
pub fn body(notice: &Notice) -> Value {
    json!({
        "schema": SCHEMA,
        "delivery": notice.delivery,
        "rule": {"id": notice.rule.0, "name": notice.rule.1},
        "digest": notice.digest,
        "sent_at": notice.now,
        "summary": notice.headline(),
        "events": notice.events,
    })
}

/// `sha256=<hex HMAC-SHA256 of body under secret>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any size");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl Publisher for Webhook {
    fn publish(&self, notice: &Notice) -> Result<Outcome, PublishError> {
        let bytes = body(notice).to_string().into_bytes();
        let event = if notice.digest {
            "digest".to_string()
        } else {
            notice
                .events
                .first()
                .map_or_else(String::new, |e| e.id.to_string())
        };
        let kind = if notice.digest {
            "digest".to_string()
        } else {
            notice
                .events
                .first()
                .map_or_else(String::new, |e| e.kind.clone())
        };
        let headers = [
            ("User-Agent", USER_AGENT.to_string()),
            (
                "X-Rampart-Signature",
                signature(&self.config.secret, &bytes),
            ),
            ("X-Rampart-Event", event),
            ("X-Rampart-Event-Kind", kind),
            ("X-Rampart-Delivery", notice.delivery.to_string()),
            ("Idempotency-Key", notice.delivery.to_string()),
            ("X-Rampart-Timestamp", (notice.now / 1000).to_string()),
        ];
        send_json(&agent(), "POST", &self.config.url, &headers, Some(&bytes))?;
        Ok(Outcome::Sent)
    }
}

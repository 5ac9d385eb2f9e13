//! E-mail over SMTP (lettre's blocking transport): `starttls` (default, port 587), `tls`
//! (implicit, 465) or `none` (plain, for a relay on the same network; what the tests use).
//! TLS is rustls with the webpki roots, the stack ureq already uses. The message's
//! `Message-ID` names the delivery, so a receiver (or a person) sees a repeat as one.

use super::{Notice, Outcome, PublishError, Publisher};
use crate::alerts::rules::EmailConfig;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use std::time::Duration;

/// The e-mail publisher.
pub struct Email {
    /// Its settings.
    pub config: EmailConfig,
}

/// The plain-text body of `notice`.
pub fn text(notice: &Notice) -> String {
    let mut out = format!("{}\n\n", notice.headline());
    for e in &notice.events {
        out.push_str(&format!("* {}\n", e.title));
        if let Some(url) = &e.url {
            out.push_str(&format!("  {url}\n"));
        }
        for f in e.findings.iter().take(20) {
            out.push_str(&format!(
                "  - [{}] {} ({}){}\n    {}\n",
                f.severity,
                f.title,
                f.rule,
                f.location
                    .as_ref()
                    .map(|l| format!(" at {l}"))
                    .unwrap_or_default(),
                f.url
            ));
        }
        if e.findings_total > e.findings.len().min(20) {
            out.push_str(&format!(
                "  - …and {} more\n",
                e.findings_total - e.findings.len().min(20)
            ));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "-- \nrampart notification rule \"{}\" (delivery {})\n",
        notice.rule.1, notice.delivery
    ));
    out
}

impl Publisher for Email {
    fn publish(&self, notice: &Notice) -> Result<Outcome, PublishError> {
        let c = &self.config;
        let bad = |e: String| PublishError::permanent(e);
        let mut builder = Message::builder()
            .from(c.from.parse().map_err(|e| bad(format!("from: {e}")))?)
            .subject(notice.headline().chars().take(200).collect::<String>())
            .message_id(Some(format!(
                "<rampart-delivery-{}@rampart.invalid>",
                notice.delivery
            )))
            .header(ContentType::TEXT_PLAIN);
        for to in &c.to {
            builder = builder.to(to.parse().map_err(|e| bad(format!("to {to}: {e}")))?);
        }
        let message = builder
            .body(text(notice))
            .map_err(|e| bad(format!("the message: {e}")))?;
        let transport = match c.tls.as_deref().unwrap_or("starttls") {
            "none" => SmtpTransport::builder_dangerous(&c.host).port(c.port.unwrap_or(25)),
            "tls" => SmtpTransport::relay(&c.host)
                .map_err(|e| bad(format!("SMTP {}: {e}", c.host)))?
                .port(c.port.unwrap_or(465)),
            _ => SmtpTransport::starttls_relay(&c.host)
                .map_err(|e| bad(format!("SMTP {}: {e}", c.host)))?
                .port(c.port.unwrap_or(587)),
        };
        let mut transport = transport.timeout(Some(Duration::from_secs(30)));
        if let (Some(user), Some(pass)) = (&c.username, &c.password) {
            transport = transport.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        transport.build().send(&message).map_err(|e| PublishError {
            message: format!("SMTP {}: {e}", c.host),
            permanent: e.is_permanent(),
        })?;
        Ok(Outcome::Sent)
    }
}

//! The settings page's forms on each backend: tokens, teams and roles, notification rules, and a
//! project's SLA, schedule and webhook secret, changed as the API changes them.

#[path = "../../rampart-server/tests/common/mod.rs"]
mod common;
mod support;

use axum::http::StatusCode;
use common::databases;
use rampart_server::auth;
use rampart_server::teams::{self, Role};
use support::{app, hidden, logged_in, seed};

/// The settings forms change what the API changes, as the signed-in user: a token is issued
/// (its secret shown once, and it works) and revoked, a team is made, given a member and a
/// role, a notification rule is made and deleted, a project's SLA, schedule and webhook secret
/// change; a refused change shows the API's message; a form without the session's CSRF token or
/// from a token that is not an admin changes nothing.
#[tokio::test]
async fn settings_forms_manage_tokens_teams_rules_and_projects() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let seeded = seed(s).await;
        let app = app(s);
        let mut b = logged_in(&app, &seeded.admin).await;
        let page = b.get(&app, "/ui/settings").await;
        let csrf = hidden(&page.body, "csrf");
        let tokens = || async { auth::list_tokens(s, seeded.tenant).await.unwrap() };

        // Issue a token: 201, the secret once, and it logs in.
        let a = b
            .post(
                &app,
                "/ui/settings/tokens",
                &[
                    ("csrf", &csrf),
                    ("name", "ci"),
                    ("scope.read", "on"),
                    ("scope.upload", "on"),
                    ("expires_days", "30"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        assert!(a.body.contains("Token “ci” issued"), "{}", a.body);
        let secret = a
            .body
            .split("readonly value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        assert!(secret.starts_with("rpt_"), "{secret}");
        let ci = tokens().await.into_iter().find(|t| t.name == "ci").unwrap();
        assert!(ci.expires_at.is_some());
        assert_eq!(ci.scopes.len(), 2);
        assert_eq!(
            logged_in(&app, &secret)
                .await
                .get(&app, "/ui/")
                .await
                .status,
            StatusCode::OK
        );
        assert!(
            !b.get(&app, "/ui/settings").await.body.contains(&secret),
            "shown once"
        );
        // Refused: no scope; the API's message, beside the form, with its status.
        let a = b
            .post(
                &app,
                "/ui/settings/tokens",
                &[("csrf", &csrf), ("name", "none")],
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        assert!(
            a.body.contains("Not saved: scopes: name at least one"),
            "{}",
            a.body
        );
        // Revoke it.
        let a = b
            .post(
                &app,
                &format!("/ui/settings/tokens/{}/revoke", ci.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(
            (a.status, a.location()),
            (StatusCode::SEE_OTHER, "/ui/settings?saved=tokens#tokens")
        );
        assert!(
            tokens()
                .await
                .into_iter()
                .find(|t| t.id == ci.id)
                .unwrap()
                .revoked_at
                .is_some()
        );
        assert!(
            b.get(&app, "/ui/settings?saved=tokens")
                .await
                .body
                .contains("Saved.")
        );

        // A team, a member, a role on web.
        let a = b
            .post(
                &app,
                "/ui/settings/teams",
                &[("csrf", &csrf), ("name", "payments")],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let team = teams::list(s, seeded.tenant)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.name == "payments")
            .unwrap();
        let a = b
            .post(
                &app,
                &format!("/ui/settings/teams/{}/members", team.id),
                &[("csrf", &csrf), ("token", &ci.id.to_string())],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let a = b
            .post(
                &app,
                &format!("/ui/settings/teams/{}/roles", team.id),
                &[
                    ("csrf", &csrf),
                    ("project", &seeded.web.to_string()),
                    ("role", "security"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let roles = teams::project_roles(s, seeded.web).await.unwrap();
        assert!(
            roles
                .iter()
                .any(|r| r.team == team.id && r.role == Role::Security),
            "{roles:?}"
        );
        let a = b
            .post(
                &app,
                &format!("/ui/settings/teams/{}/roles", team.id),
                &[
                    ("csrf", &csrf),
                    ("project", &seeded.web.to_string()),
                    ("role", "owner"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        assert!(a.body.contains("role: use viewer"), "{}", a.body);
        let a = b
            .post(
                &app,
                &format!("/ui/settings/teams/{}/delete", team.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        assert!(
            teams::list(s, seeded.tenant)
                .await
                .unwrap()
                .iter()
                .all(|t| t.id != team.id)
        );

        // A webhook rule: only the webhook's fields are used; a short secret is refused.
        let rule = |secret: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("name", "siem".to_string()),
                ("event.new_finding", "on".into()),
                ("event.policy_failed", "on".into()),
                ("min_severity", "high".into()),
                ("publisher", "webhook".into()),
                ("webhook.url", "http://127.0.0.1:9/hook".into()),
                ("webhook.secret", secret.into()),
                ("slack.url", "http://ignored.example/".into()),
            ]
        };
        let short: Vec<(&str, String)> = rule("short");
        let short: Vec<(&str, &str)> = short.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = b.post(&app, "/ui/settings/rules", &short).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
        assert!(a.body.contains("Not saved: config.secret"), "{}", a.body);
        let good: Vec<(&str, String)> = rule("sixteen-chars-at-least");
        let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = b.post(&app, "/ui/settings/rules", &good).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let rules = rampart_server::alerts::rules::list(s, seeded.tenant)
            .await
            .unwrap();
        assert_eq!(rules.len(), 1);
        let shown = rules[0].shown();
        assert_eq!(
            shown["events"],
            serde_json::json!(["new_finding", "policy_failed"])
        );
        assert_eq!(
            (shown["publisher"].as_str(), shown["min_severity"].as_str()),
            (Some("webhook"), Some("high"))
        );
        let a = b
            .post(
                &app,
                &format!("/ui/settings/rules/{}/delete", rules[0].id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        assert!(
            rampart_server::alerts::rules::list(s, seeded.tenant)
                .await
                .unwrap()
                .is_empty()
        );
        // A GitHub rule, one ticket per rule and project, with labels: only the tracker's fields.
        let a = b
            .post(
                &app,
                "/ui/settings/rules",
                &[
                    ("csrf", &csrf),
                    ("name", "tickets"),
                    ("event.new_finding", "on"),
                    ("publisher", "github"),
                    ("tracker.project", "acme/web"),
                    ("tracker.token", "a-token-for-the-fake-forge"),
                    ("tracker.ticket_per", "project"),
                    ("tracker.labels", "security, rampart"),
                    ("webhook.url", "http://ignored.example/"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let rules = rampart_server::alerts::rules::list(s, seeded.tenant)
            .await
            .unwrap();
        let shown = rules[0].shown();
        assert_eq!(shown["config"]["ticket_per"], "project", "{shown}");
        assert_eq!(
            shown["config"]["labels"],
            serde_json::json!(["security", "rampart"])
        );
        assert_eq!(shown["config"]["token"], "(set)");
        assert!(!rules[0].ticket_per_finding());

        // A project's SLA (empty: no due date), schedule and a generated webhook secret.
        let web = seeded.web.to_string();
        let a = b
            .post(
                &app,
                &format!("/ui/settings/projects/{web}"),
                &[
                    ("csrf", &csrf),
                    ("sla.critical", "3"),
                    ("sla.high", "14"),
                    ("sla.medium", ""),
                    ("sla.low", ""),
                    ("sla.info", ""),
                    ("schedule", "0 3 * * *"),
                    ("new_webhook_secret", "on"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        let secret = a
            .body
            .split("readonly value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        assert!(secret.starts_with("whsec_"), "{secret}");
        assert_eq!(
            rampart_server::projects::webhook_secret(s, seeded.web)
                .await
                .unwrap()
                .as_deref(),
            Some(secret.as_str())
        );
        let p = rampart_server::projects::get(s, seeded.tenant, seeded.web)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.sla.critical, p.sla.high, p.sla.medium),
            (Some(3), Some(14), None)
        );
        assert_eq!(p.schedule.as_deref(), Some("0 3 * * *"));
        let a = b
            .post(
                &app,
                &format!("/ui/settings/projects/{web}"),
                &[("csrf", &csrf), ("sla.critical", "x")],
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        assert!(a.body.contains("sla.critical"), "{}", a.body);
        let a = b
            .post(
                &app,
                &format!("/ui/settings/projects/{web}"),
                &[("csrf", &csrf), ("schedule", "every day")],
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
        assert!(a.body.contains("Not saved: schedule"), "{}", a.body);

        // No CSRF token: refused; a team-bound viewer: tokens are not theirs to issue.
        let n = tokens().await.len();
        let a = b
            .post(
                &app,
                "/ui/settings/tokens",
                &[("name", "x"), ("scope.read", "on")],
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        let (_, viewer) = support::team_viewer(s, seeded.tenant, seeded.api, "readers").await;
        let mut v = logged_in(&app, &viewer).await;
        let vcsrf = hidden(&v.get(&app, "/ui/settings").await.body, "csrf");
        let a = v
            .post(
                &app,
                "/ui/settings/tokens",
                &[("csrf", &vcsrf), ("name", "x"), ("scope.read", "on")],
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
        let a = v
            .post(
                &app,
                &format!("/ui/settings/projects/{}", seeded.api),
                &[("csrf", &vcsrf), ("sla.critical", "1")],
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
        assert_eq!(
            tokens().await.len(),
            n + 1,
            "only the viewer's own token was added"
        );
        db.done().await;
    }
}

/// A project's fix requests, forge API and component policy: shown on the settings page,
/// changed by its admin through the API's checks (a policy that does not parse is refused with
/// the parser's message, a mode that does not exist too), and only shown to a viewer.
#[tokio::test]
async fn settings_show_and_change_fix_requests_and_the_project_policy() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let seeded = seed(s).await;
        let app = app(s);
        let mut b = logged_in(&app, &seeded.admin).await;
        let page = b.get(&app, "/ui/settings").await;
        assert!(
            page.body.contains("Fix requests and component policy"),
            "{}",
            page.body
        );
        let csrf = hidden(&page.body, "csrf");
        let web = seeded.web.to_string();
        let url = format!("/ui/settings/projects/{web}/fixes");
        let policy = "[policy]\r\ndeny = [{ purl = \"pkg:npm/event-stream\", reason = \"compromised\" }]\r\n";
        let a = b
            .post(
                &app,
                &url,
                &[
                    ("csrf", &csrf),
                    ("fix_requests", "per_package"),
                    ("forge_kind", "gitlab"),
                    ("policy", policy),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let p = rampart_server::projects::get(s, seeded.tenant, seeded.web)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.fix_requests.as_deref(), Some("per_package"));
        assert_eq!(p.forge_kind.as_deref(), Some("gitlab"));
        assert_eq!(
            p.policy.as_deref(),
            Some(
                "[policy]\ndeny = [{ purl = \"pkg:npm/event-stream\", reason = \"compromised\" }]"
            )
        );
        let page = b.get(&app, "/ui/settings?saved=fixes").await;
        assert!(
            page.body
                .contains("<option value=\"per_package\" selected>"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("<option value=\"gitlab\" selected>"),
            "{}",
            page.body
        );
        assert!(page.body.contains("pkg:npm/event-stream"), "{}", page.body);

        // Refused: a policy that is not TOML, a mode that does not exist; nothing changes.
        let a = b
            .post(
                &app,
                &url,
                &[("csrf", &csrf), ("policy", "[policy\ndeny = 1")],
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
        assert!(a.body.contains("Not saved: policy"), "{}", a.body);
        let a = b
            .post(&app, &url, &[("csrf", &csrf), ("fix_requests", "weekly")])
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
        assert!(a.body.contains("Not saved: fix_requests"), "{}", a.body);
        let p = rampart_server::projects::get(s, seeded.tenant, seeded.web)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.fix_requests.as_deref(), Some("per_package"));

        // Off and an empty policy clear them.
        let a = b
            .post(
                &app,
                &url,
                &[("csrf", &csrf), ("fix_requests", "off"), ("policy", "")],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let p = rampart_server::projects::get(s, seeded.tenant, seeded.web)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((p.fix_requests, p.policy), (None, None));

        // A viewer bound to a team sees the settings of its project but has no form.
        let (_, viewer) = support::team_viewer(s, seeded.tenant, seeded.api, "readers").await;
        let mut v = logged_in(&app, &viewer).await;
        let page = v.get(&app, "/ui/settings").await;
        assert!(page.body.contains("Fix requests and component policy"));
        assert!(!page.body.contains("/fixes\""), "{}", page.body);
        let vcsrf = hidden(&page.body, "csrf");
        let a = v
            .post(
                &app,
                &format!("/ui/settings/projects/{}/fixes", seeded.api),
                &[("csrf", &vcsrf), ("fix_requests", "grouped")],
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
        db.done().await;
    }
}

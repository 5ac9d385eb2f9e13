//! Exporting a project's decisions: as an OpenVEX 0.2.0 document, or as `[[suppress]]` entries
//! of `rampart.toml` that the CLI applies.
//!
//! What is exported: for each finding of the project seen on the branch (open or fixed), the
//! decision in effect there now (expired and superseded decisions are left out).
//!
//! OpenVEX status mapping (OpenVEX knows `not_affected`, `affected`, `fixed`,
//! `under_investigation`):
//!
//! | rampart | OpenVEX |
//! |---|---|
//! | `in_triage` | `under_investigation` |
//! | `exploitable` | `affected`, `action_statement` from the response and reason |
//! | `not_affected` | `not_affected`, justification mapped below, `impact_statement` = reason |
//! | `false_positive` | `not_affected`, `vulnerable_code_not_present` (the reported code is not vulnerable), `impact_statement` = reason |
//! | `resolved` | `fixed` |
//!
//! Justifications (CycloneDX → OpenVEX): `code_not_present` → `vulnerable_code_not_present`;
//! `code_not_reachable` → `vulnerable_code_not_in_execute_path`; `requires_dependency` →
//! `component_not_present`; `requires_configuration`, `requires_environment` →
//! `vulnerable_code_cannot_be_controlled_by_adversary`; `protected_by_compiler`,
//! `protected_at_runtime`, `protected_at_perimeter`, `protected_by_mitigating_control` →
//! `inline_mitigations_already_exist`.
//!
//! The TOML holds one `[[suppress]]` per finding of the `rampart` tool (the only rules the CLI
//! knows) whose decision is `false_positive` or `not_affected`: its rule and fingerprint, the
//! reason, and `expires` as the last whole day before the decision expires.

use super::{Decision, Target, effective};
use crate::clock::{DAY_MS, now_ms};
use crate::store::{Store, StoreError};
use rampart_core::date::Date;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// A finding and the decision in effect for it.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The finding's tool.
    pub tool: String,
    /// Rule.
    pub rule: String,
    /// Fingerprint.
    pub fingerprint: String,
    /// Package, for dependency findings.
    pub purl: Option<String>,
    /// Advisory, for dependency findings.
    pub advisory: Option<String>,
    /// The decision.
    pub decision: Decision,
}

/// The findings of `project` (of `tenant`) on `branch` that have a decision in effect now.
pub async fn decided(
    store: &Store,
    tenant: i64,
    project: i64,
    branch: &str,
) -> Result<Vec<Decided>, StoreError> {
    type Row = (i64, String, String, String, Option<String>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT f.id, f.tool, f.rule, f.fingerprint, f.purl, f.advisory FROM finding_state s \
         JOIN finding f ON f.id = s.finding WHERE f.project = $1 AND s.branch = $2 ORDER BY f.id",
    )
    .bind(project)
    .bind(branch)
    .fetch_all(store.pool())
    .await?;
    let now = now_ms();
    let mut by_rule: HashMap<(String, String), Vec<Decision>> = HashMap::new();
    for d in super::candidates(store, tenant, project, None).await? {
        if d.active(now) {
            by_rule
                .entry((d.tool.clone(), d.rule.clone()))
                .or_default()
                .push(d);
        }
    }
    let mut out = Vec::new();
    for r in rows {
        let Some(list) = by_rule.get(&(r.1.clone(), r.2.clone())) else {
            continue;
        };
        let t = Target {
            project,
            tool: &r.1,
            rule: &r.2,
            fingerprint: &r.3,
            purl: r.4.as_deref(),
            advisory: r.5.as_deref(),
        };
        if let Some(d) = effective(list, &t, branch, now) {
            out.push(Decided {
                decision: d.clone(),
                tool: r.1.clone(),
                rule: r.2.clone(),
                fingerprint: r.3.clone(),
                purl: r.4.clone(),
                advisory: r.5.clone(),
            });
        }
    }
    Ok(out)
}

/// The OpenVEX justification for a CycloneDX one.
pub fn vex_justification(cyclonedx: &str) -> &'static str {
    match cyclonedx {
        "code_not_present" => "vulnerable_code_not_present",
        "code_not_reachable" => "vulnerable_code_not_in_execute_path",
        "requires_dependency" => "component_not_present",
        "requires_configuration" | "requires_environment" => {
            "vulnerable_code_cannot_be_controlled_by_adversary"
        }
        _ => "inline_mitigations_already_exist",
    }
}

/// Unix ms as RFC 3339 (UTC, whole seconds).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let day = Date::from_unix(secs);
    let s = secs.rem_euclid(86_400);
    format!("{day}T{:02}:{:02}:{:02}Z", s / 3600, (s / 60) % 60, s % 60)
}

/// The OpenVEX 0.2.0 document for `project_name`'s decided findings.
pub fn openvex(project: i64, project_name: &str, branch: &str, items: &[Decided]) -> Value {
    let now = now_ms();
    // One statement per decision, vulnerability and package.
    let mut statements: BTreeMap<(i64, String, String), Value> = BTreeMap::new();
    for it in items {
        let d = &it.decision;
        let name = it.advisory.clone().unwrap_or(it.rule.clone());
        let mut product = json!({"@id": project_name});
        if let Some(p) = &it.purl {
            product["subcomponents"] = json!([{"@id": p}]);
        }
        let mut st = json!({
            "vulnerability": {"name": name},
            "products": [product],
            "timestamp": rfc3339(d.at),
            "status_notes": format!(
                "rampart triage decision {} ({}, {} scope): {} {} {}",
                d.id, d.state, d.scope, it.tool, it.rule, it.fingerprint
            ),
        });
        match d.state.as_str() {
            "in_triage" => st["status"] = json!("under_investigation"),
            "exploitable" => {
                st["status"] = json!("affected");
                st["action_statement"] = json!(match &d.response {
                    Some(r) => format!("{r}: {}", d.reason),
                    None => d.reason.clone(),
                });
            }
            "resolved" => st["status"] = json!("fixed"),
            state => {
                st["status"] = json!("not_affected");
                st["justification"] = json!(match (state, &d.justification) {
                    ("not_affected", Some(j)) => vex_justification(j),
                    _ => "vulnerable_code_not_present",
                });
                st["impact_statement"] = json!(d.reason);
            }
        }
        statements
            .entry((d.id, name, it.purl.clone().unwrap_or_default()))
            .or_insert(st);
    }
    json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": format!("urn:rampart:vex:project:{project}:{branch}:{now}"),
        "author": "rampart server",
        "role": "triage",
        "timestamp": rfc3339(now),
        "version": 1,
        "tooling": "rampart",
        "statements": statements.into_values().collect::<Vec<_>>(),
    })
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `[[suppress]]` entries of `rampart.toml` for the decided findings the CLI can suppress.
pub fn rampart_toml(project_name: &str, branch: &str, items: &[Decided]) -> String {
    let mut out = format!(
        "# Triage decisions of project {} on branch {}, exported by the rampart server.\n# Paste into rampart.toml.\n",
        project_name.replace(['\n', '\r'], " "),
        branch.replace(['\n', '\r'], " ")
    );
    let mut seen = std::collections::HashSet::new();
    for it in items {
        let d = &it.decision;
        if it.tool != "rampart"
            || !matches!(d.state.as_str(), "false_positive" | "not_affected")
            || !seen.insert((it.rule.clone(), it.fingerprint.clone()))
        {
            continue;
        }
        out.push_str("\n[[suppress]]\n");
        out.push_str(&format!("rule = {}\n", toml_string(&it.rule)));
        out.push_str(&format!("fingerprint = {}\n", toml_string(&it.fingerprint)));
        let what = match &d.justification {
            Some(j) => format!("{} ({j})", d.state),
            None => d.state.clone(),
        };
        out.push_str(&format!(
            "reason = {}\n",
            toml_string(&format!("{what}: {} [rampart triage #{}]", d.reason, d.id))
        ));
        if let Some(e) = d.expires_at {
            // The CLI's dates are whole days and include the day named: the last day before
            // the one the decision expires on.
            let last = Date::from_unix((e - DAY_MS).div_euclid(1000));
            out.push_str(&format!("expires = \"{last}\"\n"));
        }
    }
    out
}

//! Threats added, removed and changed between two versions of a model, as a pull-request
//! comment body.

use crate::rules::{IMPACT, LIKELIHOOD, RISK, Threat};
use rampart_core::paths::printable;

/// One threat whose rating or text changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    /// Before.
    pub old: Threat,
    /// After.
    pub new: Threat,
}

/// The difference between two threat lists, each part ordered by risk then id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThreatDiff {
    /// New threats.
    pub added: Vec<Threat>,
    /// Threats gone.
    pub removed: Vec<Threat>,
    /// Threats whose likelihood, impact, risk or message changed.
    pub changed: Vec<Changed>,
}

impl ThreatDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Compares threats by id.
pub fn diff(old: &[Threat], new: &[Threat]) -> ThreatDiff {
    let mut d = ThreatDiff::default();
    for n in new {
        match old.iter().find(|o| o.id == n.id) {
            None => d.added.push(n.clone()),
            Some(o)
                if o.risk != n.risk
                    || o.likelihood != n.likelihood
                    || o.impact != n.impact
                    || o.message != n.message =>
            {
                d.changed.push(Changed {
                    old: o.clone(),
                    new: n.clone(),
                })
            }
            Some(_) => {}
        }
    }
    d.removed = old
        .iter()
        .filter(|o| !new.iter().any(|n| n.id == o.id))
        .cloned()
        .collect();
    let key = |t: &Threat| (std::cmp::Reverse(t.risk), t.id.clone());
    d.added.sort_by_key(key);
    d.removed.sort_by_key(key);
    d.changed.sort_by_key(|c| key(&c.new));
    d
}

fn cell(s: &str) -> String {
    printable(s).replace('|', "\\|").replace('\n', " ")
}

fn row(t: &Threat) -> String {
    format!(
        "| {} | `{}` | {} | {} |\n",
        RISK[t.risk],
        cell(&t.id),
        cell(&t.stride),
        cell(&t.message)
    )
}

/// The pull-request comment: a summary line and one table per non-empty part.
pub fn markdown(d: &ThreatDiff, model_path: &str, base: &str) -> String {
    let mut s = format!(
        "### Threat model: {} since `{}`\n\n",
        cell(model_path),
        cell(base)
    );
    if d.is_empty() {
        s.push_str("No threats added, removed or changed.\n");
        return s;
    }
    s.push_str(&format!(
        "**{} added**, **{} removed**, **{} changed**.\n",
        d.added.len(),
        d.removed.len(),
        d.changed.len()
    ));
    let head = "| risk | threat | STRIDE | what |\n|---|---|---|---|\n";
    if !d.added.is_empty() {
        s.push_str("\n#### Added\n\n");
        s.push_str(head);
        d.added.iter().for_each(|t| s.push_str(&row(t)));
    }
    if !d.removed.is_empty() {
        s.push_str("\n#### Removed\n\n");
        s.push_str(head);
        d.removed.iter().for_each(|t| s.push_str(&row(t)));
    }
    if !d.changed.is_empty() {
        s.push_str("\n#### Changed\n\n| threat | before | after |\n|---|---|---|\n");
        for c in &d.changed {
            let rating = |t: &Threat| {
                format!(
                    "{} ({} × {})",
                    RISK[t.risk], LIKELIHOOD[t.likelihood], IMPACT[t.impact]
                )
            };
            let mut before = rating(&c.old);
            let mut after = rating(&c.new);
            if c.old.message != c.new.message {
                before = format!("{before}: {}", cell(&c.old.message));
                after = format!("{after}: {}", cell(&c.new.message));
            }
            s.push_str(&format!("| `{}` | {before} | {after} |\n", cell(&c.new.id)));
        }
    }
    s
}

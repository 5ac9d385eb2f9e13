//! Threat rules as data (`rules/<id>.toml`) and their evaluation over a model.

use crate::expr::{self, Expr, Scope, Val};
use crate::model::{self, Asset, Boundary, DataAsset, Link, Model, Runtime};
use rampart_core::{Confidence, RuleDefaults, RuleDoc, RuleMeta};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The engine's name.
pub const ENGINE: &str = "threat";

/// STRIDE categories.
pub const STRIDE: &[&str] = &[
    "spoofing",
    "tampering",
    "repudiation",
    "information-disclosure",
    "denial-of-service",
    "elevation-of-privilege",
];

/// Likelihoods, lowest first (weights 1–4).
pub const LIKELIHOOD: &[&str] = &["unlikely", "likely", "very-likely", "frequent"];
/// Impacts, lowest first (weights 1–4).
pub const IMPACT: &[&str] = &["low", "medium", "high", "very-high"];
/// Risk levels, lowest first.
pub const RISK: &[&str] = &["low", "medium", "elevated", "high", "critical"];

/// The risk level of a likelihood and an impact (indexes into [`LIKELIHOOD`] and [`IMPACT`]):
/// the product of their weights, as Threagile rates it (≤1 low, ≤3 medium, ≤8 elevated,
/// ≤12 high, above critical).
pub fn risk_level(likelihood: usize, impact: usize) -> usize {
    match (likelihood + 1) * (impact + 1) {
        0..=1 => 0,
        2..=3 => 1,
        4..=8 => 2,
        9..=12 => 3,
        _ => 4,
    }
}

/// A risk level as a finding severity (elevated counts as high).
pub fn risk_severity(risk: usize) -> rampart_core::Severity {
    use rampart_core::Severity::*;
    [Low, Medium, High, High, Critical][risk.min(4)]
}

/// What a rule looks at, one threat per match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// Each in-scope technical asset (`asset`).
    Asset,
    /// Each communication link (`link`, `source`, `target`).
    Link,
    /// Each trust boundary (`boundary`).
    Boundary,
    /// Each shared runtime (`runtime`).
    Runtime,
    /// Each data asset (`data`).
    Data,
    /// The whole model once (`model`).
    Model,
}

#[derive(Debug, Deserialize)]
struct Raise {
    when: String,
    #[serde(default)]
    likelihood: Option<String>,
    #[serde(default)]
    impact: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RuleFile {
    #[serde(flatten)]
    doc: RuleDoc,
    stride: String,
    subject: Subject,
    #[serde(default)]
    at: Option<String>,
    when: String,
    #[serde(default)]
    message: Option<String>,
    likelihood: String,
    impact: String,
    #[serde(default)]
    raise: Vec<Raise>,
    #[serde(default)]
    native: Option<String>,
    #[serde(default)]
    threagile_id: Option<String>,
    #[serde(flatten)]
    extra: BTreeMap<String, toml::Value>,
}

const KEYS: &[&str] = &[
    "stride",
    "subject",
    "at",
    "when",
    "message",
    "likelihood",
    "impact",
    "raise",
    "native",
    "threagile_id",
];

/// The parts a link rule's `threagile_id` template may name: `{rule}` (the rule's short id), `{link}`
/// (the link id), `{source}` and `{target}` (asset ids).
pub const ID_PARTS: &[&str] = &["{rule}", "{link}", "{source}", "{target}"];

/// A loaded threat rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Documentation, as every engine's rules.
    pub meta: RuleMeta,
    /// STRIDE category.
    pub stride: String,
    /// What it looks at.
    pub subject: Subject,
    /// For link rules: whether the threat is at the `target` (default) or `source` asset.
    pub at_source: bool,
    /// When a threat exists.
    pub when: Expr,
    /// Message template (`{asset}`, `{link}`, `{source}`, `{target}`, `{boundary}`, `{runtime}`).
    pub message: String,
    /// Base likelihood and impact (indexes).
    pub likelihood: usize,
    /// Base impact (index).
    pub impact: usize,
    /// Conditions that change likelihood or impact, the last that holds winning.
    pub raise: Vec<(Expr, Option<usize>, Option<usize>)>,
    /// A native capability that finds this rule's threats instead of `when` (`drift`).
    pub native: Option<String>,
    /// For link rules: the threat id as Threagile's own rule writes its synthetic id
    /// (`{rule}@{link}@{source}@{target}`), so that a Threagile model's `risk_tracking`
    /// entries apply unchanged; without it, `rule@asset@link`.
    pub id: Option<String>,
}

const DEFAULTS: RuleDefaults = RuleDefaults {
    engine: ENGINE,
    confidence: Confidence::Medium,
    cwe: &[],
    owasp: &[],
    family: Some("threat"),
};

fn index(list: &[&str], v: &str, what: &str) -> Result<usize, String> {
    list.iter()
        .position(|x| *x == v)
        .ok_or_else(|| format!("{what} `{v}` must be one of {}", list.join(", ")))
}

/// Parses one rule file; `name` is its file name, for messages.
pub fn parse_rule(name: &str, text: &str) -> Result<Rule, String> {
    let f: RuleFile = toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
    if let Some(m) = rampart_core::rule::unknown_keys(f.extra.keys(), KEYS) {
        return Err(format!("{name}: {m}"));
    }
    let e = |m: String| format!("{name}: {m}");
    index(STRIDE, &f.stride, "stride").map_err(e)?;
    let when = expr::parse(&f.when).map_err(|m| e(format!("when: {m}")))?;
    let mut raise = Vec::new();
    for r in &f.raise {
        let c = expr::parse(&r.when).map_err(|m| e(format!("raise when: {m}")))?;
        let l = r
            .likelihood
            .as_deref()
            .map(|l| index(LIKELIHOOD, l, "likelihood"))
            .transpose()
            .map_err(e)?;
        let i = r
            .impact
            .as_deref()
            .map(|l| index(IMPACT, l, "impact"))
            .transpose()
            .map_err(e)?;
        raise.push((c, l, i));
    }
    if let Some(n) = &f.native
        && n != "drift"
    {
        return Err(e(format!(
            "native `{n}` is not a capability; the only one is `drift`"
        )));
    }
    if let Some(t) = &f.threagile_id {
        if f.subject != Subject::Link {
            return Err(e("threagile_id: only link rules have an id template".into()));
        }
        let mut rest = t.clone();
        for p in ID_PARTS {
            rest = rest.replace(p, "");
        }
        if !t.starts_with("{rule}@") || rest.contains(['{', '}']) {
            return Err(e(format!(
                "threagile_id `{t}` must start with `{{rule}}@` and name only {}",
                ID_PARTS.join(", ")
            )));
        }
    }
    let at_source = match f.at.as_deref() {
        None | Some("target") => false,
        Some("source") => true,
        Some(x) => return Err(e(format!("at `{x}` must be target or source"))),
    };
    let mut meta = f.doc.into_meta(&DEFAULTS);
    if !meta.tags.contains(&f.stride) {
        meta.tags.push(f.stride.clone());
    }
    Ok(Rule {
        stride: f.stride,
        subject: f.subject,
        at_source,
        when,
        message: f.message.unwrap_or_else(|| {
            match f.subject {
                Subject::Link => "{title}: link {link} from {source} to {target}",
                Subject::Asset => "{title} at {asset}",
                Subject::Boundary => "{title} in boundary {boundary}",
                Subject::Runtime => "{title} on runtime {runtime}",
                Subject::Data => "{title}: data asset {data}",
                Subject::Model => "{title}",
            }
            .into()
        }),
        likelihood: index(LIKELIHOOD, &f.likelihood, "likelihood").map_err(e)?,
        impact: index(IMPACT, &f.impact, "impact").map_err(e)?,
        raise,
        native: f.native,
        id: f.threagile_id,
        meta,
    })
}

/// One threat found in a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Threat {
    /// Stable id: `rule@asset`, with `@link` for link threats (`rule@boundary`,
    /// `rule@runtime`, `rule@model` for the others).
    pub id: String,
    /// The rule's full id (`threat/missing-authentication`).
    pub rule: String,
    /// The rule's title.
    pub title: String,
    /// STRIDE category.
    pub stride: String,
    /// The threatened asset, if any.
    pub asset: Option<String>,
    /// The link involved, if any.
    pub link: Option<String>,
    /// What is threatened, in words.
    pub message: String,
    /// Likelihood (index into [`LIKELIHOOD`]).
    pub likelihood: usize,
    /// Impact (index into [`IMPACT`]).
    pub impact: usize,
    /// Risk level (index into [`RISK`]).
    pub risk: usize,
    /// Line in the model file.
    pub line: usize,
}

struct Env<'m> {
    m: &'m Model,
    asset: Option<&'m Asset>,
    link: Option<&'m Link>,
    other: Option<&'m Asset>,
    boundary: Option<&'m Boundary>,
    runtime: Option<&'m Runtime>,
    data: Option<&'m DataAsset>,
}

impl<'m> Env<'m> {
    fn with(&self) -> Env<'m> {
        Env {
            m: self.m,
            asset: self.asset,
            link: self.link,
            other: self.other,
            boundary: self.boundary,
            runtime: self.runtime,
            data: self.data,
        }
    }

    fn asset_field(&self, a: &Asset, f: &str) -> Option<Val> {
        let m = self.m;
        let list = |v: &Vec<String>| Val::List(v.clone());
        Some(match f {
            "id" => Val::Str(a.id.clone()),
            "title" => Val::Str(a.title.clone()),
            "type" => Val::Str(a.kind.clone()),
            "technology" => Val::Str(a.technology.clone()),
            "traits" => Val::List(
                model::traits(model::TECHNOLOGIES, &a.technology)
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            ),
            "internet" => Val::Bool(a.internet),
            "out_of_scope" => Val::Bool(a.out_of_scope),
            "encryption" => Val::Str(a.encryption.clone()),
            "encrypted" => Val::Bool(a.encryption != "none"),
            "machine" => Val::Str(a.machine.clone()),
            "usage" => Val::Str(a.usage.clone()),
            "multi_tenant" => Val::Bool(a.multi_tenant),
            "redundant" => Val::Bool(a.redundant),
            "custom_developed_parts" => Val::Bool(a.custom_developed_parts),
            "used_as_client_by_human" => Val::Bool(a.used_as_client_by_human),
            "confidentiality" => Val::Rating(a.confidentiality, true),
            "integrity" => Val::Rating(a.integrity, false),
            "availability" => Val::Rating(a.availability, false),
            "highest_confidentiality" => Val::Rating(m.asset_highest(a, 0), true),
            "highest_integrity" => Val::Rating(m.asset_highest(a, 1), false),
            "highest_availability" => Val::Rating(m.asset_highest(a, 2), false),
            "highest_stored_confidentiality" => Val::Rating(stored(m, a, 0), true),
            "highest_stored_integrity" => Val::Rating(stored(m, a, 1), false),
            "data_count" => Val::Num((a.processes.len() + a.stores.len()) as i64),
            "formats" => list(&a.formats),
            "tags" => list(&a.tags),
            "processes" => list(&a.processes),
            "stores" => list(&a.stores),
            "incoming" => Val::Num(m.links.iter().filter(|l| l.target == a.id).count() as i64),
            "outgoing" => Val::Num(m.links.iter().filter(|l| l.source == a.id).count() as i64),
            "boundary" => Val::Str(
                m.boundary_of(&a.id)
                    .map(|b| b.id.clone())
                    .unwrap_or_default(),
            ),
            "network_boundary" => Val::Str(
                m.network_boundary_of(&a.id)
                    .map(|b| b.id.clone())
                    .unwrap_or_default(),
            ),
            "in_boundary" => Val::Bool(m.boundary_of(&a.id).is_some()),
            "runtime" => Val::Str(
                m.runtimes
                    .iter()
                    .find(|r| r.assets.contains(&a.id))
                    .map(|r| r.id.clone())
                    .unwrap_or_default(),
            ),
            _ => return None,
        })
    }

    fn link_field(&self, l: &Link, f: &str) -> Option<Val> {
        let m = self.m;
        let traits = model::traits(model::PROTOCOLS, &l.protocol);
        let nb = |id: &str| m.network_boundary_of(id).map(|b| b.id.clone());
        let b = |id: &str| m.boundary_of(id).map(|b| b.id.clone());
        Some(match f {
            "id" => Val::Str(l.id.clone()),
            "title" => Val::Str(l.title.clone()),
            "protocol" => Val::Str(l.protocol.clone()),
            "protocol_traits" => Val::List(traits.iter().map(|s| s.to_string()).collect()),
            "encrypted" => Val::Bool(traits.contains(&"encrypted")),
            "process_local" => Val::Bool(traits.contains(&"process-local")),
            "authentication" => Val::Str(l.authentication.clone()),
            "authorization" => Val::Str(l.authorization.replace("end-user", "enduser")),
            "vpn" => Val::Bool(l.vpn),
            "ip_filtered" => Val::Bool(l.ip_filtered),
            "readonly" => Val::Bool(l.readonly),
            "usage" => Val::Str(l.usage.clone()),
            "highest_confidentiality" => Val::Rating(m.link_highest(l, 0), true),
            "highest_integrity" => Val::Rating(m.link_highest(l, 1), false),
            "highest_availability" => Val::Rating(m.link_highest(l, 2), false),
            "sent_count" => Val::Num(l.sent.len() as i64),
            "received_count" => Val::Num(l.received.len() as i64),
            "data_count" => Val::Num((l.sent.len() + l.received.len()) as i64),
            "unneeded_data" => {
                let uses = |id: &str, d: &String| {
                    m.asset(id)
                        .is_some_and(|a| a.processes.contains(d) || a.stores.contains(d))
                };
                Val::Num(
                    (l.sent.iter().filter(|d| !uses(&l.target, d)).count()
                        + l.received.iter().filter(|d| !uses(&l.source, d)).count())
                        as i64,
                )
            }
            "sent" => Val::List(l.sent.clone()),
            "received" => Val::List(l.received.clone()),
            "crosses_network_boundary" => Val::Bool(nb(&l.source) != nb(&l.target)),
            "crosses_boundary" => Val::Bool(b(&l.source) != b(&l.target)),
            _ => return None,
        })
    }

    fn members(&self) -> Vec<&'m Asset> {
        let ids: Vec<&String> = match (self.boundary, self.runtime) {
            (Some(b), _) => b.assets.iter().collect(),
            (_, Some(r)) => r.assets.iter().collect(),
            _ => Vec::new(),
        };
        ids.into_iter().filter_map(|i| self.m.asset(i)).collect()
    }
}

impl<'m> Scope for Env<'m> {
    fn field(&self, root: &str, f: &str) -> Option<Val> {
        let m = self.m;
        match root {
            "asset" => self.asset_field(self.asset?, f),
            "other" => self.asset_field(self.other?, f),
            "source" => self.asset_field(m.asset(&self.link?.source)?, f),
            "target" => self.asset_field(m.asset(&self.link?.target)?, f),
            "link" => self.link_field(self.link?, f),
            "boundary" => {
                let b = self.boundary?;
                Some(match f {
                    "id" => Val::Str(b.id.clone()),
                    "type" => Val::Str(b.kind.clone()),
                    "network" => Val::Bool(b.kind.starts_with("network-")),
                    "assets" => Val::Num(b.assets.len() as i64),
                    "nested" => Val::Num(b.nested.len() as i64),
                    _ => return None,
                })
            }
            "runtime" => {
                let r = self.runtime?;
                Some(match f {
                    "id" => Val::Str(r.id.clone()),
                    "assets" => Val::Num(r.assets.len() as i64),
                    _ => return None,
                })
            }
            "data" => {
                let d = self.data?;
                let used = |f: &dyn Fn(&Asset) -> &Vec<String>| {
                    m.assets.iter().any(|a| f(a).contains(&d.id))
                };
                Some(match f {
                    "id" => Val::Str(d.id.clone()),
                    "confidentiality" => Val::Rating(d.confidentiality, true),
                    "integrity" => Val::Rating(d.integrity, false),
                    "availability" => Val::Rating(d.availability, false),
                    "processed" => Val::Bool(used(&|a| &a.processes)),
                    "stored" => Val::Bool(used(&|a| &a.stores)),
                    "transferred" => Val::Bool(
                        m.links
                            .iter()
                            .any(|l| l.sent.contains(&d.id) || l.received.contains(&d.id)),
                    ),
                    _ => return None,
                })
            }
            "model" => Some(Val::Num(match f {
                "assets" => m.assets.len(),
                "links" => m.links.len(),
                "boundaries" => m.boundaries.len(),
                _ => return None,
            } as i64)),
            _ => None,
        }
    }

    fn quantify(&self, func: &str, cond: &Expr) -> Option<i64> {
        let m = self.m;
        let count_links = |links: &mut dyn Iterator<Item = &'m Link>| {
            links
                .filter(|l| {
                    let mut e = self.with();
                    e.link = Some(l);
                    expr::eval(cond, &e)
                })
                .count() as i64
        };
        let count_assets = |assets: &mut dyn Iterator<Item = &'m Asset>| {
            assets
                .filter(|a| {
                    let mut e = self.with();
                    e.other = Some(a);
                    expr::eval(cond, &e)
                })
                .count() as i64
        };
        Some(match func {
            "any_incoming" | "count_incoming" => {
                let a = self.asset?;
                count_links(&mut m.links.iter().filter(|l| l.target == a.id))
            }
            "any_outgoing" | "count_outgoing" => {
                let a = self.asset?;
                count_links(&mut m.links.iter().filter(|l| l.source == a.id))
            }
            "any_link" => count_links(&mut m.links.iter()),
            "any_asset" | "count_assets" => count_assets(&mut m.assets.iter()),
            "any_member" => count_assets(&mut self.members().into_iter()),
            "any_neighbour" => {
                let a = self.asset?;
                let nb = m.network_boundary_of(&a.id).map(|b| &b.id);
                count_assets(
                    &mut m.assets.iter().filter(|o| {
                        o.id != a.id && m.network_boundary_of(&o.id).map(|b| &b.id) == nb
                    }),
                )
            }
            _ => return None,
        })
    }
}

impl Rule {
    /// Every threat of this rule in the model.
    pub fn threats(&self, m: &Model) -> Vec<Threat> {
        if self.native.is_some() {
            return Vec::new();
        }
        let base = Env {
            m,
            asset: None,
            link: None,
            other: None,
            boundary: None,
            runtime: None,
            data: None,
        };
        let mut out = Vec::new();
        let mut hit = |env: &Env, id: String, asset: Option<&Asset>, line: usize| {
            if !expr::eval(&self.when, env) {
                return;
            }
            let (mut l, mut i) = (self.likelihood, self.impact);
            for (c, nl, ni) in &self.raise {
                if expr::eval(c, env) {
                    l = nl.unwrap_or(l);
                    i = ni.unwrap_or(i);
                }
            }
            let name = |a: Option<&Asset>| a.map(|a| a.title.clone()).unwrap_or_default();
            let link = env.link;
            let message = self
                .message
                .replace("{title}", &self.meta.title)
                .replace("{asset}", &name(asset))
                .replace("{link}", &link.map(|l| l.title.clone()).unwrap_or_default())
                .replace("{source}", &name(link.and_then(|l| m.asset(&l.source))))
                .replace("{target}", &name(link.and_then(|l| m.asset(&l.target))))
                .replace(
                    "{boundary}",
                    &env.boundary.map(|b| b.title.clone()).unwrap_or_default(),
                )
                .replace(
                    "{data}",
                    &env.data.map(|d| d.title.clone()).unwrap_or_default(),
                )
                .replace(
                    "{runtime}",
                    &env.runtime.map(|r| r.title.clone()).unwrap_or_default(),
                );
            out.push(Threat {
                id,
                rule: self.meta.id.clone(),
                title: self.meta.title.clone(),
                stride: self.stride.clone(),
                asset: asset.map(|a| a.id.clone()),
                link: link.map(|l| l.id.clone()),
                message,
                likelihood: l,
                impact: i,
                risk: risk_level(l, i),
                line,
            });
        };
        let short = self.meta.short_id();
        match self.subject {
            Subject::Asset => {
                for a in m.assets.iter().filter(|a| !a.out_of_scope) {
                    let mut e = base.with();
                    e.asset = Some(a);
                    hit(&e, format!("{short}@{}", a.id), Some(a), a.line);
                }
            }
            Subject::Link => {
                for l in &m.links {
                    let at = if self.at_source { &l.source } else { &l.target };
                    let Some(a) = m.asset(at) else { continue };
                    if a.out_of_scope {
                        continue;
                    }
                    let mut e = base.with();
                    e.link = Some(l);
                    e.asset = Some(a);
                    let id = match &self.id {
                        Some(t) => t
                            .replace("{rule}", short)
                            .replace("{link}", &l.id)
                            .replace("{source}", &l.source)
                            .replace("{target}", &l.target),
                        None => format!("{short}@{}@{}", a.id, l.id),
                    };
                    hit(&e, id, Some(a), l.line);
                }
            }
            Subject::Boundary => {
                for b in &m.boundaries {
                    let mut e = base.with();
                    e.boundary = Some(b);
                    hit(&e, format!("{short}@{}", b.id), None, b.line);
                }
            }
            Subject::Runtime => {
                for r in &m.runtimes {
                    let mut e = base.with();
                    e.runtime = Some(r);
                    hit(&e, format!("{short}@{}", r.id), None, r.line);
                }
            }
            Subject::Data => {
                for d in &m.data {
                    let mut e = base.with();
                    e.data = Some(d);
                    hit(&e, format!("{short}@{}", d.id), None, d.line);
                }
            }
            Subject::Model => {
                if !m.assets.is_empty() {
                    hit(&base, format!("{short}@model"), None, 1);
                }
            }
        }
        out
    }
}

/// The highest rating of the data an asset stores (0 = confidentiality, 1 = integrity).
fn stored(m: &Model, a: &Asset, which: usize) -> u8 {
    a.stores
        .iter()
        .filter_map(|d| m.data_asset(d))
        .map(|d| [d.confidentiality, d.integrity][which])
        .max()
        .unwrap_or(0)
}

/// Every threat of every rule in the model, ordered by risk (highest first), then id.
pub fn threats(rules: &[Rule], m: &Model) -> Vec<Threat> {
    let mut out: Vec<Threat> = rules.iter().flat_map(|r| r.threats(m)).collect();
    out.sort_by(|a, b| b.risk.cmp(&a.risk).then_with(|| a.id.cmp(&b.id)));
    // One threat per id: a Threagile synthetic id may name less than the subject (push
    // deployment is per build pipeline, not per link); the riskiest instance stands for it.
    let mut seen = std::collections::HashSet::new();
    out.retain(|t| seen.insert(t.id.clone()));
    out
}

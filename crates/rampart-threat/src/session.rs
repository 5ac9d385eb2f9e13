//! One scan: model files and the repository's system description are collected per file;
//! `finish` reads each model, reports its threats and the drift under its folder (with the HTTP
//! routes other engines published as facts).

use crate::drift::{self, Discovered, Item, NetworkPolicy};
use crate::model::{Model, STATUSES};
use crate::rules::{IMPACT, LIKELIHOOD, RISK, Threat, risk_severity};
use crate::{builtin_rules, is_model_name, load};
use rampart_core::date::Date;
use rampart_core::{
    Diagnostic, Emitter, EngineSession, Facts, Finding, Location, ScanContext, SourceFile,
    Suppression,
};
use std::path::PathBuf;
use std::sync::Mutex;

pub(crate) struct Session {
    root: PathBuf,
    configured: Option<String>,
    models: Mutex<Vec<(String, String)>>,
    found: Mutex<Discovered>,
}

impl Session {
    pub(crate) fn new(ctx: &ScanContext) -> Session {
        Session {
            root: ctx.root.clone(),
            configured: ctx.config.threat.model.clone(),
            models: Mutex::new(Vec::new()),
            found: Mutex::new(Discovered::default()),
        }
    }

    fn keep(&self, d: Discovered) {
        let mut found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        found.items.extend(d.items);
        found.policies.extend(d.policies);
    }

    fn is_model(&self, path: &str) -> bool {
        match &self.configured {
            Some(c) => path == c.trim_start_matches("./"),
            None => is_model_name(path),
        }
    }
}

impl EngineSession for Session {
    fn scan_file(&self, file: &SourceFile, out: &mut Emitter) {
        let text = file.text();
        if self.is_model(&file.path) {
            // A model file may carry Kubernetes manifests as further documents (the drift
            // rules' examples do); they are discovered like any other manifest.
            self.keep(drift::discover_all(&file.path, &text, out));
            self.models
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((file.path.clone(), text.into_owned()));
        } else if drift::wants(&file.path) {
            let found = drift::discover_all(&file.path, &text, out);
            self.keep(found);
        }
    }

    fn finish(self: Box<Self>, out: &mut Emitter) {
        self.finish_with_facts(&Facts::default(), out)
    }

    fn finish_with_facts(self: Box<Self>, facts: &Facts, out: &mut Emitter) {
        let mut models = self.models.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = &self.configured
            && !models.iter().any(|(p, _)| p == c)
        {
            // The configured model is read even when the walk did not hand it over.
            match std::fs::read_to_string(self.root.join(c)) {
                Ok(t) => models.push((c.clone(), t)),
                Err(e) => out.diagnostic(Diagnostic::error(
                    c.clone(),
                    format!(
                        "cannot read the threat model named in rampart.toml [threat] model: {e}"
                    ),
                )),
            }
        }
        let Discovered { items, policies } =
            self.found.into_inner().unwrap_or_else(|e| e.into_inner());
        for (path, text) in models {
            let model = match load::parse(&path, &text) {
                Ok(m) => m,
                Err(errors) => {
                    for e in errors.0 {
                        out.diagnostic(
                            Diagnostic::error(&path, format!("threat model: {}", e.message))
                                .at_line(e.line),
                        );
                    }
                    continue;
                }
            };
            let mut diags = Vec::new();
            for t in crate::threats(&model) {
                out.finding(finding(&model, &t, &mut diags));
            }
            let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            let under = |p: &str| dir.is_empty() || p.starts_with(&format!("{dir}/"));
            let here: Vec<&Item> = items.iter().filter(|i| under(&i.path)).collect();
            let nps: Vec<&NetworkPolicy> = policies.iter().filter(|p| under(&p.path)).collect();
            let routes: Vec<_> = facts.routes().filter(|r| under(&r.file)).collect();
            for d in drift::compare_with(&model, &here, &nps, &routes, dir) {
                let mut f = finding(&model, &d.threat, &mut diags);
                f.location = Location::line(&d.path, d.threat.line);
                out.finding(f);
            }
            out.diagnostics.extend(diags);
        }
    }
}

/// A threat as a finding of the `threat` engine at its model line: severity from its risk,
/// fingerprint keyed by the threat id, risk tracking applied as a suppression (an expired
/// decision warns and no longer applies).
pub fn finding(model: &Model, t: &Threat, diags: &mut Vec<Diagnostic>) -> Finding {
    let meta = builtin_rules()
        .iter()
        .find(|r| r.meta.id == t.rule)
        .map(|r| r.meta.clone())
        .unwrap_or_else(|| rampart_core::testing::rule(&t.rule, &t.title));
    let mut f = Finding::at(
        &meta,
        Location::line(&model.path, t.line),
        t.message.clone(),
    );
    f.severity = risk_severity(t.risk);
    f.fingerprint_key = t.id.clone();
    f.snippet = t.id.clone();
    let p = &mut f.properties;
    p.insert("threat_id".into(), t.id.clone().into());
    p.insert("stride".into(), t.stride.clone().into());
    p.insert("likelihood".into(), LIKELIHOOD[t.likelihood].into());
    p.insert("impact".into(), IMPACT[t.impact].into());
    p.insert("risk".into(), RISK[t.risk].into());
    if let Some(a) = &t.asset {
        p.insert("asset".into(), a.clone().into());
    }
    if let Some(l) = &t.link {
        p.insert("link".into(), l.clone().into());
    }
    if let Some(tr) = model.tracking.iter().find(|tr| tr.matches(&t.id)) {
        f.properties
            .insert("status".into(), tr.status.clone().into());
        let expired = tr
            .expires
            .as_deref()
            .and_then(|x| x.parse::<Date>().ok())
            .is_some_and(|d| d < Date::today());
        let closes = STATUSES.iter().any(|(s, c)| *s == tr.status && *c);
        if expired {
            diags.push(
                Diagnostic::warning(
                    &model.path,
                    format!(
                        "risk tracking of `{}` ({}) expired on {}; the threat counts again",
                        t.id,
                        tr.status,
                        tr.expires.as_deref().unwrap_or_default()
                    ),
                )
                .at_line(tr.line),
            );
        } else if closes {
            f.suppression = Some(Suppression {
                kind: "threat-model".into(),
                reason: format!("{}: {}", tr.status, tr.justification),
                expires: tr.expires.clone(),
            });
        }
    }
    f
}

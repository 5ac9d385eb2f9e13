//! Risk of other engines' findings: the model ties paths, compose services, Kubernetes
//! workloads, Terraform resources and images to assets; a finding inside an asset gets the
//! asset and a risk from its severity and the asset's exposure and data. The risk appetite
//! (`[threat]` in rampart.toml) then decides what fails the scan.

use crate::drift::{self, Item};
use crate::model::{Asset, Model};
use crate::rules::{IMPACT, LIKELIHOOD, RISK, risk_level};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rampart_core::{Finding, Severity};
use std::collections::HashMap;

/// Finds the asset of a place in the repository.
pub struct AssetIndex<'m> {
    model: &'m Model,
    globs: Vec<(&'m Asset, GlobSet)>,
    items: HashMap<String, Vec<Item>>,
}

impl<'m> AssetIndex<'m> {
    /// The index of a model (path globs compiled once; invalid globs were refused when the
    /// model was read).
    pub fn new(model: &'m Model) -> AssetIndex<'m> {
        let globs = model
            .assets
            .iter()
            .filter(|a| !a.maps.paths.is_empty())
            .map(|a| {
                let mut b = GlobSetBuilder::new();
                for g in &a.maps.paths {
                    if let Ok(g) = Glob::new(g) {
                        b.add(g);
                    }
                }
                (a, b.build().unwrap_or_else(|_| GlobSet::empty()))
            })
            .collect();
        AssetIndex {
            model,
            globs,
            items: HashMap::new(),
        }
    }

    /// The asset a finding at `path`:`line` belongs to: a path glob first, else the compose
    /// service, Kubernetes object or Terraform resource the line is in (`read` gives the file's
    /// text, asked once per file).
    pub fn asset_at(
        &mut self,
        path: &str,
        line: usize,
        read: impl FnOnce() -> Option<String>,
    ) -> Option<&'m Asset> {
        if let Some((a, _)) = self.globs.iter().find(|(_, g)| g.is_match(path)) {
            return Some(a);
        }
        if !drift::wants(path) {
            return None;
        }
        let items = self.items.entry(path.to_string()).or_insert_with(|| {
            read()
                .map(|t| drift::discover(path, &t, &mut rampart_core::Emitter::default()))
                .unwrap_or_default()
        });
        // The item the line is in: the last one starting at or before it.
        let item = items
            .iter()
            .filter(|i| i.line <= line)
            .max_by_key(|i| i.line)?;
        self.model.assets.iter().find(|a| drift::maps_to(a, item))
    }
}

/// Likelihood, impact and risk (indexes) of a finding of `severity` in `asset` (or in no
/// asset): internet-facing assets make exploitation very likely; strictly confidential or
/// mission-critical data raise the impact one step, public/internal data of operational
/// integrity lower it.
pub fn rate(model: &Model, severity: Severity, asset: Option<&Asset>) -> (usize, usize, usize) {
    let likelihood = match asset {
        Some(a) if a.internet => 2,
        _ => 1,
    };
    let mut impact: usize = match severity {
        Severity::Info | Severity::Low => 0,
        Severity::Medium => 1,
        Severity::High => 2,
        Severity::Critical => 3,
    };
    if let Some(a) = asset {
        let c = model.asset_highest(a, 0);
        let i = model.asset_highest(a, 1);
        if c >= 4 || i >= 4 {
            impact = (impact + 1).min(3);
        } else if c <= 1 && i <= 1 {
            impact = impact.saturating_sub(1);
        }
    }
    (likelihood, impact, risk_level(likelihood, impact))
}

/// Gives every finding of the other engines its asset and risk (properties `asset`,
/// `asset_internet`, `likelihood`, `impact`, `risk`, and the message ends with both), then
/// orders all findings by risk, highest first, severity next. Threat findings keep their own.
pub fn annotate(
    model: &Model,
    findings: &mut [Finding],
    mut read: impl FnMut(&str) -> Option<String>,
) {
    let mut index = AssetIndex::new(model);
    for f in findings.iter_mut() {
        if f.engine == crate::rules::ENGINE {
            if let Some(a) = f
                .properties
                .get("asset")
                .and_then(|v| v.as_str())
                .and_then(|id| model.asset(id))
            {
                f.properties
                    .insert("asset_internet".into(), a.internet.into());
            }
            continue;
        }
        let path = f.location.path.clone();
        let asset = index.asset_at(&path, f.location.start_line, || read(&path));
        let (l, i, r) = rate(model, f.severity, asset);
        let p = &mut f.properties;
        p.insert("likelihood".into(), LIKELIHOOD[l].into());
        p.insert("impact".into(), IMPACT[i].into());
        p.insert("risk".into(), RISK[r].into());
        match asset {
            Some(a) => {
                p.insert("asset".into(), a.id.clone().into());
                p.insert("asset_internet".into(), a.internet.into());
                f.message = format!("{} [asset `{}`, risk {}]", f.message, a.id, RISK[r]);
            }
            None => f.message = format!("{} [risk {}]", f.message, RISK[r]),
        }
    }
    findings.sort_by(|a, b| {
        risk_of(b)
            .cmp(&risk_of(a))
            .then_with(|| b.severity.cmp(&a.severity))
    });
}

/// A finding's risk index from its `risk` property (0 without one).
pub fn risk_of(f: &Finding) -> usize {
    f.properties
        .get("risk")
        .and_then(|v| v.as_str())
        .and_then(|r| RISK.iter().position(|x| *x == r))
        .unwrap_or(0)
}

/// What fails the scan when a model exists: risk thresholds (indexes into [`RISK`]; `None`
/// never fails).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appetite {
    /// For findings in internet-facing assets and in no asset.
    pub fail_on: Option<usize>,
    /// For findings in assets not reachable from the internet.
    pub internal_fail_on: Option<usize>,
}

impl Appetite {
    /// Whether an active finding is beyond the appetite.
    pub fn fails(&self, f: &Finding) -> bool {
        if f.suppression.is_some() {
            return false;
        }
        let internal = f.properties.get("asset_internet") == Some(&false.into());
        let limit = if internal {
            self.internal_fail_on
        } else {
            self.fail_on
        };
        limit.is_some_and(|l| risk_of(f) >= l)
    }
}

//! The Kustomize builds of a scan: every top-level kustomization built and checked, and the
//! reporting policy for manifests that kustomizations include.

use crate::catalogue::Catalogue;
use crate::detect::Format;
use crate::evaluate::check_hits;
use crate::kustomize;
use crate::session::KustomizeInput;
use rampart_core::{Emitter, Finding, SourceFile};
use std::collections::HashSet;

/// Builds every top-level kustomization and scans the result; manifests no kustomization
/// includes are reported as scanned alone.
///
/// Policy: a manifest (or patch) that a kustomization includes is reported through the
/// top-level kustomizations that build it, never alone, so a base setting an overlay fixes is
/// not reported, and a value a patch introduces is reported at the patch's line. Findings at
/// the same place from several overlays are reported once (naming the first overlay, by path
/// order). Custom-policy results of included manifests are kept from their own scan.
pub(crate) fn kustomizations(
    cat: &Catalogue,
    input: KustomizeInput,
    root: &std::path::Path,
    out: &mut Emitter,
) {
    let KustomizeInput {
        kustomizations,
        manifests,
        other,
    } = input;
    if kustomizations.is_empty() {
        for (_, (_, e)) in manifests {
            out.findings.extend(e.findings);
            out.diagnostics.extend(e.diagnostics);
        }
        return;
    }
    let read = |p: &str| -> Option<String> {
        let name = p.rsplit('/').next().unwrap_or(p);
        if kustomize::KUSTOMIZATION_FILES.contains(&name) {
            let dir = p.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            if let Some((kp, t)) = kustomizations.get(dir)
                && kp == p
            {
                return Some(t.clone());
            }
        }
        if let Some((t, _)) = manifests.get(p) {
            return Some(t.clone());
        }
        if let Some(t) = other.get(p) {
            return Some(t.clone());
        }
        let full = root.join(p);
        if p.is_empty() || !full.is_file() {
            return None;
        }
        std::fs::read_to_string(full).ok()
    };
    use rayon::prelude::*;
    let dirs: Vec<&String> = kustomizations.keys().collect();
    let builds: Vec<kustomize::Build> = dirs
        .par_iter()
        .filter_map(|d| kustomize::build(d, &read))
        .collect();
    let included: HashSet<&String> = builds
        .iter()
        .flat_map(|b| b.kustomizations.iter())
        .collect();
    // Top-level kustomizations; members of a cycle that no top-level one reaches count too.
    let mut roots: Vec<&kustomize::Build> = Vec::new();
    let mut reached: HashSet<String> = HashSet::new();
    for (d, b) in dirs.iter().zip(&builds) {
        if !included.contains(d) {
            reached.insert((*d).clone());
            reached.extend(b.kustomizations.iter().cloned());
            roots.push(b);
        }
    }
    for (d, b) in dirs.iter().zip(&builds) {
        if !reached.contains(*d) {
            reached.insert((*d).clone());
            reached.extend(b.kustomizations.iter().cloned());
            roots.push(b);
        }
    }
    let mut used: HashSet<String> = HashSet::new();
    let mut seen = HashSet::new();
    // A manifest's own scan may have reported the same syntax error already.
    let mut seen_diag: HashSet<(Option<String>, Option<usize>, String)> = out
        .diagnostics
        .iter()
        .map(|d| (d.path.clone(), d.line, d.message.clone()))
        .collect();
    for b in roots {
        used.extend(b.files.iter().map(|(p, _, _)| p.clone()));
        for d in &b.diagnostics {
            if seen_diag.insert((d.path.clone(), d.line, d.message.clone())) {
                out.diagnostic(d.clone());
            }
        }
        let files: Vec<SourceFile> = b
            .files
            .iter()
            .map(|(p, t, _)| {
                SourceFile::new(
                    p,
                    t.clone().into_bytes(),
                    rampart_core::source::Origin::WorkTree,
                )
            })
            .collect();
        let overlay = b.path.rsplit_once('/').map(|(d, _)| d).unwrap_or(".");
        for doc in &b.docs {
            for (check, h) in check_hits(cat, Format::Kubernetes, doc, &b.text) {
                let Some((fi, span)) = b.locate(&h.span) else {
                    continue;
                };
                let message = format!("{} (kustomize build of {overlay})", h.message);
                let mut f = Finding::new(&check.meta, &files[fi], span, message);
                f.fingerprint_key = format!("kustomize|{}", h.key);
                if seen.insert((f.rule_id.clone(), f.location.clone())) {
                    out.finding(f);
                }
            }
        }
    }
    for (path, (_, e)) in manifests {
        if used.contains(&path) {
            // Built through a kustomization: only custom-policy results and diagnostics stay.
            out.findings.extend(
                e.findings
                    .into_iter()
                    .filter(|f| f.tags.iter().any(|t| t == "custom-policy")),
            );
            out.diagnostics.extend(e.diagnostics);
        } else {
            out.findings.extend(e.findings);
            out.diagnostics.extend(e.diagnostics);
        }
    }
}

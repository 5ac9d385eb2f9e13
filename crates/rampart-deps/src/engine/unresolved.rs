//! Manifests without a lockfile: their direct dependencies are matched by their declared
//! ranges, and an advisory whose affected versions meet a range is reported as "may be
//! affected" (`deps/vulnerable-range`).

use super::{MALICIOUS, Session, VULNERABLE_RANGE, priority};
use crate::inventory::manifest::{self, Manifest};
use crate::matcher::{self, Vuln};
use crate::range;
use rampart_core::source::Origin;
use rampart_core::{Confidence, Diagnostic, Emitter, Finding, Location, SourceFile};
use serde_json::json;

/// What a scan found about manifests without a lockfile (for the summary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The manifest, relative to the scan root.
    pub path: String,
    /// The lockfiles that would resolve it.
    pub lockfiles: Vec<String>,
    /// The command that creates one.
    pub command: String,
    /// Direct dependencies read.
    pub dependencies: usize,
}

/// The warning that says a manifest has no lockfile, with the command that creates one.
pub fn message(u: &Unresolved) -> String {
    let names = match u.lockfiles.as_slice() {
        [one] => one.clone(),
        many => format!(
            "{} or {}",
            many[..many.len() - 1].join(", "),
            many[many.len() - 1]
        ),
    };
    format!(
        "no lockfile ({names}): {} direct dependencies are checked by their declared ranges, \
         so a finding says only that a version in the range may be affected; run `{}` to create one",
        u.dependencies, u.command
    )
}

/// Scans a manifest when no lockfile resolves it.
pub(super) fn scan(s: &Session, m: Manifest, file: &SourceFile, out: &mut Emitter) {
    // In history there is no telling whether a lockfile was beside it.
    if file.origin == Origin::History || (m.packages.is_empty() && m.errors.is_empty()) {
        return;
    }
    let abs = file
        .abs_path
        .clone()
        .unwrap_or_else(|| s.root.join(&file.path));
    if manifest::find_lockfile(&m, &file.path, &abs, &s.root).is_some() {
        return;
    }
    for e in &m.errors {
        let d = Diagnostic::error(&file.path, e.message.clone());
        out.diagnostic(if e.line > 0 { d.at_line(e.line) } else { d });
    }
    if m.packages.is_empty() {
        return;
    }
    let u = Unresolved {
        path: file.path.clone(),
        lockfiles: m.lockfiles(&file.path),
        command: m.lock_command(&file.path),
        dependencies: m.packages.len(),
    };
    out.diagnostic(Diagnostic::warning(&file.path, message(&u)));
    let db = s.database();
    for (p, syntax) in m.packages.iter().zip(&m.syntax) {
        if p.dev == Some(true) && !s.include_dev {
            continue;
        }
        let declared = p.declared.as_deref().unwrap_or("");
        let set = match range::parse(*syntax, p.ecosystem, declared) {
            Ok(set) => set,
            Err(e) => {
                out.diagnostic(
                    Diagnostic::warning(&file.path, format!("{}: {e}: not matched", p.name))
                        .at_line(p.line.max(1)),
                );
                continue;
            }
        };
        let Some(db) = db else { continue };
        for v in matcher::match_range(db, &p.name, &set) {
            let rule_id = if v.malicious {
                MALICIOUS
            } else {
                VULNERABLE_RANGE
            };
            let Some(rule) = s.engine.rule(rule_id) else {
                continue;
            };
            let normalised = declared.split_whitespace().collect::<Vec<_>>().join(" ");
            let key = format!("{}:{}:{}:{}", p.ecosystem, p.name, normalised, v.id);
            let text = finding_message(&p.name, declared, &v);
            let mut f = match file.line_range(p.line).filter(|_| p.line > 0) {
                Some(r) => Finding::keyed(rule, file, r, text, key),
                None => {
                    let mut f = Finding::at(rule, Location::line(file.path.clone(), 1), text);
                    f.fingerprint_key = key;
                    f
                }
            };
            f.severity = v.severity;
            if !v.malicious {
                f.confidence = Confidence::Medium;
            }
            f.properties
                .insert("priority".into(), json!(priority(&v, f.severity)));
            let pr = &mut f.properties;
            pr.insert("ecosystem".into(), json!(p.ecosystem.osv_name()));
            pr.insert("package".into(), json!(p.name));
            pr.insert("declared_range".into(), json!(declared));
            pr.insert("resolved".into(), json!(false));
            pr.insert("purl".into(), json!(p.purl()));
            pr.insert("manifest_format".into(), json!(format!("{:?}", m.kind)));
            pr.insert("lockfile_command".into(), json!(u.command));
            pr.insert("advisory_id".into(), json!(v.id));
            pr.insert("advisory_ids".into(), json!(v.ids));
            pr.insert("cve".into(), json!(v.cves));
            pr.insert("ghsa".into(), json!(v.ghsas));
            pr.insert("summary".into(), json!(v.summary));
            if !v.url.is_empty() {
                pr.insert("url".into(), json!(v.url));
            }
            pr.insert("fixed_versions".into(), json!(v.fixed));
            pr.insert("kev".into(), json!(v.kev));
            if let Some(e) = v.epss {
                pr.insert("epss".into(), json!(e));
            }
            if let (Some(vec), Some(score)) = (&v.cvss_vector, v.cvss_score) {
                pr.insert("cvss_vector".into(), json!(vec));
                pr.insert(
                    "cvss_score".into(),
                    json!((f64::from(score) * 10.0).round() / 10.0),
                );
            }
            pr.insert("direct".into(), json!(true));
            if let Some(d) = p.dev {
                pr.insert("dev".into(), json!(d));
            }
            out.finding(f);
        }
    }
}

fn finding_message(name: &str, declared: &str, v: &Vuln) -> String {
    let shown = if declared.is_empty() { "*" } else { declared };
    let others: Vec<&str> = v
        .ids
        .iter()
        .filter(|i| **i != v.id)
        .map(String::as_str)
        .collect();
    let aka = if others.is_empty() {
        String::new()
    } else {
        format!(" ({})", others.join(", "))
    };
    if v.malicious {
        return format!(
            "{name} ({shown}, no lockfile) is a known malicious package: {}{aka}",
            v.id
        );
    }
    let mut m = format!(
        "{name} {shown} may be affected (no lockfile says which version is installed): {}{aka}",
        v.id
    );
    if !v.summary.is_empty() {
        m.push_str(&format!(" — {}", v.summary.trim()));
    }
    match v.fixed.last() {
        Some(last) if v.fixed.len() > 1 => m.push_str(&format!(
            "; fixed in {}; require at least {last} or lock a fixed version",
            v.fixed.join(", ")
        )),
        Some(fix) => m.push_str(&format!("; require at least {fix} or lock a fixed version")),
        None => m.push_str("; no fixed version yet"),
    }
    m
}

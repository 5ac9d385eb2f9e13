//! Custom Rego policies: loading them, and turning their results into findings.

use crate::model::Node;
#[cfg(feature = "rego")]
use crate::rego;
#[cfg(feature = "rego")]
use rampart_core::{Diagnostic, Finding};
use rampart_core::{Emitter, SourceFile};

#[cfg(feature = "rego")]
pub(crate) type PolicySet = rego::Policies;
#[cfg(not(feature = "rego"))]
pub(crate) type PolicySet = ();

#[cfg(feature = "rego")]
pub(crate) fn load_policies(paths: &[std::path::PathBuf]) -> Result<Option<PolicySet>, String> {
    if paths.is_empty() {
        return Ok(None);
    }
    rego::Policies::load(paths)
        .map(Some)
        .map_err(|e| e.to_string())
}

#[cfg(not(feature = "rego"))]
pub(crate) fn load_policies(paths: &[std::path::PathBuf]) -> Result<Option<PolicySet>, String> {
    if paths.is_empty() {
        Ok(None)
    } else {
        Err("this build of rampart has no Rego support (feature `rego` of rampart-iac)".into())
    }
}

/// Where a policy result is reported: `(file index, byte span)`.
pub(crate) type Placement = (usize, std::ops::Range<usize>);

/// Evaluates custom policies on one input and reports their results.
#[cfg(feature = "rego")]
pub(crate) fn apply_policies(
    pol: Option<&PolicySet>,
    input: &dyn Fn() -> serde_json::Value,
    place: &dyn Fn(&rego::PolicyResult) -> Placement,
    files: &[&SourceFile],
    out: &mut Emitter,
) {
    let Some(pol) = pol else { return };
    let results = match pol.evaluate(&input()) {
        Ok(r) => r,
        Err(e) => {
            if let Some(f) = files.first() {
                out.diagnostic(Diagnostic::warning(
                    &f.path,
                    format!("custom policy evaluation failed: {e}"),
                ));
            }
            return;
        }
    };
    for r in results {
        let (fi, span) = place(&r);
        let Some(file) = files.get(fi) else { continue };
        let meta = rego::rule_meta(&r.package, &r.rule, r.id.as_deref(), r.severity.as_deref());
        let mut f = Finding::new(&meta, file, span, r.msg.clone());
        f.fingerprint_key = format!("{}.{}|{}", r.package, r.rule, r.msg);
        out.finding(f);
    }
}

#[cfg(not(feature = "rego"))]
pub(crate) fn apply_policies(
    _pol: Option<&PolicySet>,
    _input: &dyn Fn() -> serde_json::Value,
    _place: &dyn Fn(&()) -> Placement,
    _files: &[&SourceFile],
    _out: &mut Emitter,
) {
}

/// Custom policies on one YAML/JSON/Dockerfile document.
pub(crate) fn document_policies(
    pol: Option<&PolicySet>,
    doc: &Node,
    file: &SourceFile,
    out: &mut Emitter,
) {
    if pol.is_none() {
        return;
    }
    #[cfg(feature = "rego")]
    let place = |r: &rego::PolicyResult| -> Placement {
        let span = r
            .path
            .as_deref()
            .and_then(|p| rego::locate(doc, p))
            .unwrap_or(doc.span.start..doc.span.start);
        (0, span)
    };
    #[cfg(not(feature = "rego"))]
    let place = |_: &()| -> Placement { (0, 0..0) };
    apply_policies(pol, &|| doc.to_json(), &place, &[file], out);
}

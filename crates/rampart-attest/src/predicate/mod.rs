//! The predicates rampart writes, both built from a rampart JSON report
//! (`docs/json-report.md`):
//!
//! - [`scan`]: rampart's own, [`SCAN_V1`]: what was scanned, with what, the counts by severity,
//!   the policy and its verdict, and digests of the SBOM and of the full report (schema in
//!   `docs/attestation.schema.json`);
//! - [`vuln`]: cosign's vulnerability scan record, [`VULN_V1`], for the dependency findings,
//!   as cosign and Kyverno read it.
//!
//! A new predicate is a module here with its type URI, a builder from [`Report`], and, when
//! verification should look inside it, a case in `verify::check_predicate`.

pub mod report;
pub mod scan;
pub mod vuln;

pub use report::Report;

/// rampart's scan predicate type.
pub const SCAN_V1: &str = "https://rampart.dev/attestation/scan/v1";
/// cosign's vulnerability scan record predicate type.
pub const VULN_V1: &str = "https://cosign.sigstore.dev/attestation/vuln/v1";

/// When the scan a predicate describes finished, for the predicate types rampart knows.
pub fn finished_on<'a>(predicate_type: &str, predicate: &'a serde_json::Value) -> Option<&'a str> {
    match predicate_type {
        SCAN_V1 => predicate.get("scan_finished_on")?.as_str(),
        VULN_V1 => predicate.get("metadata")?.get("scanFinishedOn")?.as_str(),
        _ => None,
    }
}

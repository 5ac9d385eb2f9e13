//! VEX: OpenVEX and CycloneDX VEX documents that mark vulnerabilities of products
//! `not_affected` or `fixed`.

use crate::inventory::Package;
use serde_json::Value;

/// VEX status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The product is not affected.
    NotAffected,
    /// The vulnerability is fixed in the product.
    Fixed,
    /// Affected or under investigation: nothing to suppress.
    Other,
}

impl Status {
    /// `not_affected`, `fixed` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotAffected => "not_affected",
            Status::Fixed => "fixed",
            Status::Other => "other",
        }
    }
}

/// One statement: these vulnerabilities, in these products, have this status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Vulnerability ids (CVE, GHSA, OSV…).
    pub vulnerability: String,
    /// Product purls; a purl without version matches every version; empty matches everything.
    pub products: Vec<String>,
    /// Status.
    pub status: Status,
    /// Justification and impact statement, as written.
    pub justification: String,
    /// The document it comes from.
    pub source: String,
}

/// A VEX document that cannot be read; the message names the document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct VexError(pub String);

/// Parses an OpenVEX or CycloneDX VEX document.
pub fn parse(text: &str, source: &str) -> Result<Vec<Statement>, VexError> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| VexError(format!("{source}: invalid JSON: {e}")))?;
    if let Some(stmts) = v.get("statements").and_then(Value::as_array) {
        let mut out = Vec::new();
        for s in stmts {
            let vuln = match s.get("vulnerability") {
                Some(Value::String(x)) => x.clone(),
                Some(o) => o
                    .get("name")
                    .or_else(|| o.get("@id"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                None => String::new(),
            };
            if vuln.is_empty() {
                return Err(VexError(format!(
                    "{source}: an OpenVEX statement has no vulnerability"
                )));
            }
            let products = s
                .get("products")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| match p {
                            Value::String(x) => Some(x.clone()),
                            o => o
                                .get("@id")
                                .and_then(Value::as_str)
                                .or_else(|| {
                                    o.get("identifiers")
                                        .and_then(|i| i.get("purl"))
                                        .and_then(Value::as_str)
                                })
                                .map(str::to_string),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let status = match s.get("status").and_then(Value::as_str).unwrap_or("") {
                "not_affected" => Status::NotAffected,
                "fixed" => Status::Fixed,
                "affected" | "under_investigation" => Status::Other,
                other => {
                    return Err(VexError(format!(
                        "{source}: unknown OpenVEX status `{other}`"
                    )));
                }
            };
            let justification = [
                s.get("justification"),
                s.get("impact_statement"),
                s.get("status_notes"),
            ]
            .iter()
            .filter_map(|x| x.and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(": ");
            out.push(Statement {
                vulnerability: vuln,
                products,
                status,
                justification,
                source: source.to_string(),
            });
        }
        return Ok(out);
    }
    if v.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        // bom-ref -> purl, for `affects` that point at components.
        let mut refs = std::collections::HashMap::new();
        for c in v
            .get("components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(r), Some(p)) = (
                c.get("bom-ref").and_then(Value::as_str),
                c.get("purl").and_then(Value::as_str),
            ) {
                refs.insert(r.to_string(), p.to_string());
            }
        }
        let mut out = Vec::new();
        for vuln in v
            .get("vulnerabilities")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = vuln.get("id").and_then(Value::as_str) else {
                return Err(VexError(format!(
                    "{source}: a CycloneDX vulnerability has no id"
                )));
            };
            let analysis = vuln.get("analysis");
            let state = analysis
                .and_then(|a| a.get("state"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let status = match state {
                "not_affected" | "false_positive" => Status::NotAffected,
                "resolved" | "resolved_with_pedigree" => Status::Fixed,
                _ => Status::Other,
            };
            let justification = [
                analysis.and_then(|a| a.get("justification")),
                analysis.and_then(|a| a.get("detail")),
            ]
            .iter()
            .filter_map(|x| x.and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(": ");
            let products = vuln
                .get("affects")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.get("ref").and_then(Value::as_str))
                        .map(|r| refs.get(r).cloned().unwrap_or_else(|| r.to_string()))
                        .collect()
                })
                .unwrap_or_default();
            out.push(Statement {
                vulnerability: id.to_string(),
                products,
                status,
                justification,
                source: source.to_string(),
            });
        }
        return Ok(out);
    }
    Err(VexError(format!(
        "{source}: neither an OpenVEX document (`statements`) nor a CycloneDX VEX (`bomFormat`)"
    )))
}

/// Strips qualifiers and subpath from a purl and decodes `%40`.
fn base_purl(p: &str) -> String {
    let p = p.split(['?', '#']).next().unwrap_or(p);
    p.replace("%40", "@").to_ascii_lowercase()
}

/// The statement that applies to a vulnerability (any of `ids`) of a package, if any.
pub fn find<'a>(
    statements: &'a [Statement],
    ids: &[String],
    pkg: &Package,
) -> Option<&'a Statement> {
    let full = base_purl(&pkg.purl());
    let unversioned = full
        .rsplit_once('@')
        .map(|(a, _)| a.to_string())
        .unwrap_or_else(|| full.clone());
    statements.iter().find(|s| {
        s.status != Status::Other
            && ids.iter().any(|i| i.eq_ignore_ascii_case(&s.vulnerability))
            && (s.products.is_empty()
                || s.products.iter().any(|p| {
                    let p = base_purl(p);
                    p == full || p == unversioned
                }))
    })
}

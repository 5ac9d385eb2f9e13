//! What the server's vulnerability database says about one package version (the component
//! page's "advisories against it"): the same matching as `rampart scan` and deployment
//! monitoring (rampart-deps' `match_package`), aliases merged.

pub use rampart_deps::db::Database;
use rampart_deps::matcher::match_package;
use serde::Serialize;

/// One vulnerability of the package.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Advisory {
    /// The id shown (the ecosystem's own where there is one).
    pub id: String,
    /// Its other ids (aliases).
    pub aliases: Vec<String>,
    /// Summary.
    pub summary: String,
    /// Severity (`critical` … `info`).
    pub severity: String,
    /// The CVSS base score, when the advisory has a vector.
    pub cvss_score: Option<f32>,
    /// In CISA's Known Exploited Vulnerabilities catalog.
    pub kev: bool,
    /// EPSS probability, when known.
    pub epss: Option<f32>,
    /// Versions that fix it, above this one.
    pub fixed: Vec<String>,
    /// A malicious package (OSV `MAL-`).
    pub malicious: bool,
    /// Where to read it (`http(s)` only, else empty).
    pub url: String,
}

/// The advisories against one package version.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PackageAdvisories {
    /// The package URL asked about.
    pub purl: String,
    /// The smallest version that fixes them all, when there is one.
    pub fixed_by: Option<String>,
    /// Most severe first.
    pub advisories: Vec<Advisory>,
}

/// The advisories `db` holds against the package and version `purl` names; `None` when the
/// purl names no ecosystem rampart matches, or no version.
pub fn of_purl(db: &Database, purl: &str) -> Option<PackageAdvisories> {
    let (eco, name, version) = rampart_deps::sbom::parse_purl(purl)?;
    if version.is_empty() {
        return None;
    }
    let (mut vulns, fixed_by) = match_package(db, eco, &name, &version);
    vulns.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.kev.cmp(&a.kev))
            .then(a.id.cmp(&b.id))
    });
    Some(PackageAdvisories {
        purl: purl.to_string(),
        fixed_by,
        advisories: vulns
            .into_iter()
            .map(|v| Advisory {
                aliases: v.ids.into_iter().filter(|i| *i != v.id).collect(),
                url: if v.url.starts_with("https://") || v.url.starts_with("http://") {
                    v.url
                } else {
                    String::new()
                },
                id: v.id,
                summary: v.summary,
                severity: v.severity.as_str().to_string(),
                cvss_score: v.cvss_score,
                kev: v.kev,
                epss: v.epss,
                fixed: v.fixed,
                malicious: v.malicious,
            })
            .collect(),
    })
}

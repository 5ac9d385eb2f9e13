//! Deployments (issue #15): what runs where. A deployment is an artifact (a SHA-256 digest) of a
//! project running in an environment, with the packages of its SBOM; recording one supersedes
//! the project's previous deployment in that environment in the same transaction. Its packages
//! are kept by (ecosystem, name), so that [`crate::monitor`] re-matches only the deployments of
//! the packages an update of the vulnerability database touched.
//!
//! A deployment's findings are of two kinds: `advisory` (an advisory affects one of its
//! packages: the initial ones when it is recorded, later ones after database updates) and
//! `drift` (what runs is not what was scanned: no stored attestation for the artifact, or its
//! attestation's commit is not on the project's default branch).

use crate::auth::audit;
use crate::clock::now_ms;
use crate::projects::Project;
use crate::store::batch::{self, P};
use crate::store::{Store, StoreError, is_unique_violation};
use rampart_deps::Ecosystem;
use rampart_deps::db::Database;
use rampart_deps::matcher::{Vuln, match_package};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};

/// The most distinct packages one deployment's SBOM may list.
pub const MAX_COMPONENTS: usize = 100_000;
/// The longest environment name.
pub const MAX_ENVIRONMENT_CHARS: usize = 64;

/// A package of a deployment, as the vulnerability database keys it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Package {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The name, normalised as the database stores it ([`Ecosystem::normalise_name`]).
    pub name: String,
    /// The version.
    pub version: String,
    /// The package URL it was read from.
    pub purl: String,
}

/// An SBOM read for a deployment: its packages and what was skipped.
#[derive(Debug, Clone, Default)]
pub struct Sbom {
    /// The distinct packages with a known ecosystem and a version, sorted.
    pub packages: Vec<Package>,
    /// Components left out (no purl, an ecosystem rampart does not match, no version), counted.
    pub skipped: usize,
    /// What the importer warned about, and a line about the skipped components.
    pub warnings: Vec<String>,
}

/// Checks an artifact digest: `sha256:` and 64 hexadecimal digits; returns it lower-cased.
pub fn parse_artifact(raw: &str) -> Result<String, String> {
    let Some(hex) = raw.strip_prefix("sha256:") else {
        return Err(format!(
            "`{}` is not an artifact digest: give sha256: and 64 hexadecimal digits (the image's or file's digest)",
            clip(raw)
        ));
    };
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "`{}` is not an artifact digest: after sha256: come exactly 64 hexadecimal digits ({} characters given)",
            clip(raw),
            hex.chars().count()
        ));
    }
    Ok(format!("sha256:{}", hex.to_ascii_lowercase()))
}

/// Checks an environment name: 1 to 64 letters, digits, `.`, `_`, `-`.
pub fn parse_environment(raw: &str) -> Result<String, String> {
    if raw.is_empty()
        || raw.chars().count() > MAX_ENVIRONMENT_CHARS
        || !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(format!(
            "`{}` is not an environment name: use 1 to {MAX_ENVIRONMENT_CHARS} letters, digits, `.`, `_` or `-` (production, staging, eu-west-1…)",
            clip(raw)
        ));
    }
    Ok(raw.to_string())
}

/// Checks a commit: 4 to 64 hexadecimal digits; returns it lower-cased.
pub fn parse_commit(raw: &str) -> Result<String, String> {
    if crate::git::is_commit(raw) {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(format!(
            "`{}` is not a commit: give 4 to 64 hexadecimal digits (git rev-parse HEAD)",
            clip(raw)
        ))
    }
}

/// At most 80 characters of `s`, control characters shown escaped, for messages.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(80).flat_map(char::escape_default).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// Reads a CycloneDX or SPDX JSON SBOM (with [`rampart_ingest::import`]) into the packages a
/// deployment keeps. The error names what is wrong with the document.
pub fn read_sbom(bytes: &[u8]) -> Result<Sbom, String> {
    let import = rampart_ingest::import(bytes, None).map_err(|e| e.to_string())?;
    match import.format {
        rampart_ingest::Format::CycloneDx | rampart_ingest::Format::Spdx => {}
        other => {
            return Err(format!(
                "the body is a {} document, not an SBOM: send a CycloneDX or SPDX JSON SBOM (rampart sbom writes one)",
                other.as_str()
            ));
        }
    }
    let mut seen = HashSet::new();
    let mut out = Sbom {
        warnings: import.warnings.into_iter().take(20).collect(),
        ..Sbom::default()
    };
    for c in import.components {
        let parsed = c.purl.as_deref().and_then(rampart_deps::sbom::parse_purl);
        let Some((ecosystem, name, purl_version)) = parsed else {
            out.skipped += 1;
            continue;
        };
        let version = if c.version.is_empty() {
            purl_version
        } else {
            c.version
        };
        if version.is_empty() || name.is_empty() {
            out.skipped += 1;
            continue;
        }
        let name = ecosystem.normalise_name(&name);
        if seen.insert((ecosystem, name.clone(), version.clone())) {
            if seen.len() > MAX_COMPONENTS {
                return Err(format!(
                    "the SBOM lists more than {MAX_COMPONENTS} distinct packages, the most one deployment may have"
                ));
            }
            out.packages.push(Package {
                ecosystem,
                name,
                version,
                purl: c.purl.unwrap_or_default(),
            });
        }
    }
    out.packages.sort();
    if out.skipped > 0 {
        out.warnings.push(format!(
            "{} component(s) without a package URL of a known ecosystem and a version were not kept (they cannot be matched)",
            out.skipped
        ));
    }
    Ok(out)
}

/// A finding on a deployment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeploymentFinding {
    /// Its id.
    pub id: i64,
    /// `advisory` or `drift`.
    pub kind: String,
    /// The advisory id (`CVE-…`, `GHSA-…`), or the drift reason (`unattested`,
    /// `commit_not_on_default_branch`, `commit_mismatch`).
    pub key: String,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub severity: String,
    /// One line saying what is wrong.
    pub message: String,
    /// The details: for an advisory the package, version, ids, KEV, EPSS, CVSS, fixed versions.
    pub detail: Value,
    /// When it was found (Unix ms).
    pub found_at: i64,
}

/// A recorded deployment.
#[derive(Debug, Clone, Serialize)]
pub struct Deployment {
    /// Its id.
    pub id: i64,
    /// The project.
    pub project: i64,
    /// The environment (`production`…).
    pub environment: String,
    /// The artifact: `sha256:` and 64 lower-case hex digits.
    pub artifact: String,
    /// The commit it was built from, when given.
    pub commit: Option<String>,
    /// How many packages its SBOM lists (those kept).
    pub components: i64,
    /// When it was recorded (Unix ms).
    pub recorded_at: i64,
    /// Who recorded it (`token:ID:NAME`).
    pub recorded_by: String,
    /// When a later deployment to the same environment replaced it; `None`: it is current.
    pub superseded_at: Option<i64>,
    /// Its findings, advisories and drift, most severe first.
    pub findings: Vec<DeploymentFinding>,
}

/// What to record.
#[derive(Debug, Clone)]
pub struct NewDeployment {
    /// The tenant.
    pub tenant: i64,
    /// The environment (checked with [`parse_environment`]).
    pub environment: String,
    /// The artifact (checked with [`parse_artifact`]).
    pub artifact: String,
    /// The commit, when given (checked with [`parse_commit`]).
    pub commit: Option<String>,
    /// Its packages.
    pub packages: Vec<Package>,
    /// Who records it (for the audit log).
    pub actor: String,
}

/// A finding about to be written.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub kind: &'static str,
    pub key: String,
    pub severity: String,
    pub message: String,
    pub detail: Value,
}

/// `sha256:` and the first 12 hex digits of an artifact, for messages.
pub fn short_artifact(artifact: &str) -> String {
    let hex = artifact.strip_prefix("sha256:").unwrap_or(artifact);
    format!("sha256:{}…", hex.chars().take(12).collect::<String>())
}

/// The finding for `vuln` affecting `pkg` of the deployment of `project_name`'s `artifact` in
/// `environment`.
pub(crate) fn advisory_hit(
    vuln: &Vuln,
    pkg: (&Ecosystem, &str, &str),
    project_name: &str,
    artifact: &str,
    environment: &str,
) -> Hit {
    let mut marks = Vec::new();
    if vuln.kev {
        marks.push("KEV".to_string());
    }
    if let Some(e) = vuln.epss {
        marks.push(format!("EPSS {e:.2}"));
    }
    let marks = if marks.is_empty() {
        String::new()
    } else {
        format!(" ({})", marks.join(", "))
    };
    // Shown by its CVE when it has one (what people search for); kept by its record's id,
    // which stays when aliases are added later.
    let message = format!(
        "{}{marks} now affects {project_name}@{} in {environment} ({} {} {})",
        vuln.cves.first().unwrap_or(&vuln.id),
        short_artifact(artifact),
        pkg.0,
        pkg.1,
        pkg.2
    );
    Hit {
        kind: "advisory",
        key: vuln.id.clone(),
        severity: vuln.severity.as_str().to_string(),
        message,
        detail: json!({
            "ecosystem": pkg.0.osv_name(),
            "package": pkg.1,
            "version": pkg.2,
            "ids": vuln.ids,
            "summary": vuln.summary,
            "url": vuln.url,
            "kev": vuln.kev,
            "epss": vuln.epss,
            "cvss_score": vuln.cvss_score,
            "fixed": vuln.fixed,
        }),
    }
}

/// Every advisory of `db` affecting `packages` (one hit per advisory).
fn match_all(
    db: &Database,
    packages: &[Package],
    project_name: &str,
    artifact: &str,
    environment: &str,
) -> Vec<Hit> {
    let mut hits: BTreeMap<String, Hit> = BTreeMap::new();
    for p in packages {
        let (vulns, _) = match_package(db, p.ecosystem, &p.name, &p.version);
        for v in &vulns {
            hits.entry(v.id.clone()).or_insert_with(|| {
                advisory_hit(
                    v,
                    (&p.ecosystem, p.name.as_str(), p.version.as_str()),
                    project_name,
                    artifact,
                    environment,
                )
            });
        }
    }
    hits.into_values().collect()
}

/// Writes `hits` of `deployment` in `project` (those already stored are skipped); returns the
/// new ones with their ids.
pub(crate) async fn write_hits(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: crate::store::Backend,
    rows: &[(i64, i64, &Hit)],
) -> Result<Vec<(i64, i64, String)>, StoreError> {
    use sqlx::Row;
    let at = now_ms();
    let values: Vec<Vec<P>> = rows
        .iter()
        .map(|(dep, project, h)| {
            vec![
                P::I(*dep),
                P::I(*project),
                P::T(h.kind.to_string()),
                P::T(h.key.clone()),
                P::T(h.severity.clone()),
                P::T(h.message.clone()),
                P::T(h.detail.to_string()),
                P::I(at),
            ]
        })
        .collect();
    let out = batch::values(
        tx,
        backend,
        "INSERT INTO deployment_finding (deployment, project, kind, key, severity, message, detail, found_at)",
        &values,
        "ON CONFLICT (deployment, kind, key) DO NOTHING RETURNING id, deployment, key",
    )
    .await?;
    out.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Records `new` as the current deployment of `project` in its environment, superseding the
/// previous one, and stores its initial findings: every advisory of `db` (when the server has
/// a vulnerability database) affecting its packages, and drift ([`crate::drift`]). Audited as
/// `deployment.record` in the same transaction. Initial findings raise no outbox event: events
/// are for what changes after a deployment is recorded.
pub async fn record(
    store: &Store,
    project: &Project,
    db: Option<&Database>,
    new: &NewDeployment,
) -> Result<Deployment, StoreError> {
    let mut hits = match db {
        Some(db) => match_all(
            db,
            &new.packages,
            &project.name,
            &new.artifact,
            &new.environment,
        ),
        None => Vec::new(),
    };
    hits.extend(
        crate::drift::check(
            store,
            new.tenant,
            project,
            &new.artifact,
            new.commit.as_deref(),
        )
        .await?,
    );
    let mut tries = 0;
    let id = loop {
        tries += 1;
        match write(store, project, new, &hits).await {
            Err(StoreError::Query(e)) if tries < 4 && is_unique_violation(&e) => continue,
            other => break other?,
        }
    };
    Ok(get(store, new.tenant, id)
        .await?
        .expect("the deployment just written is there"))
}

async fn write(
    store: &Store,
    project: &Project,
    new: &NewDeployment,
    hits: &[Hit],
) -> Result<i64, StoreError> {
    let at = now_ms();
    let mut tx = store.pool().begin().await?;
    let superseded: Vec<(i64,)> = sqlx::query_as(
        "UPDATE deployment SET superseded_at = $1 WHERE project = $2 AND environment = $3 AND superseded_at IS NULL RETURNING id",
    )
    .bind(at)
    .bind(project.id)
    .bind(&new.environment)
    .fetch_all(&mut *tx)
    .await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO deployment (tenant, project, environment, artifact, commit_sha, components, recorded_at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(new.tenant)
    .bind(project.id)
    .bind(&new.environment)
    .bind(&new.artifact)
    .bind(new.commit.as_deref())
    .bind(new.packages.len() as i64)
    .bind(at)
    .bind(&new.actor)
    .fetch_one(&mut *tx)
    .await?;
    let rows: Vec<Vec<P>> = new
        .packages
        .iter()
        .map(|p| {
            vec![
                P::I(id),
                P::T(p.ecosystem.osv_name().to_string()),
                P::T(p.name.clone()),
                P::T(p.version.clone()),
                P::T(p.purl.clone()),
            ]
        })
        .collect();
    batch::values(
        &mut tx,
        store.backend(),
        "INSERT INTO deployment_component (deployment, ecosystem, name, version, purl)",
        &rows,
        "",
    )
    .await?;
    let rows: Vec<(i64, i64, &Hit)> = hits.iter().map(|h| (id, project.id, h)).collect();
    write_hits(&mut tx, store.backend(), &rows).await?;
    audit(
        &mut *tx,
        new.tenant,
        &new.actor,
        "deployment.record",
        &format!("deployment:{id}"),
        &json!({"project": project.id, "environment": new.environment, "artifact": new.artifact,
                "commit": new.commit, "components": new.packages.len(),
                "superseded": superseded.iter().map(|s| s.0).collect::<Vec<_>>()})
        .to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

type Row = (
    i64,
    i64,
    String,
    String,
    Option<String>,
    i64,
    i64,
    String,
    Option<i64>,
);

/// deployment, id, kind, key, severity, message, detail, found_at.
type FindingRow = (i64, i64, String, String, String, String, String, i64);

const COLUMNS: &str = "id, project, environment, artifact, commit_sha, components, recorded_at, recorded_by, superseded_at";

async fn with_findings(store: &Store, rows: Vec<Row>) -> Result<Vec<Deployment>, StoreError> {
    let mut findings: BTreeMap<i64, Vec<DeploymentFinding>> = BTreeMap::new();
    if !rows.is_empty() {
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let found: Vec<FindingRow> =
            sqlx::query_as(crate::store::built(format!(
                "SELECT deployment, id, kind, key, severity, message, detail, found_at FROM deployment_finding \
                 WHERE deployment IN ({}) ORDER BY deployment, id",
                crate::store::id_list(&ids)
            )))
            .fetch_all(store.pool())
            .await?;
        for f in found {
            findings.entry(f.0).or_default().push(DeploymentFinding {
                id: f.1,
                kind: f.2,
                key: f.3,
                severity: f.4,
                message: f.5,
                detail: serde_json::from_str(&f.6).unwrap_or(Value::Null),
                found_at: f.7,
            });
        }
    }
    let rank = |s: &str| {
        s.parse::<rampart_core::Severity>()
            .map(std::cmp::Reverse)
            .ok()
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut f = findings.remove(&r.0).unwrap_or_default();
            f.sort_by(|a, b| {
                rank(&a.severity)
                    .cmp(&rank(&b.severity))
                    .then(a.id.cmp(&b.id))
            });
            Deployment {
                id: r.0,
                project: r.1,
                environment: r.2,
                artifact: r.3,
                commit: r.4,
                components: r.5,
                recorded_at: r.6,
                recorded_by: r.7,
                superseded_at: r.8,
                findings: f,
            }
        })
        .collect())
}

/// Deployment `id` of `tenant`, with its findings.
pub async fn get(store: &Store, tenant: i64, id: i64) -> Result<Option<Deployment>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(crate::store::built(format!(
        "SELECT {COLUMNS} FROM deployment WHERE tenant = $1 AND id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    Ok(with_findings(store, rows).await?.pop())
}

/// The current deployments of `project` (one per environment, by environment name), with their
/// findings.
pub async fn current(store: &Store, project: i64) -> Result<Vec<Deployment>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(crate::store::built(format!(
        "SELECT {COLUMNS} FROM deployment WHERE project = $1 AND superseded_at IS NULL ORDER BY environment"
    )))
    .bind(project)
    .fetch_all(store.pool())
    .await?;
    with_findings(store, rows).await
}

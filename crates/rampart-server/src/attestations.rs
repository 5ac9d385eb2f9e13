//! Signed scan attestations as the server keeps them: uploads of DSSE envelopes (one, JSON lines
//! of them as `rampart attest` writes, or a Sigstore bundle's `dsseEnvelope`), read without
//! checking who signed, stored per project with what they say (subjects, predicate types, and
//! from rampart's scan predicate the commit, verdict and counts) and found again by subject
//! digest. Signatures are checked when an attestation is used, against the keys trusted then
//! ([`crate::admission`]).

use crate::auth::audit;
use crate::clock::now_ms;
use crate::findings::{Page, cut_page};
use crate::store::{Store, StoreError};
use rampart_attest::predicate::SCAN_V1;
use rampart_attest::statement::PAYLOAD_TYPE;
use rampart_attest::{Envelope, Sha256Digest, Statement};
use rampart_core::fingerprint::sha256_hex;
use serde::Serialize;
use serde_json::{Value, json};

/// The most distinct subjects one upload may name.
pub const MAX_SUBJECTS: usize = 1024;
/// The longest subject name kept (longer names are refused).
pub const MAX_NAME_BYTES: usize = 1000;
/// Text fields read from the scan predicate (commit, verdict…) are cut to this many characters.
const MAX_FIELD_CHARS: usize = 255;

/// What an upload holds, read without checking any signature.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    /// The envelopes, in the upload's order.
    pub envelopes: Vec<Envelope>,
    /// The distinct SHA-256 subjects: lower-case hex and name.
    pub subjects: Vec<(String, String)>,
    /// The distinct predicate types, in order.
    pub predicate_types: Vec<String>,
    /// What rampart's scan predicate (the first, when several) says, when there is one.
    pub scan: Option<Value>,
}

impl Upload {
    /// The scan predicate's commit, when it names one.
    pub fn commit(&self) -> Option<&str> {
        self.scan.as_ref()?.get("commit")?.as_str()
    }

    /// The scan predicate's verdict (`pass` / `fail`), when it gives one.
    pub fn verdict(&self) -> Option<&str> {
        self.scan.as_ref()?.get("verdict")?.as_str()
    }

    /// The envelopes as JSON lines (what is stored, and what [`rampart_attest::verify`] reads).
    pub fn envelopes_text(&self) -> String {
        rampart_attest::bundle(&self.envelopes)
    }
}

/// Reads an upload: every envelope must be a well-formed DSSE envelope (base64 payload and
/// signatures, 1 to 64 signatures) of an in-toto statement with at least one SHA-256 subject.
/// The error says which envelope is wrong and how.
pub fn parse(bytes: &[u8]) -> Result<Upload, String> {
    let items = rampart_attest::verify::envelopes(bytes)?;
    let of = items.len();
    let which = |i: usize| {
        if of == 1 {
            "the envelope".to_string()
        } else {
            format!("envelope {} of {of}", i + 1)
        }
    };
    let mut up = Upload {
        envelopes: Vec::with_capacity(of),
        subjects: Vec::new(),
        predicate_types: Vec::new(),
        scan: None,
    };
    for (i, item) in items.into_iter().enumerate() {
        let envelope = item.map_err(|e| format!("{}: {e}", which(i)))?;
        let payload = envelope
            .check_form()
            .map_err(|e| format!("{}: {e}", which(i)))?;
        if envelope.payload_type != PAYLOAD_TYPE {
            return Err(format!(
                "{}: payloadType is {:?}, not an in-toto statement ({PAYLOAD_TYPE})",
                which(i),
                envelope.payload_type
            ));
        }
        let statement = Statement::parse(&payload).map_err(|e| format!("{}: {e}", which(i)))?;
        for (n, s) in statement.subject.iter().enumerate() {
            let Some(hex) = s.digest.get("sha256") else {
                continue;
            };
            let digest = Sha256Digest::parse(hex)
                .map_err(|e| format!("{}: subject {}: {e}", which(i), n + 1))?;
            if s.name.len() > MAX_NAME_BYTES {
                return Err(format!(
                    "{}: subject {}'s name is {} bytes, over {MAX_NAME_BYTES}",
                    which(i),
                    n + 1,
                    s.name.len()
                ));
            }
            if !up.subjects.iter().any(|(d, _)| d == digest.hex()) {
                if up.subjects.len() == MAX_SUBJECTS {
                    return Err(format!(
                        "the upload names more than {MAX_SUBJECTS} subjects"
                    ));
                }
                up.subjects.push((digest.hex().to_string(), s.name.clone()));
            }
        }
        if !up.predicate_types.contains(&statement.predicate_type) {
            up.predicate_types.push(statement.predicate_type.clone());
        }
        if up.scan.is_none() && statement.predicate_type == SCAN_V1 {
            up.scan = Some(scan_summary(&statement.predicate));
        }
        up.envelopes.push(envelope);
    }
    if up.subjects.is_empty() {
        return Err("no subject of the statement has a sha256 digest: the server finds attestations by SHA-256 (attest with --subject FILE or --subject sha256:DIGEST)".into());
    }
    Ok(up)
}

/// A text field of a predicate, cut to [`MAX_FIELD_CHARS`], control characters dropped.
fn text(v: Option<&Value>) -> Value {
    match v.and_then(Value::as_str) {
        Some(s) => Value::String(
            s.chars()
                .filter(|c| !c.is_control())
                .take(MAX_FIELD_CHARS)
                .collect(),
        ),
        None => Value::Null,
    }
}

/// What the server shows of a scan predicate, read leniently (a malformed predicate is stored
/// as it is; verification names what is wrong with it).
fn scan_summary(p: &Value) -> Value {
    let counts: serde_json::Map<String, Value> = ["critical", "high", "medium", "low", "info"]
        .iter()
        .filter_map(|k| {
            let n = p.get("counts")?.get(*k)?.as_u64()?;
            Some((k.to_string(), Value::from(n)))
        })
        .collect();
    let engines: Vec<Value> = p
        .get("engines")
        .and_then(Value::as_array)
        .map(|a| a.iter().take(64).map(|e| text(Some(e))).collect())
        .unwrap_or_default();
    json!({
        "commit": text(p.get("commit")),
        "verdict": text(p.get("policy").and_then(|x| x.get("verdict"))),
        "fail_on": text(p.get("policy").and_then(|x| x.get("fail_on"))),
        "counts": counts,
        "engines": engines,
        "scanner_version": text(p.get("scanner").and_then(|x| x.get("version"))),
        "scan_finished_on": text(p.get("scan_finished_on")),
    })
}

/// One subject of a stored attestation.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Subject {
    /// `sha256:` and 64 lower-case hex digits.
    pub digest: String,
    /// The name the statement gives it.
    pub name: String,
}

/// A stored upload.
#[derive(Debug, Clone, Serialize)]
pub struct Attestation {
    /// Its id (newer uploads have larger ids).
    pub id: i64,
    /// The project it was uploaded to.
    pub project: i64,
    /// When (Unix ms).
    pub created_at: i64,
    /// Who uploaded it (`token:ID:NAME`).
    pub uploaded_by: String,
    /// Its SHA-256 subjects.
    pub subjects: Vec<Subject>,
    /// Its predicate types.
    pub predicate_types: Vec<String>,
    /// The commit rampart's scan predicate names.
    pub commit: Option<String>,
    /// The scan predicate's verdict, `pass` or `fail` (as signed, not yet verified).
    pub verdict: Option<String>,
    /// What the scan predicate says: commit, verdict, fail_on, counts, engines, scanner
    /// version, finish time.
    pub scan: Option<Value>,
    /// SHA-256 of the stored envelopes (JSON lines).
    pub sha256: String,
    /// The DSSE envelopes, as uploaded (compact JSON).
    pub envelopes: Vec<Value>,
}

/// Stores `upload` in `project` of `tenant`, audited as `actor` in the same transaction.
pub async fn store(
    store: &Store,
    tenant: i64,
    project: i64,
    actor: &str,
    upload: &Upload,
) -> Result<Attestation, StoreError> {
    let text = upload.envelopes_text();
    let sha256 = sha256_hex(text.as_bytes());
    let types = serde_json::to_string(&upload.predicate_types).unwrap_or_default();
    let scan = upload.scan.as_ref().map(Value::to_string);
    let at = now_ms();
    let mut tx = store.pool().begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO attestation (tenant, project, created_at, uploaded_by, predicate_types, commit_sha, verdict, scan, envelopes, sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(tenant)
    .bind(project)
    .bind(at)
    .bind(actor)
    .bind(&types)
    .bind(upload.commit())
    .bind(upload.verdict())
    .bind(scan.as_deref())
    .bind(&text)
    .bind(&sha256)
    .fetch_one(&mut *tx)
    .await?;
    for (digest, name) in &upload.subjects {
        sqlx::query(
            "INSERT INTO attestation_subject (attestation, tenant, digest, name) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(tenant)
        .bind(digest)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    }
    let subjects: Vec<Subject> = upload
        .subjects
        .iter()
        .map(|(d, n)| Subject {
            digest: format!("sha256:{d}"),
            name: n.clone(),
        })
        .collect();
    audit(
        &mut *tx,
        tenant,
        actor,
        "attestation.upload",
        &format!("attestation:{id}"),
        &json!({"project": project, "subjects": subjects.iter().map(|s| &s.digest).collect::<Vec<_>>(),
                "predicate_types": upload.predicate_types, "commit": upload.commit()})
        .to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(Attestation {
        id,
        project,
        created_at: at,
        uploaded_by: actor.to_string(),
        subjects,
        predicate_types: upload.predicate_types.clone(),
        commit: upload.commit().map(str::to_string),
        verdict: upload.verdict().map(str::to_string),
        scan: upload.scan.clone(),
        sha256,
        envelopes: upload
            .envelopes
            .iter()
            .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
            .collect(),
    })
}

type Row = (
    i64,
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
);

/// A page of the attestations of `tenant` about the subject `digest` (64 lower-case hex),
/// newest first, only in `projects` when given, before id `before` when given.
pub async fn by_subject(
    store: &Store,
    tenant: i64,
    digest: &str,
    projects: Option<&[i64]>,
    before: Option<i64>,
    limit: i64,
) -> Result<Page<Attestation>, StoreError> {
    let mut sql = String::from(
        "SELECT a.id, a.project, a.created_at, a.uploaded_by, a.predicate_types, a.commit_sha, a.verdict, a.scan, a.envelopes, a.sha256 \
         FROM attestation_subject s JOIN attestation a ON a.id = s.attestation \
         WHERE s.tenant = $1 AND s.digest = $2 AND a.tenant = $1 AND a.id < $3",
    );
    if let Some(ids) = projects {
        if ids.is_empty() {
            return Ok(Page::empty());
        }
        sql.push_str(&format!(
            " AND a.project IN ({})",
            crate::store::id_list(ids)
        ));
    }
    sql.push_str(" ORDER BY a.id DESC LIMIT $4");
    let mut rows: Vec<Row> = sqlx::query_as(crate::store::built(sql))
        .bind(tenant)
        .bind(digest)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit + 1)
        .fetch_all(store.pool())
        .await?;
    let more = cut_page(&mut rows, limit);
    let next = more.then(|| rows.last().map(|r| r.0.to_string())).flatten();
    let mut subjects: Vec<(i64, String, String)> = Vec::new();
    if !rows.is_empty() {
        let list: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
        subjects = sqlx::query_as(crate::store::built(format!(
            "SELECT attestation, digest, name FROM attestation_subject WHERE attestation IN ({}) ORDER BY attestation, digest",
            list.join(",")
        )))
        .fetch_all(store.pool())
        .await?;
    }
    let items = rows
        .into_iter()
        .map(|r| Attestation {
            id: r.0,
            project: r.1,
            created_at: r.2,
            uploaded_by: r.3,
            subjects: subjects
                .iter()
                .filter(|s| s.0 == r.0)
                .map(|s| Subject {
                    digest: format!("sha256:{}", s.1),
                    name: s.2.clone(),
                })
                .collect(),
            predicate_types: serde_json::from_str(&r.4).unwrap_or_default(),
            commit: r.5,
            verdict: r.6,
            scan: r.7.and_then(|s| serde_json::from_str(&s).ok()),
            envelopes: r
                .8
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect(),
            sha256: r.9,
        })
        .collect();
    Ok(Page { items, next })
}

/// The stored envelopes (JSON lines, one upload each) of `tenant`'s newest `limit` uploads
/// about `digest` (64 lower-case hex), newest first, with their ids: what admission verifies.
pub async fn envelopes_of(
    store: &Store,
    tenant: i64,
    digest: &str,
    limit: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.envelopes FROM attestation_subject s JOIN attestation a ON a.id = s.attestation \
         WHERE s.tenant = $1 AND s.digest = $2 AND a.tenant = $1 ORDER BY a.id DESC LIMIT $3",
    )
    .bind(tenant)
    .bind(digest)
    .bind(limit)
    .fetch_all(store.pool())
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_attest::{KeyType, SigningKey};

    fn key() -> SigningKey {
        SigningKey::generate(KeyType::Ed25519).unwrap()
    }

    #[test]
    fn reads_a_bundle_and_its_scan_predicate() {
        let k = key();
        let d = Sha256Digest::of_bytes(b"image");
        let scan = Statement::new(
            "ghcr.io/acme/api",
            &d,
            SCAN_V1,
            json!({"commit": "abc", "policy": {"verdict": "pass", "fail_on": "high"}, "counts": {"critical": 2}}),
        );
        let other = Statement::new("x", &d, "https://example.com/v1", json!({}));
        let text = rampart_attest::bundle(&[
            rampart_attest::sign_statement(&scan, &k).unwrap(),
            rampart_attest::sign_statement(&other, &k).unwrap(),
        ]);
        let up = parse(text.as_bytes()).unwrap();
        assert_eq!(
            up.subjects,
            vec![(d.hex().to_string(), "ghcr.io/acme/api".to_string())]
        );
        assert_eq!(up.predicate_types, [SCAN_V1, "https://example.com/v1"]);
        assert_eq!(up.commit(), Some("abc"));
        assert_eq!(up.verdict(), Some("pass"));
        assert_eq!(up.scan.as_ref().unwrap()["counts"]["critical"], 2);
        assert_eq!(up.envelopes_text(), text);
    }

    #[test]
    fn refuses_what_is_not_a_signed_statement_with_a_sha256_subject() {
        let k = key();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"".to_vec(), "empty"),
            (b"not json".to_vec(), "not JSON"),
            (b"[1]".to_vec(), "array"),
            (
                br#"{"payload": "!!", "payloadType": "application/vnd.in-toto+json", "signatures": [{"sig": "AA=="}]}"#.to_vec(),
                "base64",
            ),
            (
                br#"{"payload": "e30=", "payloadType": "application/vnd.in-toto+json", "signatures": []}"#.to_vec(),
                "never signed",
            ),
            (
                rampart_attest::sign_payload(b"{}", &k)
                    .unwrap()
                    .to_json()
                    .into_bytes(),
                "not an in-toto statement",
            ),
            (
                Envelope::sign("text/plain", b"hi", &[&k])
                    .unwrap()
                    .to_json()
                    .into_bytes(),
                "payloadType",
            ),
            (
                rampart_attest::sign_payload(
                    br#"{"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "a", "digest": {"sha512": "ab"}}], "predicateType": "p"}"#,
                    &k,
                )
                .unwrap()
                .to_json()
                .into_bytes(),
                "sha256",
            ),
            (
                rampart_attest::sign_payload(
                    br#"{"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "a", "digest": {"sha256": "zz"}}], "predicateType": "p"}"#,
                    &k,
                )
                .unwrap()
                .to_json()
                .into_bytes(),
                "not a SHA-256",
            ),
        ];
        for (body, want) in cases {
            let e = parse(&body).unwrap_err();
            assert!(e.contains(want), "{want}: {e}");
        }
    }
}

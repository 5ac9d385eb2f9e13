-- Signed scan attestations uploaded from CI (POST /api/v1/attestations): one row per upload,
-- holding its DSSE envelopes as JSON lines (compact, as `rampart attest` writes them) and what
-- the server read from them without checking any signature (predicate types; from rampart's scan
-- predicate the commit, verdict and counts). Signatures are checked when an attestation is used
-- (the admission webhook), against the keys trusted then. Each upload belongs to a project; its
-- subjects' SHA-256 digests are rows of attestation_subject, indexed for the lookup by digest.
-- (0007 is another change's number; numbers may have gaps.)

CREATE TABLE attestation (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant BIGINT NOT NULL REFERENCES tenant(id),
    project BIGINT NOT NULL REFERENCES project(id),
    created_at BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    predicate_types TEXT NOT NULL,
    commit_sha TEXT,
    verdict TEXT,
    scan TEXT,
    envelopes TEXT NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE INDEX attestation_project ON attestation (project, id);

CREATE TABLE attestation_subject (
    attestation BIGINT NOT NULL REFERENCES attestation(id),
    tenant BIGINT NOT NULL REFERENCES tenant(id),
    digest TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (attestation, digest)
);
CREATE INDEX attestation_subject_digest ON attestation_subject (tenant, digest, attestation);

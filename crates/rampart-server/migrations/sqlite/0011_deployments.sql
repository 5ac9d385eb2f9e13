-- Deployments (issue #15): what runs where. One row per recorded deployment of an artifact
-- (sha256 digest) of a project to an environment; recording another one for the same project
-- and environment sets the previous one's superseded_at in the same transaction, so at most one
-- is current (the partial unique index).
CREATE TABLE deployment (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant BIGINT NOT NULL,
    project BIGINT NOT NULL REFERENCES project(id),
    environment TEXT NOT NULL,
    artifact TEXT NOT NULL,
    commit_sha TEXT,
    components BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    superseded_at BIGINT
);
CREATE UNIQUE INDEX deployment_current ON deployment (project, environment) WHERE superseded_at IS NULL;
CREATE INDEX deployment_tenant ON deployment (tenant, id);

-- The packages of a deployment's SBOM, by (ecosystem, name) as the vulnerability database
-- keys them (OSV ecosystem name, normalised package name): re-matching after a database update
-- reads only the rows of the packages the new and changed advisories touch.
CREATE TABLE deployment_component (
    deployment BIGINT NOT NULL,
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    purl TEXT
);
CREATE INDEX deployment_component_package ON deployment_component (ecosystem, name, deployment);
CREATE INDEX deployment_component_of ON deployment_component (deployment);

-- Findings on a deployment: an advisory that affects one of its packages (kind advisory, key
-- the advisory id) or drift of what runs from what was scanned (kind drift, key the reason).
-- Written once per (deployment, kind, key).
CREATE TABLE deployment_finding (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    deployment BIGINT NOT NULL,
    project BIGINT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    detail TEXT NOT NULL,
    found_at BIGINT NOT NULL,
    UNIQUE (deployment, kind, key)
);

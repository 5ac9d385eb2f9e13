-- The first schema: tenants and tokens, projects, scans, findings with their per-branch state and
-- history, components, triage, the job queue, webhook deliveries, the audit log and the outbox.
-- Times are Unix milliseconds (BIGINT), so both backends store and compare them alike.

CREATE TABLE tenant (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE token (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant BIGINT NOT NULL REFERENCES tenant(id),
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_used_at BIGINT
);

CREATE TABLE project (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant BIGINT NOT NULL REFERENCES tenant(id),
    name TEXT NOT NULL,
    remote TEXT,
    local_path TEXT,
    default_branch TEXT NOT NULL,
    tags TEXT NOT NULL,
    owners TEXT NOT NULL,
    webhook_secret TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant, name)
);

CREATE TABLE scan (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project BIGINT NOT NULL REFERENCES project(id),
    commit_sha TEXT NOT NULL,
    branch TEXT NOT NULL,
    base_commit TEXT,
    tools TEXT NOT NULL,
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    job BIGINT,
    counts TEXT NOT NULL,
    warnings TEXT NOT NULL
);
CREATE INDEX scan_project_branch ON scan (project, branch, id);

CREATE TABLE finding (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project BIGINT NOT NULL REFERENCES project(id),
    tool TEXT NOT NULL,
    rule TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    cwe TEXT NOT NULL,
    first_seen_scan BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (project, tool, rule, fingerprint)
);

CREATE TABLE finding_state (
    finding BIGINT NOT NULL REFERENCES finding(id),
    branch TEXT NOT NULL,
    status TEXT NOT NULL,
    first_seen_scan BIGINT NOT NULL,
    last_seen_scan BIGINT NOT NULL,
    introduced_commit TEXT NOT NULL,
    fixed_commit TEXT,
    fixed_scan BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (finding, branch)
);
CREATE INDEX finding_state_branch ON finding_state (branch, status);

CREATE TABLE occurrence (
    finding BIGINT NOT NULL REFERENCES finding(id),
    scan BIGINT NOT NULL REFERENCES scan(id),
    path TEXT NOT NULL,
    start_line BIGINT NOT NULL,
    start_col BIGINT NOT NULL,
    end_line BIGINT NOT NULL,
    end_col BIGINT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    snippet TEXT NOT NULL,
    suppressed BIGINT NOT NULL,
    extra TEXT NOT NULL
);
CREATE INDEX occurrence_scan ON occurrence (scan, finding);
CREATE INDEX occurrence_finding ON occurrence (finding, scan);

CREATE TABLE finding_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    finding BIGINT NOT NULL REFERENCES finding(id),
    branch TEXT NOT NULL,
    scan BIGINT NOT NULL REFERENCES scan(id),
    kind TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX finding_event_finding ON finding_event (finding, id);
CREATE INDEX finding_event_scan ON finding_event (scan);

CREATE TABLE component (
    scan BIGINT NOT NULL REFERENCES scan(id),
    purl TEXT,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    direct BIGINT
);
CREATE INDEX component_name ON component (ecosystem, name, version);
CREATE INDEX component_purl ON component (purl);
CREATE INDEX component_scan ON component (scan);

CREATE TABLE triage (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant BIGINT NOT NULL REFERENCES tenant(id),
    scope TEXT NOT NULL,
    project BIGINT REFERENCES project(id),
    branch TEXT,
    tool TEXT NOT NULL,
    rule TEXT NOT NULL,
    fingerprint TEXT,
    state TEXT NOT NULL,
    justification TEXT,
    response TEXT,
    reason TEXT NOT NULL,
    expires_at BIGINT,
    author TEXT NOT NULL,
    at BIGINT NOT NULL,
    superseded_at BIGINT
);
CREATE INDEX triage_lookup ON triage (tenant, tool, rule);

CREATE TABLE job (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    priority BIGINT NOT NULL,
    concurrency_key TEXT,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    run_after BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    heartbeat_at BIGINT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    result TEXT,
    error TEXT
);
CREATE INDEX job_queue ON job (state, priority, id);
CREATE INDEX job_key ON job (concurrency_key, state);

CREATE TABLE upload (
    job BIGINT PRIMARY KEY REFERENCES job(id),
    body BLOB NOT NULL
);

CREATE TABLE webhook_delivery (
    forge TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (forge, delivery_id)
);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT,
    attempts BIGINT NOT NULL
);

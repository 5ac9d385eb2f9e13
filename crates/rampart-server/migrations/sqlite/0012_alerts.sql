-- Alerts and tickets (#14): rules say which events go where; deliveries are the work of telling
-- one rule about one event (and, for tickets, one finding), claimed by workers like jobs and
-- retried with backoff; tickets map a finding (or a rule's project) to the issue it opened.

-- When an event was turned into deliveries (NULL: not yet). Routing sets it in the transaction
-- that writes the deliveries, so an event is routed once.
ALTER TABLE notification_event ADD COLUMN routed_at BIGINT;
CREATE INDEX notification_event_unrouted ON notification_event (id) WHERE routed_at IS NULL;

CREATE TABLE notification_rule (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant BIGINT NOT NULL,
    name TEXT NOT NULL,
    -- JSON array of event kinds (new_finding, reopened_finding, fixed_finding, sla_overdue,
    -- scan_failed, policy_failed, deployment_advisory).
    events TEXT NOT NULL,
    -- JSON array of project tags; empty: every project of the tenant.
    project_tags TEXT NOT NULL,
    -- info, low, medium, high or critical; NULL: any.
    min_severity TEXT,
    -- webhook, slack, github, gitlab, jira or email.
    publisher TEXT NOT NULL,
    -- The publisher's settings as JSON (URLs, secrets and tokens as given).
    config TEXT NOT NULL,
    -- 1: events are collected and sent as one message a day.
    digest BIGINT NOT NULL,
    next_digest_at BIGINT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX notification_rule_tenant ON notification_rule (tenant);

CREATE TABLE notification_delivery (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL for a digest (its events are the deliveries whose digest_id is this one).
    event_id BIGINT,
    rule_id BIGINT NOT NULL,
    -- The finding, for a ticket per finding; 0 otherwise.
    finding_id BIGINT NOT NULL,
    -- pending, running, sent, failed, held (waiting for its rule's digest), digested, cancelled.
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT,
    sent_at BIGINT,
    digest_id BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (event_id, rule_id, finding_id)
);
CREATE INDEX notification_delivery_due ON notification_delivery (state, next_attempt_at);
CREATE INDEX notification_delivery_rule ON notification_delivery (rule_id, state);
-- A ticket delivery waits for the earlier unfinished ones of its rule and finding.
CREATE INDEX notification_delivery_subject ON notification_delivery (rule_id, finding_id, id);

CREATE TABLE notification_ticket (
    rule_id BIGINT NOT NULL,
    -- finding:{id} or project:{id}
    subject TEXT NOT NULL,
    -- The issue's number (GitHub, GitLab iid) or key (Jira).
    external_id TEXT NOT NULL,
    url TEXT,
    -- open or closed
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (rule_id, subject)
);

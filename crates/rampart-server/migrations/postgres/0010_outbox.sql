-- The notification outbox: one row per event worth telling someone about (a new or reopened
-- finding, an overdue one, a failed scan or policy gate, an advisory that now affects a deployed
-- artifact), written in the same transaction as what caused it. `dedup_key` makes writing the
-- same event twice a no-op; delivery (rules, publishers, retries) reads from here.
CREATE TABLE notification_event (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    project_id BIGINT,
    severity TEXT,
    dedup_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX notification_event_created ON notification_event (created_at);

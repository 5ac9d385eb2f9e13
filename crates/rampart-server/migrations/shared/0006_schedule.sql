-- Scheduled rescans: a project's cron expression and when it next falls due (Unix ms; NULL when
-- it has no schedule), indexed for the scheduler's "what is due" query.
ALTER TABLE project ADD COLUMN schedule TEXT;
ALTER TABLE project ADD COLUMN next_rescan_at BIGINT;
CREATE INDEX project_rescan ON project (next_rescan_at);

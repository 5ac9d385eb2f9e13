-- Ingest at the rate a 50,000-finding upload needs (bench/RESULTS-server.md).
--
-- The per-finding tables carry no foreign keys on PostgreSQL. Each check of one runs a
-- `SELECT … FOR KEY SHARE` on the parent row, which takes a row lock and dirties the parent's
-- page: measured on a 50,000-finding upload, the checks were 55% of the time of storing it.
-- Their rows are written only by `results::store_scan`, with ids it read or created in the same
-- transaction, and nothing here is ever deleted, so a reference cannot dangle; the tests check
-- that no orphan is left (tests/lifecycle.rs). SQLite keeps its checks: there a check is one
-- index lookup.
ALTER TABLE finding DROP CONSTRAINT IF EXISTS finding_project_fkey;
ALTER TABLE occurrence DROP CONSTRAINT IF EXISTS occurrence_finding_fkey;
ALTER TABLE occurrence DROP CONSTRAINT IF EXISTS occurrence_scan_fkey;
ALTER TABLE finding_state DROP CONSTRAINT IF EXISTS finding_state_finding_fkey;
ALTER TABLE finding_event DROP CONSTRAINT IF EXISTS finding_event_finding_fkey;
ALTER TABLE finding_event DROP CONSTRAINT IF EXISTS finding_event_scan_fkey;

-- Every scan of a branch rewrites the state of each finding it sees (last seen, updated). With
-- room left on each page, the new version goes on the same page and no index changes (a HOT
-- update): a repeated 50,000-finding scan updated its states in a quarter of the time.
ALTER TABLE finding_state SET (fillfactor = 50);

-- A large upload waits as one value until its job stores it: compressed with lz4 where the server
-- has it (PostgreSQL 14+ built with lz4, as Debian's is), which wrote a 21 MiB SARIF 0.2 s faster
-- than the default pglz at about the same size.
DO $$
BEGIN
    ALTER TABLE upload ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;
END
$$;

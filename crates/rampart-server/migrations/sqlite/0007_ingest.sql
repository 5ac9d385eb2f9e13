-- Ingest at the rate a 50,000-finding upload needs: PostgreSQL drops the foreign keys of the
-- per-finding tables and leaves room on the pages of finding states (see
-- migrations/postgres/0007_ingest.sql). SQLite needs neither: its foreign-key check is one index
-- lookup, and it has no page fill factor. The version is recorded so both backends count alike.
SELECT 1;

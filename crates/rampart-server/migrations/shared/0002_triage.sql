-- Triage that sticks, SLAs and the inventory search: a project's SLA (JSON days per severity,
-- NULL for the defaults); the package and advisory a dependency finding is about, so that a
-- tenant-wide decision can name them; the same on triage decisions; indexes for the lookups.

ALTER TABLE project ADD COLUMN sla TEXT;
ALTER TABLE finding ADD COLUMN purl TEXT;
ALTER TABLE finding ADD COLUMN advisory TEXT;
ALTER TABLE triage ADD COLUMN purl TEXT;
ALTER TABLE triage ADD COLUMN advisory TEXT;
CREATE INDEX triage_project ON triage (project, tool, rule);
CREATE INDEX component_by_name ON component (name, ecosystem);

-- Pages of a branch's findings in id order without reading the whole branch: the project is
-- kept beside each finding's branch state, and indexed with the branch, status and finding.
ALTER TABLE finding_state ADD COLUMN project BIGINT;
UPDATE finding_state SET project = (SELECT f.project FROM finding f WHERE f.id = finding_state.finding);
CREATE INDEX finding_state_page ON finding_state (project, branch, status, finding);
CREATE INDEX finding_state_page_all ON finding_state (project, branch, finding);
DROP INDEX finding_state_branch;

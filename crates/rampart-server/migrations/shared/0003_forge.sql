-- Forges: where a project's commit statuses and pull-request comments go (API base URL, token,
-- repository), and the one summary comment per pull request that later pushes update.

ALTER TABLE project ADD COLUMN forge_api TEXT;
ALTER TABLE project ADD COLUMN forge_token TEXT;
ALTER TABLE project ADD COLUMN forge_repo TEXT;

CREATE TABLE forge_comment (
    project BIGINT NOT NULL REFERENCES project(id),
    forge TEXT NOT NULL,
    pull_request BIGINT NOT NULL,
    comment_id TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (project, forge, pull_request)
);

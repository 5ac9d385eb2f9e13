-- Teams with per-project roles. A token is either tenant-wide (`access = 'tenant'`: every
-- project of its tenant, as far as its scopes allow) or team-bound (`access = 'teams'`: only the
-- projects where one of its teams has a role, and only what that role allows). Memberships and
-- roles are rows, so removing one is a delete that the audit log records.

CREATE TABLE team (
    id BIGSERIAL PRIMARY KEY,
    tenant BIGINT NOT NULL REFERENCES tenant(id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant, name)
);

CREATE TABLE team_member (
    team BIGINT NOT NULL REFERENCES team(id),
    token BIGINT NOT NULL REFERENCES token(id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (team, token)
);
CREATE INDEX team_member_token ON team_member (token);

CREATE TABLE project_role (
    project BIGINT NOT NULL REFERENCES project(id),
    team BIGINT NOT NULL REFERENCES team(id),
    role TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (project, team)
);
CREATE INDEX project_role_team ON project_role (team);

ALTER TABLE token ADD COLUMN access TEXT NOT NULL DEFAULT 'tenant';
CREATE INDEX audit_page ON audit (tenant, id);

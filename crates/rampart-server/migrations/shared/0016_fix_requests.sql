-- Fix pull/merge requests and project policy (issue #21, server part).
-- `fix_requests`: whether the worker opens requests with the dependency upgrades and pins found
-- by a scan of the default branch: NULL (off), 'grouped' (one request, branch rampart/fix/all)
-- or 'per_package' (one per package, branch rampart/fix/<package>).
-- `forge_kind`: `github` or `gitlab`, for requests of scans no webhook asked for (scheduled
-- rescans, API scans); a webhook's own forge wins.
-- `policy`: the project's `[policy]` section, as TOML text written as in rampart.toml.
ALTER TABLE project ADD COLUMN fix_requests TEXT;
ALTER TABLE project ADD COLUMN forge_kind TEXT;
ALTER TABLE project ADD COLUMN policy TEXT;

-- One row per fix branch the server keeps on a forge: its open request, the digest of the
-- contents last pushed (an unchanged fix is not pushed again) and whether it is still open.
CREATE TABLE fix_request (
    project BIGINT NOT NULL REFERENCES project(id),
    forge TEXT NOT NULL,
    branch TEXT NOT NULL,
    number BIGINT NOT NULL,
    head_sha TEXT,
    digest TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (project, forge, branch)
);

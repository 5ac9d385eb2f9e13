-- Dashboard sessions: a browser that logged in with an API token holds a random session id in a
-- cookie; the database keeps only its SHA-256, the token it acts as, and when it ends. A session
-- acts only while its token is live (not revoked, not expired); revoking the token deletes them.
CREATE TABLE session (
    id_hash TEXT PRIMARY KEY,
    token BIGINT NOT NULL REFERENCES token(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX session_token ON session (token);
CREATE INDEX session_expiry ON session (expires_at);

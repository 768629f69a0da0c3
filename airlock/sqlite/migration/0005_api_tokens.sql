-- Personal tokens of the JSON API. Like sessions, only the SHA-256 of the
-- secret is kept (hash), so nothing stored here can be replayed; id is the
-- public id people see and revoke by. A token is revoked by setting
-- revoked_at, never by deleting the row, so a revoked token stays revoked.
-- username is not a foreign key: an operator makes tokens for automation
-- accounts that may not have signed in yet; their roles are fetched from
-- the jobs site at first use.
CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    hash          TEXT NOT NULL UNIQUE,
    username      TEXT NOT NULL,
    name          TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT,
    revoke_reason TEXT NOT NULL DEFAULT ''
);
-- A person's live tokens have distinct names, so the audit log's token
-- name says which one was used.
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (username, name) WHERE revoked_at IS NULL;

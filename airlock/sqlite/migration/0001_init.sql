-- Users as the jobs site reported them, cached between refreshes.
CREATE TABLE users (
    username     TEXT PRIMARY KEY,
    api_data     TEXT NOT NULL,
    refreshed_at TEXT NOT NULL
);

CREATE TABLE requests (
    id                TEXT PRIMARY KEY,
    workspace         TEXT NOT NULL,
    project           TEXT NOT NULL DEFAULT '',
    orgs              TEXT NOT NULL DEFAULT '[]',
    author            TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('PENDING','SUBMITTED','PARTIALLY_REVIEWED','REVIEWED','RETURNED','APPROVED','RELEASED','REJECTED','WITHDRAWN')),
    review_turn       INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    last_submitted_at TEXT,
    submitted_reviews TEXT NOT NULL DEFAULT '{}',
    turn_reviewers    TEXT NOT NULL DEFAULT '[]'
);

-- D3: at most one open request per author per workspace, enforced by the database.
CREATE UNIQUE INDEX requests_one_open ON requests (workspace, author)
    WHERE status IN ('PENDING','SUBMITTED','PARTIALLY_REVIEWED','REVIEWED','RETURNED');
CREATE INDEX requests_workspace ON requests (workspace, created_at);
CREATE INDEX requests_status ON requests (status);

CREATE TABLE file_groups (
    request_id TEXT NOT NULL REFERENCES requests (id),
    name       TEXT NOT NULL,
    context    TEXT NOT NULL DEFAULT '',
    controls   TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (request_id, name)
);

CREATE TABLE request_files (
    request_id  TEXT NOT NULL,
    path        TEXT NOT NULL,
    group_name  TEXT NOT NULL,
    file_id     TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('OUTPUT','SUPPORTING','WITHDRAWN')),
    size        INTEGER NOT NULL,
    timestamp   TEXT NOT NULL,
    commit_sha  TEXT NOT NULL DEFAULT '',
    repo        TEXT NOT NULL DEFAULT '',
    job_id      TEXT NOT NULL DEFAULT '',
    row_count   INTEGER,
    col_count   INTEGER,
    added_at    TEXT NOT NULL,
    released_at TEXT,
    released_by TEXT NOT NULL DEFAULT '',
    uploaded_at TEXT,
    PRIMARY KEY (request_id, path),
    FOREIGN KEY (request_id, group_name) REFERENCES file_groups (request_id, name)
);
CREATE INDEX request_files_released ON request_files (request_id) WHERE released_at IS NOT NULL;

CREATE TABLE votes (
    request_id TEXT NOT NULL,
    path       TEXT NOT NULL,
    reviewer   TEXT NOT NULL,
    vote       TEXT NOT NULL CHECK (vote IN ('APPROVED','CHANGES_REQUESTED','UNDECIDED')),
    turn       INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (request_id, path, reviewer),
    FOREIGN KEY (request_id, path) REFERENCES request_files (request_id, path) ON DELETE CASCADE
);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    author     TEXT NOT NULL,
    text       TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('PRIVATE','PUBLIC')),
    turn       INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    FOREIGN KEY (request_id, group_name) REFERENCES file_groups (request_id, name)
);
CREATE INDEX comments_request ON comments (request_id);

-- D12: the audit log is append-only and hash-chained.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY,
    type       TEXT NOT NULL,
    user       TEXT NOT NULL,
    workspace  TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    path       TEXT NOT NULL DEFAULT '',
    extra      TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_events_request ON audit_events (request_id);
CREATE INDEX audit_events_workspace ON audit_events (workspace);
CREATE INDEX audit_events_user ON audit_events (user);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

-- Hiding (early return) is itself an appended fact, so the chain never changes.
CREATE TABLE audit_hidden (
    event_id INTEGER PRIMARY KEY REFERENCES audit_events (id)
);

-- D10: the durable upload queue.
CREATE TABLE upload_jobs (
    request_id   TEXT NOT NULL REFERENCES requests (id),
    path         TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    file_id      TEXT NOT NULL,
    size         INTEGER NOT NULL,
    released_by  TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    done_at      TEXT,
    blocked      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (request_id, path)
);
CREATE INDEX upload_jobs_due ON upload_jobs (next_attempt) WHERE done_at IS NULL AND blocked = 0;

-- Notifications to the jobs site, sent after the action commits.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    sent_at      TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt) WHERE sent_at IS NULL;

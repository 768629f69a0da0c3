-- D16: a checker's release is recorded at once; registering it with the
-- jobs site is a queued job, retried with capped backoff like uploads.
-- Upload jobs of a request wait until its registration is done. Requests
-- released before this table existed have no row and upload as before.
CREATE TABLE release_registrations (
    request_id   TEXT PRIMARY KEY REFERENCES requests (id),
    workspace    TEXT NOT NULL,
    released_by  TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    done_at      TEXT,
    jobsite_id   TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL
);
CREATE INDEX release_registrations_due ON release_registrations (next_attempt) WHERE done_at IS NULL;

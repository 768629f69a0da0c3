-- D15: sessions live on the server. The browser's cookie holds a random
-- secret; id is its SHA-256 (hex), so nothing stored here can be replayed.
-- A session ends by setting ended_at, never by deleting the row, so an
-- ended session stays ended; rows unused for longer than the idle limit
-- are pruned.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    username     TEXT NOT NULL REFERENCES users (username),
    created_at   TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    ended_at     TEXT,
    end_reason   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_live_by_user ON sessions (username) WHERE ended_at IS NULL;
CREATE INDEX sessions_last_used ON sessions (last_used_at);

-- Settings the server creates once and keeps, such as the session keys.
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
);

-- At most one active single-use login token per user; only its hash is kept.
CREATE TABLE login_tokens (
	username   TEXT PRIMARY KEY,
	hash       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);

CREATE TABLE releases (
	id              TEXT PRIMARY KEY,
	workspace       TEXT NOT NULL,
	backend         TEXT NOT NULL,
	created_by      TEXT NOT NULL,
	requested_files TEXT NOT NULL, -- JSON list as posted
	metadata        TEXT NOT NULL, -- JSON object, airlock_id removed
	created_at      TEXT NOT NULL
);
CREATE INDEX releases_workspace ON releases (workspace, created_at);

CREATE TABLE release_files (
	id          TEXT PRIMARY KEY,
	release_id  TEXT NOT NULL REFERENCES releases (id),
	workspace   TEXT NOT NULL,
	backend     TEXT NOT NULL,
	name        TEXT NOT NULL,
	sha256      TEXT NOT NULL,
	size        INTEGER NOT NULL,
	mtime       TEXT NOT NULL,
	metadata    TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	path        TEXT NOT NULL DEFAULT '', -- storage-relative, set on upload
	uploaded_at TEXT,                     -- NULL until the bytes arrive
	UNIQUE (release_id, name)
);
CREATE INDEX release_files_workspace ON release_files (workspace, id);

CREATE TABLE events (
	id         INTEGER PRIMARY KEY,
	backend    TEXT NOT NULL,
	os_user    TEXT NOT NULL,
	event_type TEXT NOT NULL,
	workspace  TEXT NOT NULL,
	request    TEXT NOT NULL,
	payload    TEXT NOT NULL,
	created_at TEXT NOT NULL
);

-- A snapshot is a frozen set of released files of one workspace: a draft
-- until a publisher publishes it, then public.
CREATE TABLE snapshots (
	id           TEXT PRIMARY KEY,
	workspace    TEXT NOT NULL,
	created_by   TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	published_by TEXT,
	published_at TEXT
);

CREATE TABLE snapshot_files (
	snapshot_id TEXT NOT NULL REFERENCES snapshots (id),
	file_id     TEXT NOT NULL REFERENCES release_files (id),
	PRIMARY KEY (snapshot_id, file_id)
);
CREATE INDEX snapshot_files_file ON snapshot_files (file_id);

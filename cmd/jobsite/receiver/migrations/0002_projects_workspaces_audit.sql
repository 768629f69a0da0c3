-- What members change on the site. The config gives each project's first
-- status and each workspace's first purpose; a row here replaces them.
CREATE TABLE project_states (
	project     TEXT PRIMARY KEY, -- the project's slug
	status      TEXT NOT NULL,
	description TEXT NOT NULL,
	updated_by  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);

CREATE TABLE workspace_states (
	workspace  TEXT PRIMARY KEY,
	purpose    TEXT NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- An output checker may delete a released file: its bytes are removed and
-- the row says who did it, when and why.
ALTER TABLE release_files ADD COLUMN deleted_at TEXT;
ALTER TABLE release_files ADD COLUMN deleted_by TEXT NOT NULL DEFAULT '';
ALTER TABLE release_files ADD COLUMN deleted_reason TEXT NOT NULL DEFAULT '';

-- Who did what on the site, appended in the same transaction as the change.
CREATE TABLE audit_events (
	id        INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	actor     TEXT NOT NULL, -- username, or what was typed for a failed sign-in
	action    TEXT NOT NULL,
	project   TEXT NOT NULL DEFAULT '',
	workspace TEXT NOT NULL DEFAULT '',
	target    TEXT NOT NULL DEFAULT '', -- the release, file or draft acted on
	detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_workspace ON audit_events (workspace, id);

-- D17: what an author said about the disclosure checks of a request file:
-- a column's declared role, or an exception asked for one flag, each with
-- its reason. Kept with the file (and gone with it); header is the
-- fingerprint of the table header a note was made on, so notes outlive an
-- update of the file only while its header is unchanged.
CREATE TABLE check_notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL,
    path       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('role','exception')),
    sheet      TEXT NOT NULL DEFAULT '',
    column_name TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL DEFAULT '',
    rule       TEXT NOT NULL DEFAULT '',
    row_number INTEGER NOT NULL DEFAULT 0,
    header     TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL,
    author     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    FOREIGN KEY (request_id, path) REFERENCES request_files (request_id, path) ON DELETE CASCADE
);
CREATE INDEX check_notes_file ON check_notes (request_id, path);

-- The version of each request file every review turn saw, so a checker can
-- compare a file with what was reviewed before. The bytes of each version
-- stay in the content-addressed store for as long as the request exists.
CREATE TABLE request_file_versions (
    request_id  TEXT NOT NULL REFERENCES requests (id),
    path        TEXT NOT NULL,
    turn        INTEGER NOT NULL,
    file_id     TEXT NOT NULL,
    size        INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (request_id, path, turn)
);

-- Requests submitted before this table existed: the files they hold now
-- are the ones their current review turn saw.
INSERT INTO request_file_versions (request_id, path, turn, file_id, size, recorded_at)
SELECT f.request_id, f.path, r.review_turn, f.file_id, f.size, r.updated_at
FROM request_files f JOIN requests r ON r.id = f.request_id
WHERE r.review_turn > 0 AND f.type <> 'WITHDRAWN'
  AND r.status IN ('SUBMITTED','PARTIALLY_REVIEWED','REVIEWED','APPROVED','RELEASED','REJECTED');

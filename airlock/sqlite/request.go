package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

const requestColumns = `id, workspace, project, orgs, author, status, review_turn, created_at, updated_at,
	last_submitted_at, submitted_reviews, turn_reviewers`

func scanRequest(rows interface{ Scan(...any) error }) (*airlock.Request, error) {
	var (
		r                                 airlock.Request
		orgs, created, updated, subs, trn string
		lastSubmitted                     sql.NullString
	)
	if err := rows.Scan(&r.ID, &r.Workspace, &r.Project, &orgs, &r.Author, &r.Status, &r.ReviewTurn,
		&created, &updated, &lastSubmitted, &subs, &trn); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = parseTime(created), parseTime(updated)
	r.LastSubmittedAt = parseTimePtr(lastSubmitted)
	if err := json.Unmarshal([]byte(orgs), &r.Orgs); err != nil {
		return nil, fmt.Errorf("request %s orgs: %w", r.ID, err)
	}
	var submitted map[string]string
	if err := json.Unmarshal([]byte(subs), &submitted); err != nil {
		return nil, fmt.Errorf("request %s submitted reviews: %w", r.ID, err)
	}
	r.SubmittedReviews = make(map[string]time.Time, len(submitted))
	for k, v := range submitted {
		r.SubmittedReviews[k] = parseTime(v)
	}
	if err := json.Unmarshal([]byte(trn), &r.TurnReviewers); err != nil {
		return nil, fmt.Errorf("request %s turn reviewers: %w", r.ID, err)
	}
	return &r, nil
}

// Request loads one request with everything that belongs to it.
func (t *tx) Request(id string) (*airlock.Request, error) {
	return t.oneRequest(id, true)
}

// RequestOutline loads one request with its groups and, of its files,
// their path, group, type and content hash.
func (t *tx) RequestOutline(id string) (*airlock.Request, error) {
	return t.oneRequest(id, false)
}

func (t *tx) oneRequest(id string, whole bool) (*airlock.Request, error) {
	reqs, err := t.loadRequests(`id = ?`, []any{id}, whole)
	if err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "Release request %q was not found.", id)
	}
	return reqs[0], nil
}

// Requests lists the requests matching the filter, newest first, each with
// everything that belongs to it, as Request loads one.
func (t *tx) Requests(f airlock.RequestFilter) ([]*airlock.Request, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.Workspace != "" {
		where, args = append(where, "workspace = ?"), append(args, f.Workspace)
	}
	if f.Author != "" {
		where, args = append(where, "author = ?"), append(args, f.Author)
	}
	if f.ExcludeAuthor != "" {
		where, args = append(where, "author <> ?"), append(args, f.ExcludeAuthor)
	}
	if len(f.Statuses) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?,", len(f.Statuses)), ",")
		where = append(where, "status IN ("+marks+")")
		for _, s := range f.Statuses {
			args = append(args, string(s))
		}
	}
	return t.loadRequests(strings.Join(where, " AND "), args, true)
}

// loadRequests loads the requests matching a WHERE clause on the requests
// table with their groups, files, votes and comments, in five queries
// however many requests match.
// loadRequests loads the requests matching where. Without whole, each
// file has only its path, group, type and content hash (FileID), and no
// file has votes or versions, no group comments (RequestOutline).
func (t *tx) loadRequests(where string, args []any, whole bool) ([]*airlock.Request, error) {
	rows, err := t.query(`SELECT `+requestColumns+` FROM requests WHERE `+where+` ORDER BY created_at DESC, id DESC`, args...)
	if err != nil {
		return nil, err
	}
	var reqs []*airlock.Request
	byID := map[string]*airlock.Request{}
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		reqs = append(reqs, r)
		byID[r.ID] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(reqs) == 0 {
		return reqs, err
	}
	sub := `request_id IN (SELECT id FROM requests WHERE ` + where + `)`

	groups := map[string]map[string]*airlock.FileGroup{}
	if err := t.each(`SELECT request_id, name, context, controls, updated_at FROM file_groups WHERE `+sub, args, func(s scanner) error {
		var rid, updated string
		g := &airlock.FileGroup{}
		if err := s.Scan(&rid, &g.Name, &g.Context, &g.Controls, &updated); err != nil {
			return err
		}
		g.UpdatedAt = parseTime(updated)
		r := byID[rid]
		r.Groups = append(r.Groups, g)
		if groups[rid] == nil {
			groups[rid] = map[string]*airlock.FileGroup{}
		}
		groups[rid][g.Name] = g
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load groups: %w", err)
	}

	files := map[string]map[string]*airlock.RequestFile{}
	columns := `request_id, path, group_name, file_id, type`
	if whole {
		columns += `, size, timestamp, commit_sha, repo, job_id, row_count, col_count, added_at, released_at, released_by, uploaded_at`
	}
	if err := t.each(`SELECT `+columns+` FROM request_files WHERE `+sub, args, func(s scanner) error {
		var (
			rid, ts, added         string
			rowCount, colCount     sql.NullInt64
			releasedAt, uploadedAt sql.NullString
			f                      = &airlock.RequestFile{Votes: map[string]*airlock.FileVote{}}
		)
		dest := []any{&rid, &f.Path, &f.Group, &f.FileID, &f.Type}
		if whole {
			dest = append(dest, &f.Size, &ts, &f.Commit, &f.Repo, &f.JobID, &rowCount, &colCount, &added, &releasedAt, &f.ReleasedBy, &uploadedAt)
		}
		if err := s.Scan(dest...); err != nil {
			return err
		}
		if whole {
			f.Timestamp, f.AddedAt = parseTime(ts), parseTime(added)
			f.RowCount, f.ColCount = intPtr(rowCount), intPtr(colCount)
			f.ReleasedAt, f.UploadedAt = parseTimePtr(releasedAt), parseTimePtr(uploadedAt)
		}
		g := groups[rid][f.Group]
		if g == nil {
			return fmt.Errorf("file %s refers to missing group %s", f.Path, f.Group)
		}
		g.Files = append(g.Files, f)
		if files[rid] == nil {
			files[rid] = map[string]*airlock.RequestFile{}
		}
		files[rid][f.Path] = f
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load files: %w", err)
	}
	if !whole {
		for _, r := range reqs {
			r.SortGroups()
		}
		return reqs, nil
	}

	if err := t.each(`SELECT request_id, path, reviewer, vote, turn, updated_at FROM votes WHERE `+sub, args, func(s scanner) error {
		var rid, path, updated string
		v := &airlock.FileVote{}
		if err := s.Scan(&rid, &path, &v.Reviewer, &v.Vote, &v.Turn, &updated); err != nil {
			return err
		}
		v.UpdatedAt = parseTime(updated)
		if f := files[rid][path]; f != nil {
			f.Votes[v.Reviewer] = v
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load votes: %w", err)
	}

	if err := t.each(`SELECT request_id, path, turn, file_id, size FROM request_file_versions WHERE `+sub+` ORDER BY turn`, args, func(s scanner) error {
		var rid, path string
		var v airlock.FileVersion
		if err := s.Scan(&rid, &path, &v.Turn, &v.FileID, &v.Size); err != nil {
			return err
		}
		if f := files[rid][path]; f != nil {
			f.Versions = append(f.Versions, v)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load file versions: %w", err)
	}

	if err := t.each(`SELECT request_id, id, group_name, author, text, visibility, turn, created_at FROM comments WHERE `+sub+` ORDER BY id`, args, func(s scanner) error {
		var rid, created string
		c := &airlock.Comment{}
		if err := s.Scan(&rid, &c.ID, &c.Group, &c.Author, &c.Text, &c.Visibility, &c.Turn, &created); err != nil {
			return err
		}
		c.CreatedAt = parseTime(created)
		if g := groups[rid][c.Group]; g != nil {
			g.Comments = append(g.Comments, c)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load comments: %w", err)
	}
	for _, r := range reqs {
		r.SortGroups()
	}
	return reqs, nil
}

// ActiveRequestID returns the author's open request in a workspace, or "".
func (t *tx) ActiveRequestID(workspace, author string) (string, error) {
	var id string
	err := t.queryRow(`SELECT id FROM requests WHERE workspace = ? AND author = ?
		AND status IN ('PENDING','SUBMITTED','PARTIALLY_REVIEWED','REVIEWED','RETURNED')`, workspace, author).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// ReleasedHashes returns the content hashes of output files released from a workspace.
func (t *tx) ReleasedHashes(workspace string) (map[string]bool, error) {
	out := map[string]bool{}
	err := t.each(`SELECT DISTINCT f.file_id FROM request_files f JOIN requests r ON r.id = f.request_id
		WHERE r.workspace = ? AND f.released_at IS NOT NULL`, []any{workspace}, func(s scanner) error {
		var h string
		if err := s.Scan(&h); err != nil {
			return err
		}
		out[h] = true
		return nil
	})
	return out, err
}

// ReleasedFiles returns the output files released from a workspace, newest first.
func (t *tx) ReleasedFiles(workspace string) ([]airlock.ReleasedFile, error) {
	var out []airlock.ReleasedFile
	err := t.each(`SELECT f.request_id, f.path, f.file_id, f.size, f.released_at FROM request_files f
		JOIN requests r ON r.id = f.request_id
		WHERE r.workspace = ? AND f.released_at IS NOT NULL ORDER BY f.released_at DESC, f.path`, []any{workspace}, func(s scanner) error {
		var rf airlock.ReleasedFile
		var at string
		if err := s.Scan(&rf.Request, &rf.Path, &rf.FileID, &rf.Size, &at); err != nil {
			return err
		}
		rf.ReleasedAt = parseTime(at)
		out = append(out, rf)
		return nil
	})
	return out, err
}

func marshalState(r *airlock.Request) (orgs, subs, turn string, err error) {
	o := r.Orgs
	if o == nil {
		o = []string{}
	}
	sub := make(map[string]string, len(r.SubmittedReviews))
	for k, v := range r.SubmittedReviews {
		sub[k] = formatTime(v)
	}
	tr := r.TurnReviewers
	if tr == nil {
		tr = []string{}
	}
	sort.Strings(tr)
	ob, err1 := json.Marshal(o)
	sb, err2 := json.Marshal(sub)
	tb, err3 := json.Marshal(tr)
	return string(ob), string(sb), string(tb), errors.Join(err1, err2, err3)
}

// CreateRequest inserts a new request.
func (t *tx) CreateRequest(r *airlock.Request) error {
	orgs, subs, turn, err := marshalState(r)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO requests (`+requestColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		r.ID, r.Workspace, r.Project, orgs, r.Author, string(r.Status), r.ReviewTurn,
		formatTime(r.CreatedAt), formatTime(r.UpdatedAt), formatTimePtr(r.LastSubmittedAt), subs, turn)
}

// SaveRequestState writes the request's mutable state.
func (t *tx) SaveRequestState(r *airlock.Request) error {
	_, subs, turn, err := marshalState(r)
	if err != nil {
		return err
	}
	return t.exec(`UPDATE requests SET status = ?, review_turn = ?, updated_at = ?, last_submitted_at = ?,
		submitted_reviews = ?, turn_reviewers = ? WHERE id = ?`,
		string(r.Status), r.ReviewTurn, formatTime(r.UpdatedAt), formatTimePtr(r.LastSubmittedAt), subs, turn, r.ID)
}

// SaveGroup inserts or updates a group.
func (t *tx) SaveGroup(requestID string, g *airlock.FileGroup) error {
	return t.exec(`INSERT INTO file_groups (request_id, name, context, controls, updated_at) VALUES (?,?,?,?,?)
		ON CONFLICT (request_id, name) DO UPDATE SET context = excluded.context, controls = excluded.controls,
		updated_at = excluded.updated_at`, requestID, g.Name, g.Context, g.Controls, formatTime(g.UpdatedAt))
}

// SaveFile inserts or updates a request file.
func (t *tx) SaveFile(requestID string, f *airlock.RequestFile) error {
	return t.exec(`INSERT INTO request_files (request_id, path, group_name, file_id, type, size, timestamp, commit_sha,
			repo, job_id, row_count, col_count, added_at, released_at, released_by, uploaded_at)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (request_id, path) DO UPDATE SET group_name = excluded.group_name, file_id = excluded.file_id,
			type = excluded.type, size = excluded.size, timestamp = excluded.timestamp, commit_sha = excluded.commit_sha,
			repo = excluded.repo, job_id = excluded.job_id, row_count = excluded.row_count, col_count = excluded.col_count,
			added_at = excluded.added_at, released_at = excluded.released_at, released_by = excluded.released_by,
			uploaded_at = excluded.uploaded_at`,
		requestID, f.Path, f.Group, f.FileID, string(f.Type), f.Size, formatTime(f.Timestamp), f.Commit, f.Repo, f.JobID,
		nullInt(f.RowCount), nullInt(f.ColCount), formatTime(f.AddedAt), formatTimePtr(f.ReleasedAt), f.ReleasedBy,
		formatTimePtr(f.UploadedAt))
}

// SaveFileVersion records the version of a file a review turn sees.
func (t *tx) SaveFileVersion(requestID, path string, v airlock.FileVersion) error {
	return t.exec(`INSERT INTO request_file_versions (request_id, path, turn, file_id, size, recorded_at) VALUES (?,?,?,?,?,?)
		ON CONFLICT (request_id, path, turn) DO UPDATE SET file_id = excluded.file_id, size = excluded.size,
		recorded_at = excluded.recorded_at`, requestID, path, v.Turn, v.FileID, v.Size, formatTime(t.Now()))
}

// DeleteFile removes a file and, by cascade, its votes.
func (t *tx) DeleteFile(requestID, path string) error {
	return t.exec(`DELETE FROM request_files WHERE request_id = ? AND path = ?`, requestID, path)
}

// SaveVote inserts or updates a vote.
func (t *tx) SaveVote(requestID, path string, v *airlock.FileVote) error {
	return t.exec(`INSERT INTO votes (request_id, path, reviewer, vote, turn, updated_at) VALUES (?,?,?,?,?,?)
		ON CONFLICT (request_id, path, reviewer) DO UPDATE SET vote = excluded.vote, turn = excluded.turn,
		updated_at = excluded.updated_at`, requestID, path, v.Reviewer, string(v.Vote), v.Turn, formatTime(v.UpdatedAt))
}

// DeleteVote removes a vote.
func (t *tx) DeleteVote(requestID, path, reviewer string) error {
	return t.exec(`DELETE FROM votes WHERE request_id = ? AND path = ? AND reviewer = ?`, requestID, path, reviewer)
}

// AddComment inserts a comment and sets its ID.
func (t *tx) AddComment(requestID string, c *airlock.Comment) error {
	if t.readonly {
		return errors.New("write in a read-only transaction")
	}
	res, err := t.execResult(`INSERT INTO comments (request_id, group_name, author, text, visibility, turn, created_at)
		VALUES (?,?,?,?,?,?,?)`, requestID, c.Group, c.Author, c.Text, string(c.Visibility), c.Turn, formatTime(c.CreatedAt))
	if err != nil {
		return err
	}
	c.ID, err = res.LastInsertId()
	return err
}

// DeleteComment removes a comment.
func (t *tx) DeleteComment(requestID string, id int64) error {
	return t.exec(`DELETE FROM comments WHERE request_id = ? AND id = ?`, requestID, id)
}

// SetCommentVisibility changes a comment's visibility.
func (t *tx) SetCommentVisibility(requestID string, id int64, v airlock.Visibility) error {
	return t.exec(`UPDATE comments SET visibility = ? WHERE request_id = ? AND id = ?`, string(v), requestID, id)
}

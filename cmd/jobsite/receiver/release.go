package receiver

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// releaseIDRE bounds release ids: airlock sends a 26-character ULID; the id
// becomes a directory name, so only letters, digits, '-' and '_' pass.
var releaseIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// CheckFileName reports why name may not be a released file name, or ""
// when it is fine: a relative POSIX path of non-empty segments, none of
// them "." or "..", with no backslash, NUL or other control character.
func CheckFileName(name string) string {
	switch {
	case name == "":
		return "File name is empty."
	case len(name) > 1024:
		return "File name is longer than 1024 bytes."
	case strings.HasPrefix(name, "/"):
		return "File name must be a relative path, not an absolute one."
	case strings.ContainsRune(name, '\\'):
		return "File name must use '/' between directories, not backslashes."
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "File name must not contain NUL or other control characters."
		}
	}
	for seg := range strings.SplitSeq(name, "/") {
		switch seg {
		case "":
			return "File name must not contain empty path segments."
		case ".", "..":
			return "File name must not contain '.' or '..' path segments."
		}
	}
	return ""
}

// fileIn is one validated entry of a release's file list.
type fileIn struct {
	Name   string
	SHA256 string
	Size   int64
	Date   time.Time
	Meta   json.RawMessage
}

// jsonType names the JSON type of raw, for error messages.
func jsonType(raw json.RawMessage) string {
	t := strings.TrimSpace(string(raw))
	switch {
	case t == "" || t == "null":
		return "null"
	case t[0] == '{':
		return "dict"
	case t[0] == '[':
		return "list"
	case t[0] == '"':
		return "str"
	case t == "true" || t == "false":
		return "bool"
	}
	return "number"
}

// sizeLimitText formats a byte limit as the jobs site does ("16.0Mb").
func sizeLimitText(n int64) string { return fmt.Sprintf("%.1fMb", float64(n)/(1<<20)) }

// validateFile checks one file entry (§5.3 step 3) and returns field errors.
func validateFile(raw json.RawMessage, limit int64) (fileIn, map[string][]string) {
	var f fileIn
	errs := map[string][]string{}
	var m map[string]json.RawMessage
	if jsonType(raw) != "dict" || json.Unmarshal(raw, &m) != nil {
		errs["non_field_errors"] = []string{fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", jsonType(raw))}
		return f, errs
	}
	str := func(key string) (string, bool) {
		v, ok := m[key]
		if !ok || jsonType(v) == "null" {
			errs[key] = []string{msgFieldRequired}
			return "", false
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			errs[key] = []string{"Not a valid string."}
			return "", false
		}
		return s, true
	}
	if name, ok := str("name"); ok {
		if msg := CheckFileName(name); msg != "" {
			errs["name"] = []string{msg}
		}
		f.Name = name
	}
	str("url")
	if h, ok := str("sha256"); ok {
		h = strings.ToLower(h)
		if _, err := hex.DecodeString(h); err != nil || len(h) != 64 {
			errs["sha256"] = []string{"Must be a SHA-256 digest: 64 hexadecimal characters."}
		}
		f.SHA256 = h
	}
	if d, ok := str("date"); ok {
		t, err := time.Parse(time.RFC3339Nano, d)
		if err != nil {
			t, err = time.Parse("2006-01-02T15:04:05.999999999", d)
		}
		if err != nil {
			errs["date"] = []string{"Datetime has wrong format. Use an ISO 8601 date and time, e.g. 2026-07-01T12:34:56+00:00."}
		}
		f.Date = t
	}
	if v, ok := m["size"]; !ok || jsonType(v) == "null" {
		errs["size"] = []string{msgFieldRequired}
	} else if json.Unmarshal(v, &f.Size) != nil || f.Size < 0 {
		errs["size"] = []string{"A valid non-negative integer is required."}
	} else if f.Size > limit {
		errs["size"] = []string{fmt.Sprintf("File size should be <%s. %s is %s", sizeLimitText(limit), f.Name, sizeLimitText(f.Size))}
	}
	if v, ok := m["metadata"]; !ok || jsonType(v) == "null" {
		errs["metadata"] = []string{msgFieldRequired}
	} else if jsonType(v) != "dict" {
		errs["metadata"] = []string{fmt.Sprintf("Expected a dictionary of items but got type %q.", jsonType(v))}
	} else {
		f.Meta = v
	}
	if v, ok := m["review"]; ok && jsonType(v) != "null" {
		var rv struct {
			Status   string          `json:"status"`
			Comments json.RawMessage `json:"comments"`
		}
		if jsonType(v) != "dict" || json.Unmarshal(v, &rv) != nil ||
			(rv.Status != "APPROVED" && rv.Status != "REJECTED") || jsonType(rv.Comments) != "dict" {
			errs["review"] = []string{`Review must be null or {"status": "APPROVED"|"REJECTED", "comments": {...}}.`}
		}
	}
	return f, errs
}

// releaseRequest is a validated release creation body.
type releaseRequest struct {
	AirlockID string
	Files     []fileIn
	FilesJSON json.RawMessage // the list as posted
	Metadata  json.RawMessage // metadata minus airlock_id
}

// parseRelease validates a release creation body. On failure it returns
// the 400 body in the DRF error shape.
func parseRelease(data []byte, limit int64) (releaseRequest, any) {
	var top map[string]json.RawMessage
	if jsonType(data) != "dict" || json.Unmarshal(data, &top) != nil {
		return releaseRequest{}, map[string]string{"detail": "JSON parse error - expected a JSON object."}
	}
	var req releaseRequest
	errs := map[string]any{}
	filesRaw, ok := top["files"]
	var entries []json.RawMessage
	switch {
	case !ok || jsonType(filesRaw) == "null":
		errs["files"] = []string{msgFieldRequired}
	case jsonType(filesRaw) != "list" || json.Unmarshal(filesRaw, &entries) != nil:
		errs["files"] = []string{fmt.Sprintf("Expected a list of items but got type %q.", jsonType(filesRaw))}
	case len(entries) == 0:
		errs["files"] = []string{"A release needs at least one file."}
	default:
		fileErrs := make([]map[string][]string, len(entries))
		bad := false
		seen := map[string]bool{}
		for i, e := range entries {
			f, fe := validateFile(e, limit)
			if f.Name != "" && fe["name"] == nil {
				if seen[f.Name] {
					fe["name"] = []string{fmt.Sprintf("File %s is listed twice.", f.Name)}
				}
				seen[f.Name] = true
			}
			fileErrs[i] = fe
			bad = bad || len(fe) > 0
			req.Files = append(req.Files, f)
		}
		// A name may not also be a directory of another name ("a" and "a/b").
		for i, f := range req.Files {
			for dir := f.Name; ; {
				j := strings.LastIndexByte(dir, '/')
				if j < 0 {
					break
				}
				dir = dir[:j]
				if seen[dir] && fileErrs[i]["name"] == nil {
					fileErrs[i]["name"] = []string{fmt.Sprintf("File %s is inside %s, which is also a file in this release.", f.Name, dir)}
					bad = true
				}
			}
		}
		if bad {
			errs["files"] = fileErrs
		}
		req.FilesJSON = filesRaw
	}
	metaRaw, ok := top["metadata"]
	var meta map[string]json.RawMessage
	switch {
	case !ok || jsonType(metaRaw) == "null":
		errs["metadata"] = []string{msgFieldRequired}
	case jsonType(metaRaw) != "dict" || json.Unmarshal(metaRaw, &meta) != nil:
		errs["metadata"] = []string{fmt.Sprintf("Expected a dictionary of items but got type %q.", jsonType(metaRaw))}
	default:
		if idRaw, ok := meta["airlock_id"]; ok {
			if json.Unmarshal(idRaw, &req.AirlockID) != nil || !releaseIDRE.MatchString(req.AirlockID) {
				errs["metadata"] = map[string][]string{"airlock_id": {"Must be 1 to 64 letters, digits, '-' or '_'."}}
			}
			delete(meta, "airlock_id")
		}
		req.Metadata, _ = json.Marshal(meta)
	}
	if v, ok := top["review"]; ok && jsonType(v) != "null" && jsonType(v) != "dict" {
		errs["review"] = []string{"Review must be null or an object."}
	}
	if len(errs) > 0 {
		return releaseRequest{}, errs
	}
	return req, nil
}

func (s *Server) handleReleaseCreate(c echo.Context) error {
	r := c.Request()
	ws := s.dir.workspaces[c.Param("workspace")]
	if ws == nil {
		return writeDetail(c, http.StatusNotFound, "No Workspace matches the given query.")
	}
	b, u, err := s.uploadAccess(c)
	if b == nil {
		return err
	}
	data, msg := readBody(r, maxReleaseBody)
	if msg != "" {
		return writeDetail(c, http.StatusBadRequest, msg)
	}
	req, bad := parseRelease(data, s.opts.SizeLimit)
	if bad != nil {
		return writeJSON(c, http.StatusBadRequest, bad)
	}
	id, err := s.createRelease(r.Context(), ws, b.Slug, u.Username, req)
	var conflict releaseConflict
	if errors.As(err, &conflict) {
		return writeDetail(c, http.StatusConflict, string(conflict))
	} else if err != nil {
		return err
	}
	c.Response().Header().Set("Release-Id", id)
	return writeJSON(c, http.StatusCreated, map[string]string{
		"release_id":  id,
		"release_url": fmt.Sprintf("%s/workspaces/%s/releases/%s/", s.baseURL(r), ws.Name, id),
	})
}

// releaseConflict is a 409 refusal of a release creation.
type releaseConflict string

func (e releaseConflict) Error() string { return string(e) }

// createRelease stores a new release with its file list, or, when a release
// with req.AirlockID exists for the same workspace and backend with the same
// set of SHA-256 digests, returns it unchanged (§5.3 step 4). A clash is a
// releaseConflict (we answer 409 where the jobs site fails with a 500).
func (s *Server) createRelease(ctx context.Context, ws *WorkspaceConfig, backend, user string, req releaseRequest) (string, error) {
	workspace := ws.Name
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	id := req.AirlockID
	if id == "" {
		id = airlock.NewULID(s.now())
	} else {
		var ews, eb string
		err := tx.QueryRowContext(ctx, `SELECT workspace, backend FROM releases WHERE id = ?`, id).Scan(&ews, &eb)
		if err == nil {
			if ews != workspace || eb != backend {
				return "", releaseConflict(fmt.Sprintf("Release %s already exists for another workspace or backend.", id))
			}
			have, err := releaseHashes(ctx, tx, id)
			if err != nil {
				return "", err
			}
			want := make([]string, 0, len(req.Files))
			for _, f := range req.Files {
				want = append(want, f.SHA256)
			}
			slices.Sort(want)
			want = slices.Compact(want)
			if !slices.Equal(have, want) {
				return "", releaseConflict(fmt.Sprintf("Release %s already exists with different files. A release cannot be changed once created.", id))
			}
			return id, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
	}
	now := formatTime(s.now())
	if _, err := tx.ExecContext(ctx, `INSERT INTO releases (id, workspace, backend, created_by, requested_files, metadata, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, workspace, backend, user, string(req.FilesJSON), string(req.Metadata), now); err != nil {
		return "", fmt.Errorf("insert release: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO release_files (id, release_id, workspace, backend, name, sha256, size, mtime, metadata, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return "", err
	}
	defer stmt.Close()
	for _, f := range req.Files {
		if _, err := stmt.ExecContext(ctx, airlock.NewULID(s.now()), id, workspace, backend, f.Name, f.SHA256, f.Size,
			formatTime(f.Date), string(f.Meta), user, now); err != nil {
			return "", fmt.Errorf("insert release file: %w", err)
		}
	}
	if err := s.audit(ctx, tx, AuditEvent{Actor: user, Action: ActionReleaseCreated, Project: s.dir.project(ws).slug(),
		Workspace: workspace, Target: id, Detail: plural(len(req.Files), "file", "files") + " from " + s.dir.backendName(backend)}); err != nil {
		return "", err
	}
	return id, tx.Commit()
}

// releaseHashes returns the sorted, distinct SHA-256 digests of a release.
func releaseHashes(ctx context.Context, tx *sql.Tx, id string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT sha256 FROM release_files WHERE release_id = ? ORDER BY sha256`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

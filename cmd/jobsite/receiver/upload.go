package receiver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// tmpDir is the storage sub-directory for uploads in progress. Workspace
// names start with a letter or digit, so it never clashes with one.
const tmpDir = ".tmp"

// uploadBufferSize is the copy buffer of an upload.
const uploadBufferSize = 1 << 20

// uploadFilename parses the file name from Content-Disposition, keeping
// directory parts; quoted and RFC 2231 (filename*=) forms are accepted.
func uploadFilename(header string) string {
	if header == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(header)
	if err != nil {
		return ""
	}
	return params["filename"]
}

// handleFileUpload receives one file's bytes (§6.2), checking in order:
// release, access, size, body, file name, backend, already uploaded; then it
// hashes while writing to a temp file and renames into place only if the
// digest and size match the registered ones.
func (s *Server) handleFileUpload(c echo.Context) error {
	r := c.Request()
	ctx := r.Context()
	rel, err := s.findRelease(ctx, c.Param("release"))
	if err != nil {
		return err
	} else if rel == nil {
		return writeDetail(c, http.StatusNotFound, "No Release matches the given query.")
	}
	b, _, err := s.uploadAccess(c)
	if b == nil {
		return err
	}
	if r.ContentLength > s.opts.SizeLimit {
		return writeJSON(c, http.StatusBadRequest, []string{"File is too large, it must be below " + sizeLimitText(s.opts.SizeLimit)})
	}
	name := uploadFilename(r.Header.Get("Content-Disposition"))
	var file *ReleasedFile
	if name != "" {
		if file, err = s.findReleaseFile(ctx, rel.ID, name); err != nil {
			return err
		}
	}
	// An empty body is refused, except for a registered empty file, which
	// the jobs site could never receive.
	if r.ContentLength == 0 && (file == nil || file.Size != 0) {
		return writeDetail(c, http.StatusBadRequest, msgNoData)
	}
	if name == "" {
		return writeDetail(c, http.StatusBadRequest, msgMissingFilename)
	}
	if file == nil {
		return writeDetail(c, http.StatusBadRequest, fmt.Sprintf("File %s not requested in release %s", name, rel.ID))
	}
	if b.Slug != rel.Backend {
		return writeDetail(c, http.StatusBadRequest, fmt.Sprintf("Release is from backend %s not %s", rel.Backend, b.Slug))
	}
	if file.Uploaded {
		return s.alreadyUploaded(c, file)
	}

	tmp, sum, n, err := s.receiveBody(r.Body)
	if tmp != "" {
		defer s.root.Remove(tmp) // a no-op after a successful rename
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return writeJSON(c, http.StatusBadRequest, []string{"File is too large, it must be below " + sizeLimitText(s.opts.SizeLimit)})
	case err != nil:
		return err
	case sum != file.SHA256 || n != file.Size:
		return writeDetail(c, http.StatusBadRequest, msgHashMismatch)
	}
	stored := path.Join(file.Workspace, "releases", rel.ID, file.Name)
	ok, err := s.commitUpload(ctx, file, tmp, stored)
	if err != nil {
		return err
	} else if !ok {
		// A concurrent upload of the same file won.
		return s.alreadyUploaded(c, file)
	}
	h := c.Response().Header()
	h.Set("File-Id", file.ID)
	h.Set("Location", s.baseURL(r)+"/api/v2/releases/file/"+file.ID)
	return c.NoContent(http.StatusCreated)
}

// alreadyUploaded answers a repeat upload. The body is read and discarded
// first (bounded by the size limit) so that a client still sending it sees
// the answer instead of a reset connection, and then stops retrying.
func (s *Server) alreadyUploaded(c echo.Context, file *ReleasedFile) error {
	io.Copy(io.Discard, io.LimitReader(c.Request().Body, s.opts.SizeLimit+1))
	return writeDetail(c, http.StatusBadRequest,
		fmt.Sprintf("This version of '%s' has already been uploaded from backend '%s'", file.Name, file.Backend))
}

// receiveBody writes body to a new temp file inside the storage root,
// hashing as it goes, and returns the temp name, hex SHA-256 and size.
// The body is cut off with *http.MaxBytesError past the size limit.
func (s *Server) receiveBody(body io.Reader) (tmp, sum string, n int64, err error) {
	tmp = path.Join(tmpDir, airlock.NewULID(s.now()))
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return "", "", 0, fmt.Errorf("create temp file: %w", err)
	}
	h := sha256.New()
	limited := http.MaxBytesReader(nil, io.NopCloser(body), s.opts.SizeLimit)
	buf := make([]byte, uploadBufferSize)
	n, err = io.CopyBuffer(io.MultiWriter(f, h), limited, buf)
	if err == nil && !s.opts.NoSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return tmp, hex.EncodeToString(h.Sum(nil)), n, err
}

// commitUpload marks the file uploaded and renames the verified temp file
// into place in one transaction. It reports false, changing nothing, when
// the file was already marked uploaded.
func (s *Server) commitUpload(ctx context.Context, file *ReleasedFile, tmp, stored string) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE release_files SET uploaded_at = ?, path = ? WHERE id = ? AND uploaded_at IS NULL`,
		formatTime(s.now()), stored, file.ID)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, err
	} else if n != 1 {
		return false, nil
	}
	if err := s.root.MkdirAll(path.Dir(stored), 0o750); err != nil {
		return false, fmt.Errorf("create release dir: %w", err)
	}
	if err := s.root.Rename(tmp, stored); err != nil {
		return false, fmt.Errorf("store file: %w", err)
	}
	return true, tx.Commit()
}

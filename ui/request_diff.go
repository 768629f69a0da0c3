package ui

import (
	"net/url"
	"path"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/ui/preview"
)

// diffPage is the data of the comparison page: the request page's, plus
// the two versions compared and the ones that could be.
type diffPage struct {
	Req        *requestPage
	Comparison *review.Comparison
	// FrameURL shows the comparison, sandboxed like a file's contents (D8).
	FrameURL string
	FileURL  string
	// Missing says why there is nothing to compare, when there is not.
	Missing string
}

// diffURL is the URL of the comparison page of a request file; from is
// the version compared with, "" for the one reviewed before.
func diffURL(id, group, p, from string) string {
	u := "/requests/diff/" + url.PathEscape(id) + "/" + url.PathEscape(group) + "/" + escapePath(p)
	if from != "" {
		u += "?" + url.Values{"from": {from}}.Encode()
	}
	return u
}

// diffContentURL is the URL of the comparison itself, shown in the frame.
func diffContentURL(id, group, p, from string) string {
	return "/requests/diff-content/" + url.PathEscape(id) + "/" + url.PathEscape(group) + "/" + escapePath(p) +
		"?" + url.Values{"from": {from}}.Encode()
}

// requestFileParams reads the group and path of a request-file route.
func requestFileParams(c echo.Context) (group, p string, err error) {
	if group, err = param(c, "group"); err != nil {
		return "", "", err
	}
	p, err = param(c, "*")
	return group, p, err
}

// requestDiff answers GET /requests/diff/:id/:group/*?from=: what changed
// in a request file since the version reviewed before (or the version
// from), for everyone who may view the request, its author too. Opening
// it records a view of both versions (D12).
func (s *Server) requestDiff(c echo.Context) error {
	rp, err := s.loadRequest(c)
	if err != nil {
		return err
	}
	group, fp, err := requestFileParams(c)
	if err != nil {
		return err
	}
	f := rp.R.File(fp)
	if f == nil || f.Group != group {
		return airlock.Errorf(airlock.ENOTFOUND, "%s is not in group %q of this request.", fp, group)
	}
	rp.File, rp.Group = f, rp.R.Group(group)
	p := &diffPage{Req: rp, FileURL: fileURL(rp.R.ID, group, fp)}
	cmp, err := s.deps.Service.CompareRequestFile(ctx(c), currentUser(c), rp.R.ID, fp, c.QueryParam("from"))
	switch {
	case airlock.ErrorCode(err) == airlock.ENOTFOUND && c.QueryParam("from") == "":
		p.Missing = airlock.ErrorMessage(err)
	case err != nil:
		return err
	default:
		cmp.Close() // the frame reads the versions; this page only names them
		p.Comparison = cmp
		p.FrameURL = diffContentURL(rp.R.ID, group, fp, cmp.Old.FileID)
	}
	return s.render(c, "request_diff", "Changes in "+path.Base(fp), p)
}

// requestDiffContent answers GET /requests/diff-content/:id/:group/*?from=:
// the comparison itself, rendered by the preview engine under the
// sandbox of file contents (D8), each page a recorded view of both
// versions (D12).
func (s *Server) requestDiffContent(c echo.Context) error {
	group, fp, err := requestFileParams(c)
	if err != nil {
		return err
	}
	cmp, err := s.deps.Service.CompareRequestFile(ctx(c), currentUser(c), c.Param("id"), fp, c.QueryParam("from"))
	if err != nil {
		return err
	}
	defer cmp.Close()
	if cmp.File.Group != group {
		return airlock.Errorf(airlock.ENOTFOUND, "%s is not in group %q.", fp, group)
	}
	setContentHeaders(c)
	allowed := s.deps.Service.Policy().FileTypes.Allowed(fp)
	return s.viewer.Compare(c.Response(), c.Request(),
		preview.File{Name: fp, Size: cmp.Old.Size, Hash: cmp.Old.FileID, Allowed: allowed, Content: cmp.Old.Content, Label: cmp.Old.Label},
		preview.File{Name: fp, Size: cmp.New.Size, Hash: cmp.New.FileID, Allowed: allowed, Content: cmp.New.Content, Label: cmp.New.Label})
}

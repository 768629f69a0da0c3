package ui

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// requestCheckNote answers POST /requests/check-note/:id: the author
// declares a column's role or asks for an exception to one flag of the
// disclosure checks, with a reason. A note the service refuses as wrong
// (no reason, a flag no longer there) is said above the checks, and the
// reason typed is not lost from the audit: nothing is recorded.
func (s *Server) requestCheckNote(c echo.Context) error {
	id := c.Param("id")
	row, _ := strconv.Atoi(c.FormValue("row"))
	n := airlock.CheckNote{
		Path:   c.FormValue("path"),
		Kind:   airlock.CheckNoteKind(c.FormValue("kind")),
		Sheet:  c.FormValue("sheet"),
		Column: c.FormValue("column"),
		Role:   c.FormValue("role"),
		Rule:   c.FormValue("rule"),
		Row:    row,
		Reason: c.FormValue("reason"),
	}
	back := safeNext(c.FormValue("next"), requestURL(id)) + "#checks"
	err := s.deps.Service.NoteCheck(ctx(c), currentUser(c), id, n)
	switch airlock.ErrorCode(err) {
	case "":
	case airlock.EINVALID, airlock.ECONFLICT:
		s.addFlash(c, "error", airlock.ErrorMessage(err))
		return redirectBack(c, back)
	default:
		return err
	}
	what := "Exception asked for the " + n.Rule + " flag"
	if n.Kind == airlock.CheckNoteRole {
		what = "Role of column " + strings.TrimSpace(n.Column) + " declared"
	}
	s.addFlash(c, "success", what+"; the output checkers will see your reason.")
	return redirectBack(c, back)
}

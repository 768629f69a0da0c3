package ui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// maxBatch bounds the files of one add, update or withdraw form.
const maxBatch = 1000

// addRow is one file of the add-files form.
type addRow struct {
	Index          int
	Path           string
	Status         airlock.WorkspaceFileStatus
	SupportingOnly bool   // released before: may only be supporting
	Skip           string // why the file cannot be added, if it cannot
	// Checks are the file's disclosure checks, nil if it gets none or is
	// one of many (checked once added); ChecksError says why they failed.
	Checks      *airlock.CheckedFile
	ChecksError string
}

// addFormChecks is how many files of the add form are checked before they
// are added: more would keep the form waiting on the first pass over
// each; the rest are checked on their request page.
const addFormChecks = 20

// addPage is the data of the add-files form.
type addPage struct {
	Workspace    string
	Rows         []addRow
	Addable      int
	Groups       []string
	Next         string
	Current      *airlock.Request
	SelectionKey string
	// NewFirst chooses "new group" by default: there is no group yet but
	// the default one.
	NewFirst bool
}

// formPaths returns the distinct "path" values of a form, in order.
func formPaths(c echo.Context) ([]string, error) {
	if err := c.Request().ParseForm(); err != nil {
		return nil, airlock.Errorf(airlock.EINVALID, "The form could not be read.")
	}
	return selectedPaths(c.Request().PostForm["path"])
}

// selectedPaths returns the distinct non-empty paths of a form or an API
// call, in order, refusing none and more than maxBatch.
func selectedPaths(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		p = strings.TrimSpace(p)
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, airlock.Errorf(airlock.EINVALID, "Please select at least one file.")
	}
	if len(out) > maxBatch {
		return nil, airlock.Errorf(airlock.EINVALID, "Please select at most %d files at a time.", maxBatch)
	}
	return out, nil
}

// workspaceAddForm answers POST /workspaces/add-form/:ws: given the
// selected files it shows the form to pick the type of each file and the
// group. It changes nothing.
func (s *Server) workspaceAddForm(c echo.Context) error {
	name := c.Param("ws")
	paths, formErr := formPaths(c)
	// Whether the person may add files at all is answered first.
	state, items, err := s.deps.Service.AddCandidates(ctx(c), currentUser(c), name, paths)
	if err != nil {
		return err
	}
	next := safeNext(c.FormValue("next"), browseURL(name, "", true))
	if len(paths) == 0 {
		// Nothing selected: say so where the person was, not on an error page.
		s.addFlash(c, "info", "Select the files to add first: tick them in the list, then press the button again.")
		return redirectBack(c, next)
	}
	if formErr != nil {
		return formErr
	}
	page := addPage{Workspace: name, Next: next, Current: state.Current, SelectionKey: "ws:" + name}
	for i, it := range items {
		row := addRow{Index: i, Path: it.Path, Status: it.Status, Skip: airlock.ErrorMessage(it.Addable)}
		row.SupportingOnly = row.Skip == "" && airlock.CheckAddAs(it.File, it.Status, airlock.FileOutput) != nil
		if row.Skip == "" {
			page.Addable++
			if page.Addable <= addFormChecks {
				row.Checks, err = s.deps.Service.WorkspaceFileChecks(ctx(c), currentUser(c), name, it.Path)
				if err != nil {
					if airlock.ErrorCode(err) != airlock.EINVALID {
						return err
					}
					row.ChecksError = airlock.ErrorMessage(err)
				}
			}
		}
		page.Rows = append(page.Rows, row)
	}
	groups := map[string]bool{airlock.DefaultGroup: true}
	if state.Current != nil {
		for _, g := range state.Current.Groups {
			groups[g.Name] = true
		}
	}
	for g := range groups {
		page.Groups = append(page.Groups, g)
	}
	page.NewFirst = len(page.Groups) == 1
	sort.Slice(page.Groups, func(i, j int) bool {
		if (page.Groups[i] == airlock.DefaultGroup) != (page.Groups[j] == airlock.DefaultGroup) {
			return page.Groups[i] == airlock.DefaultGroup
		}
		return page.Groups[i] < page.Groups[j]
	})
	return s.render(c, "add_files", "Add files to a request", page)
}

// addForm is the parsed add-files form.
type addForm struct {
	Items []review.AddItem
	Group review.GroupChoice
	Next  string
	// Context and Controls describe a new group, so it need not be
	// described later on its own page.
	Context, Controls string
}

// formGroup is the group an add or change form names: an existing one or
// a new one, as group_choice says; without the choice (older forms,
// scripts) a new name typed in wins. A new group must not exist yet.
func formGroup(c echo.Context) (review.GroupChoice, error) {
	existing, fresh := strings.TrimSpace(c.FormValue("group")), strings.TrimSpace(c.FormValue("new_group"))
	switch c.FormValue("group_choice") {
	case "existing":
		return review.GroupChoice{Name: existing}, nil
	case "new":
		if fresh == "" {
			return review.GroupChoice{}, airlock.Errorf(airlock.EINVALID, "Name the new file group, or choose an existing one.")
		}
		return review.GroupChoice{Name: fresh, New: true}, nil
	}
	if fresh != "" {
		return review.GroupChoice{Name: fresh, New: true}, nil
	}
	return review.GroupChoice{Name: existing}, nil
}

// formItems reads the rows of an add or change form: file_N and type_N
// for N below count.
func formItems(c echo.Context) ([]review.AddItem, error) {
	n, _ := strconv.Atoi(c.FormValue("count"))
	if n < 0 || n > maxBatch {
		return nil, airlock.Errorf(airlock.EINVALID, "Please choose at most %d files at a time.", maxBatch)
	}
	var items []review.AddItem
	for i := 0; i < n; i++ {
		p := strings.TrimSpace(c.FormValue("file_" + strconv.Itoa(i)))
		if p == "" {
			continue
		}
		t := airlock.FileType(c.FormValue("type_" + strconv.Itoa(i)))
		if !t.Valid() {
			return nil, airlock.Errorf(airlock.EINVALID, "Choose whether %s is an output or a supporting file.", p)
		}
		items = append(items, review.AddItem{Path: p, Type: t})
	}
	if len(items) == 0 {
		return nil, airlock.Errorf(airlock.EINVALID, "Please select at least one file.")
	}
	return items, nil
}

func parseAddForm(c echo.Context, ws string) (addForm, error) {
	if err := c.Request().ParseForm(); err != nil {
		return addForm{}, airlock.Errorf(airlock.EINVALID, "The form could not be read.")
	}
	f := addForm{Next: safeNext(c.FormValue("next"), browseURL(ws, "", true))}
	var err error
	if f.Items, err = formItems(c); err != nil {
		return f, err
	}
	if f.Group, err = formGroup(c); err != nil {
		return f, err
	}
	if f.Group.New {
		f.Context, f.Controls = strings.TrimSpace(c.FormValue("context")), strings.TrimSpace(c.FormValue("controls"))
	}
	return f, nil
}

// workspaceAdd answers POST /workspaces/add/:ws: it adds the files to the
// user's open request (creating it if needed) and reports each file.
func (s *Server) workspaceAdd(c echo.Context) error {
	name := c.Param("ws")
	f, err := parseAddForm(c, name)
	if err != nil {
		return err
	}
	results, err := s.deps.Service.AddFilesTo(ctx(c), currentUser(c), name, f.Items, f.Group)
	if err := s.flashResults(c, results, err); err != nil {
		return err
	}
	if f.Context != "" || f.Controls != "" {
		if err := s.describeNewGroup(c, name, createdGroup(results), f); err != nil {
			// The files are in; only the description failed, so say so
			// where the person is instead of losing the page.
			s.addFlash(c, "error", "The files were added, but the group’s context and controls were not saved: "+airlock.ErrorMessage(err))
		}
	}
	return redirectBack(c, f.Next)
}

// createdGroup is the group the added files went to, as the service named
// it (lower-cased), or "" if none was added.
func createdGroup(results []review.FileResult) string {
	for _, r := range results {
		if r.Err == nil {
			return r.Group
		}
	}
	return ""
}

// describeNewGroup saves the context and controls given with a new group
// on the person's open request in the workspace.
func (s *Server) describeNewGroup(c echo.Context, ws, group string, f addForm) error {
	st, err := s.deps.Service.WorkspaceState(ctx(c), currentUser(c), ws)
	if err != nil {
		return err
	}
	if st.Current == nil || group == "" {
		return airlock.Errorf(airlock.ENOTFOUND, "You have no open request in %s.", ws)
	}
	if err := s.deps.Service.EditGroup(ctx(c), currentUser(c), st.Current.ID, group, f.Context, f.Controls); err != nil {
		return err
	}
	s.addFlash(c, "success", "Context and controls saved for group "+group+".")
	return nil
}

// workspaceUpdate answers POST /workspaces/update/:ws: it replaces changed
// files on the user's request with their current content.
func (s *Server) workspaceUpdate(c echo.Context) error {
	name := c.Param("ws")
	paths, err := formPaths(c)
	if err != nil {
		return err
	}
	results, err := s.deps.Service.UpdateFiles(ctx(c), currentUser(c), name, paths)
	if err := s.flashResults(c, results, err); err != nil {
		return err
	}
	return redirectBack(c, c.FormValue("next"))
}

// flashResults turns per-file results into flash messages, one per file.
// A batch where every file was refused is a refused action (D2): its first
// error is returned, to be answered with a 4xx, and nothing is flashed.
func (s *Server) flashResults(c echo.Context, results []review.FileResult, err error) error {
	if err != nil {
		return err
	}
	if err := allFailed(results); err != nil {
		return err
	}
	for _, r := range results {
		switch {
		case r.Unchanged: // its message names the file
			s.addFlash(c, "info", r.Message)
		case r.Err != nil:
			s.addFlash(c, "error", r.Path+": "+r.Message)
		default:
			s.addFlash(c, "success", r.Path+": "+r.Message)
		}
	}
	return nil
}

// allFailed is the refusal of a batch in which no file was changed and
// some were refused, or nil when at least one was changed or none refused.
// A file already as asked (Unchanged) is neither.
func allFailed(results []review.FileResult) error {
	var failed []review.FileResult
	for _, r := range results {
		switch {
		case r.Unchanged:
		case r.Err == nil:
			return nil
		default:
			failed = append(failed, r)
		}
	}
	switch len(failed) {
	case 0:
		return nil
	case 1:
		return failed[0].Err
	}
	return &airlock.Error{Code: airlock.ErrorCode(failed[0].Err), Message: fmt.Sprintf("None of the %d files could be changed. %s: %s", len(failed), failed[0].Path, failed[0].Message)}
}

package receiver

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// The exact refusal messages of the jobs site (reference §1, §2.3, §5.3, §6.2).
const (
	msgAuthMissing     = "Authorization header is missing"
	msgAuthEmpty       = "Authorization header is empty"
	msgAuthInvalid     = "Invalid token"
	msgNotAllowed      = "Authentication credentials were not provided."
	msgFieldRequired   = "This field is required."
	msgNoUser          = "User matching query does not exist."
	msgNoData          = "No data uploaded"
	msgMissingFilename = "Missing filename. Request should include a Content-Disposition header with a filename parameter."
	msgHashMismatch    = "Contents of uploaded file does not match the file which a review was requested for"
)

// Bounds on JSON request bodies.
const (
	maxLoginBody   = 64 << 10
	maxEventBody   = 1 << 20
	maxReleaseBody = 64 << 20
)

// writeJSON answers v as JSON, marshalled exactly as the jobs site does
// (no trailing newline, unlike Echo's c.JSON).
func writeJSON(c echo.Context, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"detail":"internal error"}`)
	}
	return c.Blob(status, "application/json", body)
}

func writeDetail(c echo.Context, status int, detail string) error {
	return writeJSON(c, status, map[string]string{"detail": detail})
}

// backend authenticates the calling backend from the raw token in the
// Authorization header (§1). On failure it answers the 403 and returns a
// nil backend with the answer's error.
func (s *Server) backend(c echo.Context) (*BackendConfig, error) {
	r := c.Request()
	values, present := r.Header["Authorization"]
	if !present {
		return nil, writeDetail(c, http.StatusForbidden, msgAuthMissing)
	}
	token := ""
	if len(values) > 0 {
		token = values[0]
	}
	if token == "" {
		return nil, writeDetail(c, http.StatusForbidden, msgAuthEmpty)
	}
	var found *BackendConfig
	for i := range s.dir.backends {
		b := &s.dir.backends[i]
		if subtle.ConstantTimeCompare([]byte(b.Token), []byte(token)) == 1 {
			found = b
		}
	}
	if found == nil {
		return nil, writeDetail(c, http.StatusForbidden, msgAuthInvalid)
	}
	return found, nil
}

// uploadAccess checks the backend and that OS-User exists, is a member of
// that backend and may upload releases (an output checker) (§5.3 step 2).
// On failure it answers the 403 and returns nils with the answer's error.
func (s *Server) uploadAccess(c echo.Context) (*BackendConfig, *UserConfig, error) {
	b, err := s.backend(c)
	if b == nil {
		return nil, nil, err
	}
	u := s.dir.users[strings.TrimSpace(c.Request().Header.Get("OS-User"))]
	if u == nil || !slices.Contains(u.Backends, b.Slug) || !u.hasRole(RoleOutputChecker) {
		return nil, nil, writeDetail(c, http.StatusForbidden, msgNotAllowed)
	}
	return b, u, nil
}

// readBody reads at most limit bytes of the request body. It returns a
// message for the caller when the body is too large or cannot be read.
func readBody(r *http.Request, limit int64) ([]byte, string) {
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, "Could not read the request body."
	}
	if int64(len(data)) > limit {
		return nil, fmt.Sprintf("Request body is larger than %d bytes.", limit)
	}
	return data, ""
}

// decodeBody reads at most limit bytes of JSON into v. It returns a
// message for the caller when the body is too large or malformed.
func decodeBody(r *http.Request, limit int64, v any) (string, bool) {
	data, msg := readBody(r, limit)
	if msg != "" {
		return msg, false
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return "JSON parse error - the body is empty.", false
	}
	if err := json.Unmarshal(data, v); err != nil {
		return "JSON parse error - " + err.Error(), false
	}
	return "", true
}

// ---- authenticate and authorise (§2, §3) ----

// userData is the user object of §2.2, exactly.
type userData struct {
	Username            string                   `json:"username"`
	Fullname            string                   `json:"fullname"`
	Workspaces          map[string]workspaceData `json:"workspaces"`
	CopilotedWorkspaces map[string]workspaceData `json:"copiloted_workspaces"`
	OutputChecker       bool                     `json:"output_checker"`
	ReadonlyAccess      bool                     `json:"readonly_access"`
}

type workspaceData struct {
	ProjectDetails projectData `json:"project_details"`
	Archived       bool        `json:"archived"`
}

type projectData struct {
	Name    string   `json:"name"`
	Ongoing bool     `json:"ongoing"`
	Orgs    []string `json:"orgs"`
}

// userData builds what the jobs site says about u: workspaces of projects
// where u may view unreleased outputs (developers; output checkers who are
// members), and workspaces of projects u copilots. states gives each
// project's current status (by slug), which decides "ongoing".
func (d *directory) userData(u *UserConfig, states map[string]projectState) userData {
	out := userData{
		Username:            u.Username,
		Fullname:            u.Fullname,
		Workspaces:          map[string]workspaceData{},
		CopilotedWorkspaces: map[string]workspaceData{},
		OutputChecker:       u.hasRole(RoleOutputChecker),
		ReadonlyAccess:      u.hasRole(RoleReadonly),
	}
	for _, name := range d.wsOrder {
		ws := d.workspaces[name]
		p := d.project(ws)
		orgs := append([]string{}, p.Orgs...)
		entry := workspaceData{ProjectDetails: projectData{Name: p.Name, Ongoing: states[p.slug()].Status.Ongoing(), Orgs: orgs}, Archived: ws.Archived}
		role := p.projectRole(u.Username)
		if role == ProjectDeveloper || (role != "" && out.OutputChecker) {
			out.Workspaces[name] = entry
		}
		if p.Copilot == u.Username {
			out.CopilotedWorkspaces[name] = entry
		}
	}
	return out
}

// eligible returns the §2.3 refusal for a user who may not log in to airlock.
func eligible(u *UserConfig) string {
	if len(u.Backends) == 0 {
		return fmt.Sprintf("User %s does not have access to any backends", u.Username)
	}
	return ""
}

// userData is what the API says about u now.
func (s *Server) userData(ctx context.Context, u *UserConfig) (userData, error) {
	states, err := s.projectStates(ctx)
	if err != nil {
		return userData{}, err
	}
	return s.dir.userData(u, states), nil
}

func (s *Server) handleAuthenticate(c echo.Context) error {
	if b, err := s.backend(c); b == nil {
		return err
	}
	r := c.Request()
	var in struct {
		User  *string `json:"user"`
		Token *string `json:"token"`
	}
	if msg, ok := decodeBody(r, maxLoginBody, &in); !ok {
		return writeDetail(c, http.StatusBadRequest, msg)
	}
	errs := map[string][]string{}
	if in.User == nil || *in.User == "" {
		errs["user"] = []string{msgFieldRequired}
	}
	if in.Token == nil || *in.Token == "" {
		errs["token"] = []string{msgFieldRequired}
	}
	if len(errs) > 0 {
		return writeJSON(c, http.StatusBadRequest, errs)
	}
	u, err := s.checkLoginToken(r.Context(), *in.User, *in.Token)
	if err != nil {
		var refused loginRefused
		if errors.As(err, &refused) {
			return writeDetail(c, http.StatusForbidden, string(refused))
		}
		return err
	}
	data, err := s.userData(r.Context(), u)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, data)
}

func (s *Server) handleAuthorise(c echo.Context) error {
	if b, err := s.backend(c); b == nil {
		return err
	}
	r := c.Request()
	var in struct {
		User *string `json:"user"`
	}
	if msg, ok := decodeBody(r, maxLoginBody, &in); !ok {
		return writeDetail(c, http.StatusBadRequest, msg)
	}
	if in.User == nil || *in.User == "" {
		return writeJSON(c, http.StatusBadRequest, map[string][]string{"user": {msgFieldRequired}})
	}
	u := s.dir.users[*in.User]
	if u == nil {
		return writeDetail(c, http.StatusNotFound, "No User matches the given query.")
	}
	if msg := eligible(u); msg != "" {
		return writeDetail(c, http.StatusForbidden, msg)
	}
	data, err := s.userData(r.Context(), u)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, data)
}

// ---- events (§8) ----

// notificationTypes are the event types airlock sends to /airlock/events/.
var notificationTypes = []string{
	"request_submitted", "request_withdrawn", "request_partially_reviewed",
	"request_reviewed", "request_approved", "request_released",
	"request_rejected", "request_returned", "request_resubmitted",
}

func (s *Server) handleEvent(c echo.Context) error {
	b, err := s.backend(c)
	if b == nil {
		return err
	}
	r := c.Request()
	var raw json.RawMessage
	if msg, ok := decodeBody(r, maxEventBody, &raw); !ok {
		return writeDetail(c, http.StatusBadRequest, msg)
	}
	var in struct {
		EventType     *string `json:"event_type"`
		Workspace     *string `json:"workspace"`
		Request       *string `json:"request"`
		RequestAuthor *string `json:"request_author"`
		User          *string `json:"user"`
		Updates       []struct {
			Update *string `json:"update"`
		} `json:"updates"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return writeDetail(c, http.StatusBadRequest, "JSON parse error - "+err.Error())
	}
	errs := map[string][]string{}
	for field, v := range map[string]*string{"event_type": in.EventType, "workspace": in.Workspace,
		"request": in.Request, "request_author": in.RequestAuthor, "user": in.User} {
		if v == nil || *v == "" {
			errs[field] = []string{msgFieldRequired}
		}
	}
	if in.EventType != nil && *in.EventType != "" && !slices.Contains(notificationTypes, *in.EventType) {
		errs["event_type"] = []string{fmt.Sprintf("%q is not a valid event type.", *in.EventType)}
	}
	for _, u := range in.Updates {
		if u.Update == nil {
			errs["updates"] = []string{"Every update needs an \"update\" text."}
		}
	}
	if len(errs) > 0 {
		return writeJSON(c, http.StatusBadRequest, errs)
	}
	ev := Event{
		Backend: b.Slug, OSUser: strings.TrimSpace(r.Header.Get("OS-User")),
		EventType: *in.EventType, Workspace: *in.Workspace, Request: *in.Request,
		Payload: string(raw),
	}
	if err := s.storeEvent(r.Context(), ev); err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, map[string]string{"status": "ok"})
}

// Package jobsite is the client for the jobs-site API that airlock calls:
// logging people in with single-use tokens, refreshing their roles,
// creating releases, uploading released files and sending notification
// events (shared/reference/jobsite-api.md).
//
// Every refusal keeps the jobs site's status and detail in an *APIError.
// Failures a person should see also carry an *airlock.Error (in the same
// chain, found with errors.As): EUNAVAILABLE when the jobs site cannot be
// reached or fails (5xx), EFORBIDDEN, ENOTFOUND, ECONFLICT or EINVALID
// where the call documents it.
package jobsite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// Default per-call time limits.
const (
	DefaultTimeout       = 30 * time.Second
	DefaultUploadTimeout = 10 * time.Minute
)

// Bounds on what is read from a response.
const (
	maxUserBody  = 8 << 20
	maxErrorBody = 64 << 10
)

// errAlreadyUploaded is matched (errors.Is) by the jobs site's refusal of
// a file it already holds; Upload counts that as success.
var errAlreadyUploaded = errors.New("jobsite: file already uploaded")

// APIError is a non-success answer of the jobs site.
type APIError struct {
	Status int    // HTTP status code
	Detail string // the "detail" message, or the body's text when it has none
}

func (e *APIError) Error() string {
	return fmt.Sprintf("jobsite: HTTP %d: %s", e.Status, e.Detail)
}

// Is makes errors.Is(err, errAlreadyUploaded) true for the jobs site's
// "has already been uploaded" refusal.
func (e *APIError) Is(target error) bool {
	return target == errAlreadyUploaded && e.Status == http.StatusBadRequest &&
		strings.Contains(e.Detail, "has already been uploaded")
}

// Client calls the jobs-site API. The zero value is not usable: set
// BaseURL and Token. A Client is safe for concurrent use.
type Client struct {
	// BaseURL is the API root without a trailing slash, e.g.
	// https://jobs.example.org/api/v2.
	BaseURL string
	// Token is this backend's shared secret, sent raw in Authorization.
	Token string
	// HTTP is the client used; nil means http.DefaultClient.
	HTTP *http.Client
	// Timeout bounds each JSON call; 0 means DefaultTimeout.
	Timeout time.Duration
	// UploadTimeout bounds each file upload; 0 means DefaultUploadTimeout.
	UploadTimeout time.Duration
}

// The client speaks the domain's types: airlock.ReleaseFile,
// airlock.NotificationEvent and airlock.User (through UserRecord). Its
// methods have the shapes the review service and the deliverer ask for,
// so a *Client is passed to them as it is. The JSON shapes of the API
// belong to this package alone.

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// do sends req with the backend token and OS-User; a transport failure is
// EUNAVAILABLE. The caller closes the response body.
func (c *Client) do(req *http.Request, osUser string) (*http.Response, error) {
	req.Header.Set("Authorization", c.Token)
	req.Header.Set("Accept", "application/json")
	if osUser != "" {
		req.Header.Set("OS-User", osUser)
	}
	resp, err := c.httpClient().Do(req)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, wrap(airlock.EUNAVAILABLE, "The jobs site did not answer in time.", err)
	} else if err != nil {
		return nil, wrap(airlock.EUNAVAILABLE, "Could not connect to the jobs site.", err)
	}
	return resp, nil
}

func (c *Client) url(path string) string { return strings.TrimSuffix(c.BaseURL, "/") + path }

// postJSON posts v as JSON and returns the response.
func (c *Client) postJSON(ctx context.Context, path, osUser string, v any) (*http.Response, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("jobsite: encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(path), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("jobsite: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	return c.do(req, osUser)
}

// wrap joins a person-facing coded error with its cause.
func wrap(code, msg string, cause error) error {
	return fmt.Errorf("%w: %w", &airlock.Error{Code: code, Message: msg}, cause)
}

// closeBody drains a little of the body, so the connection can be reused,
// and closes it.
func closeBody(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
}

// apiError reads a refusal's body into an *APIError; 5xx also carry
// EUNAVAILABLE.
func apiError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{Status: resp.StatusCode, Detail: detailOf(data)}
	if resp.StatusCode >= 500 {
		return wrap(airlock.EUNAVAILABLE, fmt.Sprintf("The jobs site failed (HTTP %d).", resp.StatusCode), e)
	}
	return e
}

// detailOf extracts the message of an error body: {"detail": "..."}, a
// list of strings, else the body text itself, shortened.
func detailOf(data []byte) string {
	var obj struct {
		Detail *string `json:"detail"`
	}
	if json.Unmarshal(data, &obj) == nil && obj.Detail != nil {
		return *obj.Detail
	}
	var list []string
	if json.Unmarshal(data, &list) == nil && len(list) > 0 {
		return strings.Join(list, "; ")
	}
	text := strings.TrimSpace(strings.ToValidUTF8(string(data), "?"))
	if len(text) > 1000 {
		text = text[:1000] + "…"
	}
	if text == "" {
		text = "(no details given)"
	}
	return text
}

// decodeUser reads a §2.2 user object, defaulting absent maps to empty.
func decodeUser(resp *http.Response) (*airlock.User, error) {
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxUserBody+1))
	if err != nil {
		return nil, wrap(airlock.EUNAVAILABLE, "Could not read the jobs site's answer.", err)
	}
	if len(data) > maxUserBody {
		return nil, fmt.Errorf("jobsite: user record is larger than %d bytes", maxUserBody)
	}
	var rec UserRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("jobsite: decode user record: %w", err)
	}
	if rec.Username == "" {
		return nil, errors.New("jobsite: user record has no username")
	}
	return rec.User(), nil
}

// Authenticate checks a username (or email) and single-use token with the
// jobs site and returns the user record (§2). Returns EFORBIDDEN "Invalid
// user or token" when the jobs site refuses (403), EUNAVAILABLE when it
// cannot be reached or fails.
func (c *Client) Authenticate(ctx context.Context, user, token string) (*airlock.User, error) {
	ctx, cancel := context.WithTimeout(ctx, durationOr(c.Timeout, DefaultTimeout))
	defer cancel()
	resp, err := c.postJSON(ctx, "/releases/authenticate", "", map[string]string{"user": user, "token": token})
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	switch resp.StatusCode {
	case http.StatusOK:
		return decodeUser(resp)
	case http.StatusForbidden:
		return nil, wrap(airlock.EFORBIDDEN, "Invalid user or token", apiError(resp))
	}
	return nil, apiError(resp)
}

// Authorise fetches the current record of a user by username (§3).
// Returns ENOTFOUND when the jobs site does not know the user (404),
// EFORBIDDEN when it refuses them access (403), EUNAVAILABLE when it cannot
// be reached or fails.
func (c *Client) Authorise(ctx context.Context, username string) (*airlock.User, error) {
	ctx, cancel := context.WithTimeout(ctx, durationOr(c.Timeout, DefaultTimeout))
	defer cancel()
	resp, err := c.postJSON(ctx, "/releases/authorise", "", map[string]string{"user": username})
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	switch resp.StatusCode {
	case http.StatusOK:
		return decodeUser(resp)
	case http.StatusNotFound:
		return nil, wrap(airlock.ENOTFOUND, fmt.Sprintf("The jobs site does not know user %s.", username), apiError(resp))
	case http.StatusForbidden:
		return nil, wrap(airlock.EFORBIDDEN, fmt.Sprintf("The jobs site no longer gives %s access.", username), apiError(resp))
	}
	return nil, apiError(resp)
}

// dateFormat is Python's isoformat() of an aware UTC datetime.
const dateFormat = "2006-01-02T15:04:05.000000-07:00"

type releaseMetadata struct {
	Tool      string `json:"tool"`
	AirlockID string `json:"airlock_id"`
}

type fileEntry struct {
	Name     string          `json:"name"`
	URL      string          `json:"url"`
	Size     int64           `json:"size"`
	SHA256   string          `json:"sha256"`
	Date     string          `json:"date"`
	Metadata releaseMetadata `json:"metadata"`
	Review   *struct{}       `json:"review"`
}

type fileList struct {
	Files    []fileEntry     `json:"files"`
	Metadata releaseMetadata `json:"metadata"`
	Review   *struct{}       `json:"review"`
}

// releaseBody builds the exact §5.2 JSON of a release's file list.
func releaseBody(files []airlock.ReleaseFile, airlockID string) fileList {
	meta := releaseMetadata{Tool: "airlock", AirlockID: airlockID}
	list := fileList{Files: make([]fileEntry, 0, len(files)), Metadata: meta}
	for _, f := range files {
		list.Files = append(list.Files, fileEntry{
			Name: f.Name, URL: f.Name, Size: f.Size, SHA256: f.SHA256,
			Date: f.Date.UTC().Format(dateFormat), Metadata: meta,
		})
	}
	return list
}

// CreateRelease registers a release of files from workspace on behalf of
// the output checker osUser, keyed by airlock's request id, and returns the
// jobs site's release id (§5). Repeating it with the same files returns
// the same id. Returns EFORBIDDEN when the checker may not release (403),
// ENOTFOUND for an unknown workspace (404), ECONFLICT when the id exists
// with other files (409), EINVALID when the list is refused (400),
// EUNAVAILABLE when the jobs site cannot be reached or fails.
func (c *Client) CreateRelease(ctx context.Context, workspace, osUser, airlockID string, files []airlock.ReleaseFile) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, durationOr(c.Timeout, DefaultTimeout))
	defer cancel()
	resp, err := c.postJSON(ctx, "/releases/workspace/"+url.PathEscape(workspace), osUser, releaseBody(files, airlockID))
	if err != nil {
		return "", err
	}
	defer closeBody(resp)
	switch resp.StatusCode {
	case http.StatusCreated:
		if id := resp.Header.Get("Release-Id"); id != "" {
			return id, nil
		}
		return "", errors.New("jobsite: release created but the answer has no Release-Id header")
	case http.StatusForbidden:
		return "", wrap(airlock.EFORBIDDEN, "Error releasing files: Permission denied", apiError(resp))
	case http.StatusNotFound:
		return "", wrap(airlock.ENOTFOUND, fmt.Sprintf("The jobs site does not know workspace %s.", workspace), apiError(resp))
	case http.StatusConflict:
		e := apiError(resp)
		return "", wrap(airlock.ECONFLICT, "Error releasing files: "+detailFrom(e), e)
	case http.StatusBadRequest:
		e := apiError(resp)
		return "", wrap(airlock.EINVALID, "Error releasing files: the jobs site refused the file list: "+detailFrom(e), e)
	}
	return "", apiError(resp)
}

func detailFrom(err error) string {
	var e *APIError
	if errors.As(err, &e) {
		return e.Detail
	}
	return err.Error()
}

// Upload streams one released file's size bytes from body to the jobs
// site (§6), on behalf of osUser (the file's releaser). The jobs site
// hashes the bytes and checks them against the release's manifest. A file
// that had already arrived counts as delivered, so a retry after a crash
// is safe. Refusals are *APIError; EUNAVAILABLE when the jobs site cannot
// be reached or fails.
func (c *Client) Upload(ctx context.Context, releaseID, osUser, name string, body io.Reader, size int64) error {
	err := c.upload(ctx, releaseID, osUser, name, body, size)
	if errors.Is(err, errAlreadyUploaded) {
		return nil
	}
	return err
}

func (c *Client) upload(ctx context.Context, releaseID, osUser, name string, body io.Reader, size int64) error {
	ctx, cancel := context.WithTimeout(ctx, durationOr(c.UploadTimeout, DefaultUploadTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url("/releases/release/"+url.PathEscape(releaseID)), http.NoBody)
	if err != nil {
		return fmt.Errorf("jobsite: build request: %w", err)
	}
	if size > 0 {
		// NopCloser: the caller owns body; the transport must not close it.
		req.Body, req.ContentLength = io.NopCloser(body), size
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Disposition", ContentDisposition(name))
	resp, err := c.do(req, osUser)
	if err != nil {
		return err
	}
	defer closeBody(resp)
	if resp.StatusCode == http.StatusCreated {
		return nil
	}
	return apiError(resp)
}

// ContentDisposition is the upload header naming the file, with quotes and
// backslashes escaped inside the quoted string.
func ContentDisposition(name string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "")
	return `attachment; filename="` + r.Replace(name) + `"`
}

// eventUpdate is one entry of an event's updates list (§8).
type eventUpdate struct {
	Update string `json:"update"`
	Group  string `json:"group,omitempty"`
	User   string `json:"user,omitempty"`
}

// eventBody is a notification as /airlock/events/ takes it (§8).
type eventBody struct {
	EventType     string        `json:"event_type"` // e.g. "request_submitted"
	Workspace     string        `json:"workspace"`
	Request       string        `json:"request"` // request id
	RequestAuthor string        `json:"request_author"`
	User          string        `json:"user"`    // acting username
	Updates       []eventUpdate `json:"updates"` // null when there are none, as §8 says
}

// Notify posts a notification on behalf of the user who acted (§8). The
// jobs site answers 201; anything else is an error for the caller to log.
func (c *Client) Notify(ctx context.Context, ev airlock.NotificationEvent) error {
	body := eventBody{EventType: ev.EventType, Workspace: ev.Workspace, Request: ev.Request,
		RequestAuthor: ev.RequestAuthor, User: ev.User}
	for _, u := range ev.Updates {
		body.Updates = append(body.Updates, eventUpdate{Update: u.Update, Group: u.Group, User: u.User})
	}
	ctx, cancel := context.WithTimeout(ctx, durationOr(c.Timeout, DefaultTimeout))
	defer cancel()
	resp, err := c.postJSON(ctx, "/airlock/events/", ev.User, body)
	if err != nil {
		return err
	}
	defer closeBody(resp)
	if resp.StatusCode != http.StatusCreated {
		return apiError(resp)
	}
	var out struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	if data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody)); json.Unmarshal(data, &out) == nil && out.Status == "error" {
		return &APIError{Status: resp.StatusCode, Detail: out.Message}
	}
	return nil
}

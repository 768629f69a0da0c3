package ui

import (
	"maps"
	"slices"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// The API's JSON shapes. The domain's types carry no JSON tags (the
// storage and the jobs site have shapes of their own), so the API writes
// its own, documented in openapi.json.

type apiWorkspace struct {
	Name    string `json:"name"`
	Project string `json:"project,omitempty"`
	// Access is how the caller may see it: member, copilot, output_checker or readonly.
	Access   string `json:"access"`
	Archived bool   `json:"archived"`
	// Active reports whether requests may be created and edited in it.
	Active bool `json:"active"`
}

func newAPIWorkspace(u *airlock.User, name string) apiWorkspace {
	a := u.Access(name)
	w := apiWorkspace{Name: name, Project: a.ProjectDetails.Name, Archived: a.Archived, Active: a.Active()}
	switch {
	case u.HasRole(name):
		w.Access = "member"
	case u.IsCopilot(name):
		w.Access = "copilot"
	case u.OutputChecker:
		w.Access, w.Active = "output_checker", false
	default:
		w.Access, w.Active = "readonly", false
	}
	return w
}

// apiWorkspaceEntry is a file or folder of a workspace.
type apiWorkspaceEntry struct {
	Name string `json:"name"`
	Path string `json:"path"`
	Type string `json:"type"` // file or directory
	// Status is the file's status for the caller's open request.
	Status     airlock.WorkspaceFileStatus `json:"status,omitempty"`
	Size       *int64                      `json:"size,omitempty"`
	Modified   *time.Time                  `json:"modified,omitempty"`
	SHA256     string                      `json:"sha256,omitempty"`
	Commit     string                      `json:"commit,omitempty"`
	JobID      string                      `json:"job_id,omitempty"`
	User       string                      `json:"user,omitempty"`
	Action     string                      `json:"action,omitempty"`
	RowCount   *int                        `json:"row_count,omitempty"`
	ColCount   *int                        `json:"col_count,omitempty"`
	OutOfDate  bool                        `json:"out_of_date_action,omitempty"`
	Addable    *bool                       `json:"addable,omitempty"`
	NotAddable string                      `json:"not_addable_because,omitempty"`
	InManifest bool                        `json:"in_manifest,omitempty"`
	Excluded   bool                        `json:"excluded,omitempty"`
}

func newAPIWorkspaceEntry(it review.WorkspaceItem) apiWorkspaceEntry {
	e := apiWorkspaceEntry{Name: it.Name, Path: it.Path, Type: "directory"}
	if it.IsDir {
		return e
	}
	f := it.File
	addable := it.Addable == nil
	e.Type, e.Status, e.Size, e.SHA256, e.Commit, e.JobID, e.User, e.Action = "file", it.Status, &f.Size, f.ContentHash, f.Commit, f.JobID, f.User, f.Action
	e.RowCount, e.ColCount, e.OutOfDate, e.Addable, e.NotAddable = f.RowCount, f.ColCount, f.OutOfDateAction, &addable, airlock.ErrorMessage(it.Addable)
	e.InManifest, e.Excluded = f.InManifest, f.Excluded
	if !f.Timestamp.IsZero() {
		t := f.Timestamp.UTC()
		e.Modified = &t
	}
	return e
}

// apiWorkspacePath is a folder's files or one file's metadata.
type apiWorkspacePath struct {
	Workspace string `json:"workspace"`
	Path      string `json:"path"`
	Type      string `json:"type"` // file or directory
	// Request is the caller's open request in the workspace, if any.
	Request string `json:"request,omitempty"`
	// CannotAdd says why the caller cannot add files now, if they cannot.
	CannotAdd string              `json:"cannot_add_because,omitempty"`
	Entries   []apiWorkspaceEntry `json:"entries,omitempty"`
	File      *apiWorkspaceEntry  `json:"file,omitempty"`
}

// apiRequestSummary is a request in a list.
type apiRequestSummary struct {
	ID          string                `json:"id"`
	Workspace   string                `json:"workspace"`
	Author      string                `json:"author"`
	Status      airlock.RequestStatus `json:"status"`
	ReviewTurn  int                   `json:"review_turn"`
	CreatedAt   time.Time             `json:"created_at"`
	UpdatedAt   time.Time             `json:"updated_at"`
	SubmittedAt *time.Time            `json:"submitted_at,omitempty"`
	Outputs     int                   `json:"output_files"`
	Supporting  int                   `json:"supporting_files"`
}

func newAPIRequestSummary(r *airlock.Request) apiRequestSummary {
	out := apiRequestSummary{ID: r.ID, Workspace: r.Workspace, Author: r.Author, Status: r.Status, ReviewTurn: r.ReviewTurn,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), SubmittedAt: utcPtr(r.LastSubmittedAt)}
	for _, g := range r.Groups {
		for _, f := range g.Files {
			if f.Type == airlock.FileOutput {
				out.Outputs++
			} else {
				out.Supporting++
			}
		}
	}
	return out
}

// apiRequest is a request as the caller may see it: only the votes and
// comments they may see (the service filtered them), the decisions shown
// to them, and what they may do now.
type apiRequest struct {
	apiRequestSummary
	Project          string `json:"project,omitempty"`
	ReviewsRequired  int    `json:"reviews_required"`
	ReviewsSubmitted int    `json:"reviews_submitted"`
	// ReviewSubmitted reports whether the caller has submitted their review this turn.
	ReviewSubmitted bool `json:"review_submitted"`
	// GroupsMissingComment are the groups that need a public comment now.
	GroupsMissingComment []string    `json:"groups_missing_comment,omitempty"`
	Groups               []*apiGroup `json:"groups"`
	// Actions says, for each step, whether the caller may take it now
	// and if not, why not: the sentence the step would be refused with.
	Actions map[airlock.Action]apiAction `json:"actions"`
	// Uploads counts the released files that reached the jobs site.
	Uploads *apiUploads `json:"uploads,omitempty"`
}

type apiAction struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
}

type apiUploads struct {
	Files    int `json:"files"`
	Uploaded int `json:"uploaded"`
}

type apiGroup struct {
	Name      string        `json:"name"`
	Context   string        `json:"context"`
	Controls  string        `json:"controls"`
	UpdatedAt time.Time     `json:"updated_at"`
	Files     []*apiFile    `json:"files"`
	Comments  []*apiComment `json:"comments"`
}

type apiFile struct {
	Path       string           `json:"path"`
	Type       airlock.FileType `json:"type"`
	Size       int64            `json:"size"`
	SHA256     string           `json:"sha256"`
	Modified   time.Time        `json:"modified"`
	Commit     string           `json:"commit,omitempty"`
	JobID      string           `json:"job_id,omitempty"`
	RowCount   *int             `json:"row_count,omitempty"`
	ColCount   *int             `json:"col_count,omitempty"`
	AddedAt    time.Time        `json:"added_at"`
	Decision   airlock.Decision `json:"decision,omitempty"`
	MyVote     airlock.Vote     `json:"my_vote,omitempty"`
	Votes      []apiVote        `json:"votes"`
	ReleasedAt *time.Time       `json:"released_at,omitempty"`
	UploadedAt *time.Time       `json:"uploaded_at,omitempty"`
}

type apiVote struct {
	Reviewer string       `json:"reviewer"`
	Vote     airlock.Vote `json:"vote"`
	Turn     int          `json:"turn"`
}

type apiComment struct {
	ID         int64              `json:"id"`
	Author     string             `json:"author"`
	Text       string             `json:"text"`
	Visibility airlock.Visibility `json:"visibility"`
	Turn       int                `json:"turn"`
	CreatedAt  time.Time          `json:"created_at"`
}

func newAPIRequest(v *review.RequestView) *apiRequest {
	r := v.Request
	out := &apiRequest{apiRequestSummary: newAPIRequestSummary(r), Project: r.Project, ReviewsRequired: v.Required,
		ReviewsSubmitted: v.SubmittedReviews, ReviewSubmitted: v.HasSubmitted, GroupsMissingComment: v.MissingComments,
		Groups: []*apiGroup{}, Actions: map[airlock.Action]apiAction{}}
	for _, g := range r.Groups {
		ag := &apiGroup{Name: g.Name, Context: g.Context, Controls: g.Controls, UpdatedAt: g.UpdatedAt.UTC(), Files: []*apiFile{}, Comments: []*apiComment{}}
		for _, f := range g.Files {
			af := &apiFile{Path: f.Path, Type: f.Type, Size: f.Size, SHA256: f.FileID, Modified: f.Timestamp.UTC(), Commit: f.Commit,
				JobID: f.JobID, RowCount: f.RowCount, ColCount: f.ColCount, AddedAt: f.AddedAt.UTC(), Decision: v.Decisions[f.Path],
				MyVote: v.MyVotes[f.Path], Votes: []apiVote{}, ReleasedAt: utcPtr(f.ReleasedAt), UploadedAt: utcPtr(f.UploadedAt)}
			for _, reviewer := range slices.Sorted(maps.Keys(f.Votes)) {
				vote := f.Votes[reviewer]
				af.Votes = append(af.Votes, apiVote{Reviewer: reviewer, Vote: vote.Vote, Turn: vote.Turn})
			}
			ag.Files = append(ag.Files, af)
		}
		for _, c := range g.Comments {
			ag.Comments = append(ag.Comments, &apiComment{ID: c.ID, Author: c.Author, Text: c.Text, Visibility: c.Visibility,
				Turn: c.Turn, CreatedAt: c.CreatedAt.UTC()})
		}
		out.Groups = append(out.Groups, ag)
	}
	for _, a := range airlock.Actions() {
		err := v.Check(a)
		out.Actions[a] = apiAction{Allowed: err == nil, Reason: airlock.ErrorMessage(err)}
	}
	if len(v.Uploads) > 0 {
		out.Uploads = &apiUploads{Files: len(v.Uploads), Uploaded: v.Uploaded()}
	}
	return out
}

// apiEvent is one entry of a request's activity.
type apiEvent struct {
	Time        time.Time         `json:"time"`
	Type        airlock.EventType `json:"type"`
	Description string            `json:"description"`
	User        string            `json:"user"`
	Path        string            `json:"path,omitempty"`
	Group       string            `json:"group,omitempty"`
}

// apiFileResult is the outcome of one file of a batch.
type apiFileResult struct {
	Path    string           `json:"path"`
	Group   string           `json:"group,omitempty"`
	Type    airlock.FileType `json:"type,omitempty"`
	OK      bool             `json:"ok"`
	Code    string           `json:"code,omitempty"`
	Message string           `json:"message"`
	// Unchanged: the file was already as asked; nothing was done.
	Unchanged bool `json:"unchanged,omitempty"`
}

func newAPIFileResults(results []review.FileResult) []apiFileResult {
	out := make([]apiFileResult, len(results))
	for i, r := range results {
		out[i] = apiFileResult{Path: r.Path, Group: r.Group, Type: r.Type, OK: r.Err == nil, Code: airlock.ErrorCode(r.Err), Message: r.Message, Unchanged: r.Unchanged}
	}
	return out
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

package review

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// RequestView is a request as one viewer may see it: comments and votes
// filtered by the visibility rules, decisions as shown to them, and for each
// action nil if they may take it now or an error saying why not.
type RequestView struct {
	// Request is a filtered copy: only comments and votes the viewer may see.
	Request  *airlock.Request
	Viewer   *airlock.User
	Required int

	IsAuthor   bool
	IsReviewer bool // an output checker who is not the author
	// Decisions are the decisions shown to the viewer, by path (output files only).
	Decisions map[string]airlock.Decision
	// MyVotes are the viewer's own votes, by path.
	MyVotes map[string]airlock.Vote
	// Reviewed counts output files the viewer has voted on (not undecided).
	Reviewed int
	// SubmittedReviews counts the reviews submitted in the current turn.
	SubmittedReviews int
	HasSubmitted     bool
	// MissingComments are the groups that need a public comment now.
	MissingComments []string
	// Visibilities the viewer may choose for a new comment.
	Visibilities []airlock.Visibility
	// EarlyReturn says a return now would revert the turn.
	EarlyReturn bool
	// Uploads are the delivery jobs once the request is released.
	Uploads []*airlock.UploadJob
	// Registration is the release's registration with the jobs site, nil
	// before the release (and for requests released before it was queued).
	Registration *airlock.ReleaseRegistration
	// Checks are the disclosure checks of the output files, by path; a
	// file the checks do not read has none.
	Checks map[string]*airlock.CheckedFile
	// ChecksPending counts output files whose checks are not known yet
	// (they are computed when the file's page is opened).
	ChecksPending int

	CanEdit, CanSubmit, CanWithdraw, CanComment           error
	CanVote, CanSubmitReview, CanReturn, CanReject        error
	CanRelease, CanResetVotes, CanDownload, CanChangeFile error
}

// WhyNot is "" if the viewer may take action a now, else the sentence the
// service would refuse it with, for a page to show beside the disabled
// control ("Reject is available once both reviews are in (1 of 2 so far).").
func (v *RequestView) WhyNot(a airlock.Action) string {
	return airlock.ErrorMessage(v.Check(a))
}

// Check is nil if the viewer may take action a now, else the service's
// refusal of it.
func (v *RequestView) Check(a airlock.Action) error {
	switch a {
	case airlock.ActionSubmit:
		return v.CanSubmit
	case airlock.ActionWithdraw:
		return v.CanWithdraw
	case airlock.ActionReview:
		return v.CanSubmitReview
	case airlock.ActionReturn:
		return v.CanReturn
	case airlock.ActionReject:
		return v.CanReject
	case airlock.ActionRelease:
		return v.CanRelease
	case airlock.ActionEdit:
		return v.CanEdit
	case airlock.ActionComment:
		return v.CanComment
	case airlock.ActionVote:
		return v.CanVote
	case airlock.ActionResetVotes:
		return v.CanResetVotes
	case airlock.ActionDownload:
		return v.CanDownload
	}
	return airlock.Errorf(airlock.ENOTFOUND, "There is no action %q.", a)
}

// Uploaded counts delivered files.
func (v *RequestView) Uploaded() int {
	n := 0
	for _, j := range v.Uploads {
		if j.DoneAt != nil {
			n++
		}
	}
	return n
}

// Registering reports that the release is decided but the jobs site has
// not accepted it yet, so no file is uploading.
func (v *RequestView) Registering() bool {
	return v.Registration != nil && v.Registration.DoneAt == nil
}

// RegistrationError is the last failed registration attempt's error while
// registration is still pending, else "".
func (v *RequestView) RegistrationError() string {
	if !v.Registering() {
		return ""
	}
	return v.Registration.LastError
}

// LastUploadError is the most recent delivery error still unresolved, if any.
func (v *RequestView) LastUploadError() string {
	for _, j := range v.Uploads {
		if j.DoneAt == nil && j.LastError != "" {
			return j.LastError
		}
	}
	return ""
}

// View returns the request as u may see it.
func (s *Service) View(ctx context.Context, u *airlock.User, id string) (*RequestView, error) {
	v, _, err := s.view(ctx, u, id, nil)
	return v, err
}

// ViewWithActivity is View and Activity(u, id, group) read in one
// transaction, as a request's pages show both: the request is loaded once.
func (s *Service) ViewWithActivity(ctx context.Context, u *airlock.User, id, group string) (*RequestView, []*airlock.AuditEvent, error) {
	return s.view(ctx, u, id, &group)
}

// view is View, with the request's activity when activity names a group
// ("" for all of them).
func (s *Service) view(ctx context.Context, u *airlock.User, id string, activity *string) (*RequestView, []*airlock.AuditEvent, error) {
	var (
		r       *airlock.Request
		uploads []*airlock.UploadJob
		reg     *airlock.ReleaseRegistration
		notes   []*airlock.CheckNote
		events  []*airlock.AuditEvent
	)
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		var err error
		if r, err = loadVisible(tx, u, id); err != nil {
			return err
		}
		if activity != nil {
			if events, err = visibleEvents(tx, r, u, *activity); err != nil {
				return err
			}
		}
		if notes, err = tx.CheckNotes(id, ""); err != nil {
			return err
		}
		if uploads, err = tx.UploadJobs(id); err != nil || len(uploads) == 0 {
			return err
		}
		if reg, err = tx.ReleaseRegistration(id); airlock.ErrorCode(err) == airlock.ENOTFOUND {
			reg, err = nil, nil
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	req := s.required()
	v := &RequestView{Viewer: u, Required: req, IsAuthor: r.IsAuthor(u), IsReviewer: r.CanReview(u),
		Decisions: map[string]airlock.Decision{}, MyVotes: map[string]airlock.Vote{}, Uploads: uploads, Registration: reg,
		SubmittedReviews: len(r.SubmittedReviews), HasSubmitted: r.HasSubmittedReview(u.Username),
		Visibilities: r.WritableVisibilities(u), EarlyReturn: r.Status.IsUnderReview() && len(r.SubmittedReviews) < req}
	for _, f := range r.OutputFiles() {
		v.Decisions[f.Path] = r.DecisionFor(f, u, req)
		if mine, ok := f.Votes[u.Username]; ok {
			v.MyVotes[f.Path] = mine.Vote
			if mine.Vote != airlock.VoteUndecided {
				v.Reviewed++
			}
		}
	}
	if r.Status.IsEditing() || r.Status == airlock.StatusReviewed {
		v.MissingComments = r.GroupsMissingPublicComment(req)
	}
	v.CanEdit = r.CheckCanEdit(u)
	v.CanChangeFile = v.CanEdit
	// Only an author who may still edit waits for every file's first
	// pass: the submit rule needs it. Others see the results known so far;
	// a file's own page asks for its result in full.
	v.CanSubmit = r.CheckCanSubmit(u, req)
	partial := r.CheckCanEdit(u) != nil
	if v.Checks, err = s.requestChecks(ctx, r, notes, partial); err != nil {
		return nil, nil, err
	}
	if partial && s.checks != nil {
		for _, f := range r.OutputFiles() {
			if v.Checks[f.Path] == nil && s.checks.Checks(f.Path) {
				v.ChecksPending++
			}
		}
	}
	if v.CanSubmit == nil {
		v.CanSubmit = airlock.CheckFlagsAllowSubmit(openFlags(v.Checks), s.policy.FlagsAdvisory)
	}
	v.CanWithdraw = r.CheckTransition(u, airlock.StatusWithdrawn, req)
	v.CanComment = r.CheckCanComment(u)
	v.CanVote = r.CheckCanVote(u)
	v.CanSubmitReview = r.CheckCanSubmitReview(u)
	v.CanReturn = r.CheckCanReturn(u, req)
	v.CanReject = r.CheckTransition(u, airlock.StatusRejected, req)
	v.CanRelease = s.checkRelease(r, u)
	v.CanResetVotes = v.CanVote
	if v.CanResetVotes == nil && v.HasSubmitted {
		v.CanResetVotes = airlock.Errorf(airlock.ESTATE, "You have submitted your review, so your votes can be changed but not cleared.")
	}
	v.CanDownload = nil
	if !r.CanReview(u) {
		v.CanDownload = airlock.Errorf(airlock.EFORBIDDEN, "Only output checkers who did not write this request can download its files.")
	}
	v.Request = filtered(r, u)
	return v, events, nil
}

// filtered copies the request keeping only the comments and votes u may see.
func filtered(r *airlock.Request, u *airlock.User) *airlock.Request {
	c := *r
	c.SubmittedReviews = maps.Clone(r.SubmittedReviews)
	c.Groups = make([]*airlock.FileGroup, 0, len(r.Groups))
	for _, g := range r.Groups {
		gc := *g
		gc.Comments = r.VisibleComments(g, u)
		gc.Files = make([]*airlock.RequestFile, 0, len(g.Files))
		for _, f := range g.Files {
			fc := *f
			fc.Votes = map[string]*airlock.FileVote{}
			for reviewer := range f.Votes {
				if v := r.VisibleVote(f, u, reviewer); v != nil {
					vc := *v
					fc.Votes[reviewer] = &vc
				}
			}
			gc.Files = append(gc.Files, &fc)
		}
		c.Groups = append(c.Groups, &gc)
	}
	return &c
}

// Activity returns the request's audit events u may see, newest first,
// without view events; with group set, only that group's.
func (s *Service) Activity(ctx context.Context, u *airlock.User, id, group string) ([]*airlock.AuditEvent, error) {
	var out []*airlock.AuditEvent
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		r, err := loadVisible(tx, u, id)
		if err != nil {
			return err
		}
		out, err = visibleEvents(tx, r, u, group)
		return err
	})
	return out, err
}

// visibleEvents are r's audit events u may see, newest first, without
// view events; with group set, only that group's.
func visibleEvents(tx airlock.Tx, r *airlock.Request, u *airlock.User, group string) ([]*airlock.AuditEvent, error) {
	// Views are most of the log (every table page is one), so they are
	// left out in the query, not after it.
	events, err := tx.AuditEvents(airlock.AuditFilter{Request: r.ID, Group: group, Exclude: airlock.ReadOnlyEventTypes()})
	if err != nil {
		return nil, err
	}
	var out []*airlock.AuditEvent
	for _, e := range events {
		if e.Type.ReadOnly() || !r.CanSee(u, e.AsItem()) {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// WorkspaceState is what the workspace browser needs to know about requests.
type WorkspaceState struct {
	Workspace string
	// Released are the content hashes already released from the workspace.
	Released map[string]bool
	// Current is the viewer's open request in the workspace, or nil, in
	// outline (airlock.Tx.RequestOutline): its groups, and of each file
	// its path, group, type and content hash, which is all a workspace's
	// pages use of it.
	Current *airlock.Request
	// CanAdd is nil if the viewer may add files now, else why not.
	CanAdd error
}

// Status is a file's status relative to the viewer's open request.
func (w *WorkspaceState) Status(path string, valid bool, contentHash string) airlock.WorkspaceFileStatus {
	return airlock.FileStatusFor(path, valid, contentHash, w.Released, w.Current)
}

// WorkspaceState returns the request-side state of a workspace for u.
func (s *Service) WorkspaceState(ctx context.Context, u *airlock.User, workspace string) (*WorkspaceState, error) {
	if err := airlock.CheckCanView(u, workspace); err != nil {
		return nil, err
	}
	w := &WorkspaceState{Workspace: workspace}
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		var err error
		if w.Released, err = tx.ReleasedHashes(workspace); err != nil {
			return err
		}
		id, err := tx.ActiveRequestID(workspace, u.Username)
		if err != nil || id == "" {
			return err
		}
		w.Current, err = tx.RequestOutline(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	w.CanAdd = airlock.CheckCanAdd(u, workspace, w.Current)
	return w, nil
}

// Requests lists the requests matching the filter that u may view, newest first.
func (s *Service) Requests(ctx context.Context, u *airlock.User, f airlock.RequestFilter) ([]*airlock.Request, error) {
	if u == nil {
		return nil, airlock.Errorf(airlock.EUNAUTHORIZED, "Please sign in.")
	}
	if f.Workspace != "" {
		if err := airlock.CheckCanView(u, f.Workspace); err != nil {
			return nil, err
		}
	}
	var out []*airlock.Request
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		all, err := tx.Requests(f)
		if err != nil {
			return err
		}
		for _, r := range all {
			if u.CanView(r.Workspace) {
				out = append(out, filtered(r, u))
			}
		}
		return nil
	})
	return out, err
}

// QueueItem is a request in a reviewer's dashboard with their progress.
type QueueItem struct {
	Request   *airlock.Request
	Reviewed  int // output files the reviewer has voted on
	Total     int // output files
	Submitted bool
	// Reviews counts the reviews submitted this round, of Required.
	Reviews, Required int
	// Reviewers are the people who submitted a review this round, or, once
	// the request has left review, in the round that ended.
	Reviewers []string
	// Decided is when a request in the history left review (returned,
	// rejected or released); zero in the queue.
	Decided time.Time
	// Flags sums the disclosure checks of the output files already
	// checked (open fail and review flags, exceptions); nil when none is.
	Flags *airlock.CheckedFile
	// Next is the first output file still without the reviewer's vote,
	// where their work on the request resumes; nil when none is left.
	Next *airlock.RequestFile
}

// Turnaround is how long the request waited from its last submission
// until it was decided; zero if it is not decided or was never submitted.
func (it QueueItem) Turnaround() time.Duration {
	if it.Decided.IsZero() || it.Request.LastSubmittedAt == nil {
		return 0
	}
	return it.Decided.Sub(*it.Request.LastSubmittedAt)
}

// Queues are a reviewer's dashboard: the requests waiting for review and
// the history of those that left it.
type Queues struct {
	// Outstanding are submitted requests still being reviewed.
	Outstanding []QueueItem
	// History are returned, rejected and released (or releasing)
	// requests, most recently decided first.
	History []QueueItem
	// People are the full names of the authors and reviewers listed.
	People People
}

// ReviewQueues returns the requests an output checker may review, never
// their own.
func (s *Service) ReviewQueues(ctx context.Context, u *airlock.User) (*Queues, error) {
	if u == nil {
		return nil, airlock.Errorf(airlock.EUNAUTHORIZED, "Please sign in.")
	}
	if !u.OutputChecker {
		return nil, airlock.Errorf(airlock.EFORBIDDEN, "Only output checkers have a review queue.")
	}
	q := &Queues{People: People{}}
	required := s.required()
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		all, err := tx.Requests(airlock.RequestFilter{ExcludeAuthor: u.Username, Statuses: []airlock.RequestStatus{
			airlock.StatusSubmitted, airlock.StatusPartiallyReviewed, airlock.StatusReviewed, airlock.StatusReturned,
			airlock.StatusApproved, airlock.StatusReleased, airlock.StatusRejected}})
		if err != nil {
			return err
		}
		for _, r := range all {
			it := QueueItem{Request: filtered(r, u), Submitted: r.HasSubmittedReview(u.Username),
				Reviews: len(r.SubmittedReviews), Required: required, Reviewers: r.SubmittedReviewers()}
			for _, f := range r.OutputFiles() {
				it.Total++
				if v := f.Votes[u.Username]; v != nil && v.Vote != airlock.VoteUndecided {
					it.Reviewed++
				} else if it.Next == nil {
					it.Next = f
				}
			}
			if r.Status.IsUnderReview() {
				q.Outstanding = append(q.Outstanding, it)
			} else {
				if len(it.Reviewers) == 0 {
					it.Reviewers = r.TurnReviewers
				}
				it.Decided = decidedAt(r)
				q.History = append(q.History, it)
			}
			if err := addPeople(tx, q.People, append([]string{r.Author}, it.Reviewers...)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range q.Outstanding {
		if q.Outstanding[i].Flags, err = s.flagTotals(ctx, q.Outstanding[i].Request.ID); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(q.History, func(a, b QueueItem) int { return b.Decided.Compare(a.Decided) })
	return q, nil
}

// flagTotals sums the checks already computed for a request's output
// files: a dashboard of many requests never waits for a first pass.
func (s *Service) flagTotals(ctx context.Context, id string) (*airlock.CheckedFile, error) {
	if s.checks == nil {
		return nil, nil
	}
	var (
		r     *airlock.Request
		notes []*airlock.CheckNote
	)
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		var err error
		if r, err = tx.Request(id); err != nil {
			return err
		}
		notes, err = tx.CheckNotes(id, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	checked, err := s.requestChecks(ctx, r, notes, true)
	if err != nil || len(checked) == 0 {
		return nil, err
	}
	sum := &airlock.CheckedFile{}
	for _, c := range checked {
		sum.Fails += c.Fails
		sum.Reviews += c.Reviews
		sum.OpenFails += c.OpenFails
		sum.OpenReviews += c.OpenReviews
		sum.Excepted += c.Excepted
	}
	return sum, nil
}

// decidedAt is when a request left review: for a release, the moment the
// checker released it (its files record it); otherwise its last change of
// status.
func decidedAt(r *airlock.Request) time.Time {
	var first time.Time
	for _, f := range r.OutputFiles() {
		if f.ReleasedAt != nil && (first.IsZero() || f.ReleasedAt.Before(first)) {
			first = *f.ReleasedAt
		}
	}
	if !first.IsZero() {
		return first
	}
	return r.UpdatedAt
}

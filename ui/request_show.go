package ui

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/ui/preview"
	"github.com/airlock-project/airlock/ui/viewer"
)

// differencingView is one released table a file is flagged against, with
// the link to their comparison.
type differencingView struct {
	airlock.DifferencingResult
	CompareURL string
}

// actionButton is one request-level action with its permission.
type actionButton struct {
	Key     string // submit, withdraw, review, return, reject, release
	Label   string
	Err     error // nil when allowed now; else why not
	Confirm bool  // asks for confirmation first
	// Primary marks the safe next step for the viewer; Danger an action
	// that cannot be undone or costs others work, shown apart and
	// confirmed with its consequence.
	Primary, Danger bool
	// Explain is the confirmation's sentence: what happens and to whom.
	Explain string
}

// requestPage is the data of the request overview, group and file pages.
type requestPage struct {
	V          *review.RequestView
	R          *airlock.Request
	Activity   activity
	Actions    []actionButton
	Group      *airlock.FileGroup
	File       *airlock.RequestFile
	ContentURL string
	// ViewURL is ContentURL pinned to the stored copy's hash (?v=), which
	// browsers may cache as immutable: request files never change. Only
	// the preview frame uses it, inside the audited page; "Open in new
	// tab" uses ContentURL, which is revalidated (and audited) each time.
	ViewURL string
	// CodeURL opens the source code at the file's commit, "" if unknown.
	CodeURL string
	// DiffURL compares the file with the version reviewed in review
	// round DiffRound, "" when it has not changed since.
	DiffURL   string
	DiffRound int
	// Differencing are the released tables this file, set beside, may
	// reveal a small count by subtraction with; DifferencingFailed says
	// the comparison could not be made.
	Differencing       []differencingView
	DifferencingFailed bool
	IsImage            bool
	Decision           airlock.Decision
	MyVote             airlock.Vote
	HasVote            bool
	Outputs            int
	Supporting         int
	Withdrawn          int
	// People are the full names of everyone the page names.
	People review.People
	// On a file page: the previous and next file in the tree, and for a
	// reviewer the next output file without their vote ("" if none).
	PrevURL, NextURL, NextToReview string
	// ToReview counts the output files still without the viewer's vote.
	ToReview int
	// Checks are the file's disclosure checks (nil if it gets none), and
	// CheckRoles the roles its author may declare now (nil otherwise).
	Checks     *airlock.CheckedFile
	CheckRoles []airlock.CheckRoleChoice
}

// reviewerVote is one reviewer's vote on a file as the viewer may see it,
// with their latest comment on the file's group (0 if none).
type reviewerVote struct {
	Reviewer string
	Vote     airlock.Vote
	Comment  int64
	Comments int
}

// VotesOf lists who voted what on a file, once the viewer may see votes
// other than their own (consolidation, or after the request came back),
// each with their comments on the group; nil before then.
func (p *requestPage) VotesOf(f *airlock.RequestFile) []reviewerVote {
	others := false
	for r := range f.Votes {
		others = others || r != p.V.Viewer.Username
	}
	if !others {
		return nil
	}
	var g *airlock.FileGroup
	if g = p.R.Group(f.Group); g == nil {
		return nil
	}
	var out []reviewerVote
	for _, r := range slices.Sorted(maps.Keys(f.Votes)) {
		rv := reviewerVote{Reviewer: r, Vote: f.Votes[r].Vote}
		for _, c := range g.Comments {
			if c.Author == r {
				rv.Comment, rv.Comments = c.ID, rv.Comments+1
			}
		}
		out = append(out, rv)
	}
	return out
}

// neighbours sets the file page's previous and next files in tree order
// (withdrawn files left out) and, for a reviewer, the next output file
// after this one, wrapping round, that still lacks their vote.
func (p *requestPage) neighbours() {
	var files []*airlock.RequestFile
	for _, g := range p.R.Groups {
		for _, f := range g.Files {
			if f.Type != airlock.FileWithdrawn {
				files = append(files, f)
			}
		}
	}
	at := -1
	for i, f := range files {
		if f.Path == p.File.Path {
			at = i
		}
	}
	if at > 0 {
		p.PrevURL = fileURL(p.R.ID, files[at-1].Group, files[at-1].Path)
	}
	if at >= 0 && at+1 < len(files) {
		p.NextURL = fileURL(p.R.ID, files[at+1].Group, files[at+1].Path)
	}
	if !p.V.IsReviewer {
		return
	}
	for i := 1; i <= len(files); i++ {
		f := files[(at+i+len(files))%len(files)]
		if f.Type != airlock.FileOutput {
			continue
		}
		if vote, ok := p.V.MyVotes[f.Path]; ok && vote != airlock.VoteUndecided {
			continue
		}
		p.ToReview++
		if p.NextToReview == "" && f.Path != p.File.Path {
			p.NextToReview = fileURL(p.R.ID, f.Group, f.Path)
		}
	}
}

// people looks up the full names of everyone on the request page.
func (s *Server) people(c echo.Context, p *requestPage) error {
	names := review.RequestPeople(p.R)
	for _, e := range p.Activity.Events {
		names = append(names, e.User)
	}
	var err error
	p.People, err = s.deps.Service.People(ctx(c), names)
	p.Activity.People = p.People
	return err
}

// activityShown is how many events one page of an activity table shows.
const activityShown = 25

// activity is an activity table: one page of the events that match the
// person's filters (by person, action and group), with the choices of
// each filter taken from the events themselves.
type activity struct {
	Title  string
	Events []*airlock.AuditEvent
	Total  int // events matching the filters
	First  int // the number of the page's first event
	AllURL string
	All    int // events before filtering
	People review.People

	// The filters as chosen (query activity_user, activity_type,
	// activity_group) and the values they may take.
	User, Type, Group  string
	Users, Types       []string
	Groups             []string
	ShowGroups         bool // the group filter (not on a group's page)
	Page, Pages        int
	PrevURL, NextURL   string
	ClearURL, FormPath string
	Filtered           bool
	TypeLabels         map[string]string
	// Clock gives the times relative to now.
	Clock *renderClock
}

func newActivity(c echo.Context, clock *renderClock, title string, events []*airlock.AuditEvent, showGroups bool) activity {
	q := c.QueryParams()
	a := activity{Title: title, All: len(events), ShowGroups: showGroups, TypeLabels: map[string]string{}, Clock: clock,
		User: q.Get("activity_user"), Type: q.Get("activity_type"), Group: q.Get("activity_group"),
		FormPath: c.Request().URL.Path}
	a.Filtered = a.User != "" || a.Type != "" || a.Group != ""
	users, types, groups := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var shown []*airlock.AuditEvent
	for _, e := range events {
		users[e.User], types[string(e.Type)] = true, true
		a.TypeLabels[string(e.Type)] = e.Type.Description()
		if g := e.Extra["group"]; g != "" {
			groups[g] = true
		}
		if a.User != "" && e.User != a.User || a.Type != "" && string(e.Type) != a.Type || a.Group != "" && e.Extra["group"] != a.Group {
			continue
		}
		shown = append(shown, e)
	}
	a.Users, a.Types, a.Groups = slices.Sorted(maps.Keys(users)), slices.Sorted(maps.Keys(types)), slices.Sorted(maps.Keys(groups))
	slices.SortFunc(a.Types, func(x, y string) int { return strings.Compare(a.TypeLabels[x], a.TypeLabels[y]) })
	a.Total = len(shown)
	a.Pages = max(1, (len(shown)+activityShown-1)/activityShown)
	a.Page, _ = strconv.Atoi(q.Get("activity_page"))
	a.Page = min(max(a.Page, 1), a.Pages)
	a.Events = shown[min(len(shown), (a.Page-1)*activityShown):min(len(shown), a.Page*activityShown)]
	a.First = (a.Page-1)*activityShown + 1
	if q.Get("activity") == "all" {
		a.Events, a.Page, a.Pages, a.First = shown, 1, 1, 1
	}
	if a.Pages > 1 {
		a.AllURL = "?activity=all#activity"
	}
	pageURL := func(n int) string {
		v := url.Values{}
		for _, k := range []string{"activity_user", "activity_type", "activity_group"} {
			if x := q.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		v.Set("activity_page", strconv.Itoa(n))
		return "?" + v.Encode() + "#activity"
	}
	if a.Page > 1 {
		a.PrevURL = pageURL(a.Page - 1)
	}
	if a.Page < a.Pages {
		a.NextURL = pageURL(a.Page + 1)
	}
	a.ClearURL = a.FormPath + "#activity"
	return a
}

// requestURL is the overview URL of a request.
func requestURL(id string) string { return "/requests/view/" + url.PathEscape(id) + "/" }

// groupURL is the URL of a group page.
func groupURL(id, group string) string {
	return "/requests/group/" + url.PathEscape(id) + "/" + url.PathEscape(group)
}

// fileURL is the URL of a request file page.
func fileURL(id, group, p string) string {
	return "/requests/file/" + url.PathEscape(id) + "/" + url.PathEscape(group) + "/" + escapePath(p)
}

// contentURL is the URL of a request file's contents.
func contentURL(id, group, p string) string {
	return "/requests/content/" + url.PathEscape(id) + "/" + url.PathEscape(group) + "/" + escapePath(p)
}

// loadRequest fetches the request as the viewer may see it.
func (s *Server) loadRequest(c echo.Context) (*requestPage, error) {
	v, err := s.deps.Service.View(ctx(c), currentUser(c), c.Param("id"))
	if err != nil {
		return nil, err
	}
	return newRequestPage(v), nil
}

// loadRequestActivity is loadRequest with the activity of one of its
// groups ("" for the whole request), read with it.
func (s *Server) loadRequestActivity(c echo.Context, group string) (*requestPage, []*airlock.AuditEvent, error) {
	v, events, err := s.deps.Service.ViewWithActivity(ctx(c), currentUser(c), c.Param("id"), group)
	if err != nil {
		return nil, nil, err
	}
	return newRequestPage(v), events, nil
}

func newRequestPage(v *review.RequestView) *requestPage {
	p := &requestPage{V: v, R: v.Request}
	p.Outputs = v.Request.CountType(airlock.FileOutput)
	p.Supporting = v.Request.CountType(airlock.FileSupporting)
	p.Withdrawn = v.Request.CountType(airlock.FileWithdrawn)
	return p
}

// actions lists the request-level actions relevant to the viewer: the
// author's for the author while the request is theirs to change, the
// reviewers' for output checkers who did not write it. Each carries the
// service's reason when it cannot be used now. The safe next step comes
// first as the primary button; withdraw, reject and a return that resets
// the round come last, as dangerous.
func actions(v *review.RequestView, people review.People) []actionButton {
	r := v.Request
	var safe, danger []actionButton
	explain := func(key string) string { return consequence(key, v, people) }
	if v.IsAuthor && r.Status.IsEditing() {
		label := "Submit for review"
		if r.Status == airlock.StatusReturned {
			label = "Resubmit for review"
		}
		safe = append(safe, actionButton{Key: "submit", Label: label, Err: v.CanSubmit, Confirm: true, Primary: v.CanSubmit == nil, Explain: explain("submit")})
		danger = append(danger, actionButton{Key: "withdraw", Label: "Withdraw this request", Err: v.CanWithdraw, Confirm: true, Danger: true, Explain: explain("withdraw")})
	}
	if v.IsReviewer && r.Status.IsUnderReview() {
		if !v.HasSubmitted {
			safe = append(safe, actionButton{Key: "review", Label: "Submit your review", Err: v.CanSubmitReview, Primary: v.CanSubmitReview == nil})
		}
		if r.Status == airlock.StatusReviewed {
			// Once released, the queue carries the release out and
			// retries by itself, so there is nothing left to press (D16).
			safe = append(safe, actionButton{Key: "release", Label: "Release files", Err: v.CanRelease, Confirm: true, Primary: v.CanRelease == nil, Explain: explain("release")})
		}
		ret := actionButton{Key: "return", Label: "Return to author", Err: v.CanReturn, Confirm: true, Explain: explain("return")}
		if v.EarlyReturn {
			ret.Label, ret.Danger = "Return early", true
			danger = append(danger, ret)
		} else {
			// With every review in and a file not approved, returning is
			// the safe next step.
			ret.Primary = r.Status == airlock.StatusReviewed && v.CanRelease != nil && v.CanReturn == nil
			safe = append(safe, ret)
		}
		danger = append(danger, actionButton{Key: "reject", Label: "Reject request", Err: v.CanReject, Confirm: true, Danger: true, Explain: explain("reject")})
	}
	return append(safe, danger...)
}

// consequence is the sentence a confirmation shows for an action: what
// it does, to whom, and whether it can be undone.
func consequence(key string, v *review.RequestView, people review.People) string {
	r := v.Request
	author := people.Name(r.Author)
	switch key {
	case "submit":
		return "Output checkers will review every output file independently. You cannot change the request while it is under review. Submit only outputs that follow the data release policy: low counts redacted, counts rounded, every output described."
	case "withdraw":
		if r.Status == airlock.StatusReturned {
			return "Withdrawing ends the request for good: nothing in it will be released, and the output checkers' reviews of it are closed. You can start a new request afterwards."
		}
		return "Withdrawing ends the request for good: nothing in it will be released. You can start a new request afterwards."
	case "return":
		if v.EarlyReturn {
			var done []string
			for _, n := range r.SubmittedReviewers() {
				done = append(done, people.Name(n))
			}
			who := "your votes and those of any other output checker who has started"
			if len(done) > 0 {
				who = "your votes, the submitted review of " + airlock.ListNames(done) + ", and those of any other output checker who has started"
			}
			return fmt.Sprintf("Not every review is in yet (%d of %d). Returning now resets this round: %s are cleared, and every comment written this round is deleted. %s gets the request back to change it; once it is resubmitted, each output file needs every review again.",
				v.SubmittedReviews, v.Required, who, author)
		}
		return author + " gets the request back to change files and answer comments, then resubmits it for another round of review. Votes and comments of this round are kept."
	case "reject":
		return "Rejecting ends the request for good: nothing in it will be released, and " + author + " cannot change or resubmit it. They would have to start a new request."
	case "release":
		return "Every approved output file leaves the backend and is uploaded, byte for byte as reviewed, to the jobs site, where " + author + " and their project can see it. This cannot be undone. If the jobs site is unavailable, airlock keeps trying until the files arrive."
	}
	return requestActions()[key].Explain
}

// requestOverview answers GET /requests/view/:id/.
func (s *Server) requestOverview(c echo.Context) error {
	p, events, err := s.loadRequestActivity(c, "")
	if err != nil {
		return err
	}
	p.Activity = newActivity(c, s.clock(c), "Recent activity for this request", events, true)
	if err := s.people(c, p); err != nil {
		return err
	}
	p.Actions = actions(p.V, p.People)
	if p.V.ChecksPending > 0 {
		noCache(c) // the results still being computed are not in the store
	}
	if p.V.IsReviewer && p.R.Status.IsUnderReview() && !p.V.HasSubmitted {
		// Until every file has their vote, a reviewer's next step is the
		// next file, not a button that is still disabled.
		for _, f := range p.R.OutputFiles() {
			if vote, ok := p.V.MyVotes[f.Path]; !ok || vote == airlock.VoteUndecided {
				p.NextToReview = fileURL(p.R.ID, f.Group, f.Path)
				break
			}
		}
	}
	if isHTMX(c) && p.R.Status != airlock.StatusApproved {
		// The release progress polls this page while APPROVED; once the
		// files have arrived, status and activity changed too, so the
		// whole page is shown again.
		c.Response().Header().Set("HX-Refresh", "true")
	}
	return s.render(c, "request_overview", "Request "+airlock.ShortID(p.R.ID), p)
}

// requestGroup answers GET /requests/group/:id/:group.
func (s *Server) requestGroup(c echo.Context) error {
	name, err := param(c, "group")
	if err != nil {
		return err
	}
	p, events, err := s.loadRequestActivity(c, name)
	if err != nil {
		return err
	}
	if p.Group = p.R.Group(name); p.Group == nil {
		return airlock.Errorf(airlock.ENOTFOUND, "File group %q is not part of this request.", name)
	}
	p.Activity = newActivity(c, s.clock(c), "Recent activity for this group", events, false)
	if err := s.people(c, p); err != nil {
		return err
	}
	return s.render(c, "request_group", "Group "+name, p)
}

// requestFile answers GET /requests/file/:id/:group/*.
func (s *Server) requestFile(c echo.Context) error {
	p, err := s.loadRequest(c)
	if err != nil {
		return err
	}
	group, err := param(c, "group")
	if err != nil {
		return err
	}
	fp, err := param(c, "*")
	if err != nil {
		return err
	}
	f := p.R.File(fp)
	if f == nil || f.Group != group {
		if f != nil {
			return c.Redirect(http.StatusFound, fileURL(p.R.ID, f.Group, f.Path))
		}
		return airlock.Errorf(airlock.ENOTFOUND, "%s is not part of this request.", fp)
	}
	// The frame's bytes may come from the browser's cache; the page never
	// does, so the view is recorded here as well as on each fetch (D12).
	if err := s.deps.Service.RecordRequestFileView(ctx(c), currentUser(c), p.R.ID, fp); err != nil {
		return err
	}
	p.File, p.Group = f, p.R.Group(group)
	p.ContentURL = contentURL(p.R.ID, group, fp)
	p.ViewURL = preview.PinnedURL(p.ContentURL, f.FileID)
	if f.Commit != "" {
		p.CodeURL = codeURL("request", p.R.ID, f.Commit, fileURL(p.R.ID, f.Group, f.Path))
	}
	if prev, ok := p.R.PreviousVersion(f); ok && p.R.ChangedSinceReview(f) {
		p.DiffURL, p.DiffRound = diffURL(p.R.ID, f.Group, f.Path, ""), airlock.ReviewRound(prev.Turn)
	}
	if flagged, err := s.deps.Service.Differencing(ctx(c), currentUser(c), p.R.ID, fp); err != nil {
		s.log.Error("differencing", "request", p.R.ID, "path", fp, "err", err)
		p.DifferencingFailed = true
	} else {
		for _, d := range flagged {
			p.Differencing = append(p.Differencing, differencingView{DifferencingResult: d,
				CompareURL: diffURL(p.R.ID, f.Group, f.Path, d.Released.FileID)})
		}
	}
	p.IsImage = isImage(fp)
	p.Decision = p.V.Decisions[fp]
	p.MyVote, p.HasVote = p.V.MyVotes[fp]
	if p.Checks = p.V.Checks[fp]; p.Checks == nil && f.Type == airlock.FileOutput {
		// The overview may show only results already known; this page
		// shows the file's own in full.
		if p.Checks, err = s.deps.Service.RequestFileChecks(ctx(c), currentUser(c), p.R.ID, fp); err != nil && airlock.ErrorCode(err) != airlock.EINVALID {
			return err
		}
	}
	if p.Checks != nil {
		_, variant := cellFlags(p.Checks, nil)
		p.ViewURL = preview.PinnedVariantURL(p.ContentURL, f.FileID, variant)
		if p.V.IsAuthor && p.V.CanEdit == nil {
			p.CheckRoles = s.deps.Service.CheckRoles()
		}
	}
	p.neighbours()
	if err := s.people(c, p); err != nil {
		return err
	}
	return s.render(c, "request_file", path.Base(fp), p)
}

// requestContent answers GET /requests/content/:id/:group/*: the stored,
// reviewed bytes (D4), sandboxed (D8); with ?download=1 an attachment, for
// output checkers who did not write the request. Both are audited.
func (s *Server) requestContent(c echo.Context) error {
	group, err := param(c, "group")
	if err != nil {
		return err
	}
	fp, err := param(c, "*")
	if err != nil {
		return err
	}
	download := c.QueryParam("download") != ""
	rc, f, err := s.deps.Service.OpenRequestFile(ctx(c), currentUser(c), c.Param("id"), fp, download)
	if err != nil {
		return err
	}
	defer rc.Close()
	if f.Group != group {
		return airlock.Errorf(airlock.ENOTFOUND, "%s is not in group %q.", fp, group)
	}
	setContentHeaders(c)
	h := c.Response().Header()
	if download {
		h.Set("Cache-Control", "private, max-age=3600")
		h.Set("ETag", `"`+f.FileID+`"`)
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", mimeAttachment(path.Base(fp)))
		http.ServeContent(c.Response(), c.Request(), "", f.AddedAt, rc)
		return nil
	}
	flags, variant, err := s.requestFlags(c, fp)
	if err != nil {
		return err
	}
	// The stored copy is written once, when the file is added.
	return s.viewer.Render(c.Response(), c.Request(), preview.File{Name: fp, Size: f.Size, Hash: f.FileID, ModTime: f.AddedAt,
		Allowed: s.deps.Service.Policy().FileTypes.Allowed(fp), Content: rc, Flags: flags, Variant: variant})
}

// requestFlags are the disclosure-check flags the viewer shows on a
// request file's cells, computed for its stored copy. A file the checks
// cannot read shows none (its page says why).
func (s *Server) requestFlags(c echo.Context, fp string) (map[string]*viewer.Flags, string, error) {
	checked, err := s.deps.Service.RequestFileChecks(ctx(c), currentUser(c), c.Param("id"), fp)
	if airlock.ErrorCode(err) == airlock.EINVALID {
		return nil, "", nil
	}
	if err != nil || checked == nil {
		return nil, "", err
	}
	people, err := s.deps.Service.People(ctx(c), noteAuthors(checked))
	if err != nil {
		return nil, "", err
	}
	flags, variant := cellFlags(checked, people)
	return flags, variant, nil
}

// mimeAttachment builds a Content-Disposition attachment header value.
func mimeAttachment(name string) string {
	return `attachment; filename*=UTF-8''` + url.PathEscape(name)
}

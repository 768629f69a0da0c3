package airlock

import (
	"sort"
	"strings"
	"time"
)

// DefaultGroup is the file group used when none is named.
const DefaultGroup = "default"

// MinRequiredReviews is the floor of the review policy: never fewer than two
// independent reviews (D13).
const MinRequiredReviews = 2

// Policy holds the backend's review settings.
type Policy struct {
	// RequiredReviews is the number of independent reviews a request needs.
	RequiredReviews int
	// FileTypes decides which files may be requested and released.
	FileTypes FileTypePolicy
	// FlagsAdvisory lets a request be submitted with open fail flags of
	// the disclosure checks (D17); by default they block.
	FlagsAdvisory bool
}

// NewPolicy returns a policy, raising the review count to the floor of two.
func NewPolicy(requiredReviews int, exts []string) Policy {
	if requiredReviews < MinRequiredReviews {
		requiredReviews = MinRequiredReviews
	}
	if len(exts) == 0 {
		exts = DefaultAllowedExtensions
	}
	return Policy{RequiredReviews: requiredReviews, FileTypes: NewFileTypePolicy(exts)}
}

// Request is a release request with everything that belongs to it.
type Request struct {
	ID              string
	Workspace       string
	Project         string
	Orgs            []string
	Author          string
	Status          RequestStatus
	ReviewTurn      int
	CreatedAt       time.Time
	UpdatedAt       time.Time
	LastSubmittedAt *time.Time
	// SubmittedReviews maps reviewer to the time they submitted their
	// review in the current turn. Cleared at every turn change.
	SubmittedReviews map[string]time.Time
	// TurnReviewers are the reviewers who submitted in the previous turn.
	TurnReviewers []string
	// Groups are sorted: "default" first, then by name.
	Groups []*FileGroup
}

// FileGroup is a named set of files with the context a reviewer needs.
type FileGroup struct {
	Name      string
	Context   string
	Controls  string
	UpdatedAt time.Time
	Files     []*RequestFile // sorted by path
	Comments  []*Comment     // oldest first
}

// RequestFile is one workspace file on a request, as copied into the store.
type RequestFile struct {
	Path       string
	Group      string
	FileID     string // SHA-256 of the stored copy
	Type       FileType
	Size       int64
	Timestamp  time.Time
	Commit     string
	Repo       string
	JobID      string
	RowCount   *int
	ColCount   *int
	AddedAt    time.Time
	Votes      map[string]*FileVote // by reviewer
	ReleasedAt *time.Time
	ReleasedBy string
	UploadedAt *time.Time
	// Versions are the versions review turns saw, oldest turn first: the
	// store keeps each one's bytes for as long as the request exists.
	Versions []FileVersion
}

// FileVersion is the version of a request file that one review turn saw.
type FileVersion struct {
	Turn   int
	FileID string // SHA-256 of the stored copy
	Size   int64
}

// ReviewRound numbers review turns 1, 2, 3 for people: turns alternate
// between the reviewers (odd) and the author (even).
func ReviewRound(turn int) int { return (turn + 1) / 2 }

// PreviousVersion is the version of f reviewed in the latest review turn
// before the current one: what a checker saw last time, and what the
// comparison view compares with by default.
func (r *Request) PreviousVersion(f *RequestFile) (FileVersion, bool) {
	for i := len(f.Versions) - 1; i >= 0; i-- {
		if v := f.Versions[i]; v.Turn < r.ReviewTurn {
			return v, true
		}
	}
	return FileVersion{}, false
}

// ChangedSinceReview reports whether f's bytes differ from the version
// reviewed in the previous review turn. A file new in this turn has no
// previous version and has not changed.
func (r *Request) ChangedSinceReview(f *RequestFile) bool {
	v, ok := r.PreviousVersion(f)
	return ok && f.Type != FileWithdrawn && v.FileID != f.FileID
}

// ChangedOutputs counts the output files changed since the previous review turn.
func (r *Request) ChangedOutputs() int {
	n := 0
	for _, f := range r.OutputFiles() {
		if r.ChangedSinceReview(f) {
			n++
		}
	}
	return n
}

// HasVersion reports whether fileID is a version of f some review turn saw, or its current one.
func (f *RequestFile) HasVersion(fileID string) bool {
	if f.FileID == fileID {
		return true
	}
	for _, v := range f.Versions {
		if v.FileID == fileID {
			return true
		}
	}
	return false
}

// FileVote is one reviewer's vote on one file.
type FileVote struct {
	Reviewer  string
	Vote      Vote
	Turn      int
	UpdatedAt time.Time
}

// Comment is a remark on a file group.
type Comment struct {
	ID         int64
	Group      string
	Author     string
	Text       string
	Visibility Visibility
	Turn       int
	CreatedAt  time.Time
}

// ShortID is the request id as shown in lists: first 3 and last 6 characters.
func ShortID(id string) string {
	if len(id) <= 9 {
		return id
	}
	return id[:3] + "…" + id[len(id)-6:]
}

// Group returns the named group, or nil.
func (r *Request) Group(name string) *FileGroup {
	for _, g := range r.Groups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// HasText reports whether the group's context and disclosure controls are
// already these: saving them again changes nothing and is not audited.
func (g *FileGroup) HasText(context, controls string) bool {
	return g.Context == context && g.Controls == controls
}

// GroupFold returns the group whose name matches case-insensitively, or nil.
func (r *Request) GroupFold(name string) *FileGroup {
	for _, g := range r.Groups {
		if strings.EqualFold(g.Name, name) {
			return g
		}
	}
	return nil
}

// File returns the file with the given path in any group, or nil.
func (r *Request) File(path string) *RequestFile {
	for _, g := range r.Groups {
		for _, f := range g.Files {
			if f.Path == path {
				return f
			}
		}
	}
	return nil
}

// AllFiles returns every file of every type.
func (r *Request) AllFiles() []*RequestFile {
	var out []*RequestFile
	for _, g := range r.Groups {
		out = append(out, g.Files...)
	}
	return out
}

// OutputFiles returns the files that would be released.
func (r *Request) OutputFiles() []*RequestFile {
	var out []*RequestFile
	for _, g := range r.Groups {
		out = append(out, g.OutputFiles()...)
	}
	return out
}

// CountType counts files of a type across groups.
func (r *Request) CountType(t FileType) int {
	n := 0
	for _, f := range r.AllFiles() {
		if f.Type == t {
			n++
		}
	}
	return n
}

// UploadedCount counts output files that have arrived at the jobs site.
func (r *Request) UploadedCount() int {
	n := 0
	for _, f := range r.OutputFiles() {
		if f.UploadedAt != nil {
			n++
		}
	}
	return n
}

// OutputFiles returns the group's output files.
func (g *FileGroup) OutputFiles() []*RequestFile {
	var out []*RequestFile
	for _, f := range g.Files {
		if f.Type == FileOutput {
			out = append(out, f)
		}
	}
	return out
}

// Empty reports whether the group has no output or supporting files.
func (g *FileGroup) Empty() bool {
	for _, f := range g.Files {
		if f.Type != FileWithdrawn {
			return false
		}
	}
	return true
}

// Incomplete reports whether a non-empty group lacks context or controls.
func (g *FileGroup) Incomplete() bool {
	return !g.Empty() && (strings.TrimSpace(g.Context) == "" || strings.TrimSpace(g.Controls) == "")
}

// hasPublicCommentInTurn reports whether anyone wrote a public comment in the turn.
func (g *FileGroup) hasPublicCommentInTurn(turn int) bool {
	for _, c := range g.Comments {
		if c.Turn == turn && c.Visibility == Public {
			return true
		}
	}
	return false
}

// SortGroups orders groups "default" first, then by name, and files by path.
func (r *Request) SortGroups() {
	sort.SliceStable(r.Groups, func(i, j int) bool {
		a, b := r.Groups[i].Name, r.Groups[j].Name
		if (a == DefaultGroup) != (b == DefaultGroup) {
			return a == DefaultGroup
		}
		return a < b
	})
	for _, g := range r.Groups {
		sort.SliceStable(g.Files, func(i, j int) bool { return g.Files[i].Path < g.Files[j].Path })
	}
}

// IsAuthor reports whether u wrote the request.
func (r *Request) IsAuthor(u *User) bool { return u != nil && u.Username == r.Author }

// CanReview reports whether u may review the request: an output checker who
// is not its author (the no-self-review rule).
func (r *Request) CanReview(u *User) bool {
	return u != nil && u.OutputChecker && !r.IsAuthor(u)
}

// CanReviewNow adds that the request must be under review.
func (r *Request) CanReviewNow(u *User) bool {
	return r.CanReview(u) && r.Status.IsUnderReview()
}

// HasSubmittedReview reports whether the reviewer submitted in the current turn.
func (r *Request) HasSubmittedReview(reviewer string) bool {
	_, ok := r.SubmittedReviews[reviewer]
	return ok
}

// SubmittedReviewers returns the current turn's submitted reviewers, sorted.
func (r *Request) SubmittedReviewers() []string {
	out := make([]string, 0, len(r.SubmittedReviews))
	for k := range r.SubmittedReviews {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Decide combines the votes of the counted reviewers into a decision
// (reference §6.1): fewer than the required number of votes is incomplete;
// enough approvals approve even if others disagree; any disagreement
// otherwise is a conflict; unanimous change requests request changes.
func Decide(votes map[string]*FileVote, counted []string, required int) Decision {
	var vs []Vote
	for _, reviewer := range counted {
		if v, ok := votes[reviewer]; ok {
			vs = append(vs, v.Vote)
		}
	}
	if len(vs) < required {
		return DecisionIncomplete
	}
	approvals := 0
	distinct := map[Vote]bool{}
	for _, v := range vs {
		if v == VoteApproved {
			approvals++
		}
		distinct[v] = true
	}
	if approvals >= required {
		return DecisionApproved
	}
	if len(distinct) > 1 {
		return DecisionConflicted
	}
	return DecisionChangesRequested
}

// CurrentDecision is the decision under the current turn's submitted
// reviews: the one the rules (release, return) act on.
func (r *Request) CurrentDecision(f *RequestFile, required int) Decision {
	return Decide(f.Votes, r.SubmittedReviewers(), required)
}

// AllOutputsApproved reports whether every output file is approved under the
// current turn's submitted reviews. It is false when there are no output files.
func (r *Request) AllOutputsApproved(required int) bool {
	outs := r.OutputFiles()
	if len(outs) == 0 {
		return false
	}
	for _, f := range outs {
		if r.CurrentDecision(f, required) != DecisionApproved {
			return false
		}
	}
	return true
}

// DecisionFor is the decision the viewer is shown for a file (reference
// §6.2–6.3): nobody sees one during independent review; only reviewers see
// one while consolidating; researchers never see "conflicted".
func (r *Request) DecisionFor(f *RequestFile, viewer *User, required int) Decision {
	var d Decision
	switch r.Status.Phase() {
	case PhaseIndependent:
		d = DecisionIncomplete
	case PhaseConsolidating:
		if !r.CanReview(viewer) {
			return DecisionIncomplete
		}
		d = Decide(f.Votes, r.SubmittedReviewers(), required)
	case PhaseComplete:
		d = Decide(f.Votes, r.SubmittedReviewers(), required)
	default: // author phase: the outcome of the previous review turn
		d = Decide(f.Votes, r.TurnReviewers, required)
	}
	if d == DecisionConflicted && !r.CanReview(viewer) {
		d = DecisionChangesRequested
	}
	return d
}

// Item is something whose visibility depends on who wrote it, when and how:
// a comment or an audit event.
type Item struct {
	Author     string
	Turn       int
	Visibility Visibility
	Hidden     bool
}

// CanSee applies the visibility rule of reference §8.3 for the viewer.
func (r *Request) CanSee(viewer *User, it Item) bool {
	if it.Hidden || viewer == nil {
		return false
	}
	if it.Author == viewer.Username {
		return true
	}
	phase := r.Status.Phase()
	earlier := it.Turn < r.ReviewTurn
	reviewer := r.CanReview(viewer)
	switch it.Visibility {
	case Public:
		return earlier || phase == PhaseComplete || (phase == PhaseConsolidating && reviewer)
	case Private:
		return reviewer && (earlier || phase == PhaseComplete || phase != PhaseIndependent)
	}
	return false
}

// VisibleVote returns the vote on f the viewer may see, or nil. Votes are
// blinded like comments: a reviewer's own vote is always visible; others'
// are visible once their turn's review is no longer independent.
func (r *Request) VisibleVote(f *RequestFile, viewer *User, reviewer string) *FileVote {
	v, ok := f.Votes[reviewer]
	if !ok {
		return nil
	}
	if r.CanSee(viewer, Item{Author: reviewer, Turn: v.Turn, Visibility: Public}) {
		return v
	}
	return nil
}

// VisibleComments returns the group's comments the viewer may see, oldest first.
func (r *Request) VisibleComments(g *FileGroup, viewer *User) []*Comment {
	var out []*Comment
	for _, c := range g.Comments {
		if r.CanSee(viewer, Item{Author: c.Author, Turn: c.Turn, Visibility: c.Visibility}) {
			out = append(out, c)
		}
	}
	return out
}

// CheckCanComment applies reference §8.1, tightened by D1: copilots and
// read-only users never comment; nobody comments on a finished request.
func (r *Request) CheckCanComment(u *User) error {
	if err := CheckCanView(u, r.Workspace); err != nil {
		return err
	}
	if !r.CanReview(u) && !u.HasRole(r.Workspace) {
		return Errorf(EFORBIDDEN, "You can view this request but not comment on it.")
	}
	if r.Status.IsFinal() {
		return r.refuseNow(ActionComment, MinRequiredReviews)
	}
	if r.CanReview(u) {
		if u.HasRole(r.Workspace) || r.Status.IsUnderReview() {
			return nil
		}
		return r.refuseNow(ActionComment, MinRequiredReviews)
	}
	if !r.Status.IsEditing() {
		return r.refuseNow(ActionComment, MinRequiredReviews)
	}
	return nil
}

// WritableVisibilities returns the visibilities the user may choose for a new
// comment, the default first. Private comments are only for a checker who is
// not the author, while the request is under review (D1).
func (r *Request) WritableVisibilities(u *User) []Visibility {
	if r.CanReview(u) && r.Status.IsUnderReview() {
		return []Visibility{Private, Public}
	}
	return []Visibility{Public}
}

// CheckCanEdit returns an error unless u may change the request's files and
// groups: its author, allowed to author in the workspace, in an editable status.
func (r *Request) CheckCanEdit(u *User) error {
	if err := CheckCanView(u, r.Workspace); err != nil {
		return err
	}
	if !r.IsAuthor(u) {
		return ActionEdit.notAuthor()
	}
	if err := CheckCanAuthor(u, r.Workspace); err != nil {
		return err
	}
	if !r.Status.IsEditing() {
		return r.refuseNow(ActionEdit, MinRequiredReviews)
	}
	return nil
}

// CheckCanVote returns an error unless u may vote on the request's files now.
func (r *Request) CheckCanVote(u *User) error {
	if err := CheckCanView(u, r.Workspace); err != nil {
		return err
	}
	if !r.CanReview(u) {
		return ActionVote.notReviewer(r, u)
	}
	if !r.Status.IsUnderReview() {
		return r.refuseNow(ActionVote, MinRequiredReviews)
	}
	return nil
}

// transitions lists the allowed status changes (reference §4.2).
var transitions = map[RequestStatus][]RequestStatus{
	StatusPending:           {StatusSubmitted, StatusWithdrawn},
	StatusSubmitted:         {StatusPartiallyReviewed, StatusReturned},
	StatusPartiallyReviewed: {StatusReviewed, StatusReturned},
	StatusReviewed:          {StatusReturned, StatusRejected, StatusApproved},
	StatusReturned:          {StatusSubmitted, StatusWithdrawn},
	StatusApproved:          {StatusReleased},
}

// CanTransition reports whether the table allows from → to.
func CanTransition(from, to RequestStatus) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Transition is one allowed status change and the action that makes it;
// the action is "" for the system's own step (APPROVED → RELEASED).
type Transition struct {
	From, To RequestStatus
	Action   Action
}

// Transitions lists the allowed status changes (the transition table) in
// lifecycle order, for documentation such as the state diagram.
func Transitions() []Transition {
	var out []Transition
	for _, from := range AllStatuses {
		for _, to := range transitions[from] {
			t := Transition{From: from, To: to}
			if to != StatusReleased {
				t.Action = transitionActions[to]
			}
			out = append(out, t)
		}
	}
	return out
}

// transitionActions are the actions that move a request to each status a
// person can move it to.
var transitionActions = map[RequestStatus]Action{
	StatusSubmitted:         ActionSubmit,
	StatusWithdrawn:         ActionWithdraw,
	StatusPartiallyReviewed: ActionReview,
	StatusReviewed:          ActionReview,
	StatusReturned:          ActionReturn,
	StatusRejected:          ActionReject,
	StatusApproved:          ActionRelease,
}

// CheckTransition applies the generic status check of reference §4.2 for a
// person acting. Who may make the change at all is checked first, so someone
// who never may is told so (403) rather than about the request's state (409).
// PENDING and APPROVED → RELEASED are the system's steps, never a person's.
func (r *Request) CheckTransition(u *User, to RequestStatus, required int) error {
	a, ok := transitionActions[to]
	switch {
	case to == StatusReleased:
		return Errorf(ESTATE, "A request is released by itself once every file has arrived at the jobs site.")
	case !ok:
		return Errorf(ESTATE, "A request is pending only until it is first submitted; it never goes back to pending.")
	case a == ActionSubmit || a == ActionWithdraw:
		if !r.IsAuthor(u) {
			return a.notAuthor()
		}
	case !r.CanReview(u):
		return a.notReviewer(r, u)
	}
	if !CanTransition(r.Status, to) {
		return r.refuseNow(a, required)
	}
	if to == StatusApproved && !r.AllOutputsApproved(required) {
		return r.refuseUnapproved(required)
	}
	return nil
}

// CheckCanReturn returns an error unless u may return the request to its
// author now: after a full review, each group with files that are not
// approved needs a comment the author can read first (reference §4.7).
func (r *Request) CheckCanReturn(u *User, required int) error {
	if err := r.CheckTransition(u, StatusReturned, required); err != nil {
		return err
	}
	if missing := r.GroupsMissingPublicComment(required); len(missing) > 0 {
		return Errorf(ESTATE, "Before returning the request, add a comment the author can read in each group with files that are not approved: %s.", listNames(missing))
	}
	return nil
}

// GroupsMissingPublicComment returns the names of groups that need a public
// comment in the current turn before the request can be returned (from
// REVIEWED) or resubmitted (after a full return) — reference §8.2.
func (r *Request) GroupsMissingPublicComment(required int) []string {
	var reviewers []string
	switch r.Status {
	case StatusReviewed:
		reviewers = r.SubmittedReviewers()
	case StatusReturned:
		if len(r.TurnReviewers) < required {
			return nil // an early return: nothing was decided
		}
		reviewers = r.TurnReviewers
	default:
		return nil
	}
	if r.Status == StatusReviewed && r.AllOutputsApproved(required) {
		return nil
	}
	var missing []string
	for _, g := range r.Groups {
		if g.hasPublicCommentInTurn(r.ReviewTurn) {
			continue
		}
		for _, f := range g.Files {
			d := Decide(f.Votes, reviewers, required)
			if d == DecisionChangesRequested || d == DecisionConflicted ||
				(f.Type == FileOutput && d == DecisionIncomplete) {
				missing = append(missing, g.Name)
				break
			}
		}
	}
	return missing
}

// CheckCanSubmitReview applies reference §4.6 for reviewer u.
func (r *Request) CheckCanSubmitReview(u *User) error {
	if err := r.CheckCanVote(u); err != nil {
		return err
	}
	if r.HasSubmittedReview(u.Username) {
		return Errorf(ESTATE, "You have already submitted your review of this request.")
	}
	outs := r.OutputFiles()
	if len(outs) == 0 {
		return Errorf(ESTATE, "This request has no output files to review.")
	}
	missing := 0
	for _, f := range outs {
		v, ok := f.Votes[u.Username]
		if !ok || v.Vote == VoteUndecided {
			missing++
		}
	}
	if missing > 0 {
		need := "need"
		if missing == 1 {
			need = "needs"
		}
		return Errorf(ESTATE, "Vote on every output file before submitting your review; %d of %d still %s your vote.", missing, len(outs), need)
	}
	var needComment []string
	for _, g := range r.Groups {
		requested := false
		for _, f := range g.OutputFiles() {
			if v := f.Votes[u.Username]; v != nil && v.Vote == VoteChangesRequested {
				requested = true
			}
		}
		if !requested {
			continue
		}
		commented := false
		for _, c := range g.Comments {
			if c.Author == u.Username && c.Turn == r.ReviewTurn {
				commented = true
			}
		}
		if !commented {
			needComment = append(needComment, g.Name)
		}
	}
	if len(needComment) > 0 {
		return Errorf(ESTATE, "Before submitting your review, add a comment to each group where you requested changes: %s.", listNames(needComment))
	}
	return nil
}

// CheckCanSubmit applies reference §4.4 for author u.
func (r *Request) CheckCanSubmit(u *User, required int) error {
	if err := CheckCanView(u, r.Workspace); err != nil {
		return err
	}
	if !r.IsAuthor(u) {
		return ActionSubmit.notAuthor()
	}
	if err := CheckCanAuthor(u, r.Workspace); err != nil {
		return err
	}
	if !CanTransition(r.Status, StatusSubmitted) {
		return r.refuseNow(ActionSubmit, required)
	}
	if len(r.OutputFiles()) == 0 {
		return Errorf(ESTATE, "A request needs at least one output file before it can be submitted.")
	}
	var incomplete []string
	for _, g := range r.Groups {
		if g.Incomplete() {
			incomplete = append(incomplete, g.Name)
		}
	}
	if len(incomplete) > 0 {
		return Errorf(ESTATE, "Before submitting, describe the context and disclosure controls of every group; they are missing in %s.", listNames(incomplete))
	}
	if missing := r.GroupsMissingPublicComment(required); len(missing) > 0 {
		return Errorf(ESTATE, "Before resubmitting, reply with a comment in each group the reviewers asked about: %s.", listNames(missing))
	}
	return nil
}

// CheckNewGroup validates the name of a group the person asked to create
// and returns it lower-cased. A name that matches an existing group of the
// request, ignoring case, is refused: creating it would silently add to
// that group. r is nil when there is no request yet.
func (r *Request) CheckNewGroup(name string) (string, error) {
	clean, err := ValidateGroupName(name)
	if err != nil {
		return "", err
	}
	if r != nil {
		if g := r.GroupFold(clean); g != nil {
			return "", Errorf(ECONFLICT, "A file group called %q already exists. Choose it from the list of groups instead.", g.Name)
		}
	}
	return clean, nil
}

// CheckChangeable is nil if a request file's group or type may be changed:
// a withdrawn file can only be added again.
func CheckChangeable(f *RequestFile) error {
	if f.Type == FileWithdrawn {
		return Errorf(ESTATE, "%s has been withdrawn; add it again from the workspace instead of changing it.", f.Path)
	}
	return nil
}

// CheckChangeType is nil if a request file may become type t. released
// says its content was already released from the workspace: such a file
// may only support the request.
func CheckChangeType(f *RequestFile, released bool, t FileType) error {
	if released && t == FileOutput {
		return Errorf(EINVALID, "%s has already been released from this workspace, so it can only be a supporting file.", f.Path)
	}
	return nil
}

// ValidateGroupName checks a new group name and returns it lower-cased.
func ValidateGroupName(name string) (string, error) {
	if err := CheckName("file group name", name); err != nil {
		return "", err // before ToLower, which would replace the bad bytes
	}
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return "", Errorf(EINVALID, "Please name the file group.")
	}
	if len(name) > 100 {
		return "", Errorf(EINVALID, "File group names can be at most 100 characters.")
	}
	if strings.ContainsAny(name, "/\\\x00") {
		return "", Errorf(EINVALID, "File group names cannot contain slashes.")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "", Errorf(EINVALID, "File group names cannot contain control characters.")
		}
	}
	return name, nil
}

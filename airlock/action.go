package airlock

import (
	"fmt"
	"strings"
)

// Action is a step a person takes on a request. Every refusal of one is
// worded here, once: the service refuses with these sentences, and the
// pages show the same sentence beside an action that is not available now
// (review.RequestView.WhyNot), so a disabled button says exactly what the
// server would say.
type Action string

// The actions on a request.
const (
	ActionSubmit     Action = "submit"      // submit, or resubmit after a return
	ActionWithdraw   Action = "withdraw"    // withdraw the whole request
	ActionReview     Action = "review"      // submit one's own review
	ActionReturn     Action = "return"      // return to the author
	ActionReject     Action = "reject"      // reject the request
	ActionRelease    Action = "release"     // release the approved files
	ActionEdit       Action = "edit"        // change files, groups, context and controls
	ActionComment    Action = "comment"     // comment on a group
	ActionVote       Action = "vote"        // approve or request changes to a file
	ActionResetVotes Action = "reset-votes" // clear one's own votes
	ActionDownload   Action = "download"    // download a request file
)

// Actions lists every action, in the order the pages show them.
func Actions() []Action {
	return []Action{ActionSubmit, ActionWithdraw, ActionReview, ActionReturn, ActionReject, ActionRelease,
		ActionEdit, ActionComment, ActionVote, ActionResetVotes, ActionDownload}
}

// Label is the action's name as a button would say it.
func (a Action) Label() string {
	switch a {
	case ActionSubmit:
		return "Submit"
	case ActionWithdraw:
		return "Withdraw"
	case ActionReview:
		return "Submit review"
	case ActionReturn:
		return "Return"
	case ActionReject:
		return "Reject"
	case ActionRelease:
		return "Release"
	case ActionEdit:
		return "Edit"
	case ActionComment:
		return "Comment"
	case ActionVote:
		return "Vote"
	case ActionResetVotes:
		return "Reset votes"
	case ActionDownload:
		return "Download"
	}
	return string(a)
}

// past is the action's verb as in "it can no longer be …".
func (a Action) past() string {
	switch a {
	case ActionSubmit:
		return "submitted"
	case ActionWithdraw:
		return "withdrawn"
	case ActionReview, ActionVote, ActionResetVotes:
		return "reviewed"
	case ActionReturn:
		return "returned"
	case ActionReject:
		return "rejected"
	case ActionRelease:
		return "released"
	}
	return "changed"
}

// notAuthor refuses an author's action to someone else (403).
func (a Action) notAuthor() error {
	switch a {
	case ActionSubmit:
		return Errorf(EFORBIDDEN, "Only the author of this request can submit it.")
	case ActionWithdraw:
		return Errorf(EFORBIDDEN, "Only the author of this request can withdraw it.")
	}
	return Errorf(EFORBIDDEN, "Only the author of this request can change it.")
}

// notReviewer refuses a reviewer's action to someone who may never take
// it on this request (403): the author, or anyone who is not an output
// checker.
func (a Action) notReviewer(r *Request, u *User) error {
	own := u != nil && u.OutputChecker && r.IsAuthor(u)
	switch a {
	case ActionReturn:
		if own {
			return Errorf(EFORBIDDEN, "You cannot return your own request; another output checker has to.")
		}
		return Errorf(EFORBIDDEN, "Only output checkers can return a request to its author.")
	case ActionReject:
		if own {
			return Errorf(EFORBIDDEN, "You cannot reject your own request; another output checker has to.")
		}
		return Errorf(EFORBIDDEN, "Only output checkers can reject a request.")
	case ActionRelease:
		if own {
			return Errorf(EFORBIDDEN, "You cannot release files from your own request; another output checker has to.")
		}
		return Errorf(EFORBIDDEN, "Only output checkers can release files.")
	}
	if own {
		return Errorf(EFORBIDDEN, "You cannot review your own request.")
	}
	return Errorf(EFORBIDDEN, "Only output checkers can review files.")
}

// finalState says how a request in a system-owned status ended, as the
// start of a sentence.
func finalState(s RequestStatus) string {
	switch s {
	case StatusApproved:
		return "This request has been approved and its files are being sent to the jobs site"
	case StatusReleased:
		return "This request has been released"
	case StatusRejected:
		return "This request has been rejected"
	case StatusWithdrawn:
		return "This request has been withdrawn"
	}
	return "This request is closed"
}

// reviewsIn is "both reviews are in", or "all 3 reviews are in".
func reviewsIn(required int) string {
	if required == 2 {
		return "both reviews are in"
	}
	return fmt.Sprintf("all %d reviews are in", required)
}

// soFar is " (1 of 2 so far)": the reviews submitted this round.
func (r *Request) soFar(required int) string {
	return fmt.Sprintf(" (%d of %d so far)", len(r.SubmittedReviews), required)
}

// countOf is "1 of 3 files is" or "2 of 3 files are".
func countOf(n, total int, noun string) string {
	verb := "are"
	if n == 1 {
		verb = "is"
	}
	if total != 1 {
		noun += "s"
	}
	return fmt.Sprintf("%d of %d %s %s", n, total, noun, verb)
}

// refuseNow says why action a is not possible in the request's present
// status (409). Each sentence is written for its case, never assembled
// from status labels.
func (r *Request) refuseNow(a Action, required int) error {
	s := r.Status
	if s.IsFinal() {
		switch {
		case a == ActionSubmit:
			return Errorf(ESTATE, "%s, so it cannot be submitted again.", finalState(s))
		case a == ActionWithdraw && s == StatusWithdrawn:
			return Errorf(ESTATE, "This request has already been withdrawn.")
		case a == ActionReject && s == StatusRejected:
			return Errorf(ESTATE, "This request has already been rejected.")
		case a == ActionRelease && s == StatusApproved:
			return Errorf(ESTATE, "This request has already been released; its files are being sent to the jobs site.")
		case a == ActionRelease && s == StatusReleased:
			return Errorf(ESTATE, "This request has already been released.")
		case a == ActionRelease:
			return Errorf(ESTATE, "%s, so none of its files can be released.", finalState(s))
		case a == ActionComment:
			return Errorf(ESTATE, "%s, so comments are closed.", finalState(s))
		}
		return Errorf(ESTATE, "%s, so it can no longer be %s.", finalState(s), a.past())
	}
	switch a {
	case ActionSubmit:
		return Errorf(ESTATE, "This request has already been submitted and is being reviewed. If it is returned to you, you can change it and submit it again.")
	case ActionWithdraw:
		return Errorf(ESTATE, "A request cannot be withdrawn while it is being reviewed. If it is returned to you, you can withdraw it then.")
	case ActionEdit:
		return Errorf(ESTATE, "This request is being reviewed, so it cannot be changed. If it is returned to you, you can change it then.")
	case ActionComment:
		if r.Status.IsUnderReview() {
			return Errorf(ESTATE, "This request is being reviewed. Its author and collaborators can comment again if it is returned.")
		}
		if s == StatusReturned {
			return Errorf(ESTATE, "This request has been returned to its author. Output checkers can comment again once it is resubmitted.")
		}
		return Errorf(ESTATE, "Output checkers can comment once the request has been submitted for review.")
	case ActionReturn:
		if s == StatusReturned {
			return Errorf(ESTATE, "This request has already been returned to its author.")
		}
		return Errorf(ESTATE, "This request has not been submitted for review yet, so there is nothing to return.")
	case ActionReject:
		switch s {
		case StatusPending:
			return Errorf(ESTATE, "Reject is available once the request has been submitted and %s.", reviewsIn(required))
		case StatusReturned:
			return Errorf(ESTATE, "Reject is available once the author has resubmitted the request and %s.", reviewsIn(required))
		}
		return Errorf(ESTATE, "Reject is available once %s%s.", reviewsIn(required), r.soFar(required))
	case ActionRelease:
		switch s {
		case StatusPending:
			return Errorf(ESTATE, "Release is available once the request has been submitted, %s and every output file is approved.", reviewsIn(required))
		case StatusReturned:
			return Errorf(ESTATE, "Release is available once the author has resubmitted the request, %s and every output file is approved.", reviewsIn(required))
		case StatusReviewed:
			return r.refuseUnapproved(required)
		}
		return Errorf(ESTATE, "Release is available once %s%s and every output file is approved.", reviewsIn(required), r.soFar(required))
	}
	// Reviewing, voting: only while the request is under review.
	if s == StatusReturned {
		return Errorf(ESTATE, "This request has been returned to its author. You can review it again once it is resubmitted.")
	}
	if s == StatusPending {
		return Errorf(ESTATE, "This request has not been submitted for review yet.")
	}
	return Errorf(ESTATE, "A request moves on by itself as output checkers submit their reviews%s.", r.soFar(required))
}

// refuseUnapproved says how many output files still lack the approvals a
// release needs.
func (r *Request) refuseUnapproved(required int) error {
	outs := r.OutputFiles()
	if len(outs) == 0 {
		return Errorf(ESTATE, "This request has no output files to release.")
	}
	n := 0
	for _, f := range outs {
		if r.CurrentDecision(f, required) != DecisionApproved {
			n++
		}
	}
	who := "both reviewers"
	if required != 2 {
		who = fmt.Sprintf("%d reviewers", required)
	}
	return Errorf(ESTATE, "Release is available once %s have approved every output file; %s not approved yet.", who, countOf(n, len(outs), "file"))
}

// ListNames joins names for a sentence, as the refusals do: "tables",
// "tables and figures", "tables, figures and maps".
func ListNames(names []string) string { return listNames(names) }

// listNames joins group names for a sentence: "tables, figures and maps".
func listNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

package review

import (
	"fmt"

	"github.com/airlock-project/airlock/airlock"
)

// Mark is one state shown beside a file, a group or a request in the trees
// and the reviews dashboard: an icon, named by Kind for the stylesheet,
// and Text that says the same in words, read by screen readers and shown on
// hover, so a state is never told by colour alone. Every mark a person sees
// is decided in this file, from what the service let them see, so a new
// kind of mark (disclosure-check flags, changes since a review) is one more
// case here and appears in every tree and list at once.
type Mark struct {
	Kind string
	Text string
}

// The kinds of marks. The stylesheet draws one icon per kind.
const (
	MarkApproved   = "approved"   // approved: a vote or a decision
	MarkChanges    = "changes"    // changes requested: a vote or a decision
	MarkUndecided  = "undecided"  // a vote the system reset: vote again
	MarkUnvoted    = "unvoted"    // no vote from the viewer yet
	MarkConflicted = "conflicted" // reviewers disagree
	MarkDraft      = "draft"      // on a request that is not submitted
	MarkReview     = "review"     // being reviewed
	MarkReleased   = "released"   // released (and delivered)
	MarkUploading  = "uploading"  // released, on its way to the jobs site
	MarkUpdated    = "updated"    // changed in the workspace since added
	MarkSupporting = "supporting" // context only, never released
	MarkWithdrawn  = "withdrawn"  // withdrawn from the request
	MarkClosed     = "closed"     // the request was rejected or withdrawn
	MarkProgress   = "progress"   // some of a group's files still to do
	MarkDone       = "done"       // all of a group's files done
	MarkChanged    = "changed"    // its bytes changed since the last review round
)

// FileMarks are the marks of one file of the request for the viewer: for
// an output checker, their own vote and, once they may see it, the
// decision; for the author and everyone else, where the file stands.
func (v *RequestView) FileMarks(f *airlock.RequestFile) []Mark {
	switch f.Type {
	case airlock.FileSupporting:
		return []Mark{{MarkSupporting, "Supporting file: context for the reviewers, never released"}}
	case airlock.FileWithdrawn:
		return []Mark{{MarkWithdrawn, "Withdrawn from the request"}}
	}
	r := v.Request
	var marks []Mark
	if v.IsReviewer {
		marks = append(marks, v.voteMark(f))
		if d := v.Decisions[f.Path]; d != airlock.DecisionIncomplete {
			marks = append(marks, decisionMark(d, "Decision: "))
		}
	} else {
		switch {
		case r.Status == airlock.StatusPending:
			marks = append(marks, Mark{MarkDraft, "In this request (not yet submitted)"})
		case r.Status.IsUnderReview():
			marks = append(marks, Mark{MarkReview, "Under review"})
		case r.Status == airlock.StatusReturned:
			if d := v.Decisions[f.Path]; d != airlock.DecisionIncomplete {
				marks = append(marks, decisionMark(d, "Reviewers’ decision: "))
			} else {
				marks = append(marks, Mark{MarkDraft, "Returned before every review was in: no decision yet"})
			}
		case r.Status == airlock.StatusRejected:
			marks = append(marks, Mark{MarkClosed, "The request was rejected: not released"})
		case r.Status == airlock.StatusWithdrawn:
			marks = append(marks, Mark{MarkClosed, "The request was withdrawn: not released"})
		}
	}
	if prev, ok := r.PreviousVersion(f); ok && r.ChangedSinceReview(f) {
		marks = append(marks, Mark{MarkChanged, fmt.Sprintf("Changed since review round %d: compare the versions", airlock.ReviewRound(prev.Turn))})
	}
	if r.Status == airlock.StatusApproved || r.Status == airlock.StatusReleased {
		if f.UploadedAt != nil {
			marks = append(marks, Mark{MarkReleased, "Released: delivered to the jobs site"})
		} else {
			marks = append(marks, Mark{MarkUploading, "Released: on its way to the jobs site"})
		}
	}
	return marks
}

// voteMark is the viewer's own vote on an output file.
func (v *RequestView) voteMark(f *airlock.RequestFile) Mark {
	vote, ok := v.MyVotes[f.Path]
	switch {
	case !ok:
		return Mark{MarkUnvoted, "You have not voted on this file yet"}
	case vote == airlock.VoteApproved:
		return Mark{MarkApproved, "You approved this file"}
	case vote == airlock.VoteChangesRequested:
		return Mark{MarkChanges, "You requested changes to this file"}
	}
	return Mark{MarkUndecided, "Your vote was reset to undecided: vote again"}
}

// decisionMark is a decision on a file, its words after prefix.
func decisionMark(d airlock.Decision, prefix string) Mark {
	switch d {
	case airlock.DecisionApproved:
		return Mark{MarkApproved, prefix + "approved"}
	case airlock.DecisionConflicted:
		return Mark{MarkConflicted, prefix + "conflicted (the reviewers disagree)"}
	}
	return Mark{MarkChanges, prefix + "changes requested"}
}

// GroupMark is a group's progress for the viewer: for an output checker
// while the request is reviewed, how many of its output files they have
// voted on ("2 of 3 voted"); for everyone else, how many files are for
// release.
func (v *RequestView) GroupMark(g *airlock.FileGroup) Mark {
	outs := g.OutputFiles()
	if v.IsReviewer && v.Request.Status.IsUnderReview() && len(outs) > 0 {
		voted := 0
		for _, f := range outs {
			if vote, ok := v.MyVotes[f.Path]; ok && vote != airlock.VoteUndecided {
				voted++
			}
		}
		kind := MarkProgress
		if voted == len(outs) {
			kind = MarkDone
		}
		return Mark{kind, fmt.Sprintf("%d of %d voted", voted, len(outs))}
	}
	if len(outs) == 1 {
		return Mark{MarkProgress, "1 file for release"}
	}
	return Mark{MarkProgress, fmt.Sprintf("%d files for release", len(outs))}
}

// WorkspaceMark is the mark of a workspace file in the workspace tree and
// folder tables, relative to the viewer's open request current (nil if
// none): in that request (and whether it was submitted), changed since it
// was added, withdrawn, or released before. Other files have no mark.
func WorkspaceMark(st airlock.WorkspaceFileStatus, current *airlock.Request) (Mark, bool) {
	switch st {
	case airlock.WorkspaceFileUnderReview:
		switch {
		case current == nil || current.Status == airlock.StatusPending:
			return Mark{MarkDraft, "In your request (not yet submitted)"}, true
		case current.Status == airlock.StatusReturned:
			return Mark{MarkDraft, "In your request (returned to you)"}, true
		}
		return Mark{MarkReview, "In your request, under review"}, true
	case airlock.WorkspaceFileUpdated:
		return Mark{MarkUpdated, "Changed since added to your request"}, true
	case airlock.WorkspaceFileWithdrawn:
		return Mark{MarkWithdrawn, "Withdrawn from your request"}, true
	case airlock.WorkspaceFileReleased:
		return Mark{MarkReleased, "Released"}, true
	}
	return Mark{}, false
}

// Mark is the file's mark in the workspace tree, if it has one.
func (w *WorkspaceState) Mark(st airlock.WorkspaceFileStatus) (Mark, bool) {
	return WorkspaceMark(st, w.Current)
}

package review

import (
	"context"
	"fmt"
	"strings"

	"github.com/airlock-project/airlock/airlock"
)

// findComment returns a comment of the named group by id, or ENOTFOUND: an
// address whose group is unknown, or is not the comment's, finds nothing.
func findComment(r *airlock.Request, group string, id int64) (*airlock.Comment, error) {
	g, err := fileGroup(r, group)
	if err != nil {
		return nil, err
	}
	for _, c := range g.Comments {
		if c.ID == id {
			return c, nil
		}
	}
	return nil, airlock.Errorf(airlock.ENOTFOUND, "That comment was not found in group %q; it may have been deleted.", group)
}

// Comment adds a comment to a group. Who may comment, and who may choose a
// private comment, is decided here, not by the form (D1).
func (s *Service) Comment(ctx context.Context, u *airlock.User, id, group, text string, v airlock.Visibility) error {
	if err := airlock.CheckText("comment", text); err != nil {
		return err
	}
	if err := airlock.CheckName("file group name", group); err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return airlock.Errorf(airlock.EINVALID, "Please write a comment.")
	}
	if len(text) > maxTextLen {
		return airlock.Errorf(airlock.EINVALID, "Comments can be at most %d characters.", maxTextLen)
	}
	if !v.Valid() {
		return airlock.Errorf(airlock.EINVALID, "Choose who can see the comment.")
	}
	return s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := r.CheckCanComment(u); err != nil {
			return err
		}
		g, err := fileGroup(r, group)
		if err != nil {
			return err
		}
		allowed := false
		for _, w := range r.WritableVisibilities(u) {
			allowed = allowed || w == v
		}
		if !allowed {
			return airlock.Errorf(airlock.EFORBIDDEN, "Only output checkers reviewing this request can write comments for checkers only.")
		}
		c := &airlock.Comment{Group: g.Name, Author: u.Username, Text: text, Visibility: v, Turn: r.ReviewTurn, CreatedAt: tx.Now()}
		if err := tx.AddComment(r.ID, c); err != nil {
			return err
		}
		return audit(tx, r, u.Username, airlock.EventRequestComment, "", map[string]string{
			"group": g.Name, "comment": text, "visibility": string(v)})
	})
}

// DeleteComment removes the user's own comment. The audit event keeps the
// comment's visibility, so a private comment never reaches the author (D5).
func (s *Service) DeleteComment(ctx context.Context, u *airlock.User, id, group string, commentID int64) error {
	if err := airlock.CheckName("file group name", group); err != nil {
		return err
	}
	return s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		c, err := ownComment(r, u, group, commentID, "delete")
		if err != nil {
			return err
		}
		return deleteComment(tx, r, c)
	})
}

// ownComment finds a comment the user wrote and may still act on (verb says
// what they are trying to do, for the refusal).
func ownComment(r *airlock.Request, u *airlock.User, group string, commentID int64, verb string) (*airlock.Comment, error) {
	c, err := findComment(r, group, commentID)
	if err != nil {
		return nil, err
	}
	if c.Author != u.Username {
		return nil, airlock.Errorf(airlock.EFORBIDDEN, "You can only %s your own comments.", verb)
	}
	if err := r.CheckCanComment(u); err != nil {
		return nil, err
	}
	return c, nil
}

func deleteComment(tx airlock.Tx, r *airlock.Request, c *airlock.Comment) error {
	if err := tx.DeleteComment(r.ID, c.ID); err != nil {
		return err
	}
	return audit(tx, r, c.Author, airlock.EventRequestCommentDelete, "", map[string]string{
		"group": c.Group, "comment": c.Text, "visibility": string(c.Visibility)})
}

// MakeCommentPublic makes the user's own private comment of the current turn public.
func (s *Service) MakeCommentPublic(ctx context.Context, u *airlock.User, id, group string, commentID int64) error {
	if err := airlock.CheckName("file group name", group); err != nil {
		return err
	}
	return s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		c, err := ownComment(r, u, group, commentID, "change")
		if err != nil {
			return err
		}
		if c.Visibility == airlock.Public {
			return airlock.Errorf(airlock.ESTATE, "That comment is already visible to everyone.")
		}
		if c.Turn != r.ReviewTurn {
			return airlock.Errorf(airlock.ESTATE, "A comment's visibility cannot be changed after its review round has finished.")
		}
		if err := tx.SetCommentVisibility(r.ID, c.ID, airlock.Public); err != nil {
			return err
		}
		return audit(tx, r, u.Username, airlock.EventRequestCommentPublic, "", map[string]string{
			"group": c.Group, "comment": c.Text, "visibility": string(airlock.Public)})
	})
}

// Vote records the user's approval of, or request for changes to, an output file.
func (s *Service) Vote(ctx context.Context, u *airlock.User, id, path string, v airlock.Vote) error {
	if v != airlock.VoteApproved && v != airlock.VoteChangesRequested {
		return airlock.Errorf(airlock.EINVALID, "A vote is either approve or request changes.")
	}
	if err := airlock.CheckName("file path", path); err != nil {
		return err
	}
	return s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := r.CheckCanVote(u); err != nil {
			return err
		}
		f, err := requestFile(r, path)
		if err != nil {
			return err
		}
		return vote(tx, r, f, u.Username, v)
	})
}

func vote(tx airlock.Tx, r *airlock.Request, f *airlock.RequestFile, reviewer string, v airlock.Vote) error {
	if f.Type != airlock.FileOutput {
		return airlock.Errorf(airlock.EINVALID, "Only output files are reviewed; %s is a %s file.", f.Path, strings.ToLower(f.Type.Label()))
	}
	if old := f.Votes[reviewer]; old != nil && old.Vote == v && old.Turn == r.ReviewTurn {
		return nil // already so: nothing to record
	}
	fv := &airlock.FileVote{Reviewer: reviewer, Vote: v, Turn: r.ReviewTurn, UpdatedAt: tx.Now()}
	if err := tx.SaveVote(r.ID, f.Path, fv); err != nil {
		return err
	}
	f.Votes[reviewer] = fv
	ev := airlock.EventRequestFileApprove
	if v == airlock.VoteChangesRequested {
		ev = airlock.EventRequestFileRequestChanges
	}
	return audit(tx, r, reviewer, ev, f.Path, map[string]string{"group": f.Group})
}

// ResetVote withdraws the user's vote, possible until they submit their review.
func (s *Service) ResetVote(ctx context.Context, u *airlock.User, id, path string) error {
	if err := airlock.CheckName("file path", path); err != nil {
		return err
	}
	return s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := r.CheckCanVote(u); err != nil {
			return err
		}
		f, err := requestFile(r, path)
		if err != nil {
			return err
		}
		if r.HasSubmittedReview(u.Username) {
			return airlock.Errorf(airlock.ESTATE, "You have submitted your review, so your votes can be changed but not cleared.")
		}
		if _, ok := f.Votes[u.Username]; !ok {
			return airlock.Errorf(airlock.ENOTFOUND, "You have not voted on %s.", path)
		}
		if err := tx.DeleteVote(r.ID, path, u.Username); err != nil {
			return err
		}
		return audit(tx, r, u.Username, airlock.EventRequestFileResetReview, path, map[string]string{"group": f.Group})
	})
}

// GroupVotes is what voting on a whole group did: the files marked, and
// those left alone because the user had already voted on them.
type GroupVotes struct {
	Marked, AlreadyVoted int
}

// RequestChangesGroup requests changes on every output file of a group the
// user has not voted on yet.
func (s *Service) RequestChangesGroup(ctx context.Context, u *airlock.User, id, group string) (GroupVotes, error) {
	var n GroupVotes
	if err := airlock.CheckName("file group name", group); err != nil {
		return n, err
	}
	err := s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := r.CheckCanVote(u); err != nil {
			return err
		}
		g, err := fileGroup(r, group)
		if err != nil {
			return err
		}
		for _, f := range g.OutputFiles() {
			if v := f.Votes[u.Username]; v != nil && v.Vote != airlock.VoteUndecided {
				n.AlreadyVoted++
				continue
			}
			if err := vote(tx, r, f, u.Username, airlock.VoteChangesRequested); err != nil {
				return err
			}
			n.Marked++
		}
		return nil
	})
	if err != nil {
		return GroupVotes{}, err
	}
	return n, nil
}

// ResetGroupVotes clears the user's votes on a group's output files, possible
// until they submit their review. It returns how many votes it cleared.
func (s *Service) ResetGroupVotes(ctx context.Context, u *airlock.User, id, group string) (int, error) {
	if err := airlock.CheckName("file group name", group); err != nil {
		return 0, err
	}
	n := 0
	err := s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := r.CheckCanVote(u); err != nil {
			return err
		}
		g, err := fileGroup(r, group)
		if err != nil {
			return err
		}
		if r.HasSubmittedReview(u.Username) {
			return airlock.Errorf(airlock.ESTATE, "You have submitted your review, so your votes can be changed but not cleared.")
		}
		for _, f := range g.OutputFiles() {
			if _, ok := f.Votes[u.Username]; !ok {
				continue
			}
			if err := tx.DeleteVote(r.ID, f.Path, u.Username); err != nil {
				return err
			}
			if err := audit(tx, r, u.Username, airlock.EventRequestFileResetReview, f.Path, map[string]string{"group": f.Group}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// SubmitReview records the user's independent review. The first review makes
// the request partially reviewed; the required number makes it reviewed.
// Every submission is audited, also by a reviewer beyond the required number.
func (s *Service) SubmitReview(ctx context.Context, u *airlock.User, id string) error {
	return s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := r.CheckCanSubmitReview(u); err != nil {
			return err
		}
		r.SubmittedReviews[u.Username] = tx.Now()
		n := len(r.SubmittedReviews)
		switch {
		case n >= s.required() && r.Status != airlock.StatusReviewed:
			return setStatus(tx, r, u.Username, airlock.StatusReviewed, airlock.EventRequestReview, airlock.NotifyReviewed)
		case n < s.required() && r.Status == airlock.StatusSubmitted:
			return setStatus(tx, r, u.Username, airlock.StatusPartiallyReviewed, airlock.EventRequestReview, airlock.NotifyPartiallyReviewed)
		}
		r.UpdatedAt = tx.Now()
		if err := tx.SaveRequestState(r); err != nil {
			return err
		}
		return audit(tx, r, u.Username, airlock.EventRequestReview, "", nil)
	})
}

// Return sends the request back to its author. Before the required reviews
// are in it is an early return: the turn's votes and comments are reverted
// and its activity hidden, so independent reviews stay independent.
func (s *Service) Return(ctx context.Context, u *airlock.User, id string) error {
	return s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := r.CheckCanReturn(u, s.required()); err != nil {
			return err
		}
		if len(r.SubmittedReviews) < s.required() {
			if err := revertTurn(tx, r); err != nil {
				return err
			}
			if err := audit(tx, r, u.Username, airlock.EventRequestEarlyReturn, "", nil); err != nil {
				return err
			}
		}
		if err := setStatus(tx, r, u.Username, airlock.StatusReturned, airlock.EventRequestReturn, airlock.NotifyReturned); err != nil {
			return err
		}
		return newTurn(tx, r)
	})
}

// revertTurn undoes the current turn's votes and comments and hides its activity.
func revertTurn(tx airlock.Tx, r *airlock.Request) error {
	for _, f := range r.OutputFiles() {
		for _, reviewer := range sortedKeys(f.Votes) {
			v := f.Votes[reviewer]
			if v.Turn != r.ReviewTurn {
				continue // votes from earlier turns carry over
			}
			if r.HasSubmittedReview(reviewer) {
				v.Vote, v.UpdatedAt = airlock.VoteUndecided, tx.Now()
				if err := tx.SaveVote(r.ID, f.Path, v); err != nil {
					return err
				}
				if err := audit(tx, r, reviewer, airlock.EventRequestFileUndecided, f.Path, map[string]string{"group": f.Group}); err != nil {
					return err
				}
				continue
			}
			if err := tx.DeleteVote(r.ID, f.Path, reviewer); err != nil {
				return err
			}
			delete(f.Votes, reviewer)
			if err := audit(tx, r, reviewer, airlock.EventRequestFileResetReview, f.Path, map[string]string{"group": f.Group}); err != nil {
				return err
			}
		}
	}
	for _, g := range r.Groups {
		kept := g.Comments[:0:0]
		for _, c := range g.Comments {
			if c.Turn != r.ReviewTurn {
				kept = append(kept, c)
				continue
			}
			if err := deleteComment(tx, r, c); err != nil {
				return err
			}
		}
		g.Comments = kept
	}
	return tx.HideTurnEvents(r.ID, r.ReviewTurn)
}

// Reject ends the request after its reviews; no files leave.
func (s *Service) Reject(ctx context.Context, u *airlock.User, id string) error {
	return s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := r.CheckTransition(u, airlock.StatusRejected, s.required()); err != nil {
			return err
		}
		return setStatus(tx, r, u.Username, airlock.StatusRejected, airlock.EventRequestReject, airlock.NotifyRejected)
	})
}

// Release records an output checker's decision to release the request, at
// once and in one transaction: every output file is marked released, the
// request moves to APPROVED, and the registration with the jobs site and
// one upload per output file are queued. It never calls the jobs site, so
// an outage there cannot refuse or delay the decision (D16); the deliverer
// registers the release, then uploads the files, retrying until both are
// done.
func (s *Service) Release(ctx context.Context, u *airlock.User, id string) error {
	err := s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := s.checkRelease(r, u); err != nil {
			return err
		}
		outputs := r.OutputFiles()
		now := tx.Now()
		if err := tx.AddReleaseRegistration(&airlock.ReleaseRegistration{Request: r.ID, Workspace: r.Workspace,
			ReleasedBy: u.Username, NextAttempt: now, CreatedAt: now}); err != nil {
			return err
		}
		for _, f := range outputs {
			if f.ReleasedAt == nil {
				f.ReleasedAt, f.ReleasedBy = &now, u.Username
				if err := tx.SaveFile(r.ID, f); err != nil {
					return err
				}
				if err := audit(tx, r, u.Username, airlock.EventRequestFileRelease, f.Path, map[string]string{"group": f.Group}); err != nil {
					return err
				}
			}
			if err := tx.AddUploadJob(&airlock.UploadJob{Request: r.ID, Workspace: r.Workspace, Path: f.Path, FileID: f.FileID,
				Size: f.Size, ReleasedBy: f.ReleasedBy, NextAttempt: now}); err != nil {
				return err
			}
		}
		plural := "s"
		if len(outputs) == 1 {
			plural = ""
		}
		return setStatus(tx, r, u.Username, airlock.StatusApproved, airlock.EventRequestApprove, airlock.NotifyApproved,
			airlock.NotificationUpdate{Update: fmt.Sprintf("%d file%s will be uploaded", len(outputs), plural)})
	})
	if err == nil && s.afterRelease != nil {
		s.afterRelease()
	}
	return err
}

// checkRelease says whether u may release r now: only an output checker who
// is not the author (D1), only once (the queue does the retrying), and only
// files the jobs site can take.
func (s *Service) checkRelease(r *airlock.Request, u *airlock.User) error {
	if err := r.CheckTransition(u, airlock.StatusApproved, s.required()); err != nil {
		return err
	}
	for _, f := range r.OutputFiles() {
		if !s.policy.FileTypes.Allowed(f.Path) {
			return airlock.Errorf(airlock.EINVALID, "%s is not a file type that can be released.", f.Path)
		}
		if err := airlock.CheckReleaseName(f.Path); err != nil {
			return err
		}
	}
	return nil
}

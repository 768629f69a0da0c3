package review

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// AddItem is one file to add, with the type it should have.
type AddItem struct {
	Path string
	Type airlock.FileType
}

// FileResult is the outcome of an action on one file of a batch.
type FileResult struct {
	Path    string
	Group   string
	Type    airlock.FileType
	Err     error  // nil on success
	Message string // what happened, for the person
	// Unchanged: the file was already as asked, so nothing was done; this
	// is not a refusal (Err is nil).
	Unchanged bool
}

// describe sets the message: the success text, or why the file was refused.
func (res *FileResult) describe(success string) {
	if res.Err == nil {
		res.Message = success
	} else {
		res.Message = airlock.ErrorMessage(res.Err)
	}
}

// GroupChoice is the file group files are added or moved to: one chosen
// from the request's groups (Name "" is the default group, or for a move
// the file's own), or with New one the person named to be created, which
// must not exist yet in any case.
type GroupChoice struct {
	Name string
	New  bool
}

// maxTextLen bounds context, controls and comments.
const maxTextLen = 20000

// AddFiles adds workspace files to the group of that name, which is
// created if the request has none (AddFilesTo).
func (s *Service) AddFiles(ctx context.Context, u *airlock.User, workspace string, items []AddItem, group string) ([]FileResult, error) {
	return s.AddFilesTo(ctx, u, workspace, items, GroupChoice{Name: group})
}

// AddFilesTo adds workspace files to the user's open request in the
// workspace, creating the request if there is none. Each file succeeds or
// fails on its own; the request is created only when a file is actually
// added. A new group is refused, and nothing added, if it exists already.
func (s *Service) AddFilesTo(ctx context.Context, u *airlock.User, workspace string, items []AddItem, to GroupChoice) ([]FileResult, error) {
	if err := airlock.CheckName("workspace name", workspace); err != nil {
		return nil, err
	}
	if err := airlock.CheckName("file group name", to.Name); err != nil {
		return nil, err
	}
	if err := airlock.CheckCanAuthor(u, workspace); err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, airlock.Errorf(airlock.EINVALID, "Please select at least one file.")
	}
	if to.New {
		// Refused for the whole batch before anything is copied.
		existing, err := s.openRequest(ctx, u, workspace)
		if err != nil {
			return nil, err
		}
		if _, err := existing.CheckNewGroup(to.Name); err != nil {
			return nil, err
		}
	}
	results := s.addFiles(ctx, u, workspace, items, &to)
	for i := range results {
		results[i].describe(results[i].Type.Label() + " file added to group " + results[i].Group + ".")
	}
	return results, nil
}

// addBatch is how many files are added in one transaction: enough that a
// large folder does not load its request once per file, few enough that
// the write lock is never held for long.
const addBatch = 100

// preparedFile is a file checked and copied into the store, ready to be
// put on the request.
type preparedFile struct {
	index int // in the caller's items and results
	item  AddItem
	meta  airlock.WorkspaceFile
	hash  string
	size  int64
}

// addFiles checks and copies each file outside any transaction, then puts
// them on the request addBatch at a time, each transaction loading the
// request once. Each file still succeeds or fails on its own.
// A new group is created by the first file added; the others join it.
func (s *Service) addFiles(ctx context.Context, u *airlock.User, workspace string, items []AddItem, to *GroupChoice) []FileResult {
	results := make([]FileResult, len(items))
	for i, it := range items {
		results[i] = FileResult{Path: it.Path, Type: it.Type}
	}
	existing, err := s.openRequest(ctx, u, workspace)
	if err == nil && existing != nil {
		err = airlock.CheckCanAdd(u, workspace, existing)
	}
	if err != nil {
		for i := range results {
			results[i].Err = err
		}
		return results
	}
	requestID := airlock.NewULID(time.Now())
	if existing != nil {
		requestID = existing.ID
	}
	batch := make([]preparedFile, 0, addBatch)
	for i, it := range items {
		p, err := s.prepareFile(ctx, workspace, requestID, it)
		if err != nil {
			results[i].Err = err
			continue
		}
		p.index = i
		if batch = append(batch, p); len(batch) == addBatch {
			s.commitFiles(ctx, u, workspace, requestID, to, batch, results)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		s.commitFiles(ctx, u, workspace, requestID, to, batch, results)
	}
	return results
}

// prepareFile checks a file may go on a request at all and copies it into
// the store, so nothing unrequestable is ever stored; commitFiles checks
// it again with the request's state.
func (s *Service) prepareFile(ctx context.Context, workspace, requestID string, it AddItem) (preparedFile, error) {
	if err := airlock.CheckName("file path", it.Path); err != nil {
		return preparedFile{}, err
	}
	if !it.Type.Valid() {
		return preparedFile{}, airlock.Errorf(airlock.EINVALID, "Choose whether %s is an output or a supporting file.", it.Path)
	}
	meta, err := s.ws.File(ctx, workspace, it.Path)
	if err != nil {
		return preparedFile{}, err
	}
	if err := airlock.CheckRequestable(meta, s.policy.FileTypes); err != nil {
		return preparedFile{}, err
	}
	hash, size, err := s.copyIn(ctx, workspace, requestID, meta)
	if err != nil {
		return preparedFile{}, err
	}
	return preparedFile{item: it, meta: meta, hash: hash, size: size}, nil
}

// errNothingAdded rolls back a transaction in which every file was
// refused, so no request is created without a file.
var errNothingAdded = errors.New("no file added")

// commitFiles puts prepared files on the request (creating it if needed)
// in one transaction, recording each file's group or refusal in results.
// A refusal of one file changes nothing for it and leaves the others; a
// storage error fails the whole batch.
func (s *Service) commitFiles(ctx context.Context, u *airlock.User, workspace, requestID string, to *GroupChoice, batch []preparedFile, results []FileResult) {
	err := s.store.Update(ctx, func(tx airlock.Tx) error {
		r, err := s.getOrCreate(tx, u, workspace, requestID)
		if err != nil {
			return err
		}
		if err := r.CheckCanEdit(u); err != nil {
			return err
		}
		released, err := tx.ReleasedHashes(workspace)
		if err != nil {
			return err
		}
		added := 0
		for _, p := range batch {
			res := &results[p.index]
			res.Group, res.Err = s.putFile(tx, u, r, released, *to, p)
			if airlock.ErrorCode(res.Err) == airlock.EINTERNAL {
				return res.Err
			}
			if res.Err == nil {
				added++
				*to = GroupChoice{Name: res.Group} // a new group now exists; the others join it
			}
		}
		if added == 0 {
			return errNothingAdded
		}
		return nil
	})
	if err != nil && err != errNothingAdded {
		for _, p := range batch {
			results[p.index].Group, results[p.index].Err = "", err
		}
	}
}

// putFile puts one prepared file on the request r, loaded in tx, and
// keeps r up to date for the next file of the batch.
func (s *Service) putFile(tx airlock.Tx, u *airlock.User, r *airlock.Request, released map[string]bool, to GroupChoice, p preparedFile) (string, error) {
	it, meta := p.item, p.meta
	st := airlock.FileStatusFor(it.Path, true, meta.ContentHash, released, r)
	if err := airlock.CheckAddable(meta, st, r, s.policy.FileTypes); err != nil {
		return "", err
	}
	if err := airlock.CheckAddAs(meta, st, it.Type); err != nil {
		return "", err
	}
	current := r.File(it.Path)
	g, err := resolveGroup(tx, r, to)
	if err != nil {
		return "", err
	}
	f := &airlock.RequestFile{Path: it.Path, Group: g.Name, FileID: p.hash, Type: it.Type, Size: p.size,
		Timestamp: meta.Timestamp, Commit: meta.Commit, Repo: meta.Repo, JobID: meta.JobID,
		RowCount: meta.RowCount, ColCount: meta.ColCount, AddedAt: tx.Now(), Votes: map[string]*airlock.FileVote{}}
	ev := airlock.EventRequestFileAdd
	if current != nil { // a withdrawn file added again replaces the old entry and its votes
		if err := resetVotes(tx, r, current, u.Username); err != nil {
			return "", err
		}
		if old := r.Group(current.Group); old != nil {
			old.Files = slices.DeleteFunc(old.Files, func(x *airlock.RequestFile) bool { return x == current })
		}
		ev = airlock.EventRequestFileUpdate
	}
	if err := tx.SaveFile(r.ID, f); err != nil {
		return "", err
	}
	g.Files = append(g.Files, f)
	return g.Name, audit(tx, r, u.Username, ev, it.Path, map[string]string{"group": g.Name, "filetype": string(it.Type)})
}

// openRequest returns the user's open request in a workspace, or nil.
func (s *Service) openRequest(ctx context.Context, u *airlock.User, workspace string) (r *airlock.Request, err error) {
	err = s.store.View(ctx, func(tx airlock.Tx) error {
		id, err := tx.ActiveRequestID(workspace, u.Username)
		if err != nil || id == "" {
			return err
		}
		r, err = tx.Request(id)
		return err
	})
	return r, err
}

// copyIn copies a workspace file into the store under a request, checking
// its bytes against the manifest (D4). It runs outside any transaction so a
// large copy never holds the write lock.
func (s *Service) copyIn(ctx context.Context, workspace, requestID string, meta airlock.WorkspaceFile) (string, int64, error) {
	rc, err := s.ws.Open(ctx, workspace, meta.Path)
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	return s.files.Put(ctx, workspace, requestID, rc, meta.ContentHash)
}

// getOrCreate returns the author's open request, creating it with the given
// id if there is none. A different open request means someone raced us.
func (s *Service) getOrCreate(tx airlock.Tx, u *airlock.User, workspace, id string) (*airlock.Request, error) {
	active, err := tx.ActiveRequestID(workspace, u.Username)
	if err != nil {
		return nil, err
	}
	if active != "" {
		if active != id {
			return nil, airlock.Errorf(airlock.ECONFLICT, "Your request for this workspace changed while the file was being added. Please try again.")
		}
		return tx.Request(active)
	}
	if err := airlock.CheckCanAuthor(u, workspace); err != nil {
		return nil, err
	}
	access := u.Access(workspace)
	now := tx.Now()
	r := &airlock.Request{ID: id, Workspace: workspace, Project: access.ProjectDetails.Name, Orgs: access.ProjectDetails.Orgs,
		Author: u.Username, Status: airlock.StatusPending, CreatedAt: now, UpdatedAt: now,
		SubmittedReviews: map[string]time.Time{}}
	if err := tx.CreateRequest(r); err != nil {
		return nil, err
	}
	if err := tx.Audit(&airlock.AuditEvent{Type: airlock.EventRequestCreate, User: u.Username, Workspace: workspace, Request: id}); err != nil {
		return nil, err
	}
	return r, nil
}

// UpdateFiles replaces files on the user's open request whose workspace copy
// has changed since they were added. Their reviews start again.
func (s *Service) UpdateFiles(ctx context.Context, u *airlock.User, workspace string, paths []string) ([]FileResult, error) {
	if err := airlock.CheckName("workspace name", workspace); err != nil {
		return nil, err
	}
	if err := airlock.CheckCanAuthor(u, workspace); err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, airlock.Errorf(airlock.EINVALID, "Please select at least one file.")
	}
	existing, err := s.openRequest(ctx, u, workspace)
	if err != nil {
		return nil, err
	}
	if existing == nil {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "You have no open request in this workspace.")
	}
	var results []FileResult
	for _, p := range paths {
		res := FileResult{Path: p}
		res.Err = s.updateFile(ctx, u, workspace, existing.ID, p)
		res.describe("File updated; its reviews start again.")
		results = append(results, res)
	}
	return results, nil
}

func (s *Service) updateFile(ctx context.Context, u *airlock.User, workspace, id, path string) error {
	if err := airlock.CheckName("file path", path); err != nil {
		return err
	}
	meta, err := s.ws.File(ctx, workspace, path)
	if err != nil {
		if airlock.ErrorCode(err) == airlock.ENOTFOUND {
			return airlock.Errorf(airlock.EINVALID, "%s is no longer a valid output; it can be withdrawn but not updated.", path)
		}
		return err
	}
	if err := airlock.CheckRequestable(meta, s.policy.FileTypes); err != nil {
		return err
	}
	hash, size, err := s.copyIn(ctx, workspace, id, meta)
	if err != nil {
		return err
	}
	return s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := r.CheckCanEdit(u); err != nil {
			return err
		}
		f, err := requestFile(r, path)
		if err != nil {
			return err
		}
		released, err := tx.ReleasedHashes(workspace)
		if err != nil {
			return err
		}
		if st := airlock.FileStatusFor(path, true, meta.ContentHash, released, r); st != airlock.WorkspaceFileUpdated {
			return airlock.Errorf(airlock.ESTATE, "%s has not changed since it was added, so there is nothing to update.", path)
		}
		if err := resetVotes(tx, r, f, u.Username); err != nil {
			return err
		}
		f.FileID, f.Size, f.Timestamp, f.Commit, f.Repo, f.JobID = hash, size, meta.Timestamp, meta.Commit, meta.Repo, meta.JobID
		f.RowCount, f.ColCount, f.AddedAt = meta.RowCount, meta.ColCount, tx.Now()
		if err := tx.SaveFile(r.ID, f); err != nil {
			return err
		}
		return audit(tx, r, u.Username, airlock.EventRequestFileUpdate, path, map[string]string{"group": f.Group, "filetype": string(f.Type)})
	})
}

// WithdrawFiles takes files off a request: deleted while it is pending,
// marked withdrawn (and kept, with their votes) once it has been returned.
func (s *Service) WithdrawFiles(ctx context.Context, u *airlock.User, id string, paths []string) ([]FileResult, error) {
	if len(paths) == 0 {
		return nil, airlock.Errorf(airlock.EINVALID, "Please select at least one file.")
	}
	var results []FileResult
	for _, p := range paths {
		res := FileResult{Path: p}
		res.Err = s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
			if err := airlock.CheckName("file path", p); err != nil {
				return err
			}
			if err := r.CheckCanEdit(u); err != nil {
				return err
			}
			f, err := requestFile(r, p)
			if err != nil {
				return err
			}
			res.Group = f.Group
			if f.Type == airlock.FileWithdrawn {
				return airlock.Errorf(airlock.ESTATE, "%s has already been withdrawn.", p)
			}
			if r.Status == airlock.StatusPending {
				if err := tx.DeleteFile(r.ID, p); err != nil {
					return err
				}
			} else {
				f.Type = airlock.FileWithdrawn
				if err := tx.SaveFile(r.ID, f); err != nil {
					return err
				}
			}
			return audit(tx, r, u.Username, airlock.EventRequestFileWithdraw, p, map[string]string{"group": f.Group})
		})
		res.describe("File withdrawn from the request.")
		results = append(results, res)
	}
	return results, nil
}

// errUnchanged ends, changing nothing, the change of a file that is
// already as asked.
var errUnchanged = errors.New("nothing to change")

// ChangeFiles moves files to another group and/or changes their type, each
// item naming a file and the type it should have. Their reviews start
// again, because they now sit in a different context. A file already of
// its type in the group chosen is left as it is (FileResult.Unchanged). A
// new group is refused, and nothing changed, if it exists already.
func (s *Service) ChangeFiles(ctx context.Context, u *airlock.User, id string, items []AddItem, to GroupChoice) ([]FileResult, error) {
	if len(items) == 0 {
		return nil, airlock.Errorf(airlock.EINVALID, "Please select at least one file.")
	}
	for _, it := range items {
		if !it.Type.Valid() {
			return nil, airlock.Errorf(airlock.EINVALID, "Choose whether %s is an output or a supporting file.", it.Path)
		}
	}
	if err := airlock.CheckName("file group name", to.Name); err != nil {
		return nil, err
	}
	if to.New {
		v, err := s.View(ctx, u, id)
		if err != nil {
			return nil, err
		}
		if v.CanEdit != nil { // who may change the request is said before what the change lacks
			return nil, v.CanEdit
		}
		if _, err := v.Request.CheckNewGroup(to.Name); err != nil {
			return nil, err
		}
	}
	var results []FileResult
	for _, it := range items {
		p, t := it.Path, it.Type
		res := FileResult{Path: p, Type: t}
		res.Err = s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
			if err := airlock.CheckName("file path", p); err != nil {
				return err
			}
			if err := r.CheckCanEdit(u); err != nil {
				return err
			}
			f, err := requestFile(r, p)
			if err != nil {
				return err
			}
			if err := airlock.CheckChangeable(f); err != nil {
				return err
			}
			released, err := tx.ReleasedHashes(r.Workspace)
			if err != nil {
				return err
			}
			if err := airlock.CheckChangeType(f, released[f.FileID], t); err != nil {
				return err
			}
			target := to
			if strings.TrimSpace(target.Name) == "" && !target.New {
				target.Name = f.Group
			}
			if !target.New && target.Name == f.Group && t == f.Type {
				res.Group = f.Group
				return errUnchanged
			}
			g, err := resolveGroup(tx, r, target)
			if err != nil {
				return err
			}
			if err := resetVotes(tx, r, f, u.Username); err != nil {
				return err
			}
			f.Group, f.Type = g.Name, t
			res.Group = g.Name
			if err := tx.SaveFile(r.ID, f); err != nil {
				return err
			}
			return audit(tx, r, u.Username, airlock.EventRequestFileUpdate, p, map[string]string{"group": g.Name, "filetype": string(t)})
		})
		res.describe("Now " + t.Noun() + " in group " + res.Group + ".")
		if errors.Is(res.Err, errUnchanged) {
			res.Err, res.Unchanged = nil, true
			res.Message = fmt.Sprintf("Nothing to change: %s is already %s in group %q.", p, t.Noun(), res.Group)
		}
		if res.Err == nil && to.New {
			to = GroupChoice{Name: res.Group} // created by the first file; the others join it
		}
		results = append(results, res)
	}
	return results, nil
}

// ChangeItem is a file selected for the change form: what it is now, and
// whether and how it may be changed.
type ChangeItem struct {
	Path string
	File *airlock.RequestFile // nil if not on the request
	// Skip is why the file cannot be changed, else nil.
	Skip error
	// SupportingOnly: its content was released from the workspace before,
	// so it may only be a supporting file.
	SupportingOnly bool
}

// ChangeCandidates says for each selected file of a request whether u may
// move it or change its type, and to what, changing nothing: the change
// form shows the answer.
func (s *Service) ChangeCandidates(ctx context.Context, u *airlock.User, id string, paths []string) ([]ChangeItem, error) {
	var out []ChangeItem
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		r, err := loadVisible(tx, u, id)
		if err != nil {
			return err
		}
		if err := r.CheckCanEdit(u); err != nil {
			return err
		}
		released, err := tx.ReleasedHashes(r.Workspace)
		if err != nil {
			return err
		}
		for _, p := range paths {
			it := ChangeItem{Path: p}
			if it.File, it.Skip = requestFile(r, p); it.Skip == nil {
				it.Skip = airlock.CheckChangeable(it.File)
			}
			if it.Skip == nil {
				it.SupportingOnly = airlock.CheckChangeType(it.File, released[it.File.FileID], airlock.FileOutput) != nil
			}
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

// EditGroup sets a group's context and disclosure controls.
func (s *Service) EditGroup(ctx context.Context, u *airlock.User, id, group, groupContext, controls string) error {
	if err := airlock.CheckName("file group name", group); err != nil {
		return err
	}
	if err := airlock.CheckText("context", groupContext); err != nil {
		return err
	}
	if err := airlock.CheckText("disclosure controls", controls); err != nil {
		return err
	}
	if len(groupContext) > maxTextLen || len(controls) > maxTextLen {
		return airlock.Errorf(airlock.EINVALID, "Context and controls can be at most %d characters each.", maxTextLen)
	}
	return s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := r.CheckCanEdit(u); err != nil {
			return err
		}
		g, err := fileGroup(r, group)
		if err != nil {
			return err
		}
		if g.HasText(groupContext, controls) {
			return nil
		}
		g.Context, g.Controls, g.UpdatedAt = groupContext, controls, tx.Now()
		if err := tx.SaveGroup(r.ID, g); err != nil {
			return err
		}
		return audit(tx, r, u.Username, airlock.EventRequestEdit, "", map[string]string{"group": g.Name, "context": groupContext, "controls": controls})
	})
}

// Submit sends the request for review, or back for review after a return.
func (s *Service) Submit(ctx context.Context, u *airlock.User, id string) error {
	checked, checkedIDs, err := s.submitChecks(ctx, u, id)
	if err != nil {
		return err
	}
	return s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := r.CheckCanSubmit(u, s.required()); err != nil {
			return err
		}
		for _, f := range r.OutputFiles() {
			if checkedIDs[f.Path] != f.FileID {
				return airlock.Errorf(airlock.ECONFLICT, "The request's files changed while they were being checked; submit again.")
			}
		}
		if err := airlock.CheckFlagsAllowSubmit(openFlags(checked), s.policy.FlagsAdvisory); err != nil {
			return err
		}
		notify := airlock.NotifySubmitted
		if r.Status == airlock.StatusReturned {
			notify = airlock.NotifyResubmitted
			// Requested changes are answered by the resubmission: those votes
			// become undecided; approvals carry over.
			for _, f := range r.OutputFiles() {
				for _, reviewer := range sortedKeys(f.Votes) {
					v := f.Votes[reviewer]
					if v.Vote != airlock.VoteChangesRequested {
						continue
					}
					v.Vote, v.Turn, v.UpdatedAt = airlock.VoteUndecided, r.ReviewTurn, tx.Now()
					if err := tx.SaveVote(r.ID, f.Path, v); err != nil {
						return err
					}
					if err := audit(tx, r, u.Username, airlock.EventRequestFileUndecided, f.Path, map[string]string{"group": f.Group, "reviewer": reviewer}); err != nil {
						return err
					}
				}
			}
		}
		if err := setStatus(tx, r, u.Username, airlock.StatusSubmitted, airlock.EventRequestSubmit, notify); err != nil {
			return err
		}
		if err := newTurn(tx, r); err != nil {
			return err
		}
		return recordVersions(tx, r)
	})
}

// submitChecks runs the disclosure checks of a request about to be
// submitted, outside the write transaction (a large table takes a while),
// and returns them with the stored copy each output file had then. It
// refuses first whatever submitting refuses anyway.
func (s *Service) submitChecks(ctx context.Context, u *airlock.User, id string) (map[string]*airlock.CheckedFile, map[string]string, error) {
	var (
		r     *airlock.Request
		notes []*airlock.CheckNote
	)
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		var err error
		if r, err = loadVisible(tx, u, id); err != nil {
			return err
		}
		if err = r.CheckCanSubmit(u, s.required()); err != nil {
			return err
		}
		notes, err = tx.CheckNotes(id, "")
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	ids := map[string]string{}
	for _, f := range r.OutputFiles() {
		ids[f.Path] = f.FileID
	}
	checked, err := s.requestChecks(ctx, r, notes, false)
	return checked, ids, err
}

// Withdraw ends the request at the author's wish. It stays possible when the
// workspace is archived or the project inactive (D1).
func (s *Service) Withdraw(ctx context.Context, u *airlock.User, id string) error {
	return s.update(ctx, u, id, func(tx airlock.Tx, r *airlock.Request) error {
		if err := r.CheckTransition(u, airlock.StatusWithdrawn, s.required()); err != nil {
			return err
		}
		return setStatus(tx, r, u.Username, airlock.StatusWithdrawn, airlock.EventRequestWithdraw, airlock.NotifyWithdrawn)
	})
}

// recordVersions records the version of every file the review turn that
// has just started will see, so later turns can compare with it.
func recordVersions(tx airlock.Tx, r *airlock.Request) error {
	for _, f := range r.AllFiles() {
		if f.Type == airlock.FileWithdrawn {
			continue
		}
		v := airlock.FileVersion{Turn: r.ReviewTurn, FileID: f.FileID, Size: f.Size}
		if err := tx.SaveFileVersion(r.ID, f.Path, v); err != nil {
			return err
		}
		f.Versions = append(f.Versions, v)
	}
	return nil
}

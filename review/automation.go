package review

import (
	"context"
	"path"
	"slices"
	"strings"

	"github.com/airlock-project/airlock/airlock"
)

// The outcomes of an automated request (reference §10.1) that are not
// failures: the request was made (or brought up to date), the user's
// request is with the checkers already, or everything was released before.
const (
	OutcomeSuccess          = "Success"
	OutcomeAlreadySubmitted = "Already submitted"
	OutcomeAlreadyReleased  = "Already released"
)

// AutomatedOutcome is what an automated request did.
type AutomatedOutcome struct {
	// Completed is false when nothing was done: the request is already
	// submitted, or every file was released before.
	Completed bool
	RequestID string // the user's request, when there is one
	Message   string // one of the Outcome constants
	Submitted bool   // the request was submitted in this run
	Groups    []AutomatedGroup
}

// AutomatedGroup is what happened to one directory's files.
type AutomatedGroup struct {
	Dir   string
	Group string
	// Total counts the files under the directory; Released those whose
	// content was released before; AlreadyAdded those on the request already.
	Total, Released, AlreadyAdded int
	// Waiting counts supporting files left out because the group has no
	// new outputs for them to support.
	Waiting int
	// Added are the results of adding the files that could be added (an
	// add can still fail if the workspace or request changed meanwhile).
	Added []FileResult
	// Skipped are the files that can never be added (not a job's output,
	// a file type that cannot be released), with why.
	Skipped []FileResult
}

// Failed counts the adds that failed.
func (g AutomatedGroup) Failed() int {
	n := 0
	for _, r := range g.Added {
		if r.Err != nil {
			n++
		}
	}
	return n
}

// Automated returns the service with every audit event it writes marked
// as automated (airlock.AutomatedStore): the same methods, rules and audit
// as for a person, told apart in the log.
func (s *Service) Automated() *Service {
	c := *s
	c.store = airlock.AutomatedStore(s.store)
	return &c
}

// CreateAutomatedRequest builds u's release request in a workspace from
// whole directories (reference §10.1): each directory becomes a group
// named after its path (GroupForDir) holding every file under it, as an
// output unless listed as a supporting file; supporting files are added
// only alongside new outputs of their group; the context and controls,
// when given, are set on every group that got new outputs; and, with
// Submit, the request is submitted under the normal rules. Every file is
// added as AddFiles adds it for a person, and every audit event is marked
// as automated.
//
// The user's request being under review, or every file having been
// released before, is an outcome (Completed false), not an error. With
// Submit, a file that can never be added refuses the whole request before
// anything changes; without it, it is skipped and reported.
func (s *Service) CreateAutomatedRequest(ctx context.Context, u *airlock.User, ar airlock.AutomatedRequest) (*AutomatedOutcome, error) {
	a := s.Automated()
	if err := airlock.CheckName("workspace name", ar.Workspace); err != nil {
		return nil, err
	}
	if err := airlock.CheckNames("directory", ar.Dirs...); err != nil {
		return nil, err
	}
	if err := airlock.CheckNames("supporting file", ar.SupportingFiles...); err != nil {
		return nil, err
	}
	if len(ar.Dirs) == 0 {
		return nil, airlock.Errorf(airlock.EINVALID, "Name at least one directory whose files to request.")
	}
	if err := airlock.CheckCanAuthor(u, ar.Workspace); err != nil {
		return nil, err
	}
	state, err := a.WorkspaceState(ctx, u, ar.Workspace)
	if err != nil {
		return nil, err
	}
	out := &AutomatedOutcome{}
	if cur := state.Current; cur != nil {
		out.RequestID = cur.ID
		if cur.Status.IsUnderReview() {
			out.Message = OutcomeAlreadySubmitted
			return out, nil
		}
	}
	if state.CanAdd != nil {
		return nil, state.CanAdd
	}
	tree, err := a.ws.Tree(ctx, ar.Workspace)
	if err != nil {
		return nil, err
	}
	supporting := map[string]bool{}
	for _, p := range ar.SupportingFiles {
		supporting[cleanPath(p)] = true
	}
	type plan struct {
		outputs, supporting []AddItem
	}
	plans := make([]plan, len(ar.Dirs))
	seen := map[string]bool{} // files already planned, under an earlier (or enclosing) directory
	under := map[string]bool{}
	for i, dir := range ar.Dirs {
		dir = cleanPath(dir)
		g := AutomatedGroup{Dir: dir, Group: airlock.GroupForDir(dir)}
		if err := checkDir(tree, ar.Workspace, dir); err != nil {
			return nil, err
		}
		err := walkFiles(ctx, tree, dir, func(e airlock.WorkspaceEntry) error {
			g.Total++
			t := airlock.FileOutput
			if supporting[e.Path] {
				t, under[e.Path] = airlock.FileSupporting, true
			}
			it := a.item(state, e)
			addable := it.Addable
			if addable == nil {
				addable = airlock.CheckAddAs(e.File, it.Status, t)
			}
			onRequest := state.Current != nil && state.Current.File(e.Path) != nil && it.Status != airlock.WorkspaceFileWithdrawn
			switch {
			case seen[e.Path]:
				g.AlreadyAdded++
			case addable == nil:
				seen[e.Path] = true
				if t == airlock.FileOutput {
					plans[i].outputs = append(plans[i].outputs, AddItem{Path: e.Path, Type: t})
				} else {
					plans[i].supporting = append(plans[i].supporting, AddItem{Path: e.Path, Type: t})
				}
			case it.Status == airlock.WorkspaceFileReleased:
				g.Released++
			case onRequest:
				g.AlreadyAdded++
			default:
				if ar.Submit {
					return airlock.Errorf(airlock.EINVALID, "Could not add %s: %s Nothing was changed; leave it out of the directories or request without submitting.", e.Path, airlock.ErrorMessage(addable))
				}
				res := FileResult{Path: e.Path, Group: g.Group, Type: t, Err: addable}
				res.describe("")
				g.Skipped = append(g.Skipped, res)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		out.Groups = append(out.Groups, g)
	}
	for p := range supporting {
		if !under[p] {
			return nil, airlock.Errorf(airlock.EINVALID, "The supporting file %s is not under any of the directories, so it would never be added.", p)
		}
	}
	allReleased := true
	for _, g := range out.Groups {
		allReleased = allReleased && g.Total == g.Released
	}
	if allReleased {
		out.Message = OutcomeAlreadyReleased
		return out, nil
	}

	failed := 0
	for i := range out.Groups {
		g := &out.Groups[i]
		if len(plans[i].outputs) == 0 {
			g.Waiting = len(plans[i].supporting) // supporting files go only with new outputs
			continue
		}
		items := append(plans[i].outputs, plans[i].supporting...)
		res, err := a.AddFiles(ctx, u, ar.Workspace, items, g.Group)
		if err != nil {
			return out, err
		}
		g.Added = res
		if g.Group = res[0].Group; g.Group == "" {
			g.Group = airlock.GroupForDir(g.Dir)
		}
		failed += g.Failed()
	}
	r, err := a.openRequest(ctx, u, ar.Workspace)
	if err != nil {
		return out, err
	}
	if r == nil {
		return out, airlock.Errorf(airlock.ESTATE, "None of the files could be added, so there is no request.")
	}
	out.RequestID = r.ID
	if ar.Context != "" || ar.Controls != "" {
		for i, g := range out.Groups {
			fg := r.Group(g.Group)
			if len(plans[i].outputs) == 0 || fg == nil {
				continue
			}
			groupContext, controls := fg.Context, fg.Controls
			if ar.Context != "" {
				groupContext = ar.Context
			}
			if ar.Controls != "" {
				controls = ar.Controls
			}
			if err := a.EditGroup(ctx, u, r.ID, fg.Name, groupContext, controls); err != nil {
				return out, err
			}
		}
	}
	if ar.Submit {
		if failed > 0 {
			return out, airlock.Errorf(airlock.ESTATE, "%d %s could not be added, so the request was not submitted; the files that were added stay on it.",
				failed, plural(failed, "file", "files"))
		}
		if err := a.Submit(ctx, u, r.ID); err != nil {
			return out, err
		}
		out.Submitted = true
	}
	out.Completed, out.Message = true, OutcomeSuccess
	return out, nil
}

// cleanPath is a path as given on a command line or in a file, without
// leading or trailing slashes or dot elements.
func cleanPath(p string) string {
	p = path.Clean("/" + strings.TrimSpace(p))
	return strings.TrimPrefix(p, "/")
}

// checkDir returns nil if dir is a directory of the tree.
func checkDir(tree airlock.WorkspaceTree, workspace, dir string) error {
	switch {
	case dir == "":
		return airlock.Errorf(airlock.EINVALID, "Name a directory inside workspace %s, such as output.", workspace)
	case tree.IsDir(dir):
		return nil
	case tree.IsValidPath(dir):
		return airlock.Errorf(airlock.EINVALID, "%s is a file, not a directory; list it as a directory's file or name its directory.", dir)
	}
	return airlock.Errorf(airlock.ENOTFOUND, "%s is not a directory of workspace %s.", dir, workspace)
}

// walkFiles calls fn for every file under dir, depth first, in the tree's order.
func walkFiles(ctx context.Context, tree airlock.WorkspaceTree, dir string, fn func(airlock.WorkspaceEntry) error) error {
	entries, err := tree.Children(ctx, dir, airlock.ChildrenOptions{})
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir {
			err = walkFiles(ctx, tree, e.Path, fn)
		} else {
			err = fn(e)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// LatestOutputUser returns the user who ran the job of the workspace's most
// recent output, from its manifest: the author of an automated request
// that names none (reference §10.1). An output without a user is an error,
// not a guess.
func (s *Service) LatestOutputUser(ctx context.Context, workspace string) (string, error) {
	if err := airlock.CheckName("workspace name", workspace); err != nil {
		return "", err
	}
	tree, err := s.ws.Tree(ctx, workspace)
	if err != nil {
		return "", err
	}
	var latest *airlock.WorkspaceFile
	err = walkFiles(ctx, tree, "", func(e airlock.WorkspaceEntry) error {
		if e.File.InManifest && (latest == nil || e.File.Timestamp.After(latest.Timestamp)) {
			f := e.File
			latest = &f
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if latest == nil {
		return "", airlock.Errorf(airlock.ENOTFOUND, "Workspace %s has no outputs, so there is no user to make the request as; name one.", workspace)
	}
	if latest.User == "" {
		return "", airlock.Errorf(airlock.EINVALID, "The manifest of workspace %s has no user for its latest output, %s; name the user to make the request as.", workspace, latest.Path)
	}
	return latest.User, nil
}

// operatorStatuses are the statuses an operator may end a request in.
var operatorStatuses = []airlock.RequestStatus{airlock.StatusRejected, airlock.StatusWithdrawn}

// OperatorSetStatus is the operator's escape hatch (reference §10.3), the
// one place a request changes status without its author or a reviewer:
// it ends an open request that is stuck, typically because its author lost
// access, as REJECTED or WITHDRAWN in the name of a user known here. It
// bypasses the transition table and the permission checks, but not the
// audit (marked automated, in the user's name) or the notification to the
// jobs site, and it never touches a request whose outcome is final. No new
// review turn starts.
func (s *Service) OperatorSetStatus(ctx context.Context, username, id string, to airlock.RequestStatus) (*airlock.Request, error) {
	if err := s.checkOperatorUser(ctx, username, to); err != nil {
		return nil, err
	}
	var r *airlock.Request
	err := s.Automated().store.Update(ctx, func(tx airlock.Tx) error {
		var err error
		if r, err = operatorRequest(tx, id, to); err != nil {
			return err
		}
		ev, notify := airlock.EventRequestReject, airlock.NotifyRejected
		if to == airlock.StatusWithdrawn {
			ev, notify = airlock.EventRequestWithdraw, airlock.NotifyWithdrawn
		}
		return setStatus(tx, r, username, to, ev, notify)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// CheckOperatorSetStatus returns the request OperatorSetStatus would
// change, or why it would refuse, changing nothing: the command shows it
// before asking the operator to confirm.
func (s *Service) CheckOperatorSetStatus(ctx context.Context, username, id string, to airlock.RequestStatus) (*airlock.Request, error) {
	if err := s.checkOperatorUser(ctx, username, to); err != nil {
		return nil, err
	}
	var r *airlock.Request
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		var err error
		r, err = operatorRequest(tx, id, to)
		return err
	})
	return r, err
}

// checkOperatorUser checks the target status and that the user is known here.
func (s *Service) checkOperatorUser(ctx context.Context, username string, to airlock.RequestStatus) error {
	if !slices.Contains(operatorStatuses, to) {
		return airlock.Errorf(airlock.EINVALID, "An operator can only set a request to REJECTED or WITHDRAWN, not %q.", to)
	}
	if err := airlock.CheckName("username", username); err != nil {
		return err
	}
	if _, _, err := s.User(ctx, username); err != nil {
		if airlock.ErrorCode(err) == airlock.ENOTFOUND {
			return airlock.Errorf(airlock.ENOTFOUND, "No user %q is known here; the change is recorded in the name of someone who has signed in before.", username)
		}
		return err
	}
	return nil
}

// operatorRequest loads a request an operator may end as to: any open
// request not already in that status. Final outcomes are never undone.
func operatorRequest(tx airlock.Tx, id string, to airlock.RequestStatus) (*airlock.Request, error) {
	if err := airlock.CheckName("request id", id); err != nil {
		return nil, err
	}
	r, err := tx.Request(id)
	switch {
	case err != nil:
		return nil, err
	case r.Status == to:
		return nil, airlock.Errorf(airlock.ESTATE, "Request %s is already %s.", id, to)
	case !r.Status.IsActive():
		return nil, airlock.Errorf(airlock.ESTATE, "Request %s is %s, which is final; only an open request can be ended.", id, r.Status)
	}
	return r, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

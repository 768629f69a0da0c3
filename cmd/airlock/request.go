package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// requestCommands are the verbs of `airlock request`.
var requestCommands = []command{
	{"create", "make a release request from whole directories of a workspace, as automation does", runRequestCreate},
	{"set-status", "end a stuck request as REJECTED or WITHDRAWN (the operator's escape hatch)", runRequestSetStatus},
}

// runRequest is `airlock request create|set-status`.
func runRequest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "airlock request", requestCommands, args, getenv, stdout, stderr)
}

// listFlags are flags that take every argument after them up to the next
// flag, as in `--dirs output/tables output/figures`.
var listFlags = []string{"dirs", "supporting-files"}

// expandListFlags rewrites `--dirs a b -x` as `--dirs=a --dirs=b -x`, so
// the flag package sees one value per flag. A value that starts with "-"
// is given as --dirs=-value.
func expandListFlags(args []string, names []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		if a == "--" {
			return append(out, args[i:]...)
		}
		if !strings.HasPrefix(a, "-") || strings.Contains(name, "=") || !slices.Contains(names, name) {
			out = append(out, a)
			continue
		}
		n := 0
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++
			out = append(out, "-"+name+"="+args[i])
			n++
		}
		if n == 0 {
			out = append(out, a) // the flag package reports the missing value
		}
	}
	return out
}

// stringList is a flag.Value that collects every value given.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// runRequestCreate is `airlock request create [USER] WORKSPACE --dirs D…`
// (reference §10.1): the command line of the automated request.
func runRequestCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("airlock request create [USER] WORKSPACE --dirs DIR... [--supporting-files FILE...] [--context TEXT] [--controls TEXT] [--submit] [flags]", stderr)
	var ar airlock.AutomatedRequest
	fs.Var((*stringList)(&ar.Dirs), "dirs", "the `DIR`s whose files to request, each as a file group named after its path (output/tables becomes output-tables); list several after one --dirs")
	fs.Var((*stringList)(&ar.SupportingFiles), "supporting-files", "`FILE`s under those directories to add as supporting files, not outputs; added only with new outputs of their group")
	fs.StringVar(&ar.Context, "context", "", "context to set on every group that gets new outputs")
	fs.StringVar(&ar.Controls, "controls", "", "disclosure controls to set on every group that gets new outputs")
	fs.BoolVar(&ar.Submit, "submit", false, "submit the request once the files are added, under the normal rules (every group needs context and controls)")
	asJSON := fs.Bool("json", false, "print the outcome as one JSON object")
	settings := backendFlags(fs, getenv)
	positional, err := parseFlags(fs, expandListFlags(args[1:], listFlags))
	if err != nil {
		return err
	}
	switch len(positional) {
	case 1:
		ar.Workspace = positional[0]
	case 2:
		ar.Username, ar.Workspace = positional[0], positional[1]
	default:
		return wantArgs(fs, positional, 2)
	}
	if len(ar.Dirs) == 0 {
		fs.Usage()
		return usagef("request create: name the directories to request with --dirs")
	}
	b, err := settings.open(ctx, commandLogger(stderr))
	if err != nil {
		return err
	}
	defer b.Close()
	res := createAutomated(ctx, b.svc, b.roles, ar)
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(res.json()); err != nil {
			return err
		}
	} else {
		res.print(stdout)
	}
	return plainError(res.Err)
}

// automatedResult is one automated request: whom it was made for, what it
// did, and why it failed, if it did.
type automatedResult struct {
	Request airlock.AutomatedRequest
	User    string // the author, from the manifest when none was named
	Outcome *review.AutomatedOutcome
	Err     error
}

// createAutomated makes one automated request: the user named, or else the
// user of the workspace's latest output, with their current roles.
func createAutomated(ctx context.Context, svc *review.Service, roles roleSource, ar airlock.AutomatedRequest) automatedResult {
	res := automatedResult{Request: ar, User: ar.Username}
	if res.User == "" {
		if res.User, res.Err = svc.LatestOutputUser(ctx, ar.Workspace); res.Err != nil {
			return res
		}
	}
	u, err := currentUser(ctx, svc, roles, res.User)
	if err != nil {
		res.Err = err
		return res
	}
	res.Outcome, res.Err = svc.CreateAutomatedRequest(ctx, u, ar)
	return res
}

// print writes the result for people: the outcome, then each group.
func (r automatedResult) print(w io.Writer) {
	o := r.Outcome
	who := r.User
	if r.Request.Username == "" && r.User != "" {
		who += " (the user of the latest output)"
	}
	if o == nil {
		ws := cmp.Or(r.Request.Workspace, "(no workspace)")
		if who == "" {
			fmt.Fprintf(w, "%s: not made\n", ws)
		} else {
			fmt.Fprintf(w, "%s, as %s: not made\n", ws, who)
		}
		return
	}
	head := o.Message
	switch {
	case o.Submitted:
		head += ", submitted"
	case o.Completed:
		head += ", not submitted"
	case r.Err != nil:
		head = "stopped"
	}
	fmt.Fprintf(w, "%s, as %s: %s\n", r.Request.Workspace, who, head)
	if o.RequestID != "" {
		fmt.Fprintf(w, "  request %s\n", o.RequestID)
	}
	for _, g := range o.Groups {
		added := len(g.Added) - g.Failed()
		fmt.Fprintf(w, "  %s → group %s: %d %s, %d added", g.Dir, g.Group, g.Total, plural(g.Total, "file", "files"), added)
		if g.Released > 0 {
			fmt.Fprintf(w, ", %d released before", g.Released)
		}
		if g.AlreadyAdded > 0 {
			fmt.Fprintf(w, ", %d already on the request", g.AlreadyAdded)
		}
		if g.Waiting > 0 {
			fmt.Fprintf(w, ", %d supporting %s left out: there are no new outputs for %s to support", g.Waiting, plural(g.Waiting, "file", "files"), plural(g.Waiting, "it", "them"))
		}
		fmt.Fprintln(w)
		for _, f := range g.Added {
			if f.Err != nil {
				fmt.Fprintf(w, "    not added: %s\n", f.Message)
			}
		}
		for _, f := range g.Skipped {
			fmt.Fprintf(w, "    skipped: %s\n", f.Message)
		}
	}
}

// automatedJSON is the --json shape of a result, for scripts.
type automatedJSON struct {
	Workspace string          `json:"workspace"`
	User      string          `json:"user,omitempty"`
	Completed bool            `json:"completed"`
	RequestID string          `json:"request_id,omitempty"`
	Message   string          `json:"message"`
	Submitted bool            `json:"submitted"`
	Groups    []groupJSON     `json:"groups,omitempty"`
	Error     *jsonErrorField `json:"error,omitempty"`
}

type groupJSON struct {
	Dir          string     `json:"dir"`
	Group        string     `json:"group"`
	Total        int        `json:"total"`
	Added        int        `json:"added"`
	Released     int        `json:"released"`
	AlreadyAdded int        `json:"already_added"`
	Waiting      int        `json:"supporting_left_out"`
	Problems     []fileJSON `json:"problems,omitempty"`
}

type fileJSON struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

type jsonErrorField struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func errorJSON(err error) *jsonErrorField {
	if err == nil {
		return nil
	}
	return &jsonErrorField{Code: airlock.ErrorCode(err), Message: plainError(err).Error()}
}

func (r automatedResult) json() automatedJSON {
	out := automatedJSON{Workspace: r.Request.Workspace, User: r.User, Error: errorJSON(r.Err)}
	if r.Err != nil {
		out.Message = plainError(r.Err).Error()
	}
	if o := r.Outcome; o != nil {
		out.Completed, out.RequestID, out.Submitted = o.Completed, o.RequestID, o.Submitted
		if o.Message != "" && r.Err == nil {
			out.Message = o.Message
		}
		for _, g := range o.Groups {
			gj := groupJSON{Dir: g.Dir, Group: g.Group, Total: g.Total, Added: len(g.Added) - g.Failed(), Released: g.Released, AlreadyAdded: g.AlreadyAdded, Waiting: g.Waiting}
			for _, f := range append(g.Added, g.Skipped...) {
				if f.Err != nil {
					gj.Problems = append(gj.Problems, fileJSON{Path: f.Path, Message: f.Message})
				}
			}
			out.Groups = append(out.Groups, gj)
		}
	}
	return out
}

// stdinKey carries the program's standard input in its context, for the
// one command that asks a question (set-status); run's signature has no
// stdin, which a server does not need.
type stdinKey struct{}

// withStdin returns ctx carrying r as the standard input.
func withStdin(ctx context.Context, r io.Reader) context.Context {
	return context.WithValue(ctx, stdinKey{}, r)
}

// stdinOf returns the standard input, or an empty one when there is none.
func stdinOf(ctx context.Context) io.Reader {
	if r, ok := ctx.Value(stdinKey{}).(io.Reader); ok && r != nil {
		return r
	}
	return strings.NewReader("")
}

// runRequestSetStatus is `airlock request set-status ID --user U --status
// REJECTED|WITHDRAWN` (reference §10.3): it shows the request, asks for
// confirmation (unless --yes), then ends it through the service's one
// escape hatch, audited and notified to the jobs site.
func runRequestSetStatus(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("airlock request set-status ID --user USER --status REJECTED|WITHDRAWN [--yes] [flags]", stderr)
	user := fs.String("user", "", "the `USER` the change is recorded in the name of; they must have signed in here before")
	status := fs.String("status", "", "the new `STATUS`: REJECTED or WITHDRAWN")
	yes := fs.Bool("yes", false, "do not ask for confirmation (for scripts)")
	asJSON := fs.Bool("json", false, "print the changed request as one JSON object")
	settings := backendFlags(fs, getenv)
	positional, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if err := wantArgs(fs, positional, 1); err != nil {
		return err
	}
	to := airlock.RequestStatus(strings.ToUpper(strings.TrimSpace(*status)))
	switch {
	case *user == "":
		fs.Usage()
		return usagef("request set-status: name the user with --user")
	case to != airlock.StatusRejected && to != airlock.StatusWithdrawn:
		fs.Usage()
		return usagef("request set-status: --status must be REJECTED or WITHDRAWN, got %q", *status)
	}
	b, err := settings.open(ctx, commandLogger(stderr))
	if err != nil {
		return err
	}
	defer b.Close()
	id := positional[0]
	r, err := b.svc.CheckOperatorSetStatus(ctx, *user, id, to)
	if err != nil {
		return plainError(err)
	}
	if !*yes {
		fmt.Fprintf(stderr, "Request %s in workspace %s by %s is %s.\nSet it to %s in the name of %s, and tell the jobs site? [y/N] ",
			r.ID, r.Workspace, r.Author, r.Status, to, *user)
		answer, _ := bufio.NewReader(stdinOf(ctx)).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(stderr)
			return fmt.Errorf("aborted: request %s is unchanged", r.ID)
		}
	}
	from := r.Status
	if r, err = b.svc.OperatorSetStatus(ctx, *user, id, to); err != nil {
		return plainError(err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(struct {
			ID        string                `json:"id"`
			Workspace string                `json:"workspace"`
			Author    string                `json:"author"`
			From      airlock.RequestStatus `json:"from"`
			Status    airlock.RequestStatus `json:"status"`
			User      string                `json:"user"`
		}{r.ID, r.Workspace, r.Author, from, r.Status, *user})
	}
	fmt.Fprintf(stdout, "Request %s is now %s (was %s); the change is in the audit log as %s's, and the jobs site is told when the server next sends notifications.\n",
		r.ID, r.Status, from, *user)
	return nil
}

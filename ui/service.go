package ui

import (
	"context"
	"io"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// Service is the review workflow service (*review.Service) as the web
// application calls it. Every method enforces its own rules and returns
// coded airlock errors whose messages are shown to the person. Tests may
// wrap it to inject failures.
type Service interface {
	Policy() airlock.Policy
	SaveUser(ctx context.Context, u *airlock.User, refreshedAt time.Time) error
	User(ctx context.Context, username string) (*airlock.User, time.Time, error)
	People(ctx context.Context, usernames []string) (review.People, error)
	StateVersion(ctx context.Context) (uint64, error)

	View(ctx context.Context, u *airlock.User, id string) (*review.RequestView, error)
	Activity(ctx context.Context, u *airlock.User, id, group string) ([]*airlock.AuditEvent, error)
	ViewWithActivity(ctx context.Context, u *airlock.User, id, group string) (*review.RequestView, []*airlock.AuditEvent, error)
	WorkspaceState(ctx context.Context, u *airlock.User, workspace string) (*review.WorkspaceState, error)
	Workspaces(ctx context.Context, u *airlock.User) ([]string, error)
	WorkspaceUnavailable(ctx context.Context, u *airlock.User, workspace string) error
	WorkspaceVersion(ctx context.Context, u *airlock.User, workspace string) (uint64, error)
	BrowseWorkspace(ctx context.Context, u *airlock.User, workspace, path string, opts airlock.ChildrenOptions) (*review.WorkspaceBrowse, error)
	WorkspaceTree(ctx context.Context, u *airlock.User, workspace, dir string, opts airlock.ChildrenOptions) ([]*review.TreeNode, error)
	OpenWorkspaceFile(ctx context.Context, u *airlock.User, workspace, path string) (*review.WorkspaceContent, error)
	AddCandidates(ctx context.Context, u *airlock.User, workspace string, paths []string) (*review.WorkspaceState, []review.WorkspaceItem, error)
	Requests(ctx context.Context, u *airlock.User, f airlock.RequestFilter) ([]*airlock.Request, error)
	ReviewQueues(ctx context.Context, u *airlock.User) (*review.Queues, error)
	OpenRequestFile(ctx context.Context, u *airlock.User, id, path string, download bool) (io.ReadSeekCloser, *airlock.RequestFile, error)
	RecordRequestFileView(ctx context.Context, u *airlock.User, id, path string) error
	CompareRequestFile(ctx context.Context, u *airlock.User, id, path, from string) (*review.Comparison, error)
	Differencing(ctx context.Context, u *airlock.User, id, path string) ([]airlock.DifferencingResult, error)
	RequestFileChecks(ctx context.Context, u *airlock.User, id, path string) (*airlock.CheckedFile, error)
	WorkspaceFileChecks(ctx context.Context, u *airlock.User, workspace, path string) (*airlock.CheckedFile, error)
	CheckRoles() []airlock.CheckRoleChoice
	BrowseCode(ctx context.Context, u *airlock.User, ref review.CodeRef) (*review.CodeView, error)
	OpenCodeFile(ctx context.Context, u *airlock.User, ref review.CodeRef, path string) (*review.CodeFile, error)

	AddFiles(ctx context.Context, u *airlock.User, workspace string, items []review.AddItem, group string) ([]review.FileResult, error)
	AddFilesTo(ctx context.Context, u *airlock.User, workspace string, items []review.AddItem, to review.GroupChoice) ([]review.FileResult, error)
	UpdateFiles(ctx context.Context, u *airlock.User, workspace string, paths []string) ([]review.FileResult, error)
	WithdrawFiles(ctx context.Context, u *airlock.User, id string, paths []string) ([]review.FileResult, error)
	ChangeCandidates(ctx context.Context, u *airlock.User, id string, paths []string) ([]review.ChangeItem, error)
	ChangeFiles(ctx context.Context, u *airlock.User, id string, items []review.AddItem, to review.GroupChoice) ([]review.FileResult, error)
	EditGroup(ctx context.Context, u *airlock.User, id, group, context, controls string) error
	NoteCheck(ctx context.Context, u *airlock.User, id string, n airlock.CheckNote) error
	Comment(ctx context.Context, u *airlock.User, id, group, text string, v airlock.Visibility) error
	DeleteComment(ctx context.Context, u *airlock.User, id, group string, commentID int64) error
	MakeCommentPublic(ctx context.Context, u *airlock.User, id, group string, commentID int64) error
	Submit(ctx context.Context, u *airlock.User, id string) error
	SubmitReview(ctx context.Context, u *airlock.User, id string) error
	Return(ctx context.Context, u *airlock.User, id string) error
	Reject(ctx context.Context, u *airlock.User, id string) error
	Withdraw(ctx context.Context, u *airlock.User, id string) error
	Release(ctx context.Context, u *airlock.User, id string) error
	Vote(ctx context.Context, u *airlock.User, id, path string, v airlock.Vote) error
	ResetVote(ctx context.Context, u *airlock.User, id, path string) error
	RequestChangesGroup(ctx context.Context, u *airlock.User, id, group string) (review.GroupVotes, error)
	ResetGroupVotes(ctx context.Context, u *airlock.User, id, group string) (int, error)
}

var _ Service = (*review.Service)(nil)

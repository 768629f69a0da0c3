package airlock

import (
	"context"
	"time"
)

// Store is the durable state of the application. Each use case runs in one
// transaction: Update commits only if fn returns nil, so a refused action
// changes nothing (D2), and audit events are written with the change.
type Store interface {
	// Update runs fn in one serialised write transaction.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(tx Tx) error) error
}

// StateVersioner is a store that tells whether anything in it changed:
// StateVersion differs after every committed write, by any connection or
// process, from every value it returned before the write.
type StateVersioner interface {
	StateVersion(ctx context.Context) (uint64, error)
}

// RequestFilter selects requests; zero fields match everything.
type RequestFilter struct {
	Workspace     string
	Author        string
	ExcludeAuthor string
	Statuses      []RequestStatus
}

// UploadJob is one output file waiting to be (or already) delivered to the jobs site.
type UploadJob struct {
	Request     string
	Workspace   string
	Path        string
	FileID      string
	Size        int64
	ReleasedBy  string
	Attempts    int
	NextAttempt time.Time
	LastError   string
	DoneAt      *time.Time
	Blocked     bool // the stored bytes no longer match their hash
}

// ReleaseRegistration is the queued registration of a released request
// with the jobs site (D16). The checker's decision is recorded at once;
// this job carries it to the jobs site, and the request's uploads wait
// until it is done.
type ReleaseRegistration struct {
	Request     string
	Workspace   string
	ReleasedBy  string
	Attempts    int
	NextAttempt time.Time
	LastError   string
	DoneAt      *time.Time
	JobsiteID   string // the jobs site's release id, once registered
	CreatedAt   time.Time
}

// Tx is a transaction on the Store. Lookups return ENOTFOUND errors, never nil values.
type Tx interface {
	// Now is the transaction's clock reading, fixed for its duration.
	Now() time.Time

	// Request loads a request with its groups, files, votes and comments.
	Request(id string) (*Request, error)
	// RequestOutline loads a request with its groups and, of each file,
	// only its path, group, type and content hash (FileID): no other
	// detail, votes, file versions or comments. It is what the pages of a
	// workspace need of their viewer's open request (each file's status,
	// whether files may be added), for a fraction of Request's reads.
	RequestOutline(id string) (*Request, error)
	// Requests lists the requests matching the filter, newest first, each
	// loaded as Request loads one.
	Requests(f RequestFilter) ([]*Request, error)
	// ActiveRequestID returns the author's open request in a workspace, or "" if none.
	ActiveRequestID(workspace, author string) (string, error)
	// ReleasedHashes returns the content hashes released from a workspace.
	ReleasedHashes(workspace string) (map[string]bool, error)
	// ReleasedFiles returns the output files released from a workspace,
	// newest first.
	ReleasedFiles(workspace string) ([]ReleasedFile, error)

	// CreateRequest inserts a request. Returns ECONFLICT if the author
	// already has an open request in the workspace (D3).
	CreateRequest(r *Request) error
	// SaveRequestState writes status, turn, reviews and timestamps.
	SaveRequestState(r *Request) error
	// SaveGroup inserts or updates a group's name, context and controls.
	SaveGroup(requestID string, g *FileGroup) error
	// SaveFile inserts or updates a request file (keyed by path).
	SaveFile(requestID string, f *RequestFile) error
	// SaveFileVersion records the version of a file a review turn sees.
	SaveFileVersion(requestID, path string, v FileVersion) error
	// DeleteFile removes a file and its votes.
	DeleteFile(requestID, path string) error
	// SaveVote inserts or updates a vote.
	SaveVote(requestID, path string, v *FileVote) error
	// DeleteVote removes a vote.
	DeleteVote(requestID, path, reviewer string) error
	// AddComment inserts a comment and sets its ID.
	AddComment(requestID string, c *Comment) error
	// DeleteComment removes a comment.
	DeleteComment(requestID string, id int64) error
	// SetCommentVisibility changes a comment's visibility.
	SetCommentVisibility(requestID string, id int64, v Visibility) error

	// AddCheckNote records an author's column role or exception on a
	// request file's disclosure checks, and sets its ID.
	AddCheckNote(requestID string, n *CheckNote) error
	// CheckNotes returns the notes on one file of a request, or on all
	// its files when path is "", oldest first.
	CheckNotes(requestID, path string) ([]*CheckNote, error)

	// Audit appends an event to the chain, setting its ID, time and hashes.
	Audit(e *AuditEvent) error
	// HideTurnEvents hides a request's events of one turn (early return).
	HideTurnEvents(requestID string, turn int) error
	// AuditEvents returns events matching the filter, newest first.
	AuditEvents(f AuditFilter) ([]*AuditEvent, error)

	// AddUploadJob records an output file to deliver.
	AddUploadJob(j *UploadJob) error
	// UploadJobs returns a request's upload jobs.
	UploadJobs(requestID string) ([]*UploadJob, error)
	// DueUploadJobs returns undelivered, unblocked jobs due at or before
	// now, oldest first, of requests whose registration is done.
	DueUploadJobs(now time.Time, limit int) ([]*UploadJob, error)
	// SaveUploadJob updates a job's attempts, error, schedule and completion.
	SaveUploadJob(j *UploadJob) error

	// AddReleaseRegistration queues a request's registration with the jobs
	// site; a request has at most one.
	AddReleaseRegistration(r *ReleaseRegistration) error
	// ReleaseRegistration returns a request's registration (ENOTFOUND if it has none).
	ReleaseRegistration(requestID string) (*ReleaseRegistration, error)
	// DueReleaseRegistrations returns unfinished registrations due at or before now, oldest first.
	DueReleaseRegistrations(now time.Time, limit int) ([]*ReleaseRegistration, error)
	// SaveReleaseRegistration updates a registration's attempts, error, schedule and completion.
	SaveReleaseRegistration(r *ReleaseRegistration) error

	// SaveUser caches a user's roles as the jobs site reported them.
	SaveUser(u *User, refreshedAt time.Time) error
	// User returns a cached user and when it was last refreshed.
	User(username string) (*User, time.Time, error)

	// Enqueue records a notification for the outbox.
	Enqueue(kind string, payload []byte) error
	Outbox
}

// Outbox is the part of a transaction that queues notifications.
type Outbox interface {
	// DueNotifications returns unsent notifications due at or before now, oldest first.
	DueNotifications(now time.Time, limit int) ([]*Notification, error)
	// SaveNotification records an attempt or the sending of a notification.
	SaveNotification(n *Notification) error
}

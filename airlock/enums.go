package airlock

import "slices"

// RequestStatus is the state of a release request (reference §4).
type RequestStatus string

// The request statuses.
const (
	StatusPending           RequestStatus = "PENDING"
	StatusSubmitted         RequestStatus = "SUBMITTED"
	StatusPartiallyReviewed RequestStatus = "PARTIALLY_REVIEWED"
	StatusReviewed          RequestStatus = "REVIEWED"
	StatusReturned          RequestStatus = "RETURNED"
	StatusApproved          RequestStatus = "APPROVED"
	StatusReleased          RequestStatus = "RELEASED"
	StatusRejected          RequestStatus = "REJECTED"
	StatusWithdrawn         RequestStatus = "WITHDRAWN"
)

// AllStatuses lists every status in lifecycle order.
var AllStatuses = []RequestStatus{
	StatusPending, StatusSubmitted, StatusPartiallyReviewed, StatusReviewed, StatusReturned,
	StatusApproved, StatusReleased, StatusRejected, StatusWithdrawn,
}

// Valid reports whether s is a known status.
func (s RequestStatus) Valid() bool {
	for _, v := range AllStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// Label is the status as people read it.
func (s RequestStatus) Label() string {
	switch s {
	case StatusPartiallyReviewed:
		return "One review submitted"
	case StatusReviewed:
		return "All reviews submitted"
	case StatusApproved:
		return "Approved – files uploading"
	case StatusPending:
		return "Pending"
	case StatusSubmitted:
		return "Submitted"
	case StatusReturned:
		return "Returned"
	case StatusReleased:
		return "Released"
	case StatusRejected:
		return "Rejected"
	case StatusWithdrawn:
		return "Withdrawn"
	}
	return string(s)
}

// Owner is who may act on a request in a status.
type Owner string

// The status owners.
const (
	OwnerAuthor   Owner = "AUTHOR"
	OwnerReviewer Owner = "REVIEWER"
	OwnerSystem   Owner = "SYSTEM"
)

// Owner returns who owns the request in this status.
func (s RequestStatus) Owner() Owner {
	switch s {
	case StatusPending, StatusReturned:
		return OwnerAuthor
	case StatusSubmitted, StatusPartiallyReviewed, StatusReviewed:
		return OwnerReviewer
	}
	return OwnerSystem
}

// IsEditing reports whether the author may change the request.
func (s RequestStatus) IsEditing() bool { return s.Owner() == OwnerAuthor }

// IsUnderReview reports whether checkers are reviewing the request.
func (s RequestStatus) IsUnderReview() bool { return s.Owner() == OwnerReviewer }

// IsFinal reports whether the request is system-owned (APPROVED included).
func (s RequestStatus) IsFinal() bool { return s.Owner() == OwnerSystem }

// IsActive reports whether the request counts as the author's open request.
func (s RequestStatus) IsActive() bool { return !s.IsFinal() }

// Phase is the phase of a review turn.
type Phase string

// The turn phases.
const (
	PhaseAuthor        Phase = "AUTHOR"
	PhaseIndependent   Phase = "INDEPENDENT"
	PhaseConsolidating Phase = "CONSOLIDATING"
	PhaseComplete      Phase = "COMPLETE"
)

// Phase returns the turn phase of the status.
func (s RequestStatus) Phase() Phase {
	switch s {
	case StatusPending, StatusReturned:
		return PhaseAuthor
	case StatusSubmitted, StatusPartiallyReviewed:
		return PhaseIndependent
	case StatusReviewed:
		return PhaseConsolidating
	}
	return PhaseComplete
}

// FileType is the role of a file in a request.
type FileType string

// The request file types.
const (
	FileOutput     FileType = "OUTPUT"
	FileSupporting FileType = "SUPPORTING"
	FileWithdrawn  FileType = "WITHDRAWN"
)

// Valid reports whether t may be chosen when adding or changing a file.
func (t FileType) Valid() bool { return t == FileOutput || t == FileSupporting }

// Label is the type as people read it.
func (t FileType) Label() string {
	switch t {
	case FileOutput:
		return "Output"
	case FileSupporting:
		return "Supporting"
	case FileWithdrawn:
		return "Withdrawn"
	}
	return string(t)
}

// Noun is the type as a noun phrase with its article: "an output file".
func (t FileType) Noun() string {
	switch t {
	case FileOutput:
		return "an output file"
	case FileSupporting:
		return "a supporting file"
	case FileWithdrawn:
		return "a withdrawn file"
	}
	return "a file"
}

// Vote is one reviewer's verdict on one output file.
type Vote string

// The votes. Only the system sets VoteUndecided.
const (
	VoteApproved         Vote = "APPROVED"
	VoteChangesRequested Vote = "CHANGES_REQUESTED"
	VoteUndecided        Vote = "UNDECIDED"
)

// Label is the vote as people read it.
func (v Vote) Label() string {
	switch v {
	case VoteApproved:
		return "Approved"
	case VoteChangesRequested:
		return "Changes requested"
	case VoteUndecided:
		return "Undecided"
	}
	return "Not reviewed"
}

// Decision is the combined outcome of the counted votes on a file.
type Decision string

// The file decisions.
const (
	DecisionIncomplete       Decision = "INCOMPLETE"
	DecisionApproved         Decision = "APPROVED"
	DecisionChangesRequested Decision = "CHANGES_REQUESTED"
	DecisionConflicted       Decision = "CONFLICTED"
)

// Label is the decision as people read it.
func (d Decision) Label() string {
	switch d {
	case DecisionApproved:
		return "Approved"
	case DecisionChangesRequested:
		return "Changes requested"
	case DecisionConflicted:
		return "Conflicted"
	}
	return "Incomplete"
}

// Visibility says who may read a comment or an audit event.
type Visibility string

// The visibilities.
const (
	Private Visibility = "PRIVATE" // output checkers only
	Public  Visibility = "PUBLIC"  // everyone who can see the request
)

// Valid reports whether v is a known visibility.
func (v Visibility) Valid() bool { return v == Private || v == Public }

// WorkspaceFileStatus is a workspace file's state relative to the viewer's open request (reference §7).
type WorkspaceFileStatus string

// The workspace file statuses.
const (
	WorkspaceFileInvalid     WorkspaceFileStatus = "INVALID"
	WorkspaceFileReleased    WorkspaceFileStatus = "RELEASED"
	WorkspaceFileWithdrawn   WorkspaceFileStatus = "WITHDRAWN"
	WorkspaceFileUnderReview WorkspaceFileStatus = "UNDER_REVIEW"
	WorkspaceFileUpdated     WorkspaceFileStatus = "UPDATED"
	WorkspaceFileUnreleased  WorkspaceFileStatus = "UNRELEASED"
)

// Label is the status as people read it.
func (s WorkspaceFileStatus) Label() string {
	switch s {
	case WorkspaceFileReleased:
		return "Released"
	case WorkspaceFileWithdrawn:
		return "Withdrawn"
	case WorkspaceFileUnderReview:
		return "Under review"
	case WorkspaceFileUpdated:
		return "Updated"
	case WorkspaceFileUnreleased:
		return "Unreleased"
	}
	return "Invalid"
}

// EventType is the kind of an audit event.
type EventType string

// The audit event types (reference §11.1).
const (
	EventWorkspaceFileView         EventType = "WORKSPACE_FILE_VIEW"
	EventRequestFileView           EventType = "REQUEST_FILE_VIEW"
	EventRequestFileDownload       EventType = "REQUEST_FILE_DOWNLOAD"
	EventRequestCreate             EventType = "REQUEST_CREATE"
	EventRequestSubmit             EventType = "REQUEST_SUBMIT"
	EventRequestWithdraw           EventType = "REQUEST_WITHDRAW"
	EventRequestReview             EventType = "REQUEST_REVIEW"
	EventRequestApprove            EventType = "REQUEST_APPROVE"
	EventRequestReject             EventType = "REQUEST_REJECT"
	EventRequestReturn             EventType = "REQUEST_RETURN"
	EventRequestRelease            EventType = "REQUEST_RELEASE"
	EventRequestEarlyReturn        EventType = "REQUEST_EARLY_RETURN"
	EventRequestEdit               EventType = "REQUEST_EDIT"
	EventRequestComment            EventType = "REQUEST_COMMENT"
	EventRequestCommentDelete      EventType = "REQUEST_COMMENT_DELETE"
	EventRequestCommentPublic      EventType = "REQUEST_COMMENT_VISIBILITY_PUBLIC"
	EventRequestFileAdd            EventType = "REQUEST_FILE_ADD"
	EventRequestFileUpdate         EventType = "REQUEST_FILE_UPDATE"
	EventRequestFileWithdraw       EventType = "REQUEST_FILE_WITHDRAW"
	EventRequestFileApprove        EventType = "REQUEST_FILE_APPROVE"
	EventRequestFileRequestChanges EventType = "REQUEST_FILE_REQUEST_CHANGES"
	EventRequestFileResetReview    EventType = "REQUEST_FILE_RESET_REVIEW"
	EventRequestFileUndecided      EventType = "REQUEST_FILE_UNDECIDED"
	EventRequestFileRelease        EventType = "REQUEST_FILE_RELEASE"
	EventRequestFileUpload         EventType = "REQUEST_FILE_UPLOAD"
	EventRequestFileUploadBlocked  EventType = "REQUEST_FILE_UPLOAD_BLOCKED"
	// EventRequestReleaseRegister is ours: the jobs site accepted the
	// release that a checker decided on (D16), so its uploads may start.
	EventRequestReleaseRegister EventType = "REQUEST_RELEASE_REGISTER"
	// EventCodeView is ours: a file of the source code behind an output
	// was read (D12: every view is recorded).
	EventCodeView EventType = "CODE_FILE_VIEW"
	// EventRequestFileCheckRole and EventRequestFileCheckException are
	// ours: an author declared what a column holds, or asked the checkers
	// to accept a disclosure-check flag, each with a reason (D17).
	EventRequestFileCheckRole      EventType = "REQUEST_FILE_CHECK_ROLE"
	EventRequestFileCheckException EventType = "REQUEST_FILE_CHECK_EXCEPTION"
	// EventSignIn, EventSignInFailed and EventSignOut are ours: who was
	// signed in when, every refused sign-in (with the address it came
	// from), and every session that ended, with why (D12, D15).
	EventSignIn       EventType = "USER_SIGN_IN"
	EventSignInFailed EventType = "USER_SIGN_IN_FAILED"
	EventSignOut      EventType = "USER_SIGN_OUT"
	// EventTokenCreate, EventTokenRevoke and EventTokenUse are ours: API
	// tokens made and revoked, and every request made with one, under the
	// token's name.
	EventTokenCreate EventType = "API_TOKEN_CREATE"
	EventTokenRevoke EventType = "API_TOKEN_REVOKE"
	EventTokenUse    EventType = "API_TOKEN_USE"
)

// EventTypes lists every audit event type, in the order above; the
// audit command checks the types it is given against it.
func EventTypes() []EventType {
	return []EventType{
		EventWorkspaceFileView, EventRequestFileView, EventRequestFileDownload, EventRequestCreate,
		EventRequestSubmit, EventRequestWithdraw, EventRequestReview, EventRequestApprove,
		EventRequestReject, EventRequestReturn, EventRequestRelease, EventRequestEarlyReturn,
		EventRequestEdit, EventRequestComment, EventRequestCommentDelete, EventRequestCommentPublic,
		EventRequestFileAdd, EventRequestFileUpdate, EventRequestFileWithdraw, EventRequestFileApprove,
		EventRequestFileRequestChanges, EventRequestFileResetReview, EventRequestFileUndecided,
		EventRequestFileRelease, EventRequestFileUpload, EventRequestFileUploadBlocked, EventRequestReleaseRegister,
		EventCodeView, EventRequestFileCheckRole, EventRequestFileCheckException,
		EventSignIn, EventSignInFailed, EventSignOut,
		EventTokenCreate, EventTokenRevoke, EventTokenUse,
	}
}

// Description is the activity text shown for the event type.
func (t EventType) Description() string {
	switch t {
	case EventWorkspaceFileView, EventRequestFileView:
		return "Viewed file"
	case EventRequestFileDownload:
		return "Downloaded file"
	case EventSignIn:
		return "Signed in"
	case EventSignInFailed:
		return "Sign-in refused"
	case EventSignOut:
		return "Signed out"
	case EventTokenCreate:
		return "Made an API token"
	case EventTokenRevoke:
		return "API token revoked"
	case EventTokenUse:
		return "Used an API token"
	case EventCodeView:
		return "Viewed source code"
	case EventRequestCreate:
		return "Created request"
	case EventRequestSubmit:
		return "Submitted request"
	case EventRequestWithdraw:
		return "Withdrew request"
	case EventRequestReview:
		return "Submitted review"
	case EventRequestApprove:
		return "Approved request"
	case EventRequestReject:
		return "Rejected request"
	case EventRequestReturn:
		return "Returned request"
	case EventRequestRelease:
		return "Released request"
	case EventRequestEarlyReturn:
		return "Request returned early; comments and votes for the turn reset"
	case EventRequestEdit:
		return "Edited the context/controls"
	case EventRequestComment:
		return "Commented"
	case EventRequestCommentDelete:
		return "Comment deleted"
	case EventRequestCommentPublic:
		return "Private comment made public"
	case EventRequestFileAdd:
		return "Added file"
	case EventRequestFileUpdate:
		return "Updated file"
	case EventRequestFileWithdraw:
		return "Withdrew file from group"
	case EventRequestFileApprove:
		return "Approved file"
	case EventRequestFileRequestChanges:
		return "Changes requested to file"
	case EventRequestFileResetReview:
		return "Reset review of file"
	case EventRequestFileUndecided:
		return "File with changes requested moved to undecided"
	case EventRequestFileRelease:
		return "File released"
	case EventRequestReleaseRegister:
		return "Release registered with the jobs site"
	case EventRequestFileUpload:
		return "File uploaded"
	case EventRequestFileUploadBlocked:
		return "File upload blocked: stored bytes do not match their hash"
	case EventRequestFileCheckRole:
		return "Declared a column's role for the disclosure checks"
	case EventRequestFileCheckException:
		return "Asked for an exception to a disclosure-check flag"
	}
	return string(t)
}

// ReadOnlyEventTypes are the event types left out of activity tables:
// views, and the automatic move of files to undecided.
func ReadOnlyEventTypes() []EventType {
	return []EventType{EventWorkspaceFileView, EventRequestFileView, EventCodeView, EventRequestFileUndecided}
}

// ReadOnly reports whether the event is left out of activity tables.
func (t EventType) ReadOnly() bool {
	return slices.Contains(ReadOnlyEventTypes(), t)
}

package workspaces

import "github.com/airlock-project/airlock/airlock"

// RequestFileRef is what the viewer's open request holds for one path.
type RequestFileRef struct {
	FileID string           // the SHA-256 of the stored copy
	Type   airlock.FileType // OUTPUT, SUPPORTING or WITHDRAWN
}

// FileStatus returns a workspace file's status relative to the viewer's own
// open request (reference §7). The checks run in this order:
//
//   - not a valid tree path: INVALID;
//   - its current content hash was released from this workspace in any
//     request: RELEASED (even when the file is also on the open request);
//   - on the open request (current non-nil) as WITHDRAWN: WITHDRAWN, even if
//     the content changed since;
//   - on the open request with the same content: UNDER_REVIEW;
//   - on the open request with different content: UPDATED;
//   - otherwise: UNRELEASED.
//
// valid says whether the path is a valid tree path, contentHash is the
// file's current hash ("" when unknown, which never counts as released),
// released holds the hashes released from the workspace, and current is
// the entry of the viewer's open request for the path, or nil.
func FileStatus(valid bool, contentHash string, released map[string]bool, current *RequestFileRef) airlock.WorkspaceFileStatus {
	switch {
	case !valid:
		return airlock.WorkspaceFileInvalid
	case contentHash != "" && released[contentHash]:
		return airlock.WorkspaceFileReleased
	case current == nil:
		return airlock.WorkspaceFileUnreleased
	case current.Type == airlock.FileWithdrawn:
		return airlock.WorkspaceFileWithdrawn
	case current.FileID == contentHash:
		return airlock.WorkspaceFileUnderReview
	}
	return airlock.WorkspaceFileUpdated
}

package airlock

import (
	"slices"
	"sort"
	"strings"
)

// ProjectDetails describes the project a workspace belongs to, as the jobs
// site reports it. Like every domain type it has no wire format: the
// jobs-site client maps its JSON to these types (jobsite.UserRecord).
type ProjectDetails struct {
	Name    string
	Ongoing *bool
	Orgs    []string
}

// IsOngoing reports whether the project is ongoing; a missing flag means yes.
func (p ProjectDetails) IsOngoing() bool { return p.Ongoing == nil || *p.Ongoing }

// DisplayName is the project name, "Unknown project" when missing, with an
// "(INACTIVE)" suffix when the project is not ongoing.
func (p ProjectDetails) DisplayName() string {
	name := p.Name
	if name == "" {
		name = "Unknown project"
	}
	if !p.IsOngoing() {
		name += " (INACTIVE)"
	}
	return name
}

// WorkspaceAccess is what the jobs site says about one workspace of a user.
type WorkspaceAccess struct {
	ProjectDetails ProjectDetails
	Archived       bool
}

// Active reports whether requests may be created and edited in the workspace.
func (w WorkspaceAccess) Active() bool { return w.ProjectDetails.IsOngoing() && !w.Archived }

// User is a person as the jobs site describes them (the authenticate and
// authorise responses), cached locally.
type User struct {
	Username            string
	Fullname            string
	Workspaces          map[string]WorkspaceAccess
	CopilotedWorkspaces map[string]WorkspaceAccess
	OutputChecker       bool
	ReadonlyAccess      bool
}

// DisplayName is the full name, falling back to the username.
func (u *User) DisplayName() string {
	if u.Fullname != "" {
		return u.Fullname
	}
	return u.Username
}

// HasRole reports whether the user is a member (project developer) of the workspace.
func (u *User) HasRole(workspace string) bool {
	_, ok := u.Workspaces[workspace]
	return ok
}

// IsCopilot reports whether the user copilots the workspace.
func (u *User) IsCopilot(workspace string) bool {
	_, ok := u.CopilotedWorkspaces[workspace]
	return ok
}

// CanView reports whether the user may see the workspace and its requests.
func (u *User) CanView(workspace string) bool {
	if u == nil {
		return false
	}
	return u.OutputChecker || u.ReadonlyAccess || u.HasRole(workspace) || u.IsCopilot(workspace)
}

// Access returns what the user knows about the workspace: their membership,
// else their copilot entry, else the zero value.
func (u *User) Access(workspace string) WorkspaceAccess {
	if a, ok := u.Workspaces[workspace]; ok {
		return a
	}
	return u.CopilotedWorkspaces[workspace]
}

// MemberWorkspaces returns the names of the workspaces the user is a member of, sorted.
func (u *User) MemberWorkspaces() []string {
	names := make([]string, 0, len(u.Workspaces))
	for n := range u.Workspaces {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// CheckCanView returns EFORBIDDEN unless the user may view the workspace.
func CheckCanView(u *User, workspace string) error {
	if u == nil {
		return Errorf(EUNAUTHORIZED, "Please sign in.")
	}
	if !u.CanView(workspace) {
		return Errorf(EFORBIDDEN, "You do not have access to workspace %q.", workspace)
	}
	return nil
}

// CheckCanAuthor returns an error unless the user may create and edit
// requests in the workspace: a member, the workspace not archived, the
// project ongoing (D1). When both of the last two fail, both are said.
func CheckCanAuthor(u *User, workspace string) error {
	if err := CheckCanView(u, workspace); err != nil {
		return err
	}
	a, ok := u.Workspaces[workspace]
	if !ok {
		return Errorf(EFORBIDDEN, "You do not have permission to author requests in workspace %q.", workspace)
	}
	const closed = "so requests in it can no longer be started or changed."
	switch inactive := !a.ProjectDetails.IsOngoing(); {
	case a.Archived && inactive:
		return Errorf(EFORBIDDEN, "Workspace %q has been archived and its project is no longer active, %s", workspace, closed)
	case a.Archived:
		return Errorf(EFORBIDDEN, "Workspace %q has been archived, %s", workspace, closed)
	case inactive:
		return Errorf(EFORBIDDEN, "Workspace %q belongs to a project that is no longer active, %s", workspace, closed)
	}
	return nil
}

// Clone returns a deep copy, so cached users are never shared mutably.
func (u *User) Clone() *User {
	c := *u
	c.Workspaces = cloneAccess(u.Workspaces)
	c.CopilotedWorkspaces = cloneAccess(u.CopilotedWorkspaces)
	return &c
}

func cloneAccess(m map[string]WorkspaceAccess) map[string]WorkspaceAccess {
	if m == nil {
		return nil
	}
	out := make(map[string]WorkspaceAccess, len(m))
	for k, v := range m {
		v.ProjectDetails.Orgs = slices.Clone(v.ProjectDetails.Orgs)
		out[k] = v
	}
	return out
}

// RoleSummary describes the user's roles in a few words, such as
// "researcher, output checker", or "no access".
func (u *User) RoleSummary() string {
	var parts []string
	if len(u.Workspaces) > 0 {
		parts = append(parts, "researcher")
	}
	if u.OutputChecker {
		parts = append(parts, "output checker")
	}
	if len(u.CopilotedWorkspaces) > 0 {
		parts = append(parts, "copilot")
	}
	if u.ReadonlyAccess {
		parts = append(parts, "read-only")
	}
	if len(parts) == 0 {
		return "no access"
	}
	return strings.Join(parts, ", ")
}

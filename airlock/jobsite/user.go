package jobsite

import "github.com/airlock-project/airlock/airlock"

// UserRecord is the jobs site's description of a person (§2.2): the answer
// of the authenticate and authorise calls. Dev users files hold the same
// object, and the user cache stores it as it came. The domain's
// airlock.User has no wire format of its own; this is the one place the
// two are mapped.
type UserRecord struct {
	Username            string                     `json:"username"`
	Fullname            string                     `json:"fullname"`
	Workspaces          map[string]WorkspaceRecord `json:"workspaces"`
	CopilotedWorkspaces map[string]WorkspaceRecord `json:"copiloted_workspaces"`
	OutputChecker       bool                       `json:"output_checker"`
	ReadonlyAccess      bool                       `json:"readonly_access"`
}

// WorkspaceRecord is what the jobs site says about one workspace of a user.
type WorkspaceRecord struct {
	ProjectDetails ProjectRecord `json:"project_details"`
	Archived       bool          `json:"archived"`
}

// ProjectRecord describes the project a workspace belongs to.
type ProjectRecord struct {
	Name    string   `json:"name"`
	Ongoing *bool    `json:"ongoing,omitempty"`
	Orgs    []string `json:"orgs"`
}

// User maps the record to the domain's user; absent workspace maps are
// empty, never nil.
func (r UserRecord) User() *airlock.User {
	return &airlock.User{Username: r.Username, Fullname: r.Fullname, OutputChecker: r.OutputChecker, ReadonlyAccess: r.ReadonlyAccess,
		Workspaces: domainAccess(r.Workspaces), CopilotedWorkspaces: domainAccess(r.CopilotedWorkspaces)}
}

// NewUserRecord maps a domain user back to the jobs site's shape, to be
// stored or written to a dev users file.
func NewUserRecord(u *airlock.User) UserRecord {
	return UserRecord{Username: u.Username, Fullname: u.Fullname, OutputChecker: u.OutputChecker, ReadonlyAccess: u.ReadonlyAccess,
		Workspaces: wireAccess(u.Workspaces), CopilotedWorkspaces: wireAccess(u.CopilotedWorkspaces)}
}

func domainAccess(m map[string]WorkspaceRecord) map[string]airlock.WorkspaceAccess {
	out := make(map[string]airlock.WorkspaceAccess, len(m))
	for name, w := range m {
		out[name] = airlock.WorkspaceAccess{Archived: w.Archived, ProjectDetails: airlock.ProjectDetails{
			Name: w.ProjectDetails.Name, Ongoing: w.ProjectDetails.Ongoing, Orgs: w.ProjectDetails.Orgs}}
	}
	return out
}

func wireAccess(m map[string]airlock.WorkspaceAccess) map[string]WorkspaceRecord {
	out := make(map[string]WorkspaceRecord, len(m))
	for name, w := range m {
		out[name] = WorkspaceRecord{Archived: w.Archived, ProjectDetails: ProjectRecord{
			Name: w.ProjectDetails.Name, Ongoing: w.ProjectDetails.Ongoing, Orgs: w.ProjectDetails.Orgs}}
	}
	return out
}

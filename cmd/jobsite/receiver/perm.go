package receiver

import "fmt"

// permission is something a person may do with a project or its outputs,
// as the jobs-site documentation gives the roles: ProjectDeveloper creates
// draft publications and sees released and draft outputs;
// ProjectCollaborator sees released and draft outputs; OutputChecker
// releases (through the API) and deletes released files; OutputPublisher
// publishes drafts.
type permission int

const (
	// permViewReleased is seeing released outputs (RELEASE_FILE_VIEW).
	permViewReleased permission = iota
	// permDeleteReleased is deleting a released file (RELEASE_FILE_DELETE).
	permDeleteReleased
	// permViewLevel4 is being offered the Level 4 outputs in airlock
	// (UNRELEASED_OUTPUTS_VIEW; airlock decides for itself).
	permViewLevel4
	// permCreateDraft is creating a draft publication (SNAPSHOT_CREATE).
	permCreateDraft
	// permViewDraft is seeing draft public outputs. Publishers see them
	// too, or they could not judge what they publish.
	permViewDraft
	// permPublish is publishing a draft (SNAPSHOT_PUBLISH).
	permPublish
	// permEditProject is editing the project's status and its
	// workspaces' purposes.
	permEditProject
)

// can reports whether u (nil when not signed in) may do perm on project p.
func can(u *UserConfig, p *ProjectConfig, perm permission) bool {
	if u == nil || p == nil {
		return false
	}
	role := p.projectRole(u.Username)
	checker, publisher := u.hasRole(RoleOutputChecker), u.hasRole(RolePublisher)
	switch perm {
	case permViewReleased:
		return role != "" || checker
	case permDeleteReleased:
		return checker
	case permViewLevel4:
		return role == ProjectDeveloper || checker
	case permCreateDraft:
		return role == ProjectDeveloper
	case permViewDraft:
		return role != "" || checker || publisher
	case permPublish:
		return publisher
	case permEditProject:
		return role != ""
	}
	return false
}

// refusal is the reason given to someone who may not do perm on p.
func refusal(p *ProjectConfig, perm permission) string {
	switch perm {
	case permViewReleased:
		return fmt.Sprintf("Released outputs of %s are shown only to its developers and collaborators and to output checkers.", p.Name)
	case permDeleteReleased:
		return "Only output checkers may delete a released file."
	case permViewLevel4:
		return fmt.Sprintf("Level 4 outputs of %s are for its developers and output checkers, in airlock on the backend.", p.Name)
	case permCreateDraft:
		return fmt.Sprintf("Only developers of %s may create a draft publication.", p.Name)
	case permViewDraft:
		return fmt.Sprintf("Draft public outputs of %s are shown only to its developers and collaborators, output checkers and output publishers.", p.Name)
	case permPublish:
		return "Only output publishers may publish outputs."
	case permEditProject:
		return fmt.Sprintf("Only members of %s may edit it.", p.Name)
	}
	return "You may not do this."
}

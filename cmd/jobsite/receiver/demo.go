package receiver

// The demo backend, as airlock's demo should be configured to call it.
const (
	DemoBackend      = "test"
	DemoBackendToken = "d3m0d3m0d3m0d3m0d3m0d3m0d3m0d3m0d3m0d3m0"
)

// DemoPassword is the password of every demo user on the receiver's pages.
const DemoPassword = "airlock-demo"

// The demo users.
const (
	DemoResearcher        = "researcher"         // developer on the Cardiac, Vaccine and Legacy projects
	DemoCollaborator      = "collaborator"       // collaborator on the Cardiac project (sees releases, no airlock workspaces)
	DemoChecker1          = "checker1"           // output checker
	DemoChecker2          = "checker2"           // output checker and publisher
	DemoResearcherChecker = "researcher-checker" // output checker and developer on the Vaccine project
	DemoCopilot           = "copilot"            // copilot of the Cardiac project
	DemoReadonly          = "readonly"           // read-only access to airlock
	DemoPublisher         = "publisher"          // may publish draft outputs
)

// DemoWorkspaces returns the names of the demo workspaces, so the airlock
// demo can create matching sample workspace directories.
// "vaccine-2023" is archived and "legacy-cohort" belongs to an inactive project.
func DemoWorkspaces() []string {
	return []string{"cardiac-main", "cardiac-sensitivity", "vaccine-uptake", "vaccine-2023", "legacy-cohort"}
}

// DemoConfig returns the config of the airlock demo: one backend
// (DemoBackend with DemoBackendToken), the demo users above, each with
// the password DemoPassword, three projects (one inactive) and the
// workspaces of DemoWorkspaces (one archived). It panics only if hashing
// fails, which means the system random source is broken.
func DemoConfig() Config {
	type person struct {
		name, full string
		roles      []string
	}
	people := []person{
		{DemoResearcher, "Rita Researcher", nil},
		{DemoCollaborator, "Colin Collaborator", nil},
		{DemoChecker1, "Charlotte Checker", []string{RoleOutputChecker}},
		{DemoChecker2, "Chidi Checker", []string{RoleOutputChecker, RolePublisher}},
		{DemoResearcherChecker, "Rosa Researcher-Checker", []string{RoleOutputChecker}},
		{DemoCopilot, "Cody Copilot", nil},
		{DemoReadonly, "Rory Readonly", []string{RoleReadonly}},
		{DemoPublisher, "Pat Publisher", []string{RolePublisher}},
	}
	c := Config{
		Backends: []BackendConfig{{Slug: DemoBackend, Name: "Test backend", Token: DemoBackendToken}},
	}
	// One hash for all: the password is public anyway, and hashing once
	// keeps the demo (and tests that start it) quick.
	hash, err := hashSecret(DemoPassword, MinIterations)
	if err != nil {
		panic("receiver: cannot hash demo password: " + err.Error())
	}
	for _, p := range people {
		c.Users = append(c.Users, UserConfig{
			Username:     p.name,
			Email:        p.name + "@example.org",
			Fullname:     p.full,
			PasswordHash: hash,
			Roles:        p.roles,
			Backends:     []string{DemoBackend},
		})
	}
	c.Projects = []ProjectConfig{
		{
			Name: "Cardiac Outcomes", Slug: "cardiac-outcomes", Ongoing: true, Status: StatusOngoing,
			StatusDescription: "Recruitment of practices is complete; the main analysis is running. " +
				"Protocol: [cardiac outcomes protocol](https://example.org/protocols/cardiac-outcomes).",
			Orgs: []string{"University of Example", "Example Health Trust"}, Copilot: DemoCopilot,
			Members: []ProjectMember{
				{Username: DemoResearcher, Role: ProjectDeveloper},
				{Username: DemoCollaborator, Role: ProjectCollaborator},
			},
		},
		{
			Name: "Vaccine Uptake", Slug: "vaccine-uptake", Ongoing: true, Status: StatusOngoing,
			Orgs: []string{"Example Public Health Institute"},
			Members: []ProjectMember{
				{Username: DemoResearcher, Role: ProjectDeveloper},
				{Username: DemoResearcherChecker, Role: ProjectDeveloper},
			},
		},
		{
			Name: "Legacy Cohort", Slug: "legacy-cohort", Ongoing: false, Status: StatusRetired,
			StatusDescription: "Funding ended before the follow-up data arrived, so the study stopped early.",
			Orgs:              []string{"University of Example"},
			Members: []ProjectMember{
				{Username: DemoResearcher, Role: ProjectDeveloper},
			},
		},
	}
	repo := func(name string) string { return "https://github.com/example/" + name }
	c.Workspaces = []WorkspaceConfig{
		{Name: "cardiac-main", Project: "Cardiac Outcomes", Repo: repo("cardiac-study"), Branch: "main",
			Purpose: "The main analysis: cardiac events by region and age band, 2019 to 2024."},
		// No purpose, so the project page shows what completing the project needs.
		{Name: "cardiac-sensitivity", Project: "Cardiac Outcomes", Repo: repo("cardiac-study"), Branch: "sensitivity"},
		{Name: "vaccine-uptake", Project: "Vaccine Uptake", Repo: repo("vaccine-study"), Branch: "main",
			Purpose: "Uptake of the seasonal vaccine by practice and deprivation."},
		{Name: "vaccine-2023", Project: "Vaccine Uptake", Archived: true, Repo: repo("vaccine-study"), Branch: "season-2023",
			Purpose: "The 2023 season, kept for comparison."},
		{Name: "legacy-cohort", Project: "Legacy Cohort", Repo: repo("legacy-cohort"), Branch: "master",
			Purpose: "Follow-up of the legacy cohort."},
	}
	return c
}

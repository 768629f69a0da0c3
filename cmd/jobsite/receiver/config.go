package receiver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
)

// Config is the directory of the receiver: backends, people, projects and
// workspaces. It is read from a JSON file (see LoadConfig) and never changed
// by the server; what members edit on the site (a project's status, a
// workspace's purpose) is kept in the database, starting from the values
// here. The file looks like this:
//
//	{
//	  "backends": [
//	    {"slug": "test", "name": "Test backend", "token": "<40 hex characters>",
//	     "airlock_url": "https://airlock.test.example.org"}
//	  ],
//	  "users": [
//	    {"username": "alice", "email": "alice@example.org", "fullname": "Alice Able",
//	     "password_hash": "pbkdf2_sha256$600000$<salt>$<hash>",
//	     "roles": ["output_checker"], "backends": ["test"]}
//	  ],
//	  "projects": [
//	    {"name": "Heart Study", "slug": "heart-study", "status": "ongoing",
//	     "status_description": "Recruiting sites.",
//	     "orgs": ["Lead Org", "Partner Org"], "copilot": "carol",
//	     "members": [{"username": "alice", "role": "developer"},
//	                 {"username": "bob", "role": "collaborator"}]}
//	  ],
//	  "workspaces": [
//	    {"name": "heart-main", "project": "Heart Study", "archived": false,
//	     "repo": "https://github.com/example/heart-study", "branch": "main",
//	     "purpose": "The main analysis."}
//	  ]
//	}
//
// Global roles are "output_checker" (OutputChecker: may release and
// delete released files), "readonly" (read-only access to airlock, the
// jobs site's deployment administrator) and "publisher" (OutputPublisher:
// may publish draft outputs). Project roles are "developer"
// (ProjectDeveloper) and "collaborator" (ProjectCollaborator).
// "password_hash" (made with `jobsite hash-password`) lets the person sign
// in to the receiver's pages; users without one cannot sign in there.
// "backends" lists the backends the person may log in to airlock on.
// A backend's "airlock_url" is where its airlock serves, so workspace
// pages can link to their Level 4 outputs. A project's "status" is one of
// the ProjectStatus values; older files say "ongoing": true or false
// instead, read as "ongoing" or "retired" when "status" is absent.
type Config struct {
	Backends   []BackendConfig   `json:"backends"`
	Users      []UserConfig      `json:"users"`
	Projects   []ProjectConfig   `json:"projects"`
	Workspaces []WorkspaceConfig `json:"workspaces"`
}

// BackendConfig is one secure backend that may call the API.
type BackendConfig struct {
	Slug  string `json:"slug"`
	Name  string `json:"name"`
	Token string `json:"token"`
	// AirlockURL is the base URL of the backend's airlock, where Level 4
	// outputs are viewed; empty when there is none to link to.
	AirlockURL string `json:"airlock_url,omitempty"`
}

// UserConfig is one person known to the jobs site.
type UserConfig struct {
	Username     string   `json:"username"`
	Email        string   `json:"email"`
	Fullname     string   `json:"fullname"`
	PasswordHash string   `json:"password_hash,omitempty"`
	Roles        []string `json:"roles,omitempty"`
	Backends     []string `json:"backends,omitempty"`
}

// ProjectConfig is one research project.
type ProjectConfig struct {
	Name string `json:"name"`
	Slug string `json:"slug,omitempty"`
	// Ongoing is the older form of Status, used only when Status is empty.
	Ongoing           bool            `json:"ongoing"`
	Status            ProjectStatus   `json:"status,omitempty"`
	StatusDescription string          `json:"status_description,omitempty"`
	Orgs              []string        `json:"orgs,omitempty"`
	Copilot           string          `json:"copilot,omitempty"`
	Members           []ProjectMember `json:"members,omitempty"`
}

// ProjectMember gives a person a role on a project.
type ProjectMember struct {
	Username string `json:"username"`
	Role     string `json:"role"`
}

// WorkspaceConfig is one workspace of a project. Name is globally unique and
// equals the workspace directory name on the backend.
type WorkspaceConfig struct {
	Name     string `json:"name"`
	Project  string `json:"project"`
	Archived bool   `json:"archived"`
	// Repo is the web address of the workspace's code repository and
	// Branch the branch its jobs run from.
	Repo   string `json:"repo,omitempty"`
	Branch string `json:"branch,omitempty"`
	// Purpose is the workspace's first purpose; members edit it on the site.
	Purpose string `json:"purpose,omitempty"`
}

// The global roles a user may hold.
const (
	RoleOutputChecker = "output_checker"
	RoleReadonly      = "readonly"
	RolePublisher     = "publisher"
)

// The roles a user may hold on a project.
const (
	ProjectDeveloper    = "developer"
	ProjectCollaborator = "collaborator"
)

// maxConfigSize bounds the config file read into memory.
const maxConfigSize = 32 << 20

// LoadConfig reads and validates a JSON config file.
func LoadConfig(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("open config: %w", err)
	}
	defer f.Close()
	return ParseConfig(f)
}

// ParseConfig decodes and validates a JSON config. Unknown fields are
// refused so that a misspelt key does not silently drop a permission.
func ParseConfig(r io.Reader) (Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxConfigSize+1))
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	if len(data) > maxConfigSize {
		return Config{}, fmt.Errorf("config is larger than %d bytes", maxConfigSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("decode config: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

var (
	slugRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	usernameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	workspaceRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// Validate checks that names are well formed and unique and that every
// reference points at something that exists.
func (c Config) Validate() error {
	backends := map[string]bool{}
	tokens := map[string]bool{}
	for _, b := range c.Backends {
		if !slugRE.MatchString(b.Slug) {
			return fmt.Errorf("config: backend slug %q must be lower-case letters, digits and dashes", b.Slug)
		}
		if backends[b.Slug] {
			return fmt.Errorf("config: backend %q listed twice", b.Slug)
		}
		if len(b.Token) < 16 {
			return fmt.Errorf("config: backend %q needs a token of at least 16 characters", b.Slug)
		}
		if b.AirlockURL != "" && !isWebURL(b.AirlockURL) {
			return fmt.Errorf("config: backend %q has airlock_url %q, which is not an http or https address", b.Slug, b.AirlockURL)
		}
		if tokens[b.Token] {
			return fmt.Errorf("config: backend %q shares its token with another backend", b.Slug)
		}
		backends[b.Slug], tokens[b.Token] = true, true
	}
	users := map[string]bool{}
	emails := map[string]bool{}
	for _, u := range c.Users {
		if !usernameRE.MatchString(u.Username) || len(u.Username) > 150 {
			return fmt.Errorf("config: username %q is not valid", u.Username)
		}
		if users[u.Username] {
			return fmt.Errorf("config: user %q listed twice", u.Username)
		}
		users[u.Username] = true
		if u.Email != "" {
			if emails[u.Email] || users[u.Email] {
				return fmt.Errorf("config: email %q is used twice", u.Email)
			}
			emails[u.Email] = true
		}
		for _, r := range u.Roles {
			if r != RoleOutputChecker && r != RoleReadonly && r != RolePublisher {
				return fmt.Errorf("config: user %q has unknown role %q", u.Username, r)
			}
		}
		for _, b := range u.Backends {
			if !backends[b] {
				return fmt.Errorf("config: user %q names unknown backend %q", u.Username, b)
			}
		}
		if u.PasswordHash != "" {
			if _, err := parseSecretHash(u.PasswordHash); err != nil {
				return fmt.Errorf("config: user %q: %w", u.Username, err)
			}
		}
	}
	projects := map[string]bool{}
	for _, p := range c.Projects {
		if strings.TrimSpace(p.Name) == "" {
			return fmt.Errorf("config: a project has no name")
		}
		slug := p.slug()
		if projects[p.Name] || projects[slug] {
			return fmt.Errorf("config: project %q listed twice", p.Name)
		}
		projects[p.Name], projects[slug] = true, true
		if p.Status != "" && !p.Status.Valid() {
			return fmt.Errorf("config: project %q has unknown status %q", p.Name, p.Status)
		}
		if p.Copilot != "" && !users[p.Copilot] {
			return fmt.Errorf("config: project %q has unknown copilot %q", p.Name, p.Copilot)
		}
		for _, m := range p.Members {
			if !users[m.Username] {
				return fmt.Errorf("config: project %q has unknown member %q", p.Name, m.Username)
			}
			if m.Role != ProjectDeveloper && m.Role != ProjectCollaborator {
				return fmt.Errorf("config: project %q gives %q unknown role %q", p.Name, m.Username, m.Role)
			}
		}
	}
	workspaces := map[string]bool{}
	for _, w := range c.Workspaces {
		if !workspaceRE.MatchString(w.Name) || len(w.Name) > 200 {
			return fmt.Errorf("config: workspace name %q is not valid", w.Name)
		}
		if workspaces[w.Name] {
			return fmt.Errorf("config: workspace %q listed twice", w.Name)
		}
		workspaces[w.Name] = true
		if !projects[w.Project] {
			return fmt.Errorf("config: workspace %q names unknown project %q", w.Name, w.Project)
		}
		if w.Repo != "" && !isWebURL(w.Repo) {
			return fmt.Errorf("config: workspace %q has repo %q, which is not an http or https address", w.Name, w.Repo)
		}
		if len(w.Branch) > 200 || strings.ContainsAny(w.Branch, " \t\r\n") {
			return fmt.Errorf("config: workspace %q has branch %q, which is not a branch name", w.Name, w.Branch)
		}
		if msg := checkPurpose(w.Purpose); msg != "" {
			return fmt.Errorf("config: workspace %q: %s", w.Name, msg)
		}
	}
	return nil
}

// slug is the project's URL name: the configured one, or one made from the name.
func (p ProjectConfig) slug() string {
	if p.Slug != "" {
		return p.Slug
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(p.Name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// directory is the config indexed for lookups. It is built once and only read.
type directory struct {
	backends   []BackendConfig
	users      map[string]*UserConfig
	emails     map[string]*UserConfig
	projects   map[string]*ProjectConfig // by name and by slug
	workspaces map[string]*WorkspaceConfig
	wsOrder    []string
	bySlug     map[string]*ProjectConfig
	projList   []*ProjectConfig              // by name
	wsOf       map[string][]*WorkspaceConfig // project name → its workspaces, by name
}

func newDirectory(c Config) *directory {
	d := &directory{
		backends:   slices.Clone(c.Backends),
		users:      map[string]*UserConfig{},
		emails:     map[string]*UserConfig{},
		projects:   map[string]*ProjectConfig{},
		workspaces: map[string]*WorkspaceConfig{},
		bySlug:     map[string]*ProjectConfig{},
		wsOf:       map[string][]*WorkspaceConfig{},
	}
	for i := range c.Users {
		u := c.Users[i]
		d.users[u.Username] = &u
		if u.Email != "" {
			d.emails[u.Email] = &u
		}
	}
	for i := range c.Projects {
		p := c.Projects[i]
		d.projects[p.Name] = &p
		d.projects[p.slug()] = &p
		d.bySlug[p.slug()] = &p
		d.projList = append(d.projList, &p)
	}
	slices.SortFunc(d.projList, func(a, b *ProjectConfig) int { return strings.Compare(a.Name, b.Name) })
	for i := range c.Workspaces {
		w := c.Workspaces[i]
		d.workspaces[w.Name] = &w
		d.wsOrder = append(d.wsOrder, w.Name)
	}
	slices.Sort(d.wsOrder)
	for _, name := range d.wsOrder {
		w := d.workspaces[name]
		p := d.projects[w.Project].Name // a workspace may name its project by slug
		d.wsOf[p] = append(d.wsOf[p], w)
	}
	return d
}

func (u *UserConfig) hasRole(role string) bool { return u != nil && slices.Contains(u.Roles, role) }

// projectRole is the user's role on the project, or "".
func (p *ProjectConfig) projectRole(username string) string {
	for _, m := range p.Members {
		if m.Username == username {
			return m.Role
		}
	}
	return ""
}

func (d *directory) project(ws *WorkspaceConfig) *ProjectConfig { return d.projects[ws.Project] }

// initialStatus is the project's status as the config gives it.
func (p *ProjectConfig) initialStatus() ProjectStatus {
	switch {
	case p.Status != "":
		return p.Status
	case p.Ongoing:
		return StatusOngoing
	}
	return StatusRetired
}

// displayName is the person's full name, or their username.
func (d *directory) displayName(username string) string {
	if u := d.users[username]; u != nil && u.Fullname != "" {
		return u.Fullname
	}
	return username
}

// isWebURL reports whether s is an absolute http or https address.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

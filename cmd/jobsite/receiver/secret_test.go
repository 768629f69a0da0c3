package receiver

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestWordList(t *testing.T) {
	words := loadWords()
	if len(words) < 4000 {
		t.Fatalf("only %d words", len(words))
	}
	re := regexp.MustCompile(`^[a-z]{5,9}$`)
	seen := map[string]bool{}
	for _, w := range words {
		if !re.MatchString(w) {
			t.Fatalf("word %q is not 5-9 lowercase ASCII letters", w)
		}
		if seen[w] {
			t.Fatalf("word %q twice", w)
		}
		seen[w] = true
	}
}

func TestGenerateToken(t *testing.T) {
	words := loadWords()
	inList := map[string]bool{}
	for _, w := range words {
		inList[w] = true
	}
	seen := map[string]bool{}
	for range 50 {
		tok, err := generateToken(nil, words)
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(tok, " ")
		if len(parts) != 3 {
			t.Fatalf("token %q has %d words", tok, len(parts))
		}
		for _, p := range parts {
			if !inList[p] {
				t.Fatalf("token word %q not in the list", p)
			}
		}
		seen[tok] = true
	}
	if len(seen) < 45 {
		t.Fatalf("only %d distinct tokens of 50", len(seen))
	}
	// A fixed random source gives a fixed token.
	a, _ := generateToken(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), words)
	b, _ := generateToken(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), words)
	if a != b {
		t.Fatalf("%q != %q", a, b)
	}
	if _, err := generateToken(nil, nil); err == nil {
		t.Fatal("empty word list accepted")
	}
}

func TestNormaliseToken(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"apple banana cherry", "applebananacherry"},
		{"applebananacherry", "applebananacherry"},
		{"  apple  banana cherry \n", "applebananacherry"},
		{"\tApple Banana Cherry", "AppleBananaCherry"},
		{"", ""},
	} {
		if got := NormaliseToken(tc.in); got != tc.want {
			t.Errorf("NormaliseToken(%q)=%q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSecretHash(t *testing.T) {
	h, err := HashSecret("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "pbkdf2_sha256$210000$") {
		t.Fatalf("hash=%q", h)
	}
	h2, _ := HashSecret("correct horse")
	if h == h2 {
		t.Fatal("two hashes of one secret are equal: no salt")
	}
	if !VerifySecret("correct horse", h) || VerifySecret("correct horsf", h) || VerifySecret("", h) {
		t.Fatal("verify gives wrong answers")
	}
	for _, bad := range []string{"", "plain", "pbkdf2_sha256$1000$AAAAAAAAAAA$AAAA", "md5$100000$a$b",
		"pbkdf2_sha256$100000$!!$AAAA", "pbkdf2_sha256$x$AAAAAAAAAAA$AAAA"} {
		if VerifySecret("x", bad) {
			t.Fatalf("malformed hash %q matched", bad)
		}
		if _, err := parseSecretHash(bad); err == nil {
			t.Fatalf("malformed hash %q parsed", bad)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	valid := func() Config {
		return Config{
			Backends:   []BackendConfig{{Slug: "tpp", Token: "0123456789abcdef0123"}},
			Users:      []UserConfig{{Username: "a", Email: "a@x", Backends: []string{"tpp"}, Roles: []string{RoleOutputChecker}}},
			Projects:   []ProjectConfig{{Name: "P", Members: []ProjectMember{{Username: "a", Role: ProjectDeveloper}}}},
			Workspaces: []WorkspaceConfig{{Name: "ws", Project: "P"}},
		}
	}
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*Config){
		"BadSlug":           func(c *Config) { c.Backends[0].Slug = "TPP" },
		"ShortToken":        func(c *Config) { c.Backends[0].Token = "short" },
		"DuplicateBackend":  func(c *Config) { c.Backends = append(c.Backends, c.Backends[0]) },
		"BadUsername":       func(c *Config) { c.Users[0].Username = "a b" },
		"DuplicateUser":     func(c *Config) { c.Users = append(c.Users, UserConfig{Username: "a"}) },
		"EmailIsUsername":   func(c *Config) { c.Users = append(c.Users, UserConfig{Username: "b", Email: "a"}) },
		"UnknownRole":       func(c *Config) { c.Users[0].Roles = []string{"admin"} },
		"UnknownBackend":    func(c *Config) { c.Users[0].Backends = []string{"emis"} },
		"WeakPasswordHash":  func(c *Config) { c.Users[0].PasswordHash = "pbkdf2_sha256$1000$AAAAAAAAAAA$AAAA" },
		"UnknownMember":     func(c *Config) { c.Projects[0].Members[0].Username = "zed" },
		"UnknownMemberRole": func(c *Config) { c.Projects[0].Members[0].Role = "owner" },
		"UnknownCopilot":    func(c *Config) { c.Projects[0].Copilot = "zed" },
		"TraversalWS":       func(c *Config) { c.Workspaces[0].Name = ".." },
		"SlashWS":           func(c *Config) { c.Workspaces[0].Name = "a/b" },
		"HiddenWS":          func(c *Config) { c.Workspaces[0].Name = ".tmp" },
		"UnknownProject":    func(c *Config) { c.Workspaces[0].Project = "Q" },
	} {
		t.Run(name, func(t *testing.T) {
			c := valid()
			mutate(&c)
			if err := c.Validate(); err == nil {
				t.Fatal("invalid config accepted")
			}
		})
	}
	if _, err := ParseConfig(strings.NewReader(`{"backends": [], "userz": []}`)); err == nil {
		t.Fatal("unknown field accepted")
	}
}

func TestDemoConfig(t *testing.T) {
	c := DemoConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	var names []string
	archived, inactive := 0, 0
	d := newDirectory(c)
	for _, w := range c.Workspaces {
		names = append(names, w.Name)
		if w.Archived {
			archived++
		}
		if !d.project(d.workspaces[w.Name]).Ongoing {
			inactive++
		}
	}
	if strings.Join(names, ",") != strings.Join(DemoWorkspaces(), ",") || archived != 1 || inactive != 1 {
		t.Fatalf("workspaces=%v archived=%d inactive=%d", names, archived, inactive)
	}
	if !VerifySecret(DemoPassword, d.users[DemoChecker1].PasswordHash) {
		t.Fatal("demo password does not verify")
	}
	rc := d.userData(d.users[DemoResearcherChecker], d.initialStates())
	if !rc.OutputChecker || len(rc.Workspaces) == 0 {
		t.Fatalf("researcher-checker=%+v", rc)
	}
	if cp := d.userData(d.users[DemoCopilot], d.initialStates()); len(cp.CopilotedWorkspaces) == 0 || len(cp.Workspaces) != 0 {
		t.Fatalf("copilot=%+v", cp)
	}
	if ro := d.userData(d.users[DemoReadonly], d.initialStates()); !ro.ReadonlyAccess {
		t.Fatalf("readonly=%+v", ro)
	}
	// The demo config round-trips through the JSON file format.
	data, _ := json.Marshal(c)
	if _, err := ParseConfig(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseRelease(f *testing.F) {
	seed, err := os.ReadFile("testdata/release.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"files": [{}], "metadata": {}, "review": null}`))
	f.Add([]byte(`{"files": [{"name": "../a", "size": -1}], "metadata": {"airlock_id": 5}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, bad := parseRelease(data, DefaultSizeLimit)
		if bad != nil {
			if _, err := json.Marshal(bad); err != nil {
				t.Fatalf("error body does not encode: %v", err)
			}
			return
		}
		if len(req.Files) == 0 {
			t.Fatal("accepted a release without files")
		}
		for _, fl := range req.Files {
			if msg := CheckFileName(fl.Name); msg != "" {
				t.Fatalf("accepted bad name %q: %s", fl.Name, msg)
			}
			if len(fl.SHA256) != 64 || fl.Size < 0 || fl.Size > DefaultSizeLimit {
				t.Fatalf("accepted bad file %+v", fl)
			}
		}
		if req.AirlockID != "" && !releaseIDRE.MatchString(req.AirlockID) {
			t.Fatalf("accepted bad id %q", req.AirlockID)
		}
	})
}

func FuzzUploadFilename(f *testing.F) {
	for _, s := range []string{`attachment; filename="output/table.csv"`, `attachment; filename*=UTF-8''a%2Fb`,
		`attachment; filename="a\"b"`, `attachment`, ``, `;;;=`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		name := uploadFilename(header)
		// Whatever the header, a name is only ever used after matching a
		// registered (checked) name; here it must at least not panic and
		// CheckFileName must give an answer.
		_ = CheckFileName(name)
	})
}

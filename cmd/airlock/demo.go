package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
)

// sampleFile is one generated workspace file.
type sampleFile struct {
	body  []byte
	level string // manifest level; "" means moderately_sensitive
	stale bool   // from an out-of-date action
}

// writeSampleWorkspaces creates the demo workspaces (those of the
// receiver's DemoConfig) with varied outputs and correct manifests, whose
// outputs name the commits of the demo repositories. It leaves existing
// workspaces alone.
func writeSampleWorkspaces(dir string, commits demoCommits, now time.Time) error {
	xlsx, err := sampleXLSX()
	if err != nil {
		return err
	}
	chart := samplePNG(320, 200)
	sets := map[string]map[string]sampleFile{
		"cardiac-main": {
			"output/tables/counts_by_region.csv":   {body: []byte(sampleCSV(40))},
			"output/tables/rates_by_age.csv":       {body: []byte("age_band,events,population,rate_per_1000\n18-39,125,51230,2.44\n40-59,340,48770,6.97\n60-79,615,30115,20.42\n80+,290,8040,36.07\n")},
			"output/tables/small_counts.csv":       {body: []byte("practice,count\nA,3\nB,12\nC,[REDACTED]\nD,<=7\n")},
			"output/figures/incidence.png":         {body: chart},
			"output/report/chart.html":             {body: []byte(sampleHTML)},
			"output/model/summary.json":            {body: []byte(`{"model": "cox", "hazard_ratio": 1.23, "ci": [1.05, 1.44], "n": 138155}` + "\n")},
			"output/README.md":                     {body: []byte("# Cardiac outcomes\n\nOutputs of the **main** analysis.\n\n- tables/: counts and rates, rounded to 5\n- figures/: incidence over time\n")},
			"output/workbook/summary.xlsx":         {body: xlsx},
			"output/deep/level1/level2/nested.csv": {body: []byte("a,b\n1,2\n3,4\n")},
			"output/old/previous_run.csv":          {body: []byte("x\n1\n"), stale: true},
			"output/notes.txt":                     {body: []byte("Notes for the output checkers.\nAll counts below 8 are redacted.\n")},
			"output/data/patients.csv":             {body: []byte("patient_id,age\n1,50\n"), level: "highly_sensitive"},
			"metadata/make_tables.log":             {body: []byte(sampleLog)},
		},
		"cardiac-sensitivity": {
			"output/sensitivity.csv": {body: []byte(sampleCSV(12))},
			"output/method.txt":      {body: []byte("Sensitivity analysis excluding the first 90 days.\n")},
		},
		"vaccine-uptake": {
			"output/uptake_by_week.csv": {body: []byte(sampleCSV(52))},
			"output/uptake.png":         {body: samplePNG(240, 160)},
			"output/summary.md":         {body: []byte("Uptake rose to **78%** by week 30.\n")},
		},
		"vaccine-2023": {
			"output/uptake_2023.csv": {body: []byte(sampleCSV(10))},
		},
		"legacy-cohort": {
			"output/cohort_summary.csv": {body: []byte(sampleCSV(8))},
		},
	}
	for _, ws := range receiver.DemoWorkspaces() {
		files := sets[ws]
		if files == nil {
			files = map[string]sampleFile{"output/readme.txt": {body: []byte("Demo workspace " + ws + "\n")}}
		}
		if _, err := os.Stat(filepath.Join(dir, ws, "metadata", "manifest.json")); err == nil {
			continue
		}
		if err := writeWorkspace(dir, ws, files, commits, now); err != nil {
			return fmt.Errorf("write sample workspace %s: %w", ws, err)
		}
	}
	return nil
}

// writeWorkspace writes files and a job-runner manifest with their hashes.
func writeWorkspace(dir, ws string, files map[string]sampleFile, commits demoCommits, now time.Time) error {
	repo := demoRepoOf[ws]
	if repo == "" {
		repo = ws
	}
	outputs := map[string]any{}
	for p, f := range files {
		full := filepath.Join(dir, ws, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, f.body, 0o644); err != nil {
			return err
		}
		if strings.HasPrefix(p, "metadata/") {
			continue // listed from disk, not from the manifest
		}
		sum := sha256.Sum256(f.body)
		level := f.level
		if level == "" {
			level = "moderately_sensitive"
		}
		outputs[p] = map[string]any{
			"level": level, "job_id": "job-" + ws, "action": "generate_outputs", "repo": demoRepoURL(repo),
			"commit": commits.commit(repo, f.stale), "user": receiver.DemoResearcher,
			"content_hash": hex.EncodeToString(sum[:]), "size": len(f.body), "timestamp": now.Unix(),
			"out_of_date_action": f.stale,
		}
	}
	m, err := json.MarshalIndent(map[string]any{"workspace": ws, "repo": demoRepoURL(repo), "outputs": outputs}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, ws, "metadata"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ws, "metadata", "manifest.json"), m, 0o644)
}

func sampleCSV(rows int) string {
	var b strings.Builder
	b.WriteString("region,week,events,population\n")
	regions := []string{"North", "South", "East", "West"}
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "%s,%d,%d,%d\n", regions[i%len(regions)], i+1, 10+(i*37)%200/5*5, 10000+i*125)
	}
	return b.String()
}

// samplePNG draws a small bar chart.
func samplePNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{250, 250, 252, 255})
		}
	}
	bars := []int{40, 75, 120, 90, 150, 60}
	bw := w / (len(bars)*2 + 1)
	for i, v := range bars {
		x0 := bw * (2*i + 1)
		for y := h - v; y < h-5 && y >= 0; y++ {
			for x := x0; x < x0+bw; x++ {
				img.Set(x, y, color.RGBA{31, 78, 140, 255})
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// sampleXLSX builds a small workbook with excelize.
func sampleXLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{{"Outcome", "Events", "Rate"}, {"MI", 125, 2.4}, {"Stroke", 90, 1.7}, {"Heart failure", 210, 4.1}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			return nil, err
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sampleHTML is an HTML output with an inline SVG chart and a script that
// must never run (D8).
const sampleHTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>Incidence chart</title></head>
<body>
<h1>Incidence by month</h1>
<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120" role="img" aria-label="bar chart">
  <rect x="10" y="60" width="30" height="60" fill="#1f4e8c"/>
  <rect x="50" y="30" width="30" height="90" fill="#1f4e8c"/>
  <rect x="90" y="10" width="30" height="110" fill="#1f4e8c"/>
</svg>
<script>document.body.innerHTML = "<h1>THIS SCRIPT MUST NEVER RUN</h1>"; fetch("/workspaces/");</script>
</body></html>
`

// sampleLog is a job log with ANSI colours and a JOB SUMMARY trailer.
const sampleLog = "2026-03-01T09:00:00Z \x1b[32mINFO\x1b[0m starting action generate_outputs\n" +
	"2026-03-01T09:00:01Z \x1b[33mWARN\x1b[0m 3 rows with missing region dropped\n" +
	"2026-03-01T09:00:05Z \x1b[32mINFO\x1b[0m wrote output/tables/counts_by_region.csv\n" +
	"2026-03-01T09:00:06Z \x1b[31mERROR\x1b[0m (recovered) retrying database query\n" +
	"=============JOB SUMMARY=============\n" +
	"  status: Completed successfully\n  outputs: 11\n  runtime: 00:00:06\n"

// demoUsers builds the dev users of the receiver's DemoConfig, as the jobs
// site would report them, each with a random token.
func demoUsers() (map[string]any, error) {
	cfg := receiver.DemoConfig()
	wsByProject := map[string][]receiver.WorkspaceConfig{}
	for _, w := range cfg.Workspaces {
		wsByProject[w.Project] = append(wsByProject[w.Project], w)
	}
	out := map[string]any{}
	for _, person := range cfg.Users {
		u := airlock.User{Username: person.Username, Fullname: person.Fullname,
			Workspaces: map[string]airlock.WorkspaceAccess{}, CopilotedWorkspaces: map[string]airlock.WorkspaceAccess{}}
		for _, r := range person.Roles {
			switch r {
			case receiver.RoleOutputChecker:
				u.OutputChecker = true
			case receiver.RoleReadonly:
				u.ReadonlyAccess = true
			}
		}
		for _, p := range cfg.Projects {
			ongoing := p.Ongoing
			details := airlock.ProjectDetails{Name: p.Name, Ongoing: &ongoing, Orgs: p.Orgs}
			developer := false
			for _, m := range p.Members {
				if m.Username == person.Username && m.Role == receiver.ProjectDeveloper {
					developer = true
				}
			}
			for _, w := range wsByProject[p.Name] {
				a := airlock.WorkspaceAccess{ProjectDetails: details, Archived: w.Archived}
				if developer {
					u.Workspaces[w.Name] = a
				}
				if p.Copilot == person.Username {
					u.CopilotedWorkspaces[w.Name] = a
				}
			}
		}
		var b [6]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		out[person.Username] = map[string]any{"token": "demo " + hex.EncodeToString(b[:]), "details": u}
	}
	return out, nil
}

// ensureDevUsers writes the demo users file once and returns its path.
func ensureDevUsers(workDir string) (string, error) {
	p := filepath.Join(workDir, "dev-users.json")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	users, err := demoUsers()
	if err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(users, "", "  ")
	if err != nil {
		return "", err
	}
	return p, os.WriteFile(p, b, 0o600)
}

// ensureSessionKeys returns the session keys persisted in the work dir,
// generating a hash key and an encryption key on first start.
func ensureSessionKeys(workDir string) ([][]byte, error) {
	p := filepath.Join(workDir, "session.keys")
	if b, err := os.ReadFile(p); err == nil {
		var keys [][]byte
		for _, line := range strings.Fields(string(b)) {
			k, err := hex.DecodeString(line)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			keys = append(keys, k)
		}
		if len(keys) > 0 && len(keys[0]) >= 32 {
			return keys, nil
		}
		return nil, fmt.Errorf("%s holds no usable keys", p)
	}
	keys := [][]byte{make([]byte, 64), make([]byte, 32)}
	for _, k := range keys {
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
	}
	text := hex.EncodeToString(keys[0]) + "\n" + hex.EncodeToString(keys[1]) + "\n"
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		return nil, err
	}
	return keys, nil
}

package workspaces

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// ManifestPath is where the job runner writes a workspace's manifest.
const ManifestPath = "metadata/manifest.json"

// MetadataDir is the directory whose files are listed from disk, not from the manifest.
const MetadataDir = "metadata"

// VisibleLevel is the only manifest output level airlock shows.
const VisibleLevel = "moderately_sensitive"

// Manifest is a parsed metadata/manifest.json, reduced to what airlock
// uses. It is immutable once returned: callers must not modify it.
type Manifest struct {
	Hash string // identifies the manifest bytes (see manifestHash), lowercase hex
	Repo string // the top-level repo, else the repo of the first output by path

	// Outputs are the files the manifest makes visible, sorted by Path:
	// moderately_sensitive outputs that are not out_of_date_output, with
	// excluded outputs replaced by their "<path>.txt" placeholder. Outputs
	// from out-of-date actions are included and flagged. Outputs under
	// metadata/ are left out: that directory is listed from the disk.
	Outputs []airlock.WorkspaceFile

	// OutOfDateActionCount counts the visible outputs from out-of-date actions.
	OutOfDateActionCount int

	// LatestUser is the user of the output (any level) with the greatest
	// timestamp, or "" if it has none (used by automated requests).
	LatestUser string

	// Problems lists entries that were skipped, for logs and diagnostics.
	Problems []string
}

type rawManifest struct {
	Workspace string               `json:"workspace"`
	Repo      string               `json:"repo"`
	Outputs   map[string]rawOutput `json:"outputs"`
}

// scannedManifest is a manifest as scanManifest reads it: its outputs in
// the order of the text, a path possibly more than once (the last counts,
// as in json.Unmarshal's map), and HasOutputs false for a missing or null
// "outputs". A slice rather than rawManifest's map: filling and reading a
// map of 100,000 outputs was a quarter of a cold first view.
type scannedManifest struct {
	Workspace  string
	Repo       string
	Outputs    []namedOutput
	HasOutputs bool
}

type namedOutput struct {
	Path string
	rawOutput
}

// scanned gives json.Unmarshal's reading in scanManifest's form.
func (raw rawManifest) scanned() scannedManifest {
	sm := scannedManifest{Workspace: raw.Workspace, Repo: raw.Repo, HasOutputs: raw.Outputs != nil}
	for p, o := range raw.Outputs {
		sm.Outputs = append(sm.Outputs, namedOutput{Path: p, rawOutput: o})
	}
	return sm
}

// byPath sorts outputs by path and keeps the last of each path, leaving
// what json.Unmarshal's map would hold, in order.
func byPath(outputs []namedOutput) []namedOutput {
	// Stable, so that of equal paths the last in the text stays last; the
	// usual manifest is in order already, which costs one pass.
	if !slices.IsSortedFunc(outputs, comparePaths) {
		slices.SortStableFunc(outputs, comparePaths)
	}
	kept := outputs[:0]
	for i := range outputs {
		if i+1 < len(outputs) && outputs[i+1].Path == outputs[i].Path {
			continue
		}
		kept = append(kept, outputs[i])
	}
	return kept
}

func comparePaths(a, b namedOutput) int { return strings.Compare(a.Path, b.Path) }

type rawOutput struct {
	Level           string      `json:"level"`
	JobID           string      `json:"job_id"`
	Action          string      `json:"action"`
	Repo            string      `json:"repo"`
	Commit          string      `json:"commit"`
	User            string      `json:"user"`
	ContentHash     string      `json:"content_hash"`
	Size            json.Number `json:"size"`
	Timestamp       json.Number `json:"timestamp"`
	RowCount        *int        `json:"row_count"`
	ColCount        *int        `json:"col_count"`
	Excluded        bool        `json:"excluded"`
	OutOfDateOutput bool        `json:"out_of_date_output"`
	OutOfDateAction bool        `json:"out_of_date_action"`
}

// ParseManifest parses the bytes of a workspace's manifest. It returns an
// EINVALID *airlock.Error naming the workspace and the problem if data is
// not a JSON object of the expected shape. A missing "outputs" key means no
// outputs. Entries with unusable paths are skipped and listed in Problems.
func ParseManifest(workspace string, data []byte) (*Manifest, error) {
	return parseManifest(workspace, data, manifestHash(data))
}

// hashInHalvesFrom is the size from which manifestHash uses both cores.
const hashInHalvesFrom = 1 << 20

// manifestHash identifies a manifest's bytes: it is the key of the kept
// parsed manifests and tells a rewritten manifest from an unchanged one.
// A large manifest is hashed as SHA-256 over the SHA-256 of each half,
// the halves at once, so that hashing takes half the time in the first
// view of a large workspace and at each re-read of a recently changed
// one. Two different manifests get one key only if SHA-256 collides.
func manifestHash(data []byte) string {
	if len(data) < hashInHalvesFrom {
		return hashBytes(data)
	}
	mid := len(data) / 2
	var second [sha256.Size]byte
	done := make(chan struct{})
	go func() {
		second = sha256.Sum256(data[mid:])
		close(done)
	}()
	first := sha256.Sum256(data[:mid])
	<-done
	return hashBytes(append(first[:], second[:]...))
}

// parseManifest is ParseManifest of data whose manifestHash is hash.
func parseManifest(workspace string, data []byte, hash string) (*Manifest, error) {
	m := &Manifest{Hash: hash}

	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if !json.Valid(data) {
			return nil, manifestError(workspace, "is not valid JSON: %s", jsonProblem(data))
		}
		return nil, manifestError(workspace, "is not a JSON object")
	}
	raw, ok := scanManifest(data)
	if !ok {
		var unmarshalled rawManifest
		if err := json.Unmarshal(data, &unmarshalled); err != nil {
			if json.Valid(data) {
				return nil, manifestError(workspace, "has an unexpected shape: %s", err)
			}
			return nil, manifestError(workspace, "is not valid JSON: %s", err)
		}
		raw = unmarshalled.scanned()
	}
	if !raw.HasOutputs {
		m.Problems = append(m.Problems, "the manifest has no outputs")
	}

	// Visiting the paths in order leaves Outputs (almost) sorted, which
	// makes the final sort cheap, and makes "first output" well defined.
	outputs := byPath(raw.Outputs)
	c := convertOutputs(outputs)
	m.Outputs, m.LatestUser, m.Repo = c.files, c.latestUser, c.repo
	m.Problems = append(m.Problems, c.problems...)
	if raw.Repo != "" {
		m.Repo = raw.Repo
	}
	// An excluded output's placeholder may collide with a real output of the
	// same name; sorting real outputs first and keeping the first of each
	// run makes the real output win.
	slices.SortFunc(m.Outputs, func(a, b airlock.WorkspaceFile) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		switch {
		case a.InManifest == b.InManifest:
			return 0
		case a.InManifest:
			return -1
		}
		return 1
	})
	m.Outputs = slices.CompactFunc(m.Outputs, func(a, b airlock.WorkspaceFile) bool { return a.Path == b.Path })
	for _, o := range m.Outputs {
		if o.OutOfDateAction {
			m.OutOfDateActionCount++
		}
	}
	slices.Sort(m.Problems)
	return m, nil
}

// converted is what convertOutputs makes of outputs in path order.
type converted struct {
	files    []airlock.WorkspaceFile
	problems []string
	// The latest output with a user, by timestamp and then path.
	latest                 time.Time
	latestPath, latestUser string
	repo                   string // the first repository named, in path order
}

// convertFrom is how many outputs make convertOutputs use two goroutines.
const convertFrom = 4096

// convertOutputs turns outputs, sorted by path and each path once, into
// workspace files, converting two halves at once when there are many.
func convertOutputs(outputs []namedOutput) converted {
	if len(outputs) < convertFrom {
		return convertRun(outputs, len(outputs))
	}
	half := len(outputs) / 2
	done := make(chan converted, 1)
	go func() { done <- convertRun(outputs[half:], len(outputs)-half) }()
	first := convertRun(outputs[:half], len(outputs))
	return first.then(<-done)
}

// then joins the conversion of the outputs that follow c's in path order,
// as one conversion of both would have made it.
func (c converted) then(next converted) converted {
	c.files = append(c.files, next.files...)
	c.problems = append(c.problems, next.problems...)
	if next.latestUser != "" {
		c.latestOf(next.latest, next.latestPath, next.latestUser)
	}
	if c.repo == "" {
		c.repo = next.repo
	}
	return c
}

func (c *converted) latestOf(ts time.Time, path, user string) {
	if c.latestUser == "" || ts.After(c.latest) || (ts.Equal(c.latest) && path > c.latestPath) {
		c.latest, c.latestPath, c.latestUser = ts, path, user
	}
}

// convertRun converts outputs in order, with room for capacity files.
func convertRun(outputs []namedOutput, capacity int) converted {
	c := converted{files: make([]airlock.WorkspaceFile, 0, capacity)}
	for i := range outputs {
		p, o := outputs[i].Path, &outputs[i].rawOutput
		ts, err := parseTimestamp(o.Timestamp)
		if err != nil {
			c.problems = append(c.problems, fmt.Sprintf("output %q: timestamp: %v", p, err))
		}
		if o.User != "" {
			c.latestOf(ts, p, o.User)
		}
		if o.Repo != "" && c.repo == "" {
			c.repo = o.Repo
		}
		if o.Level != VisibleLevel || o.OutOfDateOutput {
			continue
		}
		listed := p
		if o.Excluded {
			listed = p + ".txt"
		}
		if _, err := ValidatePath(listed); err != nil || listed == "" {
			why := "it is empty"
			if err != nil {
				why = airlock.ErrorMessage(err)
			}
			c.problems = append(c.problems, fmt.Sprintf("output %q: unusable path: %s", p, why))
			continue
		}
		if listed == MetadataDir || strings.HasPrefix(listed, MetadataDir+"/") {
			c.problems = append(c.problems, fmt.Sprintf("output %q: under %s/, which is listed from disk", p, MetadataDir))
			continue
		}
		size, err := parseSize(o.Size)
		if err != nil {
			c.problems = append(c.problems, fmt.Sprintf("output %q: size: %v", p, err))
		}
		fm := airlock.WorkspaceFile{
			Path:            listed,
			Size:            size,
			Timestamp:       ts,
			ContentHash:     strings.ToLower(o.ContentHash),
			Commit:          o.Commit,
			Repo:            o.Repo,
			JobID:           o.JobID,
			User:            o.User,
			Action:          o.Action,
			RowCount:        o.RowCount,
			ColCount:        o.ColCount,
			OutOfDateAction: o.OutOfDateAction,
			Excluded:        o.Excluded,
			InManifest:      !o.Excluded,
		}
		if o.Excluded {
			// The placeholder is a different file: its size, time and hash are read from disk.
			fm.Size, fm.Timestamp, fm.ContentHash = 0, time.Time{}, ""
		}
		c.files = append(c.files, fm)
	}
	return c
}

func manifestError(workspace, format string, args ...any) error {
	return airlock.Errorf(airlock.EINVALID, "workspace %q: %s %s", workspace, ManifestPath, fmt.Sprintf(format, args...))
}

// jsonProblem describes why data is not valid JSON.
func jsonProblem(data []byte) string {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err.Error()
	}
	return "unknown error"
}

// parseTimestamp reads epoch seconds, possibly fractional, as the job runner writes them.
func parseTimestamp(n json.Number) (time.Time, error) {
	if n == "" {
		return time.Time{}, nil
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1<<40 {
		return time.Time{}, fmt.Errorf("not a time in epoch seconds: %s", n)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
}

func parseSize(n json.Number) (int64, error) {
	if n == "" {
		return 0, nil
	}
	if i, err := n.Int64(); err == nil && i >= 0 {
		return i, nil
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > math.MaxInt64/2 || f != math.Trunc(f) {
		return 0, fmt.Errorf("not a byte count: %s", n)
	}
	return int64(f), nil
}

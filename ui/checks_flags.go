package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/ui/viewer"
)

// cellFlags turns a file's disclosure checks into the flags the table
// viewer shows on cells, by sheet, and names the variant of the rendering
// they make (the exceptions and roles in force), for its ETag.
func cellFlags(c *airlock.CheckedFile, people review.People) (map[string]*viewer.Flags, string) {
	if c == nil {
		return nil, ""
	}
	out := map[string]*viewer.Flags{}
	h := sha256.New()
	h.Write([]byte(c.RuleSet))
	for _, t := range c.Tables {
		f := viewer.NewFlags()
		for _, n := range t.Roles {
			h.Write([]byte("|r" + strconv.FormatInt(n.ID, 10)))
		}
		for _, fd := range t.Findings {
			cf := viewer.CellFlag{Fail: fd.Fails(), Rule: fd.Rule, Message: fd.Message, Recovered: fd.Recovered}
			if n := fd.Exception; n != nil {
				cf.Exception = "Exception asked by " + people.Name(n.Author) + ": “" + n.Reason + "”"
				h.Write([]byte("|e" + strconv.FormatInt(n.ID, 10)))
			}
			if n := fd.Override; n != nil {
				cf.Exception = "No longer raised: " + people.Name(n.Author) + " declared column “" + n.Column + "” as " + n.Role + ": “" + n.Reason + "”"
			}
			f.Add(fd.Row, fd.Col, cf)
		}
		out[t.Sheet] = f
	}
	return out, "c" + hex.EncodeToString(h.Sum(nil))[:12]
}

// noteAuthors are the people who made the notes on a file's checks.
func noteAuthors(c *airlock.CheckedFile) []string {
	var out []string
	if c == nil {
		return nil
	}
	for _, t := range c.Tables {
		for _, fd := range t.Findings {
			if fd.Exception != nil {
				out = append(out, fd.Exception.Author)
			}
			if fd.Override != nil {
				out = append(out, fd.Override.Author)
			}
		}
	}
	return out
}

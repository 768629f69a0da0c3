package review_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// bad is what a form posting text=caf%E9 delivers: Latin-1, not UTF-8.
const bad = "caf\xe9"

// TestInvalidUTF8Refused sends bytes that are not UTF-8 into every text
// field of the service: each action is refused with EINVALID and a message
// saying so, nothing is stored, and the audit chain stays intact (issue 9,
// item 2: before, the comment was stored and verification then failed).
func TestInvalidUTF8Refused(t *testing.T) {
	e := newEnv(t)
	id := e.pending(alice)
	e.must(e.svc.Submit(e.ctx, alice, id))
	e.must(e.svc.Vote(e.ctx, chk1, id, "out/table.csv", airlock.VoteApproved))
	carolID := e.add(carol, "w1", "draft", airlock.FileOutput, "out/table.csv")
	e.ws.put("w1", "out/"+bad+".csv", "x\n1\n")
	before := e.dump()
	for name, act := range map[string]func() error{
		"CommentText":  func() error { return e.svc.Comment(e.ctx, chk1, id, "tables", bad, airlock.Public) },
		"CommentGroup": func() error { return e.svc.Comment(e.ctx, chk1, id, bad, "fine", airlock.Public) },
		"Context":      func() error { return e.svc.EditGroup(e.ctx, carol, carolID, "draft", bad, "ok") },
		"Controls":     func() error { return e.svc.EditGroup(e.ctx, carol, carolID, "draft", "ok", bad) },
		"EditGroupName": func() error {
			return e.svc.EditGroup(e.ctx, carol, carolID, bad, "ok", "ok")
		},
		"AddFileGroup": func() error {
			return firstErr(e.svc.AddFiles(e.ctx, carol, "w1", []review.AddItem{{Path: "out/notes.txt", Type: airlock.FileOutput}}, bad))
		},
		"AddFilePath": func() error {
			return firstErr(e.svc.AddFiles(e.ctx, carol, "w1", []review.AddItem{{Path: "out/" + bad + ".csv", Type: airlock.FileOutput}}, "draft"))
		},
		"AddFileWorkspace": func() error {
			return firstErr(e.svc.AddFiles(e.ctx, carol, bad, []review.AddItem{{Path: "out/notes.txt", Type: airlock.FileOutput}}, "draft"))
		},
		"ChangeFilesGroup": func() error {
			return firstErr(e.svc.ChangeFiles(e.ctx, carol, carolID, []review.AddItem{{Path: "out/table.csv", Type: airlock.FileOutput}}, review.GroupChoice{Name: bad}))
		},
		"WorkspaceViewPath": func() error { return openWorkspaceFile(e, "out/"+bad) },
		"CodeViewPath": func() error {
			_, err := e.svc.OpenCodeFile(e.ctx, carol, review.CodeRef{Workspace: "w1", Commit: "c"}, bad)
			return err
		},
		"CodeViewCommit": func() error {
			_, err := e.svc.OpenCodeFile(e.ctx, carol, review.CodeRef{Workspace: "w1", Commit: bad}, "a")
			return err
		},
		"Username": func() error {
			return e.svc.SaveUser(e.ctx, &airlock.User{Username: bad}, e.clock)
		},
		"Fullname": func() error {
			return e.svc.SaveUser(e.ctx, &airlock.User{Username: "zed", Fullname: bad}, e.clock)
		},
		"UsernameReplaced": func() error {
			return e.svc.SaveUser(e.ctx, &airlock.User{Username: "caf\uFFFD"}, e.clock)
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := act()
			if airlock.ErrorCode(err) != airlock.EINVALID {
				t.Fatalf("got %v, want EINVALID", err)
			}
			if msg := airlock.ErrorMessage(err); !strings.Contains(msg, "UTF-8") {
				t.Errorf("message %q does not say what is wrong", msg)
			}
			if got := e.dump(); got != before {
				t.Errorf("a refused action changed the database")
			}
			if _, err := e.db.VerifyAudit(e.ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// FuzzTextFields puts arbitrary bytes into every text field the service
// takes and verifies the audit chain after each step. Text that is not
// UTF-8 must be refused as invalid; text that is accepted must be stored
// exactly as sent.
func FuzzTextFields(f *testing.F) {
	for _, s := range []string{"caf\xe9", "café", "", " ", "\xff\xfe", "a\x00b", "caf\uFFFD", "\xed\xa0\x80", "tables", "out/x.csv", "<script>", `"\u0000"`} {
		f.Add([]byte(s))
	}
	e := newEnv(f)
	id := e.pending(alice)
	e.must(e.svc.Submit(e.ctx, alice, id))
	draft := e.add(carol, "w1", "draft", airlock.FileOutput, "out/table.csv")
	f.Fuzz(func(t *testing.T, b []byte) {
		s := string(b)
		notUTF8 := !utf8.ValidString(s)
		commentErr := e.svc.Comment(e.ctx, chk1, id, "tables", s, airlock.Public)
		if commentErr == nil {
			v, err := e.svc.View(e.ctx, chk1, id)
			if err != nil {
				t.Fatal(err)
			}
			cs := v.Request.Group("tables").Comments
			if got := cs[len(cs)-1].Text; got != strings.TrimSpace(s) {
				t.Fatalf("comment stored as %q, sent %q", got, s)
			}
		}
		steps := map[string]error{
			"comment":       commentErr,
			"comment group": e.svc.Comment(e.ctx, chk1, id, s, "fine", airlock.Private),
			"context":       e.svc.EditGroup(e.ctx, carol, draft, "draft", s, "controls"),
			"controls":      e.svc.EditGroup(e.ctx, carol, draft, "draft", "context", s),
			"new group": firstErr(e.svc.AddFiles(e.ctx, carol, "w1",
				[]review.AddItem{{Path: "out/notes.txt", Type: airlock.FileSupporting}}, s)),
			"change group": firstErr(e.svc.ChangeFiles(e.ctx, carol, draft, []review.AddItem{{Path: "out/table.csv", Type: airlock.FileOutput}}, review.GroupChoice{Name: s})),
			"view path":    openWorkspaceFile(e, s),
			"code path":    openCode(e, s),
			"username":     e.svc.SaveUser(e.ctx, &airlock.User{Username: s}, e.clock),
			"full name":    e.svc.SaveUser(e.ctx, &airlock.User{Username: "zed", Fullname: s}, e.clock),
		}
		e.ws.put("w1", s, "bytes")
		steps["add path"] = firstErr(e.svc.AddFiles(e.ctx, carol, "w1", []review.AddItem{{Path: s, Type: airlock.FileSupporting}}, "draft"))
		if s != "out/table.csv" {
			steps["withdraw path"] = firstErr(e.svc.WithdrawFiles(e.ctx, carol, draft, []string{s}))
		}
		for name, err := range steps {
			if notUTF8 && airlock.ErrorCode(err) != airlock.EINVALID {
				t.Errorf("%s %q: %v, want refused as invalid", name, s, err)
			}
		}
		if _, err := e.db.VerifyAudit(e.ctx); err != nil {
			t.Fatalf("after %q: %v", s, err)
		}
	})
}

// openWorkspaceFile opens a file of w1 as carol, and closes it.
func openWorkspaceFile(e *env, path string) error {
	c, err := e.svc.OpenWorkspaceFile(e.ctx, carol, "w1", path)
	if err == nil {
		c.Content.Close()
	}
	return err
}

// openCode opens a file of the source code behind w1, as carol.
func openCode(e *env, path string) error {
	_, err := e.svc.OpenCodeFile(e.ctx, carol, review.CodeRef{Workspace: "w1", Commit: "c"}, path)
	return err
}

package airlock

import (
	"strings"
	"unicode/utf8"
)

// The rule for text (issue 9): airlock stores and audits only valid UTF-8,
// and refuses anything else where it arrives, with EINVALID (422) and a
// message, so nothing is stored. Replacing bad bytes instead would make the
// stored text differ from what was sent and from what a checker approved.
//
// Text a person writes (comments, context, controls) may be any valid
// UTF-8. Names (paths, workspace and group names, usernames) must also not
// hold U+FFFD, the replacement character: JSON decoders and browsers turn
// bytes they cannot decode into it, so a name holding it no longer names
// the file or person it came from.

// CheckText refuses text that is not valid UTF-8. what names the field for
// the person, such as "comment".
func CheckText(what, s string) error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "The %s holds bytes that are not valid UTF-8 text, so it was not saved. Please type or paste it again as plain text.", what)
	}
	return nil
}

// CheckName refuses a name that is not valid UTF-8 or holds U+FFFD.
func CheckName(what, s string) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		return Errorf(EINVALID, "The %s %q holds bytes that are not valid UTF-8 text, so airlock cannot use it.", what, s)
	}
	return nil
}

// CheckText refuses an event whose fields are not all valid UTF-8: the
// chain hashes the stored bytes, and a store must never keep an event it
// would have to alter.
func (e *AuditEvent) CheckText() error {
	for what, s := range map[string]string{"event type": string(e.Type), "user": e.User, "workspace": e.Workspace,
		"request": e.Request, "path": e.Path} {
		if err := CheckText("audit event's "+what, s); err != nil {
			return err
		}
	}
	for k, v := range e.Extra {
		if !utf8.ValidString(k) {
			return CheckText("audit event's detail name", k)
		}
		if err := CheckText("audit event's "+k, v); err != nil {
			return err
		}
	}
	return nil
}

// CheckNames refuses the first of names that CheckName refuses.
func CheckNames(what string, names ...string) error {
	for _, n := range names {
		if err := CheckName(what, n); err != nil {
			return err
		}
	}
	return nil
}

// CheckText refuses a user record from the jobs site whose username or
// workspace names are not usable names, or whose full name or project
// details are not valid UTF-8. The whole user is refused, with a message
// saying whom to ask, rather than stored in part.
func (u *User) CheckText() error {
	fail := func(what, s string) error {
		return Errorf(EINVALID, "The jobs site describes this account with a %s that is not valid UTF-8 text (%q), so airlock cannot sign it in. Please ask your backend's support team to correct it at the jobs site.", what, s)
	}
	if CheckName("username", u.Username) != nil {
		return fail("username", u.Username)
	}
	if CheckText("full name", u.Fullname) != nil {
		return fail("full name", u.Fullname)
	}
	for _, m := range []map[string]WorkspaceAccess{u.Workspaces, u.CopilotedWorkspaces} {
		for ws, a := range m {
			if CheckName("workspace", ws) != nil {
				return fail("workspace name", ws)
			}
			if CheckText("project", a.ProjectDetails.Name) != nil {
				return fail("project name", a.ProjectDetails.Name)
			}
			for _, o := range a.ProjectDetails.Orgs {
				if CheckText("organisation", o) != nil {
					return fail("organisation name", o)
				}
			}
		}
	}
	return nil
}

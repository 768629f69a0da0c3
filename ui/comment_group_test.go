package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

// TestCommentActionsCheckTheirGroup checks that deleting a comment or making
// it public through an address whose group is unknown, or is not the
// comment's group, answers 404 and changes nothing.
func TestCommentActionsCheckTheirGroup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	author := e.as("author")
	id := authorRequest(t, e, author)
	rec := author.post("/workspaces/add/ws1", url.Values{"count": {"1"}, "file_0": {"output/deep/nested.csv"}, "type_0": {"OUTPUT"},
		"new_group": {"figures"}, "next": {"/workspaces/view/ws1/output/"}})
	wantCode(t, rec, http.StatusSeeOther)
	wantCode(t, author.post("/requests/edit-group/"+id+"/figures", url.Values{"context": {"c"}, "controls": {"c"}}), http.StatusSeeOther)
	wantCode(t, author.post("/requests/submit/"+id, nil), http.StatusSeeOther)

	checker := e.as("checker")
	wantCode(t, checker.post("/requests/comment/"+id+"/tables", url.Values{"text": {"A private remark"}, "visibility": {"PRIVATE"}}), http.StatusSeeOther)
	v, err := e.svc.View(context.Background(), e.user("checker"), id)
	if err != nil {
		t.Fatal(err)
	}
	comment := url.Values{"comment_id": {strconv.FormatInt(v.Request.Group("tables").Comments[0].ID, 10)}}

	before := e.dump()
	for _, action := range []string{"comment-delete", "comment-public"} {
		for _, group := range []string{"nope", "figures"} {
			rec := checker.post("/requests/"+action+"/"+id+"/"+group, comment)
			wantCode(t, rec, http.StatusNotFound)
			if e.dump() != before {
				t.Fatalf("%s through group %s changed the database", action, group)
			}
		}
	}
	wantCode(t, checker.post("/requests/comment-public/"+id+"/tables", comment), http.StatusSeeOther)
	wantCode(t, checker.post("/requests/comment-delete/"+id+"/tables", comment), http.StatusSeeOther)
}

package ui

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// postRaw sends a body as it is, with the client's cookies.
func (c *client) postRaw(target, contentType, body string) *httptest.ResponseRecorder {
	c.e.t.Helper()
	req := httptest.NewRequest("POST", "http://airlock.test"+target, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for _, ck := range c.jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.e.srv.ServeHTTP(rec, req)
	return rec
}

// TestMalformedFormsSayWhatIsWrong: a form the server cannot read is
// answered 400 or 413 with the actual problem, not "this form has
// expired", and changes nothing (issue 9, item 6).
func TestMalformedFormsSayWhatIsWrong(t *testing.T) {
	t.Parallel()
	m := newMatrixState(t)
	e, id := m.e, m.byUser["author"]
	c := e.as("checker")
	target := "/requests/comment/" + id + "/tables"
	token := "_csrf=" + c.csrf
	many := new(strings.Builder)
	many.WriteString(token)
	for i := range 200_000 {
		fmt.Fprintf(many, "&f%d=x", i)
	}
	const boundary = "XyZ"
	part := func(name, value string) string {
		return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n"
	}
	multipart := part("_csrf", c.csrf) + part("text", "hello") + part("visibility", "PUBLIC")
	manyParts := new(strings.Builder)
	manyParts.WriteString(part("_csrf", c.csrf))
	for range 2000 {
		manyParts.WriteString(part("f", "x"))
	}
	manyParts.WriteString("--" + boundary + "--\r\n")

	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		says                    string
	}{
		{"MissingBoundary", "multipart/form-data", multipart + "--" + boundary + "--\r\n", http.StatusBadRequest, "boundary"},
		{"BrokenMultipart", "multipart/form-data; boundary=" + boundary, multipart[:len(multipart)-20], http.StatusBadRequest, "could not be read"},
		{"GarbageMultipart", "multipart/form-data; boundary=" + boundary, "this is not multipart at all", http.StatusBadRequest, "could not be read"},
		{"TooManyFields", "application/x-www-form-urlencoded", many.String(), http.StatusRequestEntityTooLarge, "too many fields"},
		{"TooManyParts", "multipart/form-data; boundary=" + boundary, manyParts.String(), http.StatusRequestEntityTooLarge, "too many fields"},
		{"TooLarge", "application/x-www-form-urlencoded", token + "&text=" + strings.Repeat("a", 5<<20) + "&visibility=PUBLIC", http.StatusRequestEntityTooLarge, "larger than"},
		{"BadEscape", "application/x-www-form-urlencoded", token + "&text=100%zz&visibility=PUBLIC", http.StatusBadRequest, "could not be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.dump()
			rec := c.postRaw(target, tc.contentType, tc.body)
			body := rec.Body.String()
			if rec.Code != tc.status || !strings.Contains(body, tc.says) {
				t.Errorf("status %d, want %d saying %q:\n%.600s", rec.Code, tc.status, tc.says, body)
			}
			if strings.Contains(body, "expired") {
				t.Errorf("the answer blames an expired form:\n%.600s", body)
			}
			if e.dump() != before {
				t.Error("a malformed form changed the database")
			}
		})
	}
	// A well-formed multipart form is read like any other.
	rec := c.postRaw(target, "multipart/form-data; boundary="+boundary, multipart+"--"+boundary+"--\r\n")
	wantCode(t, rec, http.StatusSeeOther)
}

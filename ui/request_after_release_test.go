package ui

import (
	"net/http"
	"strings"
	"testing"
)

// TestNoReleaseControlAfterRelease checks that once files are released no
// page offers to release them again: the request page shows the delivery
// progress to everyone, and the confirmation page of the release (the way
// without scripts) goes back to it saying why.
func TestNoReleaseControlAfterRelease(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := reviewedRequest(t, e)
	overview := "/requests/view/" + id + "/"
	ch := e.as("checker")
	// Before the release the confirmation page asks.
	wantCode(t, ch.get("/requests/confirm/"+id+"/release"), http.StatusOK)
	wantCode(t, ch.post("/requests/release/"+id, nil), http.StatusSeeOther)

	for _, who := range []string{"checker", "checker2", "author"} {
		page := wantCode(t, e.as(who).get(overview), http.StatusOK).Body.String()
		if !strings.Contains(page, `data-testid="release-progress"`) {
			t.Errorf("%s: no delivery progress after the release", who)
		}
		for _, control := range []string{`data-testid="action-release"`, `data-testid="confirm-release"`, `/requests/release/` + id, `/requests/confirm/` + id + `/release`} {
			if strings.Contains(page, control) {
				t.Errorf("%s: the request page still has %s after the release", who, control)
			}
		}
	}
	c := e.as("checker2")
	rec := c.get("/requests/confirm/" + id + "/release")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != overview {
		t.Fatalf("confirming a done release: %d to %q, want 303 to the request page", rec.Code, rec.Header().Get("Location"))
	}
	wantFlashes(t, "after confirming a done release", flashes(t, c, rec), "info: This request has already been released; its files are being sent to the jobs site.")
}

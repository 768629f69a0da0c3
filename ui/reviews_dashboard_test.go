package ui

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		20 * time.Second:              "under a minute",
		time.Minute:                   "1 minute",
		59 * time.Minute:              "59 minutes",
		3*time.Hour + 5*time.Minute:   "3 hours",
		47 * time.Hour:                "47 hours",
		50 * time.Hour:                "2 days",
		9*24*time.Hour + 23*time.Hour: "9 days",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestDashboardURL: links of the dashboard keep the other filters, start
// again at the first page and switch views without carrying filters over.
func TestDashboardURL(t *testing.T) {
	p := dashboardPage{View: "history", Query: "rita", Status: "RETURNED", Sort: "decided", Page: 2}
	for _, c := range []struct{ key, value, want string }{
		{"sort", "author", "/reviews/?q=rita&sort=author&status=RETURNED&view=history"},
		{"status", "", "/reviews/?q=rita&sort=decided&view=history"},
		{"page", "3", "/reviews/?page=3&q=rita&sort=decided&status=RETURNED&view=history"},
		{"view", "queue", "/reviews/"},
		{"view", "history", "/reviews/?view=history"},
	} {
		if got := p.URL(c.key, c.value); got != c.want {
			t.Errorf("URL(%s, %q) = %q, want %q", c.key, c.value, got, c.want)
		}
	}
	if got := (dashboardPage{View: "queue", Mine: true, Sort: "waiting"}).URL("sort", "files"); got != "/reviews/?mine=1&sort=files" {
		t.Errorf("queue sort link = %q", got)
	}
}

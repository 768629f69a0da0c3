package ui

import (
	"cmp"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// historyPageSize is how many decided requests one page of the history shows.
const historyPageSize = 50

// dashboardPage is the data of the reviews dashboard: one list (the queue
// or the history), filtered, searched, sorted and paged on the server, so
// every control works as a plain GET form and link.
type dashboardPage struct {
	View     string // "queue" or "history"
	Query    string // the search words
	Status   string // a status to show, "" for all
	Mine     bool   // only requests still waiting for the viewer's review
	Sort     string // the column sorted by
	Statuses []airlock.RequestStatus
	Items    []dashboardItem
	// Counts of the two views before filtering, for the tabs.
	Queued, Decided int
	// WaitingForMe counts queued requests the viewer has not reviewed.
	WaitingForMe int
	Page, Pages  int
	People       review.People
	Now          time.Time
}

// dashboardItem is one request of the dashboard with its times worked out.
type dashboardItem struct {
	review.QueueItem
	Waiting    time.Duration // since the last submission (the queue)
	Turnaround time.Duration // from last submission to decision (the history)
}

// The sort orders of the dashboard, by the query's sort= value.
var dashboardSorts = map[string]func(a, b dashboardItem, p review.People) int{
	"waiting": func(a, b dashboardItem, _ review.People) int { return cmp.Compare(b.Waiting, a.Waiting) },
	"workspace": func(a, b dashboardItem, _ review.People) int {
		return cmp.Compare(a.Request.Workspace, b.Request.Workspace)
	},
	"author": func(a, b dashboardItem, p review.People) int {
		return cmp.Compare(strings.ToLower(p.Name(a.Request.Author)), strings.ToLower(p.Name(b.Request.Author)))
	},
	"files":      func(a, b dashboardItem, _ review.People) int { return cmp.Compare(b.Total, a.Total) },
	"reviews":    func(a, b dashboardItem, _ review.People) int { return cmp.Compare(a.Reviews, b.Reviews) },
	"decided":    func(a, b dashboardItem, _ review.People) int { return b.Decided.Compare(a.Decided) },
	"turnaround": func(a, b dashboardItem, _ review.People) int { return cmp.Compare(b.Turnaround, a.Turnaround) },
}

// reviews answers GET /reviews/: an output checker's work queue, or with
// view=history the requests that left review. q= searches workspace,
// project, author and request id; status= and mine=1 filter; sort= orders.
func (s *Server) reviews(c echo.Context) error {
	q, err := s.deps.Service.ReviewQueues(ctx(c), currentUser(c))
	if err != nil {
		return err
	}
	p := dashboardPage{View: "queue", Query: strings.TrimSpace(c.QueryParam("q")), Status: c.QueryParam("status"),
		Mine: c.QueryParam("mine") == "1", Sort: c.QueryParam("sort"), People: q.People, Now: s.now(),
		Queued: len(q.Outstanding), Decided: len(q.History)}
	list, defaultSort := q.Outstanding, "waiting"
	p.Statuses = []airlock.RequestStatus{airlock.StatusSubmitted, airlock.StatusPartiallyReviewed, airlock.StatusReviewed}
	if c.QueryParam("view") == "history" {
		p.View, list, defaultSort = "history", q.History, "decided"
		p.Statuses = []airlock.RequestStatus{airlock.StatusReturned, airlock.StatusRejected, airlock.StatusApproved, airlock.StatusReleased}
	}
	if p.Status != "" && !slices.Contains(p.Statuses, airlock.RequestStatus(p.Status)) {
		return airlock.Errorf(airlock.EINVALID, "This list cannot show requests with status %q.", p.Status)
	}
	if _, ok := dashboardSorts[p.Sort]; !ok {
		p.Sort = defaultSort
	}
	for _, it := range q.Outstanding {
		if !it.Submitted {
			p.WaitingForMe++
		}
	}
	words := strings.Fields(strings.ToLower(p.Query))
	for _, it := range list {
		if p.Status != "" && string(it.Request.Status) != p.Status || p.Mine && it.Submitted || !matchesAll(it, q.People, words) {
			continue
		}
		d := dashboardItem{QueueItem: it, Turnaround: it.Turnaround()}
		if at := it.Request.LastSubmittedAt; at != nil && p.View == "queue" {
			d.Waiting = p.Now.Sub(*at)
		}
		p.Items = append(p.Items, d)
	}
	by := dashboardSorts[p.Sort]
	slices.SortStableFunc(p.Items, func(a, b dashboardItem) int { return by(a, b, q.People) })
	if p.View == "history" {
		p.Pages = max(1, (len(p.Items)+historyPageSize-1)/historyPageSize)
		p.Page, _ = strconv.Atoi(c.QueryParam("page"))
		p.Page = min(max(p.Page, 1), p.Pages)
		p.Items = p.Items[min(len(p.Items), (p.Page-1)*historyPageSize):min(len(p.Items), p.Page*historyPageSize)]
	}
	title := "Reviews"
	if p.View == "history" {
		title = "Review history"
	}
	return s.render(c, "reviews", title, p)
}

// matchesAll reports whether every search word appears in the request's
// workspace, project, author (username or full name) or id.
func matchesAll(it review.QueueItem, people review.People, words []string) bool {
	r := it.Request
	hay := strings.ToLower(strings.Join([]string{r.Workspace, r.Project, r.Author, people.Name(r.Author), r.ID}, " "))
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// URL is the dashboard's address with one query value changed (page
// resets to the first whenever anything else changes).
func (p dashboardPage) URL(key, value string) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	if p.View == "history" {
		set("view", "history")
	}
	set("q", p.Query)
	set("status", p.Status)
	if p.Mine {
		set("mine", "1")
	}
	set("sort", p.Sort)
	if key == "view" {
		v = url.Values{}
		set("view", value)
		if value == "queue" {
			v.Del("view")
		}
	} else if value == "" {
		v.Del(key)
	} else {
		v.Set(key, value)
	}
	if key != "page" {
		v.Del("page")
	}
	if len(v) == 0 {
		return "/reviews/"
	}
	return "/reviews/?" + v.Encode()
}

// PageURL is the address of the page delta pages away.
func (p dashboardPage) PageURL(delta int) string {
	return p.URL("page", strconv.Itoa(p.Page+delta))
}

// duration says how long something took or has waited, as people do:
// "5 minutes", "3 hours", "2 days".
func duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(d/(24*time.Hour)), "day")
}

// ago is a time relative to now ("3 hours ago"), for the hover text of
// a time shown in full.
func ago(now time.Time, v any) string {
	t, ok := timeOf(v)
	if !ok {
		return ""
	}
	if d := now.Sub(t); d >= 0 {
		return duration(d) + " ago"
	}
	return fmt.Sprintf("in %s", duration(t.Sub(now)))
}

// personHTML shows a person by full name with the username on hover, or
// by username alone when no full name is known.
func personHTML(p review.People, username string) template.HTML {
	name := p.Name(username)
	if name == username {
		return template.HTML(`<span class="person">` + html.EscapeString(username) + `</span>`)
	}
	return template.HTML(`<span class="person" title="` + html.EscapeString(username) + `">` + html.EscapeString(name) + `</span>`)
}

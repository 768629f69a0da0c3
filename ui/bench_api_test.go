package ui

import (
	"net/http"
	"testing"
)

// BenchmarkAPIRequest is the cost of the token on every API call, beside
// the page that shows the same request to a signed-in person: the token is
// one indexed read by its hash, the roles one read of the cache, and every
// call one audited write (API_TOKEN_USE) — the price of "every use is
// audited". The three run one after the other in each run; six runs in
// turns give each the same share of a shared machine's load:
//
//	go test -c -o /tmp/ui.test ./ui/ && cd ui && for i in 1 2 3 4 5 6; do
//	  /tmp/ui.test -test.run='^$' -test.bench=BenchmarkAPIRequest -test.benchmem; done | benchstat -col /via -
func BenchmarkAPIRequest(b *testing.B) {
	// The rate limit is lifted: it is what a benchmark would measure otherwise.
	e := newEnvWith(b, func(s *Settings) { s.APIRate, s.APIBurst = 1e9, 1<<30 })
	id := submitted(b, e, "author")
	c := e.as("author")
	token := e.newAPIToken("author", "bench", allScopes...)
	b.Run("via=page", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if rec := c.get("/requests/view/" + id + "/"); rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
	b.Run("via=api", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if rec := e.api(token, "GET", apiPrefix+"/requests/"+id, ""); rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
	b.Run("via=api-workspaces", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if rec := e.api(token, "GET", apiPrefix+"/workspaces", ""); rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

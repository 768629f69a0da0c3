package ui

import (
	"net/http"
	"testing"
)

// BenchmarkSignedInRequest is the cost of the session on every request:
// GET / as a signed-in person does nothing but load the session and the
// user and redirect. With server-side sessions (D15) this is one indexed
// read of the sessions table; the last use is written at most once a
// minute (the clock is fixed here, so never), and no cookie is re-sent.
//
//	go test -run='^$' -bench=BenchmarkSignedInRequest -benchmem ./ui/
func BenchmarkSignedInRequest(b *testing.B) {
	e := newEnv(b)
	c := e.as("author")
	b.ReportAllocs()
	for b.Loop() {
		if rec := c.get("/"); rec.Code != http.StatusFound {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

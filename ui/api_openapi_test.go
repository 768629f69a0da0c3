package ui

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes fails when a registered API route is missing
// from openapi.json or the document lists an operation that does not
// exist, and checks that the document is served and is OpenAPI 3.1.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := e.client().get(apiPrefix + "/openapi.json")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET openapi.json: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	var documented []string
	for p, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+p)
		}
	}
	// Echo's :name and trailing * are OpenAPI's {name} and {path}.
	param := regexp.MustCompile(`:(\w+)`)
	names := map[string]string{"ws": "workspace"}
	var registered []string
	for _, r := range e.srv.Routes() {
		method, p, _ := strings.Cut(r, " ")
		if !strings.HasPrefix(p, apiPrefix+"/") {
			continue
		}
		p = param.ReplaceAllStringFunc(p, func(m string) string {
			n := m[1:]
			if alias, ok := names[n]; ok {
				n = alias
			}
			return "{" + n + "}"
		})
		p = strings.TrimSuffix(p, "*") + map[bool]string{true: "{path}"}[strings.HasSuffix(p, "*")]
		registered = append(registered, method+" "+p)
	}
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(registered, d) {
			t.Errorf("openapi.json lists %s, which is not a route", d)
		}
	}
	// Every reference resolves.
	var components struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &components)
	for _, m := range regexp.MustCompile(`"\$ref":\s*"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(rec.Body.String(), -1) {
		if _, ok := components.Components.Schemas[m[1]]; !ok {
			t.Errorf("openapi.json refers to schema %s, which it does not define", m[1])
		}
	}
	if len(registered) < 19 {
		t.Errorf("only %d API routes registered", len(registered))
	}
}

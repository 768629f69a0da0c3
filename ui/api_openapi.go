package ui

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPI is the API's OpenAPI 3.1 description, written by hand.
// TestOpenAPIMatchesRoutes fails when it and the registered routes differ.
//
//go:embed openapi.json
var openAPI []byte

// apiOpenAPI answers GET /api/v1/openapi.json. It needs no token: it
// describes the API and holds nothing of anyone's.
func (s *Server) apiOpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPI)
}

package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/airlock-project/airlock/airlock"
)

// The JSON API (/api/v1/) lives in this package, beside the pages: its
// routes are in routes.go with an access rule each, errors go through the
// same status mapping (statusOf), and roles are refreshed by the same code
// as a session's. A request carries a token in "Authorization: Bearer";
// there are no cookies, so there is nothing for another site to forge and
// no CSRF token. Every handler asks the review service, as the pages do.

const (
	apiPrefix = "/api/v1"
	ctxToken  = "airlock.token" // *airlock.APIToken
	// ctxRateLimited marks a request refused by the rate limit, which is
	// logged but not audited (a flood must not fill the audit log).
	ctxRateLimited = "airlock.rate_limited"
	// maxJSONBytes bounds an API request's body: the largest, adding
	// files, lists at most maxBatch paths.
	maxJSONBytes = 1 << 20
)

// isAPI reports whether a request is for the JSON API.
func isAPI(r *http.Request) bool {
	return r.URL.Path == apiPrefix || strings.HasPrefix(r.URL.Path, apiPrefix+"/")
}

// currentToken returns the request's API token, or nil.
func currentToken(c echo.Context) *airlock.APIToken {
	k, _ := c.Get(ctxToken).(*airlock.APIToken)
	return k
}

// addAPI registers an API route with its access rule: the token's user
// with their current roles, the rate limit of the token, then the scope
// the route needs.
func (s *Server) addAPI(method, path string, a access, h echo.HandlerFunc) {
	s.echo.Add(method, apiPrefix+path, h, s.apiToken, s.apiLimiter, require(a))
	s.rules[method+" "+apiPrefix+path] = a
}

// errNoToken answers an API call without a usable token.
var errNoToken = airlock.Errorf(airlock.EUNAUTHORIZED,
	`Send an API token in the header "Authorization: Bearer <token>". Make one on your account page in airlock.`)

// apiToken authenticates an API call by its bearer token: unknown,
// expired and revoked tokens are 401, and the token acts with its user's
// current roles, refreshed from the jobs site as a session's are (D6).
// After the call, its use is audited under the token's name with the
// status it got.
func (s *Server) apiToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		k, err := s.findToken(c)
		if err != nil {
			return err
		}
		c.Set(ctxToken, k)
		r := c.Request()
		// Every event the call causes names the token (the use itself below).
		c.SetRequest(r.WithContext(airlock.WithAPIToken(r.Context(), k.Name)))
		if err := next(c); err != nil {
			c.Error(err) // answered now, so the audit records the status sent
		}
		c.SetRequest(r)
		if limited, _ := c.Get(ctxRateLimited).(bool); limited {
			return nil
		}
		use := airlock.TokenUse{Method: r.Method, Route: c.Path(), Path: r.URL.Path, Status: c.Response().Status, Address: c.RealIP()}
		if err := s.deps.Tokens.RecordTokenUse(ctx(c), k, use, s.now()); err != nil {
			// The answer is sent; the failure is the operator's to see.
			s.log.Error("could not audit an API token's use", "token_id", k.ID, "err", err)
		}
		return nil
	}
}

// findToken returns the live token of the request and sets its user.
func (s *Server) findToken(c echo.Context) (*airlock.APIToken, error) {
	scheme, secret, ok := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" || len(secret) > 128 {
		return nil, errNoToken
	}
	k, err := s.deps.Tokens.FindToken(ctx(c), airlock.TokenHash(secret))
	if airlock.ErrorCode(err) == airlock.ENOTFOUND {
		return nil, airlock.Errorf(airlock.EUNAUTHORIZED, "This API token is not known to airlock. Check that it was copied whole, or make a new one on your account page.")
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	if err := k.Check(now); err != nil {
		return nil, err
	}
	cached, refreshed, err := s.deps.Service.User(ctx(c), k.Username)
	if airlock.ErrorCode(err) == airlock.ENOTFOUND {
		cached = nil // never signed in: an automation account's first call
	} else if err != nil {
		return nil, err
	}
	u, lost, err := s.refreshRoles(ctx(c), k.Username, cached, refreshed, now)
	switch {
	case err != nil && (cached == nil || airlock.ErrorCode(err) == airlock.EUNAVAILABLE):
		s.log.Warn("could not fetch an API token's user from the jobs site", "user", k.Username, "err", err)
		return nil, airlock.Errorf(airlock.EUNAVAILABLE, "airlock could not confirm this token's user with the jobs site. Please try again later.")
	case err != nil:
		return nil, err
	case lost == airlock.SessionAccessRevoked:
		return nil, airlock.Errorf(airlock.EUNAUTHORIZED, "This token's user no longer has access to airlock, so the token was revoked.")
	case lost != "":
		return nil, airlock.Errorf(airlock.EUNAVAILABLE, "airlock could not confirm this token's user with the jobs site for too long. Please try again later.")
	}
	c.Set(ctxUser, u)
	return k, nil
}

// newAPILimiter limits each token to Settings.APIRate calls a second,
// with bursts of Settings.APIBurst (golang.org/x/time/rate through Echo's
// rate limiter), so one runaway script cannot starve everyone else.
func (s *Server) newAPILimiter() echo.MiddlewareFunc {
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(s.set.APIRate), Burst: s.set.APIBurst})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store:               store,
		IdentifierExtractor: func(c echo.Context) (string, error) { return currentToken(c).ID, nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Set(ctxRateLimited, true)
			s.log.Warn("API token rate-limited", "token_id", currentToken(c).ID, "user", currentUser(c).Username)
			c.Response().Header().Set("Retry-After", "1")
			return echo.NewHTTPError(http.StatusTooManyRequests, fmt.Sprintf(
				"Too many calls with this token: at most %g a second, in bursts of %d. Nothing was done; wait a second and try again.",
				s.set.APIRate, s.set.APIBurst))
		},
	})
}

// apiError is the body of every API error.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Files are the per-file outcomes when a batch of files was refused.
	Files []apiFileResult `json:"files,omitempty"`
}

// apiErrorCode is the code of an error answered with status: the coded
// error's own, else one for the status.
func apiErrorCode(err error, status int) string {
	var ae *airlock.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	switch status {
	case http.StatusUnauthorized:
		return airlock.EUNAUTHORIZED
	case http.StatusForbidden:
		return airlock.EFORBIDDEN
	case http.StatusNotFound:
		return airlock.ENOTFOUND
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusTooManyRequests:
		return "rate_limited"
	}
	if status >= 500 {
		return airlock.EINTERNAL
	}
	return airlock.EINVALID
}

// writeAPIError answers an API call's error as JSON, with the status the
// pages would give (statusOf) and the same message.
func writeAPIError(c echo.Context, err error, status int) {
	body := apiError{Code: apiErrorCode(err, status), Message: messageOf(err, status)}
	if errors.Is(err, echo.ErrNotFound) || errors.Is(err, echo.ErrMethodNotAllowed) {
		body.Message = fmt.Sprintf("There is no API call %s %s. The calls are listed in %s/openapi.json.", c.Request().Method, c.Request().URL.Path, apiPrefix)
	}
	var batch *batchError
	if errors.As(err, &batch) {
		body.Files = batch.files
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="airlock"`)
	}
	_ = c.JSON(status, body)
}

// batchError is the refusal of a batch of files, none of which could be
// changed, with each file's outcome.
type batchError struct {
	err   error
	files []apiFileResult
}

func (e *batchError) Error() string { return e.err.Error() }
func (e *batchError) Unwrap() error { return e.err }

// bindJSON reads an API call's JSON body into v: it must be JSON, at most
// maxJSONBytes, one object with only known fields. What is wrong is said.
func bindJSON(c echo.Context, v any) error {
	r := c.Request()
	if mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); mt != echo.MIMEApplicationJSON {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, `Send the body as JSON, with "Content-Type: application/json". Nothing was changed.`)
	}
	if r.ContentLength > maxJSONBytes {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("The body is larger than the %d MB limit, so it was not read and nothing was changed.", maxJSONBytes>>20))
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), r.Body, maxJSONBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("The body is larger than the %d MB limit, so it was not read and nothing was changed.", maxJSONBytes>>20))
		}
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("The body is not the JSON this call takes (%s). Nothing was changed.", jsonProblem(err)))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return echo.NewHTTPError(http.StatusBadRequest, "The body holds more than one JSON value. Nothing was changed.")
	}
	return nil
}

// jsonProblem says what is wrong with a JSON body in words.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "it is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "it ends too soon"
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("%q must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return "it must be a JSON object"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "it cannot be read"
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "slice":
		return "a list"
	case "struct", "map":
		return "an object"
	case "bool":
		return "true or false"
	}
	return "a number"
}

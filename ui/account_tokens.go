package ui

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// tokenSection is the API tokens part of the account page.
type tokenSection struct {
	Tokens []tokenRow
	Form   tokenForm
	// Secret is a token just made, shown this once and never again.
	Secret string
	New    *airlock.APIToken
	Scopes []airlock.TokenScope
	Days   []int // the lifetimes offered
}

// tokenRow is one of the person's tokens.
type tokenRow struct {
	*airlock.APIToken
	Expired bool
}

// tokenForm is what the form to make a token was sent, kept when it is
// refused so nothing typed is lost.
type tokenForm struct {
	Name   string
	Scopes []airlock.TokenScope
	Days   int
	Error  string
}

// Has reports whether the form has scope s ticked.
func (f tokenForm) Has(s airlock.TokenScope) bool { return slices.Contains(f.Scopes, s) }

// tokenLifetimes are the lifetimes offered, in days; the default is the
// domain's.
var tokenLifetimes = []int{7, 30, 90, 180, 366}

func (s *Server) tokenSection(c echo.Context, form tokenForm) (tokenSection, error) {
	if form.Days == 0 {
		form.Days = int(airlock.DefaultTokenLifetime / (24 * time.Hour))
	}
	if form.Scopes == nil {
		form.Scopes = []airlock.TokenScope{airlock.ScopeRead}
	}
	sec := tokenSection{Form: form, Scopes: airlock.TokenScopes(), Days: tokenLifetimes}
	list, err := s.deps.Tokens.UserTokens(ctx(c), currentUser(c).Username)
	if err != nil {
		return sec, err
	}
	now := s.now()
	for _, k := range list {
		sec.Tokens = append(sec.Tokens, tokenRow{APIToken: k, Expired: !k.Live(now)})
	}
	return sec, nil
}

// accountTokenCreate answers POST /account/tokens: a new token, whose
// secret is shown on the page this once (never put in a cookie or a
// redirect). A refused form is shown again with what is wrong, as typed.
func (s *Server) accountTokenCreate(c echo.Context) error {
	u := currentUser(c)
	form := tokenForm{Name: c.FormValue("name"), Scopes: []airlock.TokenScope{}}
	for _, v := range c.Request().PostForm["scope"] {
		form.Scopes = append(form.Scopes, airlock.TokenScope(v))
	}
	days, err := strconv.Atoi(c.FormValue("days"))
	if err != nil || days <= 0 {
		days = -1
	}
	form.Days = days
	k, secret, err := airlock.NewAPIToken(u.Username, form.Name, form.Scopes, time.Duration(days)*24*time.Hour, u.Username, s.now())
	if err == nil {
		err = s.deps.Tokens.CreateToken(ctx(c), k)
	}
	if code := airlock.ErrorCode(err); code == airlock.EINVALID || code == airlock.ECONFLICT {
		form.Error = airlock.ErrorMessage(err)
		page, perr := s.accountPage(c, form)
		if perr != nil {
			return perr
		}
		return s.renderStatus(c, statusOf(err, http.MethodPost), "account", "Your account", page)
	} else if err != nil {
		return err
	}
	page, err := s.accountPage(c, tokenForm{})
	if err != nil {
		return err
	}
	page.Tokens.Secret, page.Tokens.New = secret, k
	return s.render(c, "account", "Your account", page)
}

// tokenConfirmPage is the data of the confirmation before revoking.
type tokenConfirmPage struct {
	Token *airlock.APIToken
}

// ownToken finds one of the person's tokens that is not revoked.
func (s *Server) ownToken(c echo.Context) (*airlock.APIToken, error) {
	list, err := s.deps.Tokens.UserTokens(ctx(c), currentUser(c).Username)
	if err != nil {
		return nil, err
	}
	for _, k := range list {
		if k.ID == c.Param("id") {
			return k, nil
		}
	}
	return nil, airlock.Errorf(airlock.ENOTFOUND, "You have no token %q: it may have been revoked already.", c.Param("id"))
}

// accountTokenConfirm answers GET /account/tokens/revoke/:id: what
// revoking the token will do, with the button to do it.
func (s *Server) accountTokenConfirm(c echo.Context) error {
	k, err := s.ownToken(c)
	if err != nil {
		return err
	}
	return s.render(c, "token_revoke", "Revoke token", tokenConfirmPage{Token: k})
}

// accountTokenRevoke answers POST /account/tokens/revoke/:id: the token
// stops working at once.
func (s *Server) accountTokenRevoke(c echo.Context) error {
	u := currentUser(c)
	k, err := s.deps.Tokens.RevokeToken(ctx(c), u.Username, c.Param("id"), u.Username)
	if err != nil {
		return err
	}
	s.addFlash(c, "success", "Token “"+k.Name+"” is revoked: anything using it can no longer reach airlock.")
	return c.Redirect(http.StatusSeeOther, "/account/#api-tokens")
}

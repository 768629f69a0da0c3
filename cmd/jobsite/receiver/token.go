package receiver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/airlock-project/airlock/airlock"
)

// loginRefused is a §2.3 refusal; its text is the 403 detail.
type loginRefused string

func (e loginRefused) Error() string { return string(e) }

// IssueToken makes a new single-use airlock login token for username:
// three words separated by spaces, valid for TokenLifetime. It replaces any
// earlier token of that user; only a salted slow hash is stored. The token
// is returned once and cannot be read back.
//
// Returns ENOTFOUND for an unknown user and EFORBIDDEN for a user who is a
// member of no backend (such a user could not log in with it anyway).
func (s *Server) IssueToken(ctx context.Context, username string) (string, error) {
	u := s.dir.users[username]
	if u == nil {
		return "", airlock.Errorf(airlock.ENOTFOUND, "There is no user %q.", username)
	}
	if msg := eligible(u); msg != "" {
		return "", airlock.Errorf(airlock.EFORBIDDEN, "You do not have access to log in to any backends.")
	}
	token, err := generateToken(s.opts.Rand, s.words)
	if err != nil {
		return "", err
	}
	hash, err := hashSecret(NormaliseToken(token), MinIterations)
	if err != nil {
		return "", err
	}
	now := s.now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `
		INSERT INTO login_tokens (username, hash, created_at, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (username) DO UPDATE SET hash = excluded.hash,
			created_at = excluded.created_at, expires_at = excluded.expires_at`,
		u.Username, hash, formatTime(now), formatTime(now.Add(TokenLifetime)))
	if err != nil {
		return "", fmt.Errorf("store token: %w", err)
	}
	if err := s.audit(ctx, tx, AuditEvent{Actor: u.Username, Action: ActionTokenCreated}); err != nil {
		return "", err
	}
	return token, tx.Commit()
}

// checkLoginToken verifies a login (§2.3 order: user by username or email,
// eligibility, token set, not expired, hash matches) and consumes the token
// on success only. Refusals are loginRefused.
func (s *Server) checkLoginToken(ctx context.Context, who, token string) (*UserConfig, error) {
	u := s.dir.users[who]
	if u == nil {
		u = s.dir.emails[who]
	}
	if u == nil {
		return nil, loginRefused(msgNoUser)
	}
	if msg := eligible(u); msg != "" {
		return nil, loginRefused(msg)
	}
	var hash, expires string
	err := s.db.QueryRowContext(ctx, `SELECT hash, expires_at FROM login_tokens WHERE username = ?`, u.Username).Scan(&hash, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, loginRefused(fmt.Sprintf("No login token set for %s", u.Username))
	} else if err != nil {
		return nil, fmt.Errorf("find token: %w", err)
	}
	if !s.now().Before(parseTime(expires)) {
		return nil, loginRefused(fmt.Sprintf("Token for %s has expired", u.Username))
	}
	if !VerifySecret(NormaliseToken(token), hash) {
		return nil, loginRefused(fmt.Sprintf("Token for %s was invalid", u.Username))
	}
	// Consume exactly this token: a concurrent second use finds it gone.
	res, err := s.db.ExecContext(ctx, `DELETE FROM login_tokens WHERE username = ? AND hash = ?`, u.Username, hash)
	if err != nil {
		return nil, fmt.Errorf("consume token: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, loginRefused(fmt.Sprintf("No login token set for %s", u.Username))
	}
	return u, nil
}

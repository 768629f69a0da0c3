package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

var _ airlock.TokenStore = (*DB)(nil)

// CreateToken stores a new token and audits it.
func (db *DB) CreateToken(ctx context.Context, k *airlock.APIToken) error {
	return db.write(ctx, func(t *tx) error {
		if err := t.exec(`INSERT INTO api_tokens (id, hash, username, name, scopes, created_at, expires_at, created_by)
			VALUES (?,?,?,?,?,?,?,?)`, k.ID, k.Hash, k.Username, k.Name, k.ScopeList(),
			formatTime(k.CreatedAt), formatTime(k.ExpiresAt), k.CreatedBy); err != nil {
			return err
		}
		return t.Audit(&airlock.AuditEvent{Type: airlock.EventTokenCreate, User: k.Username, Extra: map[string]string{
			"token": k.Name, "token_id": k.ID, "scopes": k.ScopeList(), "expires_at": formatTime(k.ExpiresAt), "created_by": k.CreatedBy}})
	})
}

// FindToken returns the token with the secret's hash, live or not.
func (db *DB) FindToken(ctx context.Context, hash string) (*airlock.APIToken, error) {
	var k *airlock.APIToken
	err := db.read(ctx, func(t *tx) error {
		var err error
		k, err = scanToken(t.queryRow(`SELECT `+tokenColumns+` FROM api_tokens WHERE hash = ?`, hash))
		if errors.Is(err, sql.ErrNoRows) {
			return airlock.Errorf(airlock.ENOTFOUND, "There is no such token.")
		}
		return err
	})
	return k, err
}

// UserTokens returns a person's tokens that are not revoked, newest first.
func (db *DB) UserTokens(ctx context.Context, username string) ([]*airlock.APIToken, error) {
	return db.tokens(ctx, `WHERE username = ? AND revoked_at IS NULL`, username)
}

// AllTokens returns every token that is not revoked, newest first.
func (db *DB) AllTokens(ctx context.Context) ([]*airlock.APIToken, error) {
	return db.tokens(ctx, `WHERE revoked_at IS NULL`)
}

func (db *DB) tokens(ctx context.Context, where string, args ...any) ([]*airlock.APIToken, error) {
	var out []*airlock.APIToken
	err := db.read(ctx, func(t *tx) error {
		return t.each(`SELECT `+tokenColumns+` FROM api_tokens `+where+` ORDER BY created_at DESC, id DESC`, args, func(row scanner) error {
			k, err := scanToken(row)
			out = append(out, k)
			return err
		})
	})
	return out, err
}

// RevokeToken revokes one token that is not yet revoked, and audits it.
func (db *DB) RevokeToken(ctx context.Context, username, id, by string) (*airlock.APIToken, error) {
	var k *airlock.APIToken
	err := db.write(ctx, func(t *tx) error {
		var err error
		k, err = scanToken(t.queryRow(`UPDATE api_tokens SET revoked_at = ?, revoke_reason = ?
			WHERE id = ? AND revoked_at IS NULL AND (? = '' OR username = ?) RETURNING `+tokenColumns,
			formatTime(t.now), airlock.TokenRevokedByUser, id, username, username))
		if errors.Is(err, sql.ErrNoRows) {
			return airlock.Errorf(airlock.ENOTFOUND, "There is no token %q to revoke: it may have been revoked already.", id)
		} else if err != nil {
			return err
		}
		extra := map[string]string{"token": k.Name, "token_id": k.ID, "owner": k.Username, "reason": airlock.TokenRevokedByUser}
		if by == "" { // an operator, from the command line
			by, extra["revoked_by"] = k.Username, airlock.TokenByCommandLine
		}
		return t.Audit(&airlock.AuditEvent{Type: airlock.EventTokenRevoke, User: by, Extra: extra})
	})
	return k, err
}

// RevokeUserTokens revokes every live token of a person in one audited step.
func (db *DB) RevokeUserTokens(ctx context.Context, username, reason string) (int, error) {
	var n int64
	err := db.write(ctx, func(t *tx) error {
		res, err := t.execResult(`UPDATE api_tokens SET revoked_at = ?, revoke_reason = ? WHERE username = ? AND revoked_at IS NULL`,
			formatTime(t.now), reason, username)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return t.Audit(&airlock.AuditEvent{Type: airlock.EventTokenRevoke, User: username,
			Extra: map[string]string{"owner": username, "reason": reason, "tokens": strconv.FormatInt(n, 10)}})
	})
	return int(n), err
}

// RecordTokenUse audits one request made with a token, under its name,
// and records the use when the last one is older than a minute.
func (db *DB) RecordTokenUse(ctx context.Context, k *airlock.APIToken, use airlock.TokenUse, now time.Time) error {
	return db.write(ctx, func(t *tx) error {
		if k.NeedsTouch(now) {
			if err := t.exec(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, formatTime(now), k.ID); err != nil {
				return err
			}
			k.LastUsedAt = &now
		}
		return t.Audit(&airlock.AuditEvent{Type: airlock.EventTokenUse, User: k.Username, Path: use.Path, Extra: map[string]string{
			"token": k.Name, "token_id": k.ID, "method": use.Method, "route": use.Route,
			"status": strconv.Itoa(use.Status), "address": use.Address}})
	})
}

const tokenColumns = `id, hash, username, name, scopes, created_at, expires_at, created_by, last_used_at, revoked_at, revoke_reason`

func scanToken(row scanner) (*airlock.APIToken, error) {
	var (
		k                airlock.APIToken
		scopes           string
		created, expires string
		used, revoked    sql.NullString
	)
	if err := row.Scan(&k.ID, &k.Hash, &k.Username, &k.Name, &scopes, &created, &expires, &k.CreatedBy,
		&used, &revoked, &k.RevokeReason); err != nil {
		return nil, err
	}
	for s := range strings.SplitSeq(scopes, ",") {
		if s != "" {
			k.Scopes = append(k.Scopes, airlock.TokenScope(s))
		}
	}
	k.CreatedAt, k.ExpiresAt, k.LastUsedAt, k.RevokedAt = parseTime(created), parseTime(expires), parseTimePtr(used), parseTimePtr(revoked)
	return &k, nil
}

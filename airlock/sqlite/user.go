package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// SaveUser caches a user's roles.
func (t *tx) SaveUser(u *airlock.User, refreshedAt time.Time) error {
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO users (username, api_data, refreshed_at) VALUES (?,?,?)
		ON CONFLICT (username) DO UPDATE SET api_data = excluded.api_data, refreshed_at = excluded.refreshed_at`,
		u.Username, string(data), formatTime(refreshedAt))
}

// User returns a cached user.
func (t *tx) User(username string) (*airlock.User, time.Time, error) {
	var data, refreshed string
	err := t.QueryRowContext(t.ctx, `SELECT api_data, refreshed_at FROM users WHERE username = ?`, username).Scan(&data, &refreshed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, airlock.Errorf(airlock.ENOTFOUND, "User %q is not known here.", username)
	} else if err != nil {
		return nil, time.Time{}, err
	}
	var u airlock.User
	if err := json.Unmarshal([]byte(data), &u); err != nil {
		return nil, time.Time{}, fmt.Errorf("user %s: %w", username, err)
	}
	return &u, parseTime(refreshed), nil
}

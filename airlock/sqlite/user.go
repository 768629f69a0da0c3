package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/jobsite"
)

// SaveUser caches a user's roles. The api_data column holds the jobs
// site's user object (jobsite.UserRecord), so rows written by any version
// read back the same.
func (t *tx) SaveUser(u *airlock.User, refreshedAt time.Time) error {
	data, err := json.Marshal(jobsite.NewUserRecord(u))
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
	err := t.queryRow(`SELECT api_data, refreshed_at FROM users WHERE username = ?`, username).Scan(&data, &refreshed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, airlock.Errorf(airlock.ENOTFOUND, "User %q is not known here.", username)
	} else if err != nil {
		return nil, time.Time{}, err
	}
	var rec jobsite.UserRecord
	if err := json.Unmarshal([]byte(data), &rec); err != nil {
		return nil, time.Time{}, fmt.Errorf("user %s: %w", username, err)
	}
	return rec.User(), parseTime(refreshed), nil
}

package review

import (
	"context"

	"github.com/airlock-project/airlock/airlock"
)

// People are the full names of the people a page shows, by username, as
// the jobs site last reported them. Pages show the name with the username
// on hover.
type People map[string]string

// Name is the person's full name, or their username when the jobs site
// gave none or they never signed in here.
func (p People) Name(username string) string {
	if n := p[username]; n != "" {
		return n
	}
	return username
}

// People returns the full names of the given usernames from the cache of
// users. Unknown people are left out, so they show by username.
func (s *Service) People(ctx context.Context, usernames []string) (People, error) {
	out := People{}
	err := s.store.View(ctx, func(tx airlock.Tx) error {
		return addPeople(tx, out, usernames)
	})
	return out, err
}

// addPeople adds the full names of usernames not yet in p.
func addPeople(tx airlock.Tx, p People, usernames []string) error {
	for _, name := range usernames {
		if _, done := p[name]; done || name == "" {
			continue
		}
		u, _, err := tx.User(name)
		switch {
		case airlock.ErrorCode(err) == airlock.ENOTFOUND:
			p[name] = ""
		case err != nil:
			return err
		default:
			p[name] = u.Fullname
		}
	}
	return nil
}

// RequestPeople lists everyone a request page may name: the author, the
// reviewers whose reviews or votes the viewer can see and the authors of
// the comments.
func RequestPeople(r *airlock.Request) []string {
	names := []string{r.Author}
	for n := range r.SubmittedReviews {
		names = append(names, n)
	}
	names = append(names, r.TurnReviewers...)
	for _, g := range r.Groups {
		for _, c := range g.Comments {
			names = append(names, c.Author)
		}
		for _, f := range g.Files {
			for n := range f.Votes {
				names = append(names, n)
			}
		}
	}
	return names
}

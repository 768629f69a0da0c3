package airlock

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to one status code in one place.
const (
	ECONFLICT     = "conflict"      // the action clashes with existing data (409)
	EINTERNAL     = "internal"      // a bug or an infrastructure failure (500)
	EINVALID      = "invalid"       // the input is malformed (400/422)
	ENOTFOUND     = "not_found"     // the thing does not exist or is not visible (404)
	EFORBIDDEN    = "forbidden"     // the user may not do this (403)
	ESTATE        = "invalid_state" // the request is in the wrong state for this (409)
	EUNAUTHORIZED = "unauthorized"  // no signed-in user (401, or a redirect to sign in)
	EUNAVAILABLE  = "unavailable"   // a peer such as the jobs site could not be reached (502/503)
)

// Error is the one coded error type of the application. Message is written
// for the person who triggered it and is safe to show them.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("airlock error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of the first *Error in err's chain,
// or a generic message for any other error so internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side. The problem has been logged."
}

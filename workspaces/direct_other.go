//go:build !linux

package workspaces

import (
	"errors"
	"os"
)

// setDirectIO reports that direct I/O is not used on this system.
func setDirectIO(*os.File, bool) error { return errors.ErrUnsupported }

//go:build !unix

package preview

import (
	"errors"
	"os"
)

// dupFD is not available here; tables are then opened per request.
func dupFD(fd uintptr, name string) (*os.File, error) {
	return nil, errors.New("duplicating file handles is not supported on this system")
}

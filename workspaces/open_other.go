//go:build !unix

package workspaces

import "os"

// openReadFlags are the flags used to open workspace files for reading.
const openReadFlags = os.O_RDONLY

//go:build unix

package workspaces

import (
	"os"
	"syscall"
)

// openReadFlags opens files non-blocking, so that a FIFO put where a regular
// file was expected cannot block the reader; regular files are unaffected.
const openReadFlags = os.O_RDONLY | syscall.O_NONBLOCK

//go:build unix

package preview

import (
	"os"
	"syscall"
)

// dupFD duplicates a file descriptor into a new *os.File.
func dupFD(fd uintptr, name string) (*os.File, error) {
	nfd, err := syscall.Dup(int(fd))
	if err != nil {
		return nil, err
	}
	syscall.CloseOnExec(nfd)
	return os.NewFile(uintptr(nfd), name), nil
}

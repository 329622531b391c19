package errkind

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"
)

// errnoKinds maps the syscall errors whose meaning is the caller's input,
// not the system's health.
var errnoKinds = []struct {
	errno syscall.Errno
	kind  string
}{
	{syscall.EEXIST, KindExists},
	{syscall.ENOENT, KindNotFound},
	{syscall.ENODEV, KindNotFound},
	{syscall.ENXIO, KindNotFound},
	{syscall.ESRCH, KindNotFound},
	{syscall.EADDRNOTAVAIL, KindNotFound},
	{syscall.EPERM, KindDenied},
	{syscall.EACCES, KindDenied},
	{syscall.EROFS, KindDenied},
	{syscall.EINVAL, KindInvalid},
	{syscall.ERANGE, KindInvalid},
	{syscall.ENAMETOOLONG, KindInvalid},
	{syscall.ENOTDIR, KindInvalid},
	{syscall.EISDIR, KindInvalid},
}

// Errno is the kind of a well-known syscall error anywhere in err's chain
// (errors.Is, so *os.PathError, *os.SyscallError and %w wrapping all
// count), or "" when there is none.
func Errno(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		for _, e := range errnoKinds {
			if en == e.errno {
				return e.kind
			}
		}
		return ""
	}
	switch {
	case errors.Is(err, fs.ErrExist):
		return KindExists
	case errors.Is(err, fs.ErrNotExist):
		return KindNotFound
	case errors.Is(err, fs.ErrPermission):
		return KindDenied
	}
	return ""
}

// fromMessage is the last resort for errors that carry neither a kind nor
// an errno — netlink's "Link not found", a lookup's "no such interface":
// they name a missing object in words. Anything else is system.
func fromMessage(msg string) string {
	for _, s := range []string{"no such interface", "not found"} {
		if strings.Contains(msg, s) {
			return KindNotFound
		}
	}
	return KindSystem
}

package target

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// RunDir is where iproute2 binds named namespaces (`ip netns add NAME`).
const RunDir = "/run/netns"

// shareDir makes dir a shared mount of itself before a namespace is bound
// in it, exactly as ip/ipnetns.c netns_add does: a binding made in dir
// before `ip netns add` self-binds it would end up hidden beneath that
// self-bind, out of reach of `ip netns del` and of RemoveNS (EBUSY).
// Shared, an unmount there also reaches the copies in other mount
// namespaces, so the namespace is freed sooner.
func shareDir(dir string) error {
	// ip takes this lock so that concurrent adds do not stack self-binds
	// (https://bugs.debian.org/949235); like ip, go on without it.
	if fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
		if unix.Flock(fd, unix.LOCK_EX) == nil {
			defer unix.Flock(fd, unix.LOCK_UN)
		}
		defer unix.Close(fd)
	}
	made := false
	for {
		err := unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, "")
		if err == nil {
			return nil
		}
		// EINVAL: dir is no mount point yet; make it one, once.
		if err != unix.EINVAL || made {
			return fmt.Errorf("mount --make-shared %s: %w", dir, err)
		}
		if err := unix.Mount(dir, dir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("mount --bind %s %s: %w", dir, dir, err)
		}
		// Private first, then shared: a peer group of its own, so that a
		// shared parent (systemd's /run) gets no second copy of each binding.
		if err := unix.Mount(dir, dir, "none", unix.MS_PRIVATE|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("mount --make-private %s: %w", dir, err)
		}
		made = true
	}
}

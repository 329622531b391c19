package target

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Identity says which host a transaction was made on, so that an undo
// from another process lands there and nowhere else: the network
// namespace by device and inode (a path can be rebound, "" means "the
// namespace I run in", and both lie to a process elsewhere), the
// hostname, and the boot (kernel changes do not outlive one).
type Identity struct {
	NetnsDev uint64 `json:"netns_dev"`
	NetnsIno uint64 `json:"netns_ino"`
	Hostname string `json:"hostname,omitempty"`
	BootID   string `json:"boot_id,omitempty"`
	// OwnerPID is the process that made the transaction: while it lives,
	// /proc/PID/ns/net reaches a namespace bound nowhere.
	OwnerPID int `json:"owner_pid,omitempty"`
	// BoundAt is where the namespace was bound under /run/netns when the
	// spec has no path of its own (`ip netns exec NAME rewire ...`).
	BoundAt string `json:"bound_at,omitempty"`
}

// Identify records the identity of the target's namespace in its Spec
// (Spec.Identity), as the journal's begin record stores it.
func (t *Target) Identify() error {
	path := t.NetnsPath
	if path == "" {
		path = "/proc/self/ns/net"
	}
	dev, ino, err := nsID(path)
	if err != nil {
		return fmt.Errorf("target %s: identify network namespace %s: %w", t.Name, path, err)
	}
	host, _ := os.Hostname()
	t.Identity = &Identity{NetnsDev: dev, NetnsIno: ino, Hostname: host, BootID: BootID(), OwnerPID: os.Getpid()}
	if t.NetnsPath == "" {
		bound, _ := filepath.Glob("/run/netns/*")
		for _, p := range bound {
			if d, i, err := nsID(p); err == nil && d == dev && i == ino {
				t.Identity.BoundAt = p
				break
			}
		}
	}
	return nil
}

// BootID is the kernel's id of this boot (/proc/sys/kernel/random/boot_id).
func BootID() string {
	b, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(b))
}

// nsID returns the device and inode of a namespace file.
func nsID(path string) (uint64, uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, 0, err
	}
	return uint64(st.Dev), st.Ino, nil
}

// UnreachableError says the namespace a transaction was made in cannot
// be reached from this process: nothing may be undone here.
type UnreachableError struct {
	Where string // "/run/netns/rewire-lab", or "the namespace of pid 1234"
	Ino   uint64
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("network namespace %s (inode %d), which is not reachable from here", e.Where, e.Ino)
}

// Rebooted reports whether the spec was recorded in an earlier boot of
// this machine: its kernel changes went with that boot.
func (s Spec) Rebooted() bool {
	return s.Identity != nil && s.Identity.BootID != "" && s.Identity.BootID != BootID()
}

// Where names the namespace as a person would look for it.
func (s Spec) Where() string {
	if s.NetnsPath != "" {
		return s.NetnsPath
	}
	if s.Identity != nil && s.Identity.BoundAt != "" {
		return s.Identity.BoundAt
	}
	if s.Identity != nil && s.Identity.OwnerPID > 0 {
		return fmt.Sprintf("of pid %d", s.Identity.OwnerPID)
	}
	return "this process runs in"
}

// Reach opens a stored Spec on the host it names: the namespace with the
// recorded inode, found at its bound path, as the namespace this process
// runs in, bound under /run/netns, or held by a live process. Never
// "whatever namespace I happen to be in". A spec from before identities
// were journaled opens as it was stored. After a reboot the namespace is
// gone with the boot: Reach returns an *UnreachableError and the caller
// undoes only what outlives a boot.
func Reach(s Spec) (*Target, error) {
	id := s.Identity
	if id == nil {
		return Open(s), nil
	}
	unreachable := &UnreachableError{Where: s.Where(), Ino: id.NetnsIno}
	if s.Rebooted() {
		return nil, unreachable
	}
	same := func(path string) bool {
		dev, ino, err := nsID(path)
		return err == nil && dev == id.NetnsDev && ino == id.NetnsIno
	}
	at := func(path string) *Target {
		t := Open(s)
		t.NetnsPath = path
		return t
	}
	if s.NetnsPath != "" && same(s.NetnsPath) {
		return at(s.NetnsPath), nil
	}
	for _, f := range heldFiles {
		if p := fmt.Sprintf("/proc/self/fd/%d", f.Fd()); same(p) {
			return at(p), nil
		}
	}
	if same("/proc/self/ns/net") {
		return at(""), nil
	}
	bound, _ := filepath.Glob("/run/netns/*")
	for _, p := range bound {
		if same(p) {
			return at(p), nil
		}
	}
	if path, ok := heldBy(id, same); ok {
		return at(path), nil
	}
	return nil, unreachable
}

// heldBy finds a live process in the namespace and returns a path that
// keeps the namespace reachable for as long as this process lives: a
// descriptor of it held open (/proc/self/fd/N), since the process found
// may exit meanwhile.
func heldBy(id *Identity, same func(string) bool) (string, bool) {
	try := func(pid string) (string, bool) {
		p := "/proc/" + pid + "/ns/net"
		if !same(p) {
			return "", false
		}
		f, err := os.Open(p)
		if err != nil {
			return "", false
		}
		held := fmt.Sprintf("/proc/self/fd/%d", f.Fd())
		if !same(held) { // the process left the namespace in between
			f.Close()
			return "", false
		}
		heldFiles = append(heldFiles, f)
		return held, true
	}
	if id.OwnerPID > 0 {
		if p, ok := try(fmt.Sprint(id.OwnerPID)); ok {
			return p, true
		}
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		if p, ok := try(e.Name()); ok {
			return p, true
		}
	}
	return "", false
}

// heldFiles keeps namespaces found through a process open for this
// process's life (a guardian, a recover): their paths name descriptors.
var heldFiles []*os.File

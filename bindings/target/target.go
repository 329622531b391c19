// Package target names the host a transaction changes — the machine's own
// network namespace, or one bound at a path (the lab host, a test's
// namespace) — and gives one netlink handle bound to it, as
// netlink.NewHandleAt does for a namespace.
package target

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// Spec is what the journal stores about a target, so that a later process
// (`rewire recover`, `rewire rollback`) can reach the same host again.
type Spec struct {
	Name       string `json:"name"`                  // "host", "lab" or a label
	NetnsPath  string `json:"netns,omitempty"`       // "" = the namespace rewire runs in
	LibvirtURI string `json:"libvirt_uri,omitempty"` // "" = libvirt's default
	// NetworksURI is where libvirt networks live when not with the domains:
	// a plan's scratch copy of them. "" = LibvirtURI.
	NetworksURI string `json:"networks_uri,omitempty"`
	StateDir    string `json:"state_dir,omitempty"` // where per-target files (dnsmasq, lab) live
	// Identity is the namespace's identity when the transaction began;
	// Reach finds that namespace again from any process.
	Identity *Identity `json:"identity,omitempty"`
}

// Target is an open Spec: it owns a netlink handle bound to the namespace.
type Target struct {
	Spec
	mu     sync.Mutex
	handle *netlink.Handle
}

// Host is the namespace rewire itself runs in.
func Host() *Target { return &Target{Spec: Spec{Name: "host"}} }

// AtPath is the namespace bound at path (as `ip netns` binds them under /run/netns).
func AtPath(name, path string) *Target { return &Target{Spec: Spec{Name: name, NetnsPath: path}} }

// Open returns a Target for a stored Spec.
func Open(s Spec) *Target { return &Target{Spec: s} }

// Handle returns the netlink handle bound to the target's namespace.
// It is opened once and shared; Close releases it.
func (t *Target) Handle() (*netlink.Handle, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.handle != nil {
		return t.handle, nil
	}
	if t.NetnsPath == "" {
		h, err := netlink.NewHandle()
		if err != nil {
			return nil, fmt.Errorf("netlink handle: %w", err)
		}
		t.handle = h
		return h, nil
	}
	ns, err := netns.GetFromPath(t.NetnsPath)
	if err != nil {
		return nil, fmt.Errorf("target %s: open namespace %s: %w", t.Name, t.NetnsPath, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, fmt.Errorf("target %s: netlink handle: %w", t.Name, err)
	}
	t.handle = h
	return h, nil
}

// Close releases the netlink handle.
func (t *Target) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.handle != nil {
		t.handle.Close()
		t.handle = nil
	}
}

// Do runs fn on an OS thread that has entered the target's namespace, the
// way containernetworking's ns.Do does: whatever fn opens (a /proc/sys file,
// a socket) or starts (exec.Cmd.Start forks from this thread) belongs to the
// target. Goroutines fn starts do not.
func (t *Target) Do(fn func() error) error {
	if t.NetnsPath == "" {
		return fn()
	}
	ns, err := netns.GetFromPath(t.NetnsPath)
	if err != nil {
		return fmt.Errorf("target %s: open namespace %s: %w", t.Name, t.NetnsPath, err)
	}
	defer ns.Close()

	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("current namespace: %w", err)
	}
	defer orig.Close()
	if err := netns.Set(ns); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("target %s: enter namespace: %w", t.Name, err)
	}
	ferr := fn()
	if err := netns.Set(orig); err != nil {
		// The thread stays locked, so the runtime retires it instead of
		// reusing a thread that sits in the wrong namespace.
		return fmt.Errorf("target %s: leave namespace: %w", t.Name, err)
	}
	runtime.UnlockOSThread()
	return ferr
}

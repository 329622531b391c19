package host

import "testing"

// The hand-over runs a client where the roots' managers run: the real
// paths, a sandbox laid out as the lab's and the test kit's, or nowhere
// for roots laid out otherwise.
func TestRootsSandbox(t *testing.T) {
	for _, c := range []struct {
		r   Roots
		dir string
		ok  bool
	}{
		{DefaultRoots(), "", true},
		{Roots{Etc: "/run/rewire-lab/host/etc", Run: "/run/rewire-lab/host/run", Var: "/run/rewire-lab/host/var/lib"}, "/run/rewire-lab/host", true},
		{Roots{Etc: "/a/etc", Run: "/b/run", Var: "/a/var/lib"}, "", false},
		{Roots{Etc: "/etc", Run: "/tmp/run", Var: "/var/lib"}, "", false},
	} {
		if dir, ok := c.r.Sandbox(); dir != c.dir || ok != c.ok {
			t.Errorf("%+v: Sandbox() = %q, %v; want %q, %v", c.r, dir, ok, c.dir, c.ok)
		}
	}
}

package managertest

import (
	"strings"
	"testing"

	"rewire/bindings/target"
	"rewire/bindings/target/nstest"
)

// The wrapper refuses the machine's own network namespace (it runs only
// `true` if it did not, so the test itself is harmless), and in a test's
// namespace it sees that namespace's devices in its fresh (top, read-only) sysfs, the
// sandbox's /run and its own hostname.
func TestSandboxRefusesMachineNamespace(t *testing.T) {
	sb := NewSandbox(t, target.Host())
	out, err := sb.TryExec("true")
	if err == nil || !strings.Contains(out, "refusing to run true in the machine's own network namespace") {
		t.Fatalf("ran in the machine's namespace: %v %q", err, out)
	}

	tg := nstest.New(t)
	sb = NewSandbox(t, tg)
	sb.WriteFile("run/marker", "sandbox", 0o644)
	out = sb.Exec("sh", "-c", "ls /sys/class/net; cat /run/marker; echo; hostname; grep ' /sys ' /proc/self/mounts | tail -1 | cut -d' ' -f4 | cut -d, -f1")
	if want := "lo\nsandbox\nrewire-managertest\nro\n"; out != want {
		t.Errorf("inside the sandbox: %q, want %q", out, want)
	}
	if len(InNamespace(target.Host())) != 0 {
		t.Error("InNamespace lists processes of the machine's namespace")
	}
}

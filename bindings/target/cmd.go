package target

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

// Run executes a program inside the target's namespace with argv only (no
// shell) and returns its standard output. A missing program is reported by
// name, so a host without iptables or dnsmasq gets a clear line.
func (t *Target) Run(stdin []byte, name string, args ...string) ([]byte, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("%s is not installed (not found in PATH)", name)
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err = t.Do(func() error { return cmd.Start() })
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = err.Error()
		}
		return out.Bytes(), fmt.Errorf("%s: %s", name, firstLine(msg))
	}
	return out.Bytes(), nil
}

// Start starts a long-running program inside the target's namespace.
func (t *Target) Start(cmd *exec.Cmd) error {
	return t.Do(func() error { return cmd.Start() })
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

package persist

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"rewire/bindings/errkind"
	"rewire/bindings/target"
)

// validators check the files of one flavour before any is written; each
// is skipped when its program is not installed. The error is the
// validator's own message, on one line.
var validators = map[string]func(tg *target.Target, etc string, files []File) error{
	FlavourNM:       validateNM,
	FlavourNetplan:  validateNetplan,
	FlavourIfupdown: validateIfupdown,
}

func rejected(prog, path string, out []byte, err error) error {
	msg := strings.Join(strings.Fields(string(out)), " ")
	if msg == "" {
		msg = err.Error()
	}
	return errkind.Invalid("%s rejects %s: %s; nothing written", prog, path, msg)
}

// validateNM has nmcli read each keyfile offline (no daemon; rc 1 on a
// bad value), as NetworkManager 1.42 would at reload.
func validateNM(_ *target.Target, _ string, files []File) error {
	if _, err := exec.LookPath("nmcli"); err != nil {
		return nil
	}
	for _, f := range files {
		cmd := exec.Command("nmcli", "--offline", "connection", "modify", "connection.interface-name", f.Device)
		cmd.Stdin = strings.NewReader(f.Content)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return rejected("nmcli --offline", f.Path, stderr.Bytes(), err)
		}
	}
	return nil
}

// validateNetplan runs `netplan generate --root-dir` on a scratch root
// holding the host's netplan YAML with persist's files in their place.
func validateNetplan(_ *target.Target, etc string, files []File) error {
	if _, err := exec.LookPath("netplan"); err != nil {
		return nil
	}
	scratch, err := os.MkdirTemp("", "rewire-netplan-")
	if err != nil {
		return errkind.System("scratch root: %w", err)
	}
	defer os.RemoveAll(scratch)
	dst := filepath.Join(scratch, "etc/netplan")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return errkind.System("%w", err)
	}
	have, _ := filepath.Glob(filepath.Join(etc, "netplan/*.yaml"))
	for _, p := range have {
		if b, err := os.ReadFile(p); err == nil {
			os.WriteFile(filepath.Join(dst, filepath.Base(p)), b, 0o600)
		}
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f.Path)), []byte(f.Content), 0o600); err != nil {
			return errkind.System("%w", err)
		}
	}
	out, err := exec.Command("netplan", "generate", "--root-dir", scratch).CombinedOutput()
	out = bytes.ReplaceAll(out, []byte(filepath.Join(scratch, "etc")), []byte(etc))
	if err != nil {
		return rejected("netplan generate", filepath.Join(etc, netplanFile), out, err)
	}
	return nil
}

// validateIfupdown has `ifup --no-act` read each file with the stanzas
// it names (on a scratch state dir: nothing is brought up, no state kept).
func validateIfupdown(tg *target.Target, _ string, files []File) error {
	if _, err := exec.LookPath("ifup"); err != nil {
		return nil
	}
	scratch, err := os.MkdirTemp("", "rewire-ifupdown-")
	if err != nil {
		return errkind.System("scratch: %w", err)
	}
	defer os.RemoveAll(scratch)
	for i, f := range files {
		var ifaces []string
		var body strings.Builder
		for _, line := range strings.Split(f.Content, "\n") {
			w := strings.Fields(line)
			if len(w) > 0 && (w[0] == "source" || w[0] == "source-directory") {
				continue // the sourced files are checked on their own
			}
			if len(w) >= 2 && w[0] == "iface" && !contains(ifaces, w[1]) && w[1] != "lo" {
				ifaces = append(ifaces, w[1])
			}
			body.WriteString(line + "\n")
		}
		p := filepath.Join(scratch, fmt.Sprintf("interfaces.%d", i))
		if err := os.WriteFile(p, []byte(body.String()), 0o644); err != nil {
			return errkind.System("%w", err)
		}
		state := filepath.Join(scratch, fmt.Sprintf("state.%d", i))
		os.MkdirAll(state, 0o755)
		for _, iface := range ifaces {
			out, err := tg.Run(nil, "ifup", "--no-act", "-i", p, "--state-dir="+state, iface)
			if err != nil {
				_ = out
				return rejected("ifup --no-act", f.Path, nil, err)
			}
		}
	}
	return nil
}

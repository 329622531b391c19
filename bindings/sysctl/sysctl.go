// Package sysctl reads and sets kernel parameters of the target's
// network namespace (`sysctl -w net.ipv4.ip_forward=1`), each change
// journaled with the prior value.
package sysctl

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"rewire/bindings/errkind"
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

var setKind = tx.NewKind("sysctl.set", func(tg *target.Target, p prior) error {
	err := write(tg, p.Key, p.Before)
	if os.IsNotExist(err) {
		return nil // the interface it belonged to is gone
	}
	return err
}, tx.KindOptions[prior]{Drift: func(tg *target.Target, p prior) error {
	if v, err := Get(tg, p.Key); err != nil || v != p.After {
		return fmt.Errorf("%s is %q, the transaction set %q", p.Key, v, p.After)
	}
	return nil
}})

// A key is dotted (net.ipv4.ip_forward) or slashed
// (net/ipv4/conf/eth0.10/forwarding, for interface names with dots).
var keyRE = regexp.MustCompile(`^[a-z0-9_]+([./][A-Za-z0-9_.:@-]+)+$`)

// path maps a key to its /proc/sys file.
func path(key string) (string, error) {
	if !keyRE.MatchString(key) || strings.Contains(key, "..") {
		return "", errkind.Invalid("bad sysctl key %q", key)
	}
	if !strings.Contains(key, "/") {
		key = strings.ReplaceAll(key, ".", "/")
	}
	return filepath.Join("/proc/sys", key), nil
}

// Get is `sysctl -n KEY`, read inside the target's namespace.
func Get(tg *target.Target, key string) (string, error) {
	p, err := path(key)
	if err != nil {
		return "", err
	}
	var v string
	err = tg.Do(func() error {
		b, err := os.ReadFile(p)
		v = strings.TrimSpace(string(b))
		return err
	})
	if os.IsNotExist(err) {
		return "", errkind.NotFound("no such sysctl %s", key)
	}
	return v, err
}

func write(tg *target.Target, key, value string) error {
	p, err := path(key)
	if err != nil {
		return err
	}
	return tg.Do(func() error { return os.WriteFile(p, []byte(value+"\n"), 0o644) })
}

// object names the setting a key is, for drift: one file, one object
// (net.ipv4.ip_forward and net/ipv4/ip_forward are the same), and the
// kernel's own alias — ip_forward is conf.all.forwarding — is one too.
func object(path string) string {
	if path == "/proc/sys/net/ipv4/conf/all/forwarding" {
		path = "/proc/sys/net/ipv4/ip_forward"
	}
	return "sysctl:" + path
}

type prior struct {
	Key    string `json:"key"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Set is `sysctl -w KEY=VALUE`; setting the current value changes nothing.
func Set(s *tx.Session, key, value string) error {
	before, err := Get(s.Target, key)
	if err != nil {
		return err
	}
	if before == value {
		return nil
	}
	p, _ := path(key)
	return setKind.Apply(s, object(p), fmt.Sprintf("sysctl %s=%s (was %s)", key, value, before), prior{Key: key, Before: before, After: value}, func() error {
		if err := write(s.Target, key, value); err != nil {
			return err
		}
		// The kernel may normalise or refuse silently; read back.
		if got, err := Get(s.Target, key); err == nil && got != value {
			return errkind.Invalid("%s: kernel kept %q, not %q", key, got, value)
		}
		return nil
	})
}

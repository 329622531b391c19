package errkind

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

type notFoundErr struct{}

func (notFoundErr) Error() string  { return "gone" }
func (notFoundErr) NotFound() bool { return true }

func TestOfClassifiesThroughWrapping(t *testing.T) {
	_, statErr := os.Stat(filepath.Join(t.TempDir(), "missing"))
	mkdirErr := os.Mkdir(t.TempDir(), 0o700)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"constructor", Invalid("bad CIDR %q", "x"), KindInvalid},
		{"not found", NotFound("no such route"), KindNotFound},
		{"exists", Exists("br0 exists"), KindExists},
		{"denied", Denied("no"), KindDenied},
		{"limit", Limit("too many"), KindLimit},
		{"system", System("dnsmasq died"), KindSystem},
		{"wrapped kind", fmt.Errorf("bridge br0: %w", Exists("an interface named br0 already exists")), KindExists},
		{"outermost kind wins", Invalid("bad option: %w", NotFound("x")), KindInvalid},
		{"Wrap keeps message", Wrap(KindDenied, errors.New("read-only")), KindDenied},
		{"EEXIST", fmt.Errorf("add: %w", syscall.EEXIST), KindExists},
		{"ENOENT in a PathError", statErr, KindNotFound},
		{"EEXIST in a PathError", mkdirErr, KindExists},
		{"ENODEV", os.NewSyscallError("ioctl", syscall.ENODEV), KindNotFound},
		{"EPERM", fmt.Errorf("x: %w", syscall.EPERM), KindDenied},
		{"EACCES", fmt.Errorf("x: %w", syscall.EACCES), KindDenied},
		{"EINVAL", fmt.Errorf("x: %w", syscall.EINVAL), KindInvalid},
		{"other errno", fmt.Errorf("x: %w", syscall.EIO), KindSystem},
		{"cancelled", fmt.Errorf("probe: %w", ctx.Err()), KindCancelled},
		{"NotFound method", fmt.Errorf("x: %w", notFoundErr{}), KindNotFound},
		{"words", errors.New("Link not found"), KindNotFound},
		{"plain", errors.New("dnsmasq: exited 2"), KindSystem},
		{"unknown kind falls through", &Error{Kind: "bogus", Err: syscall.EEXIST}, KindExists},
	}
	for _, c := range cases {
		if got := Of(c.err); got != c.want {
			t.Errorf("%s: Of(%v) = %q, want %q", c.name, c.err, got, c.want)
		}
	}
}

func TestConstructorsKeepMessageAndChain(t *testing.T) {
	err := Invalid("bad option: %w", syscall.EINVAL)
	if err.Error() != "bad option: invalid argument" || !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("got %q", err)
	}
	if Wrap(KindInvalid, nil) != nil {
		t.Fatal("Wrap(nil) is not nil")
	}
	if !Is(NotFound("x"), KindNotFound) || Is(nil, KindSystem) {
		t.Fatal("Is")
	}
	for _, k := range []string{"invalid", "not_found", "exists", "denied", "system", "check", "cancelled", "limit", "script"} {
		if !Known(k) {
			t.Errorf("%s is not a kind", k)
		}
	}
	if Known("bogus") || len(Kinds) != 9 {
		t.Errorf("kinds: %v", Kinds)
	}
}

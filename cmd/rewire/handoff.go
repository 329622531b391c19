package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"rewire/lua/script"
)

// rewire comes as two binaries. `rewire` itself is built without cgo, so
// it starts in a few milliseconds: loading libvirt's client library and
// the libraries it links is most of what a cgo build spends before main.
// It runs the scripts that need no libvirt (and their guardians) and
// hands everything else to rewire-libvirt, the whole program, by exec:
// same arguments, same process, same terminal. A build with cgo is the
// whole program on its own and never hands off.

// libvirtBinaryName is the whole program's file name.
const libvirtBinaryName = "rewire-libvirt"

// frontEnv names, in the whole program's environment, the front binary
// that handed it the command (the bench times what admins type).
const frontEnv = "REWIRE_FRONT"

// libvirtBinary finds rewire-libvirt: $REWIRE_LIBVIRT_BINARY, else beside
// this binary (bin/ of a build tree), else ../lib/rewire/ (a package:
// /usr/bin/rewire and /usr/lib/rewire/rewire-libvirt).
func libvirtBinary(self string) (string, error) {
	if p := os.Getenv("REWIRE_LIBVIRT_BINARY"); p != "" {
		return p, nil
	}
	dir := filepath.Dir(self)
	for _, p := range []string{
		filepath.Join(dir, libvirtBinaryName),
		filepath.Join(dir, "..", "lib", "rewire", libvirtBinaryName),
	} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found beside %s nor in %s (it does what needs libvirt; install it with rewire, or set REWIRE_LIBVIRT_BINARY)",
		libvirtBinaryName, self, filepath.Join(dir, "..", "lib", "rewire"))
}

// handOff execs rewire-libvirt with this process's arguments; it returns
// only on failure, with the exit code.
func handOff() int {
	self, err := os.Executable()
	if err != nil {
		return fail("%v", err)
	}
	bin, err := libvirtBinary(self)
	if err != nil {
		return fail("%s: %v", commandName(), err)
	}
	env := append(os.Environ(), frontEnv+"="+self)
	argv := append([]string{bin}, os.Args[1:]...)
	err = syscall.Exec(bin, argv, env)
	return fail("%s: exec %s: %v", commandName(), bin, err)
}

func commandName() string {
	if len(os.Args) > 1 {
		return os.Args[1]
	}
	return "rewire"
}

// frontOf is the binary admins run: the front that handed this process
// its command, else this binary.
func frontOf(self string) string {
	if p := os.Getenv(frontEnv); p != "" {
		return p
	}
	return self
}

// wholeBeside is this binary when a front handed it the command (the
// bench compares the two), else "".
func wholeBeside(self string) string {
	if frontOf(self) == self {
		return ""
	}
	return self
}

// Set by the front build (front.go): which commands it hands off whole,
// and which scripts of `run`.
var (
	handsOffCommand func(name string) bool
	handsOffScript  func(tf targetFlags, o script.Options, dry bool) bool
)

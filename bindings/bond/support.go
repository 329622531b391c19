package bond

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrNoBonding is what every bond change returns, before touching
// anything, on a kernel built without the bonding driver.
var ErrNoBonding = errors.New("this kernel has no bonding support (CONFIG_BONDING)")

// Supported reports whether the running kernel can make bonds: the driver
// is loaded (or built in), or its module is installed and the kernel will
// load it on the first `ip link add type bond`. It creates nothing.
func Supported() error {
	if kernelHas("bonding") {
		return nil
	}
	return ErrNoBonding
}

// kernelHas reports whether module is built in, loaded, or installed for
// the running kernel.
func kernelHas(module string) bool {
	if _, err := os.Stat(filepath.Join("/sys/module", module)); err == nil {
		return true
	}
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	dir := filepath.Join("/lib/modules", unix.ByteSliceToString(u.Release[:]))
	for _, f := range []string{"modules.builtin", "modules.dep"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			path, _, _ := strings.Cut(line, ":")
			base := filepath.Base(path)
			if base == module+".ko" || strings.HasPrefix(base, module+".ko.") {
				return true
			}
		}
	}
	return false
}

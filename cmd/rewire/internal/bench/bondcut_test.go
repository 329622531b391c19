package bench

import (
	"errors"
	"testing"
)

func TestVMFailureNamesTheCause(t *testing.T) {
	exit := errors.New("exit status 1")
	cases := []struct{ stderr, want string }{
		{"kernel-vm: booting x\nkernelcut: rep 1: floor 1ms\nkernelcut: ip script: ip: RTNETLINK answers: File exists\nkernel-vm: kernelcut failed in the VM\n",
			"kernelcut: ip script: ip: RTNETLINK answers: File exists"},
		{"kernel-vm: booting x\nkernel-vm: the VM wrote no result (qemu exit 124: hang, panic or timeout); console:\n[ 1.0] panic\n",
			"kernel-vm: the VM wrote no result (qemu exit 124: hang, panic or timeout); console:"},
		{"bash: testdata/kernel/run.sh: No such file or directory\n", "bash: testdata/kernel/run.sh: No such file or directory"},
		{"", "exit status 1"},
	}
	for _, c := range cases {
		if got := vmFailure(c.stderr, exit); got != c.want {
			t.Errorf("vmFailure(%q) = %q, want %q", c.stderr, got, c.want)
		}
	}
}

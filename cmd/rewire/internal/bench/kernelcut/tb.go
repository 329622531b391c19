package main

import (
	"fmt"
	"os"
	"testing"
)

// programTB lets kernelcut build its namespaces with nstest, whose
// helpers take a testing.TB: a failure ends the program, after the
// cleanups, instead of a test. Only what nstest calls is implemented; the
// embedded nil TB makes any other method a crash, never a silent no-op.
type programTB struct {
	testing.TB
	cleanups []func()
}

func (p *programTB) Helper() {}

func (p *programTB) Fatal(a ...any) { p.fail(fmt.Sprint(a...)) }

func (p *programTB) Fatalf(format string, a ...any) { p.fail(fmt.Sprintf(format, a...)) }

func (p *programTB) Cleanup(f func()) { p.cleanups = append(p.cleanups, f) }

func (p *programTB) TempDir() string {
	d, err := os.MkdirTemp("", "kernelcut-")
	if err != nil {
		p.fail(err.Error())
	}
	p.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// Close runs the cleanups, last registered first, as a test's end does.
func (p *programTB) Close() {
	for i := len(p.cleanups) - 1; i >= 0; i-- {
		p.cleanups[i]()
	}
	p.cleanups = nil
}

func (p *programTB) fail(msg string) {
	fmt.Fprintln(os.Stderr, "kernelcut: "+msg)
	p.Close()
	os.Exit(1)
}

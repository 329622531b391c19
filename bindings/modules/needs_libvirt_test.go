//go:build cgo

package modules

import (
	"slices"
	"testing"
)

// LibvirtNames is what NeedsLibvirt looks for: it must be every module
// a cgo build adds.
func TestLibvirtNamesAreTheLibvirtModules(t *testing.T) {
	var got []string
	for _, e := range List {
		if e.Libvirt {
			got = append(got, e.Name)
		}
	}
	if !slices.Equal(got, LibvirtNames) {
		t.Fatalf("modules needing libvirt %v, LibvirtNames %v", got, LibvirtNames)
	}
}

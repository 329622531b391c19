package kerneltest

import (
	"strings"
	"testing"

	"rewire/bindings/bond"
	"rewire/lua/script"
)

// On a kernel without bonding (this project's own CI kernel), the recipe
// stops at its first change with the clear error and changes nothing.
func TestRecipeOnKernelWithoutBonding(t *testing.T) {
	if bond.Supported() == nil {
		t.Skip("this kernel has bonding")
	}
	h := newS3Host(t)
	before := h.snapshot(t)
	res, _ := h.run(t, h.session(), script.Options{File: recipe, Args: recipeArgs})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "bond.create bond0: this kernel has no bonding support (CONFIG_BONDING)") {
		t.Fatalf("want the no-bonding error, got %v", res.Err)
	}
	if len(res.Steps) != 0 {
		t.Fatalf("%d changes were made", len(res.Steps))
	}
	if after := h.snapshot(t); after != before {
		t.Fatalf("the host changed:\nbefore %s\nafter  %s", before, after)
	}
}

package modules

import (
	"rewire/lua/script"
	"testing"
)

// A run that creates a bridge, gives it an address and a port, then
// deletes it, rolls back: the delete ends the address and the port, so
// their earlier changes are not judged against a bridge that is gone.
func TestCreateThenDeleteRollsBack(t *testing.T) {
	h := newTestHost(t)
	before := h.snapshot(t)
	s := h.session()
	res, _ := h.run(t, s, script.Options{Chunk: `
		bridge.create("kb0", {stp = false, forward_delay = 0})
		addr.add("kb0", "10.8.0.1/24")
		route.add{dst = "10.9.0.0/24", gateway = "10.8.0.2", dev = "kb0"}
		bridge.delete("kb0")`})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	rep, err := h.store.RollbackCommitted(res.TxID, false, nil)
	if err != nil {
		t.Fatalf("rollback of create, add, delete: %v", err)
	}
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	if after := h.snapshot(t); after != before {
		t.Fatalf("host after rollback differs:\nbefore %s\nafter  %s", before, after)
	}
}

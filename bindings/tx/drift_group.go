package tx

import (
	"encoding/json"
	"fmt"

	"rewire/bindings/target"
)

// driftOf runs the drift check of each step (all of kinds with one), one
// error per step in steps' order: the steps of one group of a kind with
// DriftGroup are judged in one call (one read of a guest for all its
// NICs), the others one by one.
func driftOf(tg *target.Target, steps []*Step) []error {
	errs := make([]error, len(steps))
	type bucket struct{ kind, group string }
	var order []bucket
	byBucket := map[bucket][]int{}
	for i, st := range steps {
		k, _ := lookupKind(st.Kind)
		if k.DriftGroup == nil || k.Group == nil {
			errs[i] = k.Drift(tg, st.Data)
			continue
		}
		b := bucket{st.Kind, k.Group(st.Data)}
		if _, ok := byBucket[b]; !ok {
			order = append(order, b)
		}
		byBucket[b] = append(byBucket[b], i)
	}
	for _, b := range order {
		k, _ := lookupKind(b.kind)
		is := byBucket[b]
		data := make([]json.RawMessage, len(is))
		for n, i := range is {
			data[n] = steps[i].Data
		}
		got := k.DriftGroup(tg, data)
		if len(got) != len(is) {
			got = failAll(len(is), fmt.Errorf("grouped drift check answered for %d of %d steps", len(got), len(is)))
		}
		for n, i := range is {
			errs[i] = got[n]
		}
	}
	return errs
}

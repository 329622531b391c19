package domain

import (
	"fmt"
	"sync"

	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// NICChange is one SetNIC of a batch: guest, NIC, new source, scope.
type NICChange struct {
	Domain string
	NIC    NICRef
	Source Source
	Scope  Scope
}

// parallelGuests bounds the guests changed at once: libvirtd serves at
// most max_client_requests (default 5) calls of one connection at a time.
const parallelGuests = 4

// SetNICs is SetNIC for many NICs, as an admin's loop of `virsh
// update-device` would do them, but several guests at a time (libvirt
// runs jobs on different domains in parallel) and each guest's NICs
// together: read once, changed in order, its persistent XML defined once
// (setGuestNICs). Every NIC is its own change, journaled before it is
// made (the journal is shared, one record at a time: tx.Tx.Apply); a
// failure stops the other guests at their next NIC and is returned (the
// caller rolls the transaction back, which undoes each change exactly).
// Every change is checked first (the NIC named, its source valid, the
// guest defined): bad input changes nothing.
func SetNICs(s *tx.Session, changes []NICChange) error {
	if len(changes) == 0 {
		return nil
	}
	var order []string
	byGuest := map[string][]NICChange{}
	listed := map[string]int{}
	checks := newNICChecks()
	for i, c := range changes {
		ref, sc, err := checkNIC(s, checks, c.Domain, c.NIC, c.Source, c.Scope)
		if err != nil {
			return fmt.Errorf("NIC change #%d (%s %s): %w", i+1, c.Domain, c.NIC, err)
		}
		key := c.Domain + " " + ref.String()
		if j, ok := listed[key]; ok {
			return fmt.Errorf("NIC change #%d (%s %s): %w", i+1, c.Domain, c.NIC, engine.Invalid("the same NIC as change #%d", j))
		}
		listed[key] = i + 1
		if _, ok := byGuest[c.Domain]; !ok {
			order = append(order, c.Domain)
		}
		c.NIC, c.Scope = ref, sc
		byGuest[c.Domain] = append(byGuest[c.Domain], c)
	}
	if _, err := s.Tx(); err != nil { // begun once, before the workers share it
		return err
	}
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		next  = make(chan string)
	)
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return first != nil }
	for w := 0; w < min(parallelGuests, len(order)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range next {
				if failed() {
					continue
				}
				if ref, err := setGuestNICs(s, name, byGuest[name], failed); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("%s NIC %s: %w", name, ref, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, name := range order {
		next <- name
	}
	close(next)
	wg.Wait()
	return first
}

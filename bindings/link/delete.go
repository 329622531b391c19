package link

import (
	"sync"

	"rewire/bindings/errkind"
	"rewire/bindings/tx"
)

// Deleter deletes a link of one kind inside the transaction, journaling
// what it needs to recreate it. Bindings that can recreate their kind of
// link (bridge, bond, vlan) register one.
type Deleter func(s *tx.Session, name string) error

var (
	deletersMu sync.RWMutex
	deleters   = map[string]Deleter{}
)

// RegisterDeleter makes `link.delete` work for links of kind.
func RegisterDeleter(kind string, d Deleter) {
	deletersMu.Lock()
	defer deletersMu.Unlock()
	deleters[kind] = d
}

// Delete is `ip link delete NAME`, for kinds that can be recreated exactly
// on rollback. A NIC or a veth cannot: deleting it is refused.
func Delete(s *tx.Session, name string) error {
	in, err := Get(s.Target, name)
	if err != nil {
		return err
	}
	deletersMu.RLock()
	d, ok := deleters[in.Kind]
	deletersMu.RUnlock()
	if !ok {
		return errkind.Invalid("refusing to delete a %s link: rewire could not recreate it on rollback", in.Kind)
	}
	return d(s, name)
}

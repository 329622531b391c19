package firewalld

import (
	"sync"

	"rewire/bindings/target"
)

// A plan runs a recipe on a replica of the target's namespace, where no
// firewalld runs; the zone a bridge would go into is decided by asking the
// target's own firewalld (read-only) and the step is listed, not made
// (rewire plan lists kinds "firewalld.").

var origins sync.Map // replica *target.Target → the target it copies

// AskOrigin has firewalld questions about replica go to origin's
// firewalld until the returned func is called.
func AskOrigin(replica, origin *target.Target) (forget func()) {
	origins.Store(replica, origin)
	return func() { origins.Delete(replica) }
}

// askOf is the target whose firewalld answers for tg.
func askOf(tg *target.Target) *target.Target {
	if o, ok := origins.Load(tg); ok {
		return o.(*target.Target)
	}
	return tg
}

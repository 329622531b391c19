//go:build !cgo

package persist

import "rewire/bindings/tx"

// A build without cgo has no libvirt (the static test binaries of the
// distro-kernel VM): there are no libvirt networks to start at boot.

func autostarts([]*tx.Step) []string { return nil }

func saveAutostart(*tx.Session, []string, bool) ([]Written, error) { return nil, nil }

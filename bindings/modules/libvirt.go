//go:build cgo

package modules

import (
	"rewire/bindings/domain"
	"rewire/bindings/virtnet"
)

// The libvirt bindings: `domain` (guests) and `network` (libvirt networks).
func init() {
	register(Entry{Name: "domain", Libvirt: true, New: domain.Module})
	register(Entry{Name: "network", Libvirt: true, New: virtnet.Module})
}

//go:build !cgo

package snapshot

// captureLibvirt needs libvirt's client library, which a static build
// lacks: the snapshot says so and holds no libvirt part.
func captureLibvirt(uri string, s *Snapshot) error {
	s.Notes = append(s.Notes, "libvirt "+uri+" not read: this rewire is built without libvirt (a static build)")
	return nil
}

package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"rewire/bindings/errkind"
)

// Load reads a snapshot file. A file that is not a whole JSON document
// (truncated, empty) or of another Version is refused in one line.
func Load(path string) (*Snapshot, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, errkind.Wrap(errkind.Of(err), fmt.Errorf("snapshot %s: %w", path, err))
	}
	return Parse(path, b)
}

// Parse reads a snapshot from b; name is what errors call it.
func Parse(name string, b []byte) (*Snapshot, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, errkind.Invalid("snapshot %s: not a whole JSON document (truncated?): %v", name, err)
	}
	if head.Version == nil {
		return nil, errkind.Invalid("snapshot %s: no version field: not a rewire snapshot", name)
	}
	if *head.Version != Version {
		return nil, errkind.Invalid("snapshot %s: format version %d, this rewire reads version %d only", name, *head.Version, Version)
	}
	var s Snapshot
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, errkind.Invalid("snapshot %s: %v", name, err)
	}
	if err := s.check(name); err != nil {
		return nil, err
	}
	return &s, nil
}

// check refuses what would make no host: links without names, two links
// of one name, a master or VLAN parent that is not a link.
func (s *Snapshot) check(name string) error {
	seen := map[string]bool{}
	for _, l := range s.Links {
		if l.Name == "" {
			return errkind.Invalid("snapshot %s: a link without a name", name)
		}
		if seen[l.Name] {
			return errkind.Invalid("snapshot %s: link %s twice", name, l.Name)
		}
		seen[l.Name] = true
	}
	for _, l := range s.Links {
		if l.Master != "" && !seen[l.Master] {
			return errkind.Invalid("snapshot %s: link %s: its master %s is not a link of the snapshot", name, l.Name, l.Master)
		}
		if l.VLAN != nil && !seen[l.VLAN.Parent] {
			return errkind.Invalid("snapshot %s: link %s: its VLAN parent %s is not a link of the snapshot", name, l.Name, l.VLAN.Parent)
		}
	}
	return nil
}

// Marshal is the snapshot as the file holds it (indented JSON, a newline at the end).
func (s *Snapshot) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

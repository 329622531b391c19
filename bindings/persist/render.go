package persist

import (
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// File is one file persist writes.
type File struct {
	Path    string `json:"path"`
	Content string `json:"-"`
	Mode    uint32 `json:"mode"`
	Device  string `json:"device,omitempty"` // "" for a file of no one device (sysctls)
	Flavour string `json:"flavour"`
	// Link makes the file a symlink to Link (a unit's enable link), not
	// one with Content.
	Link string `json:"link,omitempty"`
}

// world is what a renderer sees: where etc is, every device persisted
// (masters and parents are looked up here), and the files as they are.
type world struct {
	Etc  string
	Run  string // /run, where NetworkManager's and networkd's runtime profiles are
	Var  string // /var/lib
	All  map[string]*Owned
	Read func(path string) (string, bool) // a file under the roots; false: none
	// Netns is the network namespace the host is bound at ("" for the
	// one rewire runs in): rewire-restore.service restores there.
	Netns string
}

// renderer turns the devices of one flavour into files.
type renderer func(w *world, devs []*Owned) ([]File, error)

var renderers = map[string]renderer{
	FlavourNM:       renderNM,
	FlavourNetworkd: renderNetworkd,
	FlavourNetplan:  renderNetplan,
	FlavourIfupdown: renderIfupdown,
	FlavourIfcfg:    renderIfcfg,
}

// render renders every device, flavour by flavour, in a fixed order.
func render(w *world) ([]File, error) {
	by := map[string][]*Owned{}
	for _, o := range w.All {
		by[o.Flavour] = append(by[o.Flavour], o)
	}
	var flavours []string
	for f := range by {
		flavours = append(flavours, f)
	}
	sort.Strings(flavours)
	var out []File
	for _, f := range flavours {
		devs := by[f]
		sort.Slice(devs, func(i, j int) bool { return devs[i].Name < devs[j].Name })
		r, ok := renderers[f]
		if !ok {
			return nil, fmt.Errorf("no renderer for %s", f)
		}
		files, err := r(w, devs)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	return out, nil
}

// source is where a manager's file is read from here: /etc and /run
// under the roots, /usr/lib and /lib as they are.
func (w *world) source(p string) string {
	if ep, ok := etcPath(w.Etc, p); ok {
		return ep
	}
	if rest, ok := strings.CutPrefix(p, "/run/"); ok && w.Run != "" {
		return filepath.Join(w.Run, rest)
	}
	return p
}

// vlansOn lists the VLANs whose parent is name.
func (w *world) vlansOn(name string) []string {
	var out []string
	for _, o := range w.All {
		if o.VLAN != nil && o.VLAN.Parent == name {
			out = append(out, o.Name)
		}
	}
	sort.Strings(out)
	return out
}

// uuidFor is a stable UUID (version 4 layout) for a profile rewire makes,
// so the same host renders the same files.
func uuidFor(name string) string {
	h := sha256.Sum256([]byte("rewire-persist:" + name))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// splitV4 separates IPv4 from IPv6 CIDRs.
func splitV4(cidrs []string) (v4, v6 []string) {
	for _, c := range cidrs {
		if isV4(c) {
			v4 = append(v4, c)
		} else {
			v6 = append(v6, c)
		}
	}
	return
}

func isV4(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return false
		}
	}
	return true
}

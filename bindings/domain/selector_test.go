package domain

import (
	"strings"
	"testing"

	"libvirt.org/go/libvirtxml"

	"rewire/lua/engine"
)

// TestSharedMACNeedsAliasOrPCI: libvirt lets two NICs share a MAC (virtio
// failover teaming). A change by that MAC alone must refuse, naming both,
// and {alias=} / {pci=} must pick exactly one.
func TestSharedMACNeedsAliasOrPCI(t *testing.T) {
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	name := defineFixture(t, s, "teaming.xml")
	before := inactiveXML(t, s, name)
	cfg := Scope{Config: true}
	br := Source{Type: "bridge", Source: "br0"}
	const shared = "52:54:00:a8:b2:01"
	want := "team has 2 NICs with MAC 52:54:00:a8:b2:01: alias ua-net0 (network default), alias ua-net1 (hostdev); choose with {alias=} or {pci=}"
	for what, err := range map[string]error{
		"set":    SetInterface(s, name, "52:54:00:A8:B2:01", br, cfg),
		"detach": DetachInterface(s, name, shared, cfg),
	} {
		if err == nil || err.Error() != want || engine.KindOf(err) != engine.KindInvalid {
			t.Errorf("%s by a shared MAC: %v (kind %s), want %q (invalid)", what, err, engine.KindOf(err), want)
		}
	}
	for what, c := range map[string]struct {
		err        error
		kind, text string
	}{
		"unknown alias": {SetNIC(s, name, NICRef{Alias: "ua-net9"}, br, cfg), engine.KindNotFound, "domain team has no NIC with alias ua-net9 (in its persistent config)"},
		"alias and MAC disagree": {SetNIC(s, name, NICRef{MAC: "52:54:00:a8:b2:02", Alias: "ua-net0"}, br, cfg), engine.KindNotFound,
			"domain team has no NIC with MAC 52:54:00:a8:b2:02 alias ua-net0"},
		"bad PCI":    {DetachNIC(s, name, NICRef{PCI: "zz"}, cfg), engine.KindInvalid, `bad PCI address "zz"`},
		"no NIC ref": {DetachNIC(s, name, NICRef{}, cfg), engine.KindInvalid, "give a MAC, {alias=} or {pci=}"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.text) || engine.KindOf(c.err) != c.kind {
			t.Errorf("%s: %v (kind %s), want %q (%s)", what, c.err, engine.KindOf(c.err), c.text, c.kind)
		}
	}
	if s.Current() != nil && len(s.Current().Steps()) != 0 || inactiveXML(t, s, name) != before {
		t.Fatal("refused changes changed the guest")
	}

	nics, err := Interfaces(s.Target, name)
	if err != nil || len(nics) != 3 || nics[1].Alias != "ua-net1" || nics[1].PCI != "0000:00:04.0" || nics[1].MAC != shared {
		t.Fatalf("interfaces: %+v %v", nics, err)
	}
	// By alias: the hostdev half only.
	if err := SetNIC(s, name, NICRef{Alias: "ua-net1"}, br, cfg); err != nil {
		t.Fatal(err)
	}
	got := nicSources(t, inactiveXML(t, s, name))
	if strings.Join(got, ",") != "network default,bridge br0,network isolated" {
		t.Fatalf("after re-point by alias: %v", got)
	}
	if d, _ := onlyNICDiffers(before, inactiveXML(t, s, name), 1, 1); d != "" {
		t.Fatalf("re-point by alias changed %s", d)
	}
	// By PCI address (domain optional): the virtio half.
	if err := SetNIC(s, name, NICRef{PCI: "00:03.0"}, Source{Type: "network", Source: "isolated"}, cfg); err != nil {
		t.Fatal(err)
	}
	// Detach by alias takes that one NIC, not every NIC with its MAC.
	if err := DetachNIC(s, name, NICRef{Alias: "ua-net1"}, cfg); err != nil {
		t.Fatal(err)
	}
	got = nicSources(t, inactiveXML(t, s, name))
	if strings.Join(got, ",") != "network isolated,network isolated" {
		t.Fatalf("after re-point by PCI and detach by alias: %v", got)
	}
	steps := s.Current().Steps()
	if len(steps) != 3 || !strings.Contains(steps[2].Desc, "detach NIC 52:54:00:a8:b2:01 (bridge br0) from team") {
		t.Fatalf("journal: %v", steps)
	}
	if err := s.Rollback().Err(); err != nil {
		t.Fatal(err)
	}
	if after := inactiveXML(t, s, name); after != before {
		t.Fatalf("rollback did not restore the XML:\n%s\nwant\n%s", after, before)
	}
}

// nicSources lists each NIC's "type source" in order.
func nicSources(t *testing.T, x string) []string {
	t.Helper()
	var def libvirtxml.Domain
	if err := def.Unmarshal(x); err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range def.Devices.Interfaces {
		out = append(out, sourceOf(&def.Devices.Interfaces[i]).String())
	}
	return out
}

func TestNormalizePCI(t *testing.T) {
	for in, want := range map[string]string{"0000:00:03.0": "0000:00:03.0", "00:1f.7": "0000:00:1f.7", "0x0000:0x01:0x00.0x1": "0000:01:00.1"} {
		if got, err := normalizePCI(in); err != nil || got != want {
			t.Errorf("%s: %s %v, want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "3", "00:03", "0000:00:03:0", "00:zz.0"} {
		if _, err := normalizePCI(bad); err == nil || engine.KindOf(err) != engine.KindInvalid {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

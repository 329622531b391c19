package domain

import (
	"strings"
	"testing"

	"libvirt.org/go/libvirtxml"
)

// lossy is domain XML that a libvirtxml round trip does not keep: an empty
// <video/> comes back as <video><model type=""/></video>, and a vhost-user
// NIC's <source dev=...> (passt backend) is dropped.
const lossy = `<domain type='kvm'>
  <name>lossy</name>
  <devices>
    <interface type='vhostuser'>
      <mac address='52:54:00:00:00:01'/>
      <source dev='/run/passt.sock'/>
      <model type='virtio'/>
      <backend type='passt'/>
    </interface>
    <interface type="network" trustGuestRxFilters="yes">
      <mac address="52:54:00:00:00:02"/>
      <source network="default" portgroup="web"/>
      <model type="e1000"/>
      <address type="pci" domain="0x0000" bus="0x00" slot="0x03" function="0x0"/>
    </interface>
    <video/>
  </devices>
</domain>
`

func TestRepointXMLKeepsEveryOtherByte(t *testing.T) {
	var def libvirtxml.Domain
	if err := def.Unmarshal(lossy); err != nil {
		t.Fatal(err)
	}
	rt, _ := def.Marshal()
	if d, _ := onlyNICDiffers(lossy, rt, -1, -1); d == "" {
		t.Fatal("libvirtxml round trip became lossless: the fixture no longer shows why NICs are edited as text")
	}
	out, err := RepointXML(lossy, NICRef{MAC: "52:54:00:00:00:02"}, Source{Type: "bridge", Source: "br0", Model: "virtio"})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(lossy, `<interface type="network" trustGuestRxFilters="yes">`, `<interface type='bridge' trustGuestRxFilters="yes">`, 1)
	want = strings.Replace(want, `<source network="default" portgroup="web"/>`, `<source bridge='br0'/>`, 1)
	want = strings.Replace(want, `<model type="e1000"/>`, `<model type='virtio'/>`, 1)
	if out != want {
		t.Fatalf("re-point changed more than type, source and model:\n%s\nwant\n%s", out, want)
	}
	// The vhost-user NIC itself: its source goes, its backend stays.
	out, err = RepointXML(lossy, NICRef{MAC: "52:54:00:00:00:01"}, Source{Type: "network", Source: "default"})
	if err != nil {
		t.Fatal(err)
	}
	want = strings.Replace(lossy, "<interface type='vhostuser'>", "<interface type='network'>", 1)
	want = strings.Replace(want, "<source dev='/run/passt.sock'/>", "<source network='default'/>", 1)
	if out != want {
		t.Fatalf("re-point of the vhost-user NIC:\n%s", out)
	}
}

func TestRepointTextShapes(t *testing.T) {
	br := Source{Type: "bridge", Source: "br'0"}
	for in, want := range map[string]string{
		// no <source>: it goes after <mac>, on a line of its own
		"<interface type='user'>\n  <mac address='52:54:00:00:00:03'/>\n  <model type='rtl8139'/>\n</interface>": "<interface type='bridge'>\n  <mac address='52:54:00:00:00:03'/>\n  <source bridge='br&#39;0'/>\n  <model type='rtl8139'/>\n</interface>",
		// no <mac> either: before the first child
		"<interface type='user'>\n  <model type='rtl8139'/>\n</interface>": "<interface type='bridge'>\n  <source bridge='br&#39;0'/>\n  <model type='rtl8139'/>\n</interface>",
		// one line, no children
		"<interface type='user'></interface>": "<interface type='bridge'><source bridge='br&#39;0'/></interface>",
		"<interface type='user'/>":            "<interface type='bridge'><source bridge='br&#39;0'/></interface>",
		// no type attribute; spacing and other attributes kept
		"<interface  managed = 'no' >\n<source bridge='x'>\n<vlan/></source>\n</interface>": "<interface  managed = 'no' type='bridge' >\n<source bridge='br&#39;0'/>\n</interface>",
	} {
		got, err := repointText(in, br)
		if err != nil || got != want {
			t.Errorf("%s:\n got %q %v\nwant %q", in, got, err, want)
		}
	}
	if _, err := repointText("<interface type='user'><mac></interface>", br); err == nil {
		t.Error("malformed element accepted")
	}
}

func TestAppendAndRemoveNICText(t *testing.T) {
	dt, err := parseDomText(lossy)
	if err != nil || len(dt.nics) != 2 {
		t.Fatalf("%v %d", err, len(dt.nics))
	}
	nic := newNICText("52:54:00:00:00:09", Source{Type: "network", Source: "default"})
	out, err := dt.appendNIC(nic)
	if err != nil {
		t.Fatal(err)
	}
	end := dt.nics[1].end
	if !strings.HasPrefix(out, lossy[:end]) || !strings.HasSuffix(out, lossy[end:]) ||
		out[end:len(out)-len(lossy)+end] != "\n    "+strings.ReplaceAll(nic, "\n", "\n    ") {
		t.Fatalf("append:\n%s", out)
	}
	if d, _ := onlyNICDiffers(lossy, out, -1, 2); d != "" {
		t.Fatalf("append changed %s", d)
	}
	out = dt.removeNIC(0)
	if strings.Contains(out, "vhostuser") || !strings.HasPrefix(out, "<domain type='kvm'>\n  <name>lossy</name>\n  <devices>\n    <interface type=\"network\"") {
		t.Fatalf("remove:\n%s", out)
	}
	if d, _ := onlyNICDiffers(lossy, out, 0, -1); d != "" {
		t.Fatalf("remove changed %s", d)
	}
	// A guest without NICs gets its first at the end of <devices>.
	bare, _ := parseDomText("<domain>\n  <devices>\n    <video/>\n  </devices>\n</domain>")
	if out, err := bare.appendNIC("<interface/>"); err != nil || out != "<domain>\n  <devices>\n    <video/>\n    <interface/>\n  </devices>\n</domain>" {
		t.Fatalf("first NIC: %q %v", out, err)
	}
	if none, _ := parseDomText("<domain><devices/></domain>"); none == nil {
		t.Fatal("no parse")
	} else if _, err := none.appendNIC("<interface/>"); err == nil {
		t.Fatal("appended into a self-closed <devices/>")
	}
}

func TestOnlyNICDiffers(t *testing.T) {
	a := "<domain a='1' b='2'><name>x</name><devices><interface type='network'/><video><model type='vga'/></video><interface type='user'/></devices></domain>"
	// Attribute order, quotes and whitespace do not count.
	b := "<domain b=\"2\"  a=\"1\">\n  <name> x </name>\n  <devices>\n    <interface type='bridge'/>\n    <video>\n      <model type='vga'/>\n    </video>\n    <interface type='user'/>\n  </devices>\n</domain>\n"
	if d, err := onlyNICDiffers(a, b, 0, 0); d != "" || err != nil {
		t.Fatalf("same but the NIC: %q %v", d, err)
	}
	if d, _ := onlyNICDiffers(a, b, -1, -1); d != "/domain/devices[1]/interface[1]/@type" {
		t.Fatalf("the NIC itself: %q", d)
	}
	c := strings.Replace(b, "vga", "cirrus", 1)
	if d, _ := onlyNICDiffers(a, c, 0, 0); d != "/domain/devices[1]/video[1]/model[1]/@type" {
		t.Fatalf("video model: %q", d)
	}
	if d, _ := onlyNICDiffers(a, strings.Replace(b, "<name> x </name>", "<name>y</name>", 1), 0, 0); d != "/domain/name[1]/text()" {
		t.Fatalf("name: %q", d)
	}
	if d, _ := onlyNICDiffers(a, strings.Replace(b, "    <interface type='user'/>\n", "", 1), 0, 0); d != "/domain/devices[1]/interface[1]" {
		t.Fatalf("a NIC gone: %q", d)
	}
	if _, err := onlyNICDiffers(a, "<domain>", 0, 0); err == nil {
		t.Fatal("malformed XML compared")
	}
}

func TestDeviceText(t *testing.T) {
	live := "<interface type='network'>\n  <mac address='52:54:00:00:01:01'/>\n  <source network='default' portid='8c1c2f5e-1d2a-4c39-9d63-5c7a0e6a7d11' bridge='virbr0'/>\n  <target dev='vnet0'/>\n  <alias name='net0'/>\n</interface>"
	got, err := deviceText(live)
	want := strings.Replace(live, " portid='8c1c2f5e-1d2a-4c39-9d63-5c7a0e6a7d11' bridge='virbr0'", "", 1)
	if err != nil || got != want {
		t.Fatalf("network NIC:\n%s %v\nwant\n%s", got, err, want)
	}
	br := "<interface type='bridge'><source bridge='br0'/></interface>"
	if got, err := deviceText(br); err != nil || got != br {
		t.Fatalf("bridge NIC: %s %v", got, err)
	}
	if got, err := dropAttrs(`<source a="1"  portid='x'	bridge = "y"/>`, "portid", "bridge"); err != nil || got != `<source a="1"/>` {
		t.Fatalf("dropAttrs: %q %v", got, err)
	}
	for _, bad := range []string{"source a='1'>", "<source a=1>", "<source a='1>"} {
		if _, err := setAttr(bad, "b", "2"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// withNIC edits a NIC as a whole re-parse of the spliced text would see
// it: the same text, spans, parsed NICs and end of <devices>, edit after
// edit, whether the element grows or shrinks.
func TestWithNICIsAReparse(t *testing.T) {
	dt, err := parseDomText(lossy)
	if err != nil {
		t.Fatal(err)
	}
	edits := []struct {
		i    int
		elem string
	}{
		{1, "<interface type='bridge'><mac address='52:54:00:00:00:02'/><source bridge='br0'/></interface>"},
		{0, "<interface type='network'>\n      <mac address='52:54:00:00:00:01'/>\n      <source network='a-much-longer-network-name'/>\n    </interface>"},
		{1, "<interface type='bridge'><mac address='52:54:00:00:00:02'/></interface>"},
	}
	for _, e := range edits {
		got, err := dt.withNIC(e.i, e.elem)
		if err != nil {
			t.Fatal(err)
		}
		want, err := parseDomText(dt.replaceNIC(e.i, e.elem))
		if err != nil {
			t.Fatal(err)
		}
		if got.text != want.text || got.devicesEnd != want.devicesEnd || len(got.nics) != len(want.nics) {
			t.Fatalf("edit of NIC %d: text or <devices> end differ from a re-parse", e.i)
		}
		for k := range want.nics {
			if got.nics[k] != want.nics[k] || sourceOf(&got.defs[k]) != sourceOf(&want.defs[k]) || macOf(&got.defs[k]) != macOf(&want.defs[k]) {
				t.Fatalf("edit of NIC %d: NIC %d is %v %v, a re-parse %v %v", e.i, k, got.nics[k], sourceOf(&got.defs[k]), want.nics[k], sourceOf(&want.defs[k]))
			}
		}
		dt = got
	}
	if _, err := dt.withNIC(0, "<interface"); err == nil {
		t.Fatal("a malformed element was taken")
	}
}

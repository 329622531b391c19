package persist_test

import (
	"os"
	"path/filepath"
	"testing"
)

// network-scripts (no daemon to reboot with on this machine): the NIC's
// ifcfg file becomes the bridge's port keeping its UUID and HWADDR, its
// DNS moves to ifcfg-br0, and rollback restores both files exactly.
func TestIfcfg(t *testing.T) {
	r := newRig(t)
	h, _ := r.Host.Handle()
	eth0, _ := h.LinkByName("eth0")
	must(t, h.LinkSetUp(eth0))
	dir := filepath.Join(r.sb.Etc, "sysconfig/network-scripts")
	os.MkdirAll(dir, 0o755)
	old := "TYPE=Ethernet\nBOOTPROTO=none\nNAME=eth0\nUUID=0b0f3e3c-56f5-4a55-9d3c-6b2a7f6a1f10\nDEVICE=eth0\nONBOOT=yes\nHWADDR=52:54:00:aa:bb:cc\nIPADDR=10.0.0.111\nPREFIX=24\nGATEWAY=10.0.0.1\nDNS1=10.0.0.1\nNM_CONTROLLED=no\n"
	must(t, os.WriteFile(filepath.Join(dir, "ifcfg-eth0"), []byte(old), 0o644))
	r.sb.Exec("ip", "addr", "add", "10.0.0.111/24", "dev", "eth0")
	r.sb.Exec("ip", "route", "add", "default", "via", "10.0.0.1")
	before := snapshot(t, r.sb.Etc)
	r.migrate(t)
	r.persist(t)
	want := map[string]string{
		"ifcfg-br0":  "DEVICE=br0\nTYPE=Bridge\nONBOOT=yes\nBOOTPROTO=none\nIPADDR=10.0.0.111\nPREFIX=24\nGATEWAY=10.0.0.1\nSTP=off\nDELAY=0\nNM_CONTROLLED=no\nDNS1=10.0.0.1\nMACADDR=52:54:00:aa:bb:cc\n",
		"ifcfg-eth0": "DEVICE=eth0\nTYPE=Ethernet\nONBOOT=yes\nBOOTPROTO=none\nBRIDGE=br0\nNM_CONTROLLED=no\nNAME=eth0\nUUID=0b0f3e3c-56f5-4a55-9d3c-6b2a7f6a1f10\nHWADDR=52:54:00:aa:bb:cc\n",
	}
	for name, w := range want {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if string(b) != w {
			t.Errorf("%s:\n%s\nwant:\n%s", name, b, w)
		}
	}
	r.rollback(t)
	sameFiles(t, before, snapshot(t, r.sb.Etc))
}

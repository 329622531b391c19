package domain

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"rewire/bindings/tx"
	"rewire/bindings/virtnet"
	"rewire/lua/engine"
)

var (
	rootType  = regexp.MustCompile(`^(<domain\s+type=)(['"])[a-z]+(['"])`)
	firstName = regexp.MustCompile(`<name>[^<]*</name>`)
	firstUUID = regexp.MustCompile(`\s*<uuid>[^<]*</uuid>`)
)

// asTestGuest makes a corpus domain definable on the test driver under a
// name of its own: the root's type becomes 'test', the name is replaced
// and the UUID dropped (every libvirt test file uses the same ones).
func asTestGuest(x, name string) string {
	x = strings.TrimSpace(x[strings.Index(x, "<domain"):])
	x = rootType.ReplaceAllString(x, "${1}${2}test${3}")
	x = firstName.ReplaceAllLiteralString(x, "<name>"+name+"</name>")
	return firstUUID.ReplaceAllLiteralString(x, "")
}

// TestCorpusRepointTouchesOnlyThatNIC defines every domain of the corpus
// (testdata/libvirt/corpus: libvirt's own test XML; and rewire's own
// testdata/libvirt/domains) on the test driver and
// re-points each of its NICs to a bridge, and back where it was on a
// network or bridge: afterwards the persistent XML, as libvirt has it,
// must differ from before in that NIC only; rollback must restore it byte
// for byte.
func TestCorpusRepointTouchesOnlyThatNIC(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/libvirt/corpus/*.xml")
	own, _ := filepath.Glob("../../testdata/libvirt/domains/*.xml")
	files = append(files, own...)
	if len(files) < 25 {
		t.Fatalf("corpus missing: %d files", len(files))
	}
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	var defined, tried, clean, unnamed int
	var declined []string // re-points libvirt refused, the XML left as it was
	refused := map[string]string{}
	for k, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(f)
		name := fmt.Sprintf("corpus%03d", k)
		if err := define(s.Target, asTestGuest(string(raw), name)); err != nil {
			refused[base] = virtnet.Message(err)
			continue
		}
		defined++
		before := secureXML(t, s, name)
		dt, err := parseDomText(before)
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		for i := range dt.defs {
			tried++
			n := &dt.defs[i]
			ref, ok := nameFor(dt, i)
			if !ok {
				// Only PCI address or alias could tell it from its twin.
				err := SetInterface(s, name, macOf(n), Source{Type: "bridge", Source: "br0"}, Scope{Config: true})
				if engine.KindOf(err) != engine.KindInvalid || !strings.Contains(err.Error(), "choose with {alias=} or {pci=}") {
					t.Errorf("%s NIC #%d: a shared MAC was not refused: %v", base, i+1, err)
				}
				unnamed++
				continue
			}
			switch why := repointAndBack(t, s, base, name, before, i, ref); why {
			case "":
				clean++
			case "bad":
			default:
				declined = append(declined, fmt.Sprintf("%s NIC #%d: %s", base, i+1, why))
			}
			if err := s.Rollback().Err(); err != nil {
				t.Fatalf("%s NIC #%d: rollback: %v", base, i+1, err)
			}
			if after := secureXML(t, s, name); after != before {
				t.Fatalf("%s NIC #%d: rollback did not restore the XML:\n%s\nwant\n%s", base, i+1, after, before)
			}
		}
	}
	var why []string
	for f, msg := range refused {
		why = append(why, f+": "+msg)
	}
	sort.Strings(why)
	t.Logf("corpus: %d domains, %d defined on the test driver, %d NICs tried, %d re-pointed (to a bridge and back) changing only that NIC, %d refused by libvirt (nothing changed), %d not nameable (shared MAC, no alias or PCI address; refused as ambiguous)",
		len(files), defined, tried, clean, len(declined), unnamed)
	for _, w := range why {
		t.Logf("not defined: %s", w)
	}
	for _, w := range declined {
		t.Logf("refused: %s", w)
	}
	if bad := tried - unnamed - len(declined) - clean; bad != 0 {
		t.Errorf("%d NICs changed more than themselves", bad)
	}
	if defined < 25 || tried < 50 {
		t.Errorf("only %d domains and %d NICs exercised", defined, tried)
	}
}

// nameFor is how a user would name NIC i: its MAC when no other NIC has
// it, else its alias, else its PCI address.
func nameFor(dt *domText, i int) (NICRef, bool) {
	n := &dt.defs[i]
	shared := 0
	for j := range dt.defs {
		if macOf(&dt.defs[j]) == macOf(n) {
			shared++
		}
	}
	switch {
	case shared == 1:
		return NICRef{MAC: macOf(n)}, true
	case aliasOf(n) != "":
		return NICRef{Alias: aliasOf(n)}, true
	case pciOf(n) != "":
		return NICRef{PCI: pciOf(n)}, true
	}
	return NICRef{}, false
}

// back reports whether a NIC can be re-pointed back to prev on this host:
// a network or bridge that exists (libvirt's test XML names networks this
// one does not have; rollback still puts those back).
func back(s *tx.Session, prev Source) bool {
	switch prev.Type {
	case "bridge":
		_, err := s.Target.LinkByName(prev.Source)
		return err == nil
	case "network":
		n, err := virtnet.Lookup(s.Target, prev.Source)
		if err == nil {
			n.Free()
		}
		return err == nil
	}
	return false
}

// repointAndBack re-points NIC i to br0 and checks libvirt's XML, then
// (for a NIC that was on a network or bridge) back to where it was. It
// returns "" when every step changed that NIC only, libvirt's one-line
// reason when libvirt refused a step (which must leave the XML as it
// was), or "bad".
func repointAndBack(t *testing.T, s *tx.Session, base, name, before string, i int, ref NICRef) string {
	t.Helper()
	orig, _ := parseDomText(before)
	prev := sourceOf(&orig.defs[i])
	steps := []Source{{Type: "bridge", Source: "br0"}}
	if prev.Type == "bridge" && prev.Source == "br0" {
		steps[0] = Source{Type: "network", Source: "default"}
	}
	if back(s, prev) {
		steps = append(steps, prev)
	}
	for k, src := range steps {
		was := secureXML(t, s, name)
		if err := SetNIC(s, name, ref, src, Scope{Config: true}); err != nil {
			msg := err.Error()
			if k > 0 || engine.KindOf(err) != engine.KindInvalid || strings.Contains(msg, "\n") || strings.Contains(msg, "changed more than") {
				t.Errorf("%s NIC #%d (%s) -> %s: %v", base, i+1, ref, src, err)
				return "bad"
			}
			if now := secureXML(t, s, name); now != was {
				t.Errorf("%s NIC #%d (%s) -> %s refused (%v) but the XML changed:\n%s", base, i+1, ref, src, err, now)
				return "bad"
			}
			return msg
		}
		now := secureXML(t, s, name)
		if d, err := onlyNICDiffers(before, now, i, i); err != nil || d != "" {
			t.Errorf("%s NIC #%d (%s) -> %s changed %s %v", base, i+1, ref, src, d, err)
			return "bad"
		}
		dt, err := parseDomText(now)
		if err != nil {
			t.Fatal(err)
		}
		n := &dt.defs[i]
		if got := sourceOf(n); got.Type != src.Type || got.Source != src.Source || macOf(n) != macOf(&orig.defs[i]) || pciOf(n) != pciOf(&orig.defs[i]) {
			t.Errorf("%s NIC #%d (%s) -> %s: now %s, MAC %s, PCI %s", base, i+1, ref, src, got, macOf(n), pciOf(n))
			return "bad"
		}
	}
	return ""
}

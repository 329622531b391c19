package domain

import (
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"libvirt.org/go/libvirt"

	"rewire/bindings/tx"
	"rewire/bindings/virtconn"
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

// corpusDir is the directory of libvirt's own test domain XML:
// $REWIRE_LIBVIRT_CORPUS, else what testdata/libvirt/corpus.sh prints
// (it takes it from Debian's source package of the libvirt installed
// here, fetched once into a cache).
func corpusDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("REWIRE_LIBVIRT_CORPUS"); d != "" {
		return d
	}
	var stderr strings.Builder
	cmd := exec.Command("bash", "../../testdata/libvirt/corpus.sh")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("testdata/libvirt/corpus.sh: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// corpusFile is one domain XML of the corpus: its name (relative to the
// corpus, or testdata/... for rewire's own), whether it is rewire's own,
// and its text.
type corpusFile struct {
	name string
	own  bool
	text string
}

// corpusFiles is every XML file with an <interface> in libvirt's corpus
// (its test directories, or the directory itself) and in rewire's own
// fixtures, each content once: files that differ only in the parts
// asTestGuest replaces count as one. dupes is how many were left out.
func corpusFiles(t *testing.T) (files []corpusFile, dupes int) {
	t.Helper()
	dir := corpusDir(t)
	var paths []string
	for _, g := range []string{dir + "/*/*.xml", dir + "/*.xml", "../../testdata/libvirt/domains/*.xml", "../../testdata/libvirt/guests/*.xml"} {
		m, _ := filepath.Glob(g)
		paths = append(paths, m...)
	}
	seen := map[string]bool{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		x := string(raw)
		if !strings.Contains(x, "<interface") || !strings.Contains(x, "<domain") {
			continue
		}
		key := asTestGuest(x, "corpus")
		if seen[key] {
			dupes++
			continue
		}
		seen[key] = true
		f := corpusFile{name: strings.TrimPrefix(p, "../../"), own: strings.HasPrefix(p, "../../testdata/"), text: x}
		if !f.own {
			f.name, _ = filepath.Rel(dir, p)
		}
		files = append(files, f)
	}
	return files, dupes
}

// reasonClass is the class of a libvirt error message: libvirt writes
// "<class>: <detail>" (unsupported configuration, XML error, ...).
func reasonClass(msg string) string {
	if i := strings.Index(msg, ": "); i > 0 {
		return msg[:i]
	}
	return msg
}

// TestCorpusRepointTouchesOnlyThatNIC defines every domain with a NIC of
// libvirt's own test XML (see corpusDir) and of rewire's own fixtures
// (testdata/libvirt/domains, testdata/libvirt/guests) on the test driver,
// and re-points each of its NICs to a bridge, and back where it was on a
// network or bridge: afterwards the persistent XML, as libvirt has it,
// must differ from before in that NIC only; rollback must restore it byte
// for byte. Domains the test driver will not define (other hypervisors'
// features, architectures it lacks) are counted by libvirt's reason; so
// are re-points libvirt itself refuses, which must leave the XML as it was.
func TestCorpusRepointTouchesOnlyThatNIC(t *testing.T) {
	files, dupes := corpusFiles(t)
	s := testDriver(t)
	addBridge(t, s.Target, "br0")
	c, err := virtconn.Connect(s.Target)
	if err != nil {
		t.Fatal(err)
	}
	var defined, tried, clean, unnamed int
	var declined []string // re-points libvirt refused, the XML left as it was
	notDefined := map[string][]string{}
	for k, f := range files {
		name := fmt.Sprintf("corpus%04d", k)
		if err := define(s.Target, asTestGuest(f.text, name)); err != nil {
			msg := virtconn.Message(err)
			if f.own {
				t.Errorf("%s: rewire's own fixture not defined: %s", f.name, msg)
			}
			notDefined[reasonClass(msg)] = append(notDefined[reasonClass(msg)], f.name+": "+msg)
			continue
		}
		defined++
		before := secureXML(t, s, name)
		dt, err := parseDomText(before)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		for i := range dt.defs {
			tried++
			n := &dt.defs[i]
			ref, ok := nameFor(dt, i)
			if !ok {
				// Only PCI address or alias could tell it from its twin.
				err := SetInterface(s, name, macOf(n), Source{Type: "bridge", Source: "br0"}, Scope{Config: true})
				if engine.KindOf(err) != engine.KindInvalid || !strings.Contains(err.Error(), "choose with {alias=} or {pci=}") {
					t.Errorf("%s NIC #%d: a shared MAC was not refused: %v", f.name, i+1, err)
				}
				unnamed++
				continue
			}
			switch why := repointAndBack(t, s, f.name, name, before, i, ref); why {
			case "":
				clean++
			case "bad":
			default:
				declined = append(declined, fmt.Sprintf("%s NIC #%d: %s", f.name, i+1, why))
			}
			if err := s.Rollback().Err(); err != nil {
				t.Fatalf("%s NIC #%d: rollback: %v", f.name, i+1, err)
			}
			if after := secureXML(t, s, name); after != before {
				t.Fatalf("%s NIC #%d: rollback did not restore the XML:\n%s\nwant\n%s", f.name, i+1, after, before)
			}
		}
		// Keep the test driver small: each domain is done with.
		if d, err := c.LookupDomainByName(name); err == nil {
			d.Undefine()
			d.Free()
		}
	}
	var classes []string
	for class := range notDefined {
		classes = append(classes, class)
	}
	sort.Slice(classes, func(i, j int) bool {
		a, b := len(notDefined[classes[i]]), len(notDefined[classes[j]])
		return a > b || a == b && classes[i] < classes[j]
	})
	t.Logf("corpus: %d domains with NICs (%d duplicates left out), %d defined on the test driver, %d NICs tried, %d re-pointed (to a bridge and back) changing only that NIC, %d refused by libvirt (nothing changed), %d not nameable (shared MAC, no alias or PCI address; refused as ambiguous)",
		len(files), dupes, defined, tried, clean, len(declined), unnamed)
	for _, class := range classes {
		t.Logf("not defined, %s: %d", class, len(notDefined[class]))
	}
	for _, class := range classes {
		for _, w := range notDefined[class] {
			t.Logf("not defined: %s", w)
		}
	}
	for _, w := range declined {
		t.Logf("refused: %s", w)
	}
	if bad := tried - unnamed - len(declined) - clean; bad != 0 {
		t.Errorf("%d NICs changed more than themselves", bad)
	}
	if defined < minDefined || tried < minTried {
		t.Errorf("only %d domains defined and %d NICs tried (want at least %d and %d)", defined, tried, minDefined, minTried)
	}
}

// The floors of the corpus run, a little below what Debian's libvirt
// 9.0.0 gives (370 domains defined, 702 NICs): fewer means the corpus,
// or what the test driver takes of it, shrank.
const (
	minDefined = 340
	minTried   = 650
)

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
	// libvirt keeps managed= and <driver name='vfio'/> for hostdev NICs only.
	hostdev := prev.Type == "hostdev"
	for k, src := range steps {
		was := secureXML(t, s, name)
		// rewire's edit of the NIC's text keeps all but its type and source.
		wdt, err := parseDomText(was)
		if err != nil {
			t.Fatal(err)
		}
		elem, err := repointText(wdt.nicText(i), src)
		if err != nil {
			t.Errorf("%s NIC #%d (%s) -> %s: %v", base, i+1, ref, src, err)
			return "bad"
		}
		if d := firstDiff(nicRest(t, wdt.nicText(i), false), nicRest(t, elem, false), "/interface"); d != "" {
			t.Errorf("%s NIC #%d (%s) -> %s: the edit changed %s of the NIC:\n%s", base, i+1, ref, src, d, elem)
			return "bad"
		}
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
			if why := libvirtRefuses(t, s, was, i, src); why != msg {
				t.Errorf("%s NIC #%d (%s) -> %s refused (%v), but libvirt itself says %q to that edit", base, i+1, ref, src, err, why)
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
		if d := firstDiff(nicRest(t, orig.nicText(i), hostdev), nicRest(t, dt.nicText(i), hostdev), "/interface"); d != "" {
			t.Errorf("%s NIC #%d (%s) -> %s changed %s of the NIC:\n%s", base, i+1, ref, src, d, dt.nicText(i))
			return "bad"
		}
		n := &dt.defs[i]
		if got := sourceOf(n); got.Type != src.Type || got.Source != src.Source || macOf(n) != macOf(&orig.defs[i]) || pciOf(n) != pciOf(&orig.defs[i]) {
			t.Errorf("%s NIC #%d (%s) -> %s: now %s, MAC %s, PCI %s", base, i+1, ref, src, got, macOf(n), pciOf(n))
			return "bad"
		}
	}
	return ""
}

// libvirtRefuses is libvirt's own reason for refusing the persistent XML
// x with NIC i re-pointed to src, defined straight on the driver ("" if
// libvirt takes it: then x is defined again), so that a refusal counted
// as libvirt's is libvirt's and not rewire's.
func libvirtRefuses(t *testing.T, s *tx.Session, x string, i int, src Source) string {
	t.Helper()
	dt, err := parseDomText(x)
	if err != nil {
		t.Fatal(err)
	}
	elem, err := repointText(dt.nicText(i), src)
	if err != nil {
		return "rewire: " + err.Error()
	}
	c, err := virtconn.Connect(s.Target)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DomainDefineXML(dt.replaceNIC(i, elem))
	var le libvirt.Error
	if errors.As(err, &le) {
		return virtconn.Message(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	d.Free()
	if err := define(s.Target, x); err != nil {
		t.Fatal(err)
	}
	return ""
}

// nicRest is a NIC's element text as a canonical tree without what a
// re-point changes: its type and <source>; for a NIC that was a hostdev
// also managed= and <driver>, which libvirt keeps for hostdev NICs only.
func nicRest(t *testing.T, elem string, hostdev bool) *xnode {
	t.Helper()
	n, err := parseTree(elem)
	if err != nil {
		t.Fatal(err)
	}
	var attrs []xml.Attr
	for _, a := range n.attrs {
		if a.Name.Local != "type" && (!hostdev || a.Name.Local != "managed") {
			attrs = append(attrs, a)
		}
	}
	var kids []*xnode
	for _, k := range n.kids {
		if k.name != "source" && (!hostdev || k.name != "driver") {
			kids = append(kids, k)
		}
	}
	n.attrs, n.kids = attrs, kids
	return n
}

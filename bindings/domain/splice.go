package domain

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"libvirt.org/go/libvirtxml"

	"rewire/lua/engine"
)

// A NIC change edits the text of libvirt's own domain XML: the one
// <interface> element is cut out, edited or put in, and every other byte
// stays as libvirt wrote it (a round trip through libvirtxml structs is
// not lossless: it rewrites devices the change never meant to touch).

// span is a byte range [start, end) of an XML text.
type span struct{ start, end int }

// domText is a domain XML text with its NICs located: the span of every
// <interface> directly under <domain><devices>, each parsed (for reading
// only), and where "</devices>" starts (-1: no open devices element).
type domText struct {
	text       string
	nics       []span
	defs       []libvirtxml.DomainInterface
	devicesEnd int
}

func parseDomText(x string) (*domText, error) {
	dt := &domText{text: x, devicesEnd: -1}
	d := xml.NewDecoder(strings.NewReader(x))
	var path []string
	start := 0
	for {
		off := int(d.InputOffset())
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, engine.Invalid("malformed domain XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			if isNICPath(path) {
				start = off
			}
		case xml.EndElement:
			if isNICPath(path) {
				dt.nics = append(dt.nics, span{start, int(d.InputOffset())})
			}
			if len(path) == 2 && path[0] == "domain" && path[1] == "devices" && !strings.HasSuffix(x[:off], "/>") {
				dt.devicesEnd = off
			}
			path = path[:len(path)-1]
		}
	}
	if len(path) != 0 || dt.text == "" {
		return nil, engine.Invalid("malformed domain XML: unexpected end")
	}
	for _, s := range dt.nics {
		var n libvirtxml.DomainInterface
		if err := n.Unmarshal(x[s.start:s.end]); err != nil {
			return nil, engine.Invalid("domain XML: interface: %v", err)
		}
		dt.defs = append(dt.defs, n)
	}
	return dt, nil
}

func isNICPath(p []string) bool {
	return len(p) == 3 && p[0] == "domain" && p[1] == "devices" && p[2] == "interface"
}

// nicText is the element text of NIC i.
func (dt *domText) nicText(i int) string { return dt.text[dt.nics[i].start:dt.nics[i].end] }

// replaceNIC is the domain text with NIC i's element replaced by elem.
func (dt *domText) replaceNIC(i int, elem string) string {
	s := dt.nics[i]
	return dt.text[:s.start] + elem + dt.text[s.end:]
}

// withNIC is dt with NIC i's element replaced by elem (one <interface>
// element): what parseDomText of replaceNIC's text gives, with only elem
// parsed — a batch edits a guest's NICs one after another, and parsing
// the whole XML again for each costs as much as the guest has NICs.
func (dt *domText) withNIC(i int, elem string) (*domText, error) {
	var n libvirtxml.DomainInterface
	if err := n.Unmarshal(elem); err != nil {
		return nil, engine.Invalid("domain XML: interface: %v", err)
	}
	s, delta := dt.nics[i], len(elem)-(dt.nics[i].end-dt.nics[i].start)
	out := &domText{text: dt.replaceNIC(i, elem), nics: make([]span, len(dt.nics)), defs: make([]libvirtxml.DomainInterface, len(dt.defs)), devicesEnd: dt.devicesEnd}
	copy(out.defs, dt.defs)
	out.defs[i] = n
	for k, sp := range dt.nics {
		if sp.start > s.start {
			sp.start += delta
		}
		if sp.end >= s.end {
			sp.end += delta
		}
		out.nics[k] = sp
	}
	if out.devicesEnd >= s.end {
		out.devicesEnd += delta
	}
	return out, nil
}

// removeNIC is the domain text without NIC i, its line included.
func (dt *domText) removeNIC(i int) string {
	s := dt.nics[i]
	from := s.start
	for from > 0 && (dt.text[from-1] == ' ' || dt.text[from-1] == '\t') {
		from--
	}
	if from > 0 && dt.text[from-1] == '\n' {
		from--
	} else {
		from = s.start
	}
	return dt.text[:from] + dt.text[s.end:]
}

// appendNIC is the domain text with elem as the last NIC: after the last
// <interface>, or at the end of <devices>, indented like its siblings.
func (dt *domText) appendNIC(elem string) (string, error) {
	if dt.devicesEnd < 0 {
		return "", errors.New("domain XML has no <devices> element to add a NIC to")
	}
	at, indent := dt.devicesEnd, "    "
	if k := len(dt.nics); k > 0 {
		at, indent = dt.nics[k-1].end, lineIndent(dt.text, dt.nics[k-1].start)
	} else if ws := lineIndent(dt.text, dt.devicesEnd); ws != "" {
		indent = ws + "  "
		at -= len(ws) // before the closing tag's own indentation
		return dt.text[:at] + indent + indentLines(elem, indent) + "\n" + dt.text[at:], nil
	}
	return dt.text[:at] + "\n" + indent + indentLines(elem, indent) + dt.text[at:], nil
}

// lineIndent is the run of spaces and tabs right before offset at, when
// only they stand between it and the start of its line.
func lineIndent(x string, at int) string {
	i := at
	for i > 0 && (x[i-1] == ' ' || x[i-1] == '\t') {
		i--
	}
	if i == 0 || x[i-1] == '\n' {
		return x[i:at]
	}
	return ""
}

func indentLines(elem, indent string) string {
	return strings.ReplaceAll(strings.TrimRight(elem, "\n"), "\n", "\n"+indent)
}

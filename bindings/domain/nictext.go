package domain

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// The text of one <interface> element, edited in place: only the parts a
// change names are rewritten.

// child is a direct child element of an element text.
type child struct {
	name string
	span
}

// children parses an element text: the end of its start tag, its direct
// children, and whether it is self-closing (<interface .../>).
func children(e string) (open int, kids []child, selfClosing bool, err error) {
	d := xml.NewDecoder(strings.NewReader(e))
	depth, start := 0, 0
	var name string
	for {
		off := int(d.InputOffset())
		tok, err := d.Token()
		if err == io.EOF {
			return open, kids, selfClosing, nil
		}
		if err != nil {
			return 0, nil, false, fmt.Errorf("interface XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				open = int(d.InputOffset())
				selfClosing = strings.HasSuffix(e[:open], "/>")
			}
			if depth == 2 {
				start, name = off, t.Name.Local
			}
		case xml.EndElement:
			if depth == 2 {
				kids = append(kids, child{name, span{start, int(d.InputOffset())}})
			}
			depth--
		}
	}
}

// repointText edits one <interface> element text so that it is plugged
// into src: the type attribute and the <source> element are replaced (and
// <model>, if src names one); every other byte of it stays.
func repointText(e string, src Source) (string, error) {
	open, _, selfClosing, err := children(e)
	if err != nil {
		return "", err
	}
	tag, err := setAttr(e[:open], "type", src.Type)
	if err != nil {
		return "", err
	}
	newSrc := "<source " + src.Type + "=" + attrValue(src.Source) + "/>"
	var newModel string
	if src.Model != "" {
		newModel = "<model type=" + attrValue(src.Model) + "/>"
	}
	if selfClosing {
		return strings.TrimSuffix(tag, "/>") + ">" + newSrc + newModel + "</interface>", nil
	}
	if e, err = putChild(tag+e[open:], "source", newSrc, "mac"); err != nil || newModel == "" {
		return e, err
	}
	return putChild(e, "model", newModel, "source")
}

// putChild replaces the child element name of element text e by elem, or
// adds elem after the child anchor (else before the first child), on a
// line of its own when the children have theirs.
func putChild(e, name, elem, anchor string) (string, error) {
	_, kids, _, err := children(e)
	if err != nil {
		return "", err
	}
	var a *child
	for i := range kids {
		if kids[i].name == name {
			return e[:kids[i].start] + elem + e[kids[i].end:], nil
		}
		if kids[i].name == anchor && a == nil {
			a = &kids[i]
		}
	}
	sep := func(k child) string {
		if ind := lineIndent(e, k.start); ind != "" || (k.start > 0 && e[k.start-1] == '\n') {
			return "\n" + ind
		}
		return ""
	}
	switch {
	case a != nil:
		return e[:a.end] + sep(*a) + elem + e[a.end:], nil
	case len(kids) > 0:
		f := kids[0]
		return e[:f.start] + elem + sep(f) + e[f.start:], nil
	}
	at := strings.LastIndex(e, "</")
	return e[:at] + elem + e[at:], nil
}

// attrSpan is one attribute of a start tag's text: its name, and the span
// from its name to its closing quote.
type attrSpan struct {
	name string
	span
}

// attrsOf scans the attributes of a start tag's text, as written.
func attrsOf(tag string) (attrs []attrSpan, end int, err error) {
	i := strings.IndexAny(tag, " \t\r\n/>")
	if !strings.HasPrefix(tag, "<") || i < 0 {
		return nil, 0, fmt.Errorf("not a start tag: %q", tag)
	}
	for {
		last := i // the end of the name or of the last attribute
		for i < len(tag) && strings.IndexByte(" \t\r\n", tag[i]) >= 0 {
			i++
		}
		if i >= len(tag) || tag[i] == '/' || tag[i] == '>' {
			return attrs, last, nil
		}
		eq := strings.IndexByte(tag[i:], '=')
		if eq < 0 {
			return nil, 0, fmt.Errorf("bad start tag: %q", tag)
		}
		name := strings.TrimSpace(tag[i : i+eq])
		j := i + eq + 1
		for j < len(tag) && strings.IndexByte(" \t\r\n", tag[j]) >= 0 {
			j++
		}
		if j >= len(tag) || (tag[j] != '\'' && tag[j] != '"') {
			return nil, 0, fmt.Errorf("bad start tag: %q", tag)
		}
		q := strings.IndexByte(tag[j+1:], tag[j])
		if q < 0 {
			return nil, 0, fmt.Errorf("bad start tag: %q", tag)
		}
		attrs = append(attrs, attrSpan{name, span{i, j + 1 + q + 1}})
		i = j + 1 + q + 1
	}
}

// setAttr sets attribute name of a start tag's text, keeping the others
// as they are written (order, quotes, spacing).
func setAttr(tag, name, value string) (string, error) {
	attrs, end, err := attrsOf(tag)
	if err != nil {
		return "", err
	}
	for _, a := range attrs {
		if a.name == name {
			return tag[:a.start] + name + "=" + attrValue(value) + tag[a.end:], nil
		}
	}
	return tag[:end] + " " + name + "=" + attrValue(value) + tag[end:], nil
}

// setChildAttr sets attribute name of e's first child element called
// child, keeping every other byte.
func setChildAttr(e, child, name, value string) (string, error) {
	_, kids, _, err := children(e)
	if err != nil {
		return "", err
	}
	for _, k := range kids {
		if k.name == child {
			text := e[k.start:k.end]
			end := strings.IndexByte(text, '>') + 1
			tag, err := setAttr(text[:end], name, value)
			if err != nil {
				return "", err
			}
			return e[:k.start] + tag + text[end:] + e[k.end:], nil
		}
	}
	return e, nil
}

// dropAttrs removes the named attributes (and the space before each) from
// a start tag's text.
func dropAttrs(tag string, names ...string) (string, error) {
	attrs, _, err := attrsOf(tag)
	if err != nil {
		return "", err
	}
	for k := len(attrs) - 1; k >= 0; k-- {
		a := attrs[k]
		for _, n := range names {
			if a.name == n {
				from := a.start
				for from > 0 && strings.IndexByte(" \t\r\n", tag[from-1]) >= 0 {
					from--
				}
				tag = tag[:from] + tag[a.end:]
			}
		}
	}
	return tag, nil
}

// deviceText is a running guest's <interface> element text made fit for
// update/attach/detach-device: the runtime-only parts of a network
// source (port id, bridge) are dropped; libvirt recomputes them when it
// plugs the NIC. Every other byte stays.
func deviceText(e string) (string, error) {
	_, kids, _, err := children(e)
	if err != nil {
		return "", err
	}
	for _, k := range kids {
		if k.name != "source" {
			continue
		}
		open, _, _, err := children(e[k.start:k.end])
		if err != nil {
			return "", err
		}
		tag := e[k.start : k.start+open]
		if attrs, _, err := attrsOf(tag); err != nil || !hasAttr(attrs, "network") {
			return e, err
		}
		if tag, err = dropAttrs(tag, "portid", "bridge"); err != nil {
			return "", err
		}
		return e[:k.start] + tag + e[k.start+open:], nil
	}
	return e, nil
}

func hasAttr(attrs []attrSpan, name string) bool {
	for _, a := range attrs {
		if a.name == name {
			return true
		}
	}
	return false
}

// attrValue quotes an attribute value the way libvirt writes them.
func attrValue(v string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(v))
	return "'" + b.String() + "'"
}

// newNICText is the element of a NIC attached with mac, plugged into src.
func newNICText(mac string, src Source) string {
	x := "<interface type=" + attrValue(src.Type) + ">\n  <mac address=" + attrValue(mac) + "/>\n  <source " +
		src.Type + "=" + attrValue(src.Source) + "/>\n"
	if src.Model != "" {
		x += "  <model type=" + attrValue(src.Model) + "/>\n"
	}
	return x + "</interface>"
}

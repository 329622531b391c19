package domain

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
)

// xnode is an XML element in canonical form: attributes sorted by name,
// text with surrounding whitespace trimmed, comments and processing
// instructions dropped, so two texts of one document compare equal
// however they are laid out.
type xnode struct {
	name  string
	attrs []xml.Attr
	text  string
	kids  []*xnode
}

func parseTree(x string) (*xnode, error) {
	d := xml.NewDecoder(strings.NewReader(x))
	var stack []*xnode
	var root *xnode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xnode{name: qname(t.Name)}
			for _, a := range t.Attr {
				n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: qname(a.Name)}, Value: a.Value})
			}
			sort.Slice(n.attrs, func(i, j int) bool { return n.attrs[i].Name.Local < n.attrs[j].Name.Local })
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.text = strings.TrimSpace(n.text)
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// child is the first child element called name, or nil.
func (n *xnode) child(name string) *xnode {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// firstDiff is where a and b (found at path at) first differ, as an
// XPath-like location of the element, attribute or text; "" if equal.
func firstDiff(a, b *xnode, at string) string {
	if a.name != b.name {
		return at
	}
	for i := 0; i < len(a.attrs) || i < len(b.attrs); i++ {
		switch {
		case i >= len(a.attrs):
			return at + "/@" + b.attrs[i].Name.Local
		case i >= len(b.attrs) || a.attrs[i] != b.attrs[i]:
			return at + "/@" + a.attrs[i].Name.Local
		}
	}
	if a.text != b.text {
		return at + "/text()"
	}
	seen := map[string]int{}
	for i := 0; i < len(a.kids) || i < len(b.kids); i++ {
		var k *xnode
		if i < len(a.kids) {
			k = a.kids[i]
		} else {
			k = b.kids[i]
		}
		seen[k.name]++
		p := fmt.Sprintf("%s/%s[%d]", at, k.name, seen[k.name])
		if i >= len(a.kids) || i >= len(b.kids) {
			return p
		}
		if d := firstDiff(a.kids[i], b.kids[i], p); d != "" {
			return d
		}
	}
	return ""
}

// withoutNIC is a copy of a domain tree without the i-th <interface> of
// its <devices> (i < 0: none removed).
func withoutNIC(root *xnode, i int) *xnode { return withoutNICs(root, []int{i}) }

// withoutNICs is a copy of a domain tree without the <interface>s of its
// <devices> at the indices given (negative ones name none).
func withoutNICs(root *xnode, drop []int) *xnode {
	cp := *root
	dev := root.child("devices")
	gone := map[int]bool{}
	for _, i := range drop {
		if i >= 0 {
			gone[i] = true
		}
	}
	if dev == nil || len(gone) == 0 {
		return &cp
	}
	d := *dev
	d.kids = nil
	k := 0
	for _, c := range dev.kids {
		if c.name == "interface" {
			k++
			if gone[k-1] {
				continue
			}
		}
		d.kids = append(d.kids, c)
	}
	cp.kids = make([]*xnode, len(root.kids))
	for j, c := range root.kids {
		if c == dev {
			cp.kids[j] = &d
		} else {
			cp.kids[j] = c
		}
	}
	return &cp
}

// onlyNICDiffers compares two domain XML texts as canonical trees, leaving
// out NIC bi of before and NIC ai of after (-1: none); it returns the
// first element where the rest differs, "" if nowhere.
func onlyNICDiffers(before, after string, bi, ai int) (string, error) {
	return onlyNICsDiffer(before, after, []int{bi}, []int{ai})
}

// onlyNICsDiffer is onlyNICDiffers for several NICs: bis of before, ais
// of after.
func onlyNICsDiffer(before, after string, bis, ais []int) (string, error) {
	b, err := parseTree(before)
	if err != nil {
		return "", fmt.Errorf("domain XML before: %v", err)
	}
	a, err := parseTree(after)
	if err != nil {
		return "", fmt.Errorf("domain XML after: %v", err)
	}
	return firstDiff(withoutNICs(b, bis), withoutNICs(a, ais), "/"+b.name), nil
}

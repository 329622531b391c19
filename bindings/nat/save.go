package nat

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"strings"

	"rewire/bindings/target"
)

// table is one table of `iptables-save` output.
type table struct {
	Name     string
	Policies map[string]string // chain -> policy ("-" for a user chain)
	Order    []string          // chains in the order iptables-save lists them
	Rules    []string          // "-A CHAIN spec" lines, in order
}

// ruleset is `iptables-save` (or ip6tables-save) of one family.
type ruleset struct {
	Family Family
	Tables map[string]*table
	Order  []string
	NFT    bool // iptables-nft: tables are nftables tables that can be deleted
}

// Save is `iptables-save` (or `ip6tables-save`) inside the target.
func Save(tg *target.Target, f Family) (string, error) {
	out, err := tg.Run(nil, f.save())
	return string(out), err
}

func load(tg *target.Target, f Family) (*ruleset, error) {
	out, err := Save(tg, f)
	if err != nil {
		return nil, err
	}
	return parseSave(f, out)
}

func parseSave(f Family, text string) (*ruleset, error) {
	rs := &ruleset{Family: f, Tables: map[string]*table{}}
	var cur *table
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
			rs.NFT = rs.NFT || strings.Contains(line, "(nf_tables)")
		case line == "":
		case strings.HasPrefix(line, "*"):
			cur = &table{Name: line[1:], Policies: map[string]string{}}
			rs.Tables[cur.Name] = cur
			rs.Order = append(rs.Order, cur.Name)
		case line == "COMMIT":
			cur = nil
		case cur == nil:
			return nil, fmt.Errorf("%s line %d: %q outside a table", f.save(), n, line)
		case strings.HasPrefix(line, ":"):
			fields := strings.Fields(line[1:])
			if len(fields) < 2 {
				return nil, fmt.Errorf("%s line %d: bad chain line %q", f.save(), n, line)
			}
			cur.Policies[fields[0]] = fields[1]
			cur.Order = append(cur.Order, fields[0])
		case strings.HasPrefix(line, "-A "):
			cur.Rules = append(cur.Rules, line)
		default:
			return nil, fmt.Errorf("%s line %d: unexpected %q", f.save(), n, line)
		}
	}
	return rs, sc.Err()
}

// insertFirst puts line at the top of chain (iptables -I CHAIN 1).
func (t *table) insertFirst(chain, line string) { t.insertFirstAll(chain, []string{line}) }

// insertFirstAll puts lines, in their order, before chain's first rule:
// `iptables -I CHAIN 1` of each, the last first, in one pass.
func (t *table) insertFirstAll(chain string, lines []string) {
	prefix := "-A " + chain + " "
	at := len(t.Rules)
	for i, l := range t.Rules {
		if strings.HasPrefix(l, prefix) {
			at = i
			break
		}
	}
	t.Rules = slices.Insert(t.Rules, at, lines...)
}

// appendRule puts line at the end of chain (iptables -A CHAIN).
func (t *table) appendRule(chain, line string) { t.appendAll(chain, []string{line}) }

// appendAll puts lines, in their order, after chain's last rule, in one pass.
func (t *table) appendAll(chain string, lines []string) {
	prefix := "-A " + chain + " "
	at := len(t.Rules)
	for i, l := range t.Rules {
		if strings.HasPrefix(l, prefix) {
			at = i + 1
		}
	}
	t.Rules = slices.Insert(t.Rules, at, lines...)
}

func (rs *ruleset) hasChain(tbl, chain string) bool {
	t := rs.Tables[tbl]
	return t != nil && t.Policies[chain] != ""
}

// count returns how often a rule line occurs.
func (rs *ruleset) count(tbl, line string) int {
	t := rs.Tables[tbl]
	if t == nil {
		return 0
	}
	n := 0
	for _, l := range t.Rules {
		if l == line {
			n++
		}
	}
	return n
}

// chainRules returns the rules of one chain, in order, as Rules with positions.
func (rs *ruleset) chainRules(tbl, chain string) []Rule {
	t := rs.Tables[tbl]
	if t == nil {
		return nil
	}
	var out []Rule
	prefix := "-A " + chain + " "
	for _, l := range t.Rules {
		if strings.HasPrefix(l, prefix) {
			out = append(out, Rule{Family: rs.Family, Table: tbl, Chain: chain, Spec: l[len(prefix):], Pos: len(out) + 1})
		}
	}
	return out
}

// all returns every rule of every table, in iptables-save order.
func (rs *ruleset) all() []Rule {
	var out []Rule
	for _, name := range rs.Order {
		for _, chain := range rs.Tables[name].Order {
			out = append(out, rs.chainRules(name, chain)...)
		}
	}
	return out
}

// onlyEmptyBuiltins reports whether a table holds nothing but built-in
// chains with policy ACCEPT and no rules: the state of a table nobody used.
func (rs *ruleset) onlyEmptyBuiltins(tbl string) bool {
	t := rs.Tables[tbl]
	if t == nil {
		return false
	}
	if len(t.Rules) > 0 {
		return false
	}
	for _, p := range t.Policies {
		if p != "ACCEPT" {
			return false
		}
	}
	return true
}

// Normalize drops what changes without anyone touching the rules —
// comments with timestamps and packet counters — so two saves compare.
func Normalize(save string) string {
	var b bytes.Buffer
	for _, line := range strings.Split(save, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, ":") {
			if i := strings.LastIndex(line, " ["); i > 0 {
				line = line[:i]
			}
		}
		if strings.HasPrefix(line, "[") {
			if i := strings.Index(line, "] "); i > 0 {
				line = line[i+2:]
			}
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

package nat

import (
	"fmt"
	"strings"

	"rewire/bindings/target"
)

// Boot is rewire's part of `iptables-save` (or ip6tables-save) inside the
// target: its REWIRE-* chains, the jumps to them from the built-in
// chains, and their rules, in iptables-save's format — what persist
// keeps for `rewire restore` at boot. "" when rewire has no chain.
func Boot(tg *target.Target, f Family) (string, error) {
	rs, err := load(tg, f)
	if err != nil {
		return "", err
	}
	return rs.rewireOnly(), nil
}

// rewireOnly renders rewire's chains of the ruleset, tables and chains in
// a fixed order, counters left out.
func (rs *ruleset) rewireOnly() string {
	var b strings.Builder
	for _, tbl := range []string{"nat", "filter"} {
		var mine []chainRef
		for _, c := range chains {
			if c.Table == tbl && rs.hasChain(tbl, c.Chain) {
				mine = append(mine, chainRef{c.Table, c.Chain})
			}
		}
		if len(mine) == 0 {
			continue
		}
		b.WriteString("*" + tbl + "\n")
		for _, c := range mine {
			b.WriteString(":" + c.Chain + " - [0:0]\n")
		}
		for _, c := range mine {
			if rs.count(tbl, jumpLine(c)) > 0 {
				b.WriteString(jumpLine(c) + "\n")
			}
		}
		for _, c := range mine {
			for _, r := range rs.chainRules(tbl, c.Chain) {
				b.WriteString(r.Line() + "\n")
			}
		}
		b.WriteString("COMMIT\n")
	}
	return b.String()
}

// Restore makes rewire's chains inside the target what text (Boot's
// output, comments allowed) says, with one iptables-restore --noflush
// batch: each chain text names is created, or flushed, and refilled in
// order, and its jump added at the top of its built-in chain where it is
// missing. Nothing but rewire's chains is touched: a line for any other
// chain is an error. When rewire's chains already say what text says it
// runs nothing and returns false.
func Restore(tg *target.Target, f Family, text string) (bool, error) {
	want, err := parseSave(f, text)
	if err != nil {
		return false, err
	}
	b := &batch{}
	for _, tbl := range want.Order {
		t := want.Tables[tbl]
		for _, ch := range t.Order {
			if builtinOf(tbl, ch) == "" {
				return false, fmt.Errorf("%s: chain %s of table %s is not one of rewire's", f.restore(), ch, tbl)
			}
		}
		for _, l := range t.Rules {
			ch := strings.Fields(l)[1]
			if t.Policies[ch] == "" && !isJump(tbl, l) {
				return false, fmt.Errorf("%s: %q is not in one of rewire's chains", f.restore(), l)
			}
		}
	}
	if strings.TrimSpace(want.rewireOnly()) == "" {
		return false, nil
	}
	cur, err := load(tg, f)
	if err != nil {
		return false, err
	}
	if cur.rewireOnly() == want.rewireOnly() {
		return false, nil
	}
	for _, tbl := range want.Order {
		t := want.Tables[tbl]
		for _, ch := range t.Order {
			if cur.hasChain(tbl, ch) {
				b.add(tbl, "-F "+ch)
			} else {
				b.add(tbl, ":"+ch+" - [0:0]")
			}
		}
		for _, ch := range t.Order {
			c := chainRef{tbl, ch}
			if want.count(tbl, jumpLine(c)) > 0 && cur.count(tbl, jumpLine(c)) == 0 {
				b.add(tbl, "-I "+builtinOf(tbl, ch)+" 1 -j "+ch)
			}
		}
		for _, l := range t.Rules {
			if !isJump(tbl, l) {
				b.add(tbl, l)
			}
		}
	}
	if err := b.run(tg, f); err != nil {
		return false, err
	}
	return true, nil
}

// isJump says whether line is a built-in chain's jump to one of rewire's.
func isJump(tbl, line string) bool {
	for _, c := range chains {
		if c.Table == tbl && line == jumpLine(chainRef{c.Table, c.Chain}) {
			return true
		}
	}
	return false
}

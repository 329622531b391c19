package nat

import (
	"fmt"
	"sort"
	"strings"

	"rewire/bindings/target"
)

// batch collects the lines of one iptables-restore --noflush run, per table.
type batch struct {
	order []string
	lines map[string][]string
}

func (b *batch) add(tbl, line string) {
	if b.lines == nil {
		b.lines = map[string][]string{}
	}
	if _, ok := b.lines[tbl]; !ok {
		b.order = append(b.order, tbl)
	}
	b.lines[tbl] = append(b.lines[tbl], line)
}

func (b *batch) empty() bool { return len(b.order) == 0 }

func (b *batch) String() string {
	var s strings.Builder
	for _, t := range b.order {
		s.WriteString("*" + t + "\n")
		for _, l := range b.lines[t] {
			s.WriteString(l + "\n")
		}
		s.WriteString("COMMIT\n")
	}
	return s.String()
}

// run applies the batch atomically: iptables-restore commits table by
// table, so a batch of several tables is first run with --test, and a bad
// line in a later table leaves the earlier ones as they were. For a boot
// file and an undo, which have nothing to fall back on.
func (b *batch) run(tg *target.Target, f Family) error {
	if b.empty() {
		return nil
	}
	in := []byte(b.String())
	if len(b.order) > 1 {
		if _, err := tg.Run(in, f.restore(), "--noflush", "--wait", "--test"); err != nil {
			return err
		}
	}
	_, err := tg.Run(in, f.restore(), "--noflush", "--wait")
	return err
}

// runUndoable applies the batch of a journaled change with one exec: a
// later table refused leaves the earlier ones committed, and the change's
// undo, which Tx.Apply runs on any failure and which takes out what is
// there of the change and nothing else, removes them again. The --test
// run it saves is half of a batch's time.
func (b *batch) runUndoable(tg *target.Target, f Family) error {
	if b.empty() {
		return nil
	}
	_, err := tg.Run([]byte(b.String()), f.restore(), "--noflush", "--wait")
	return err
}

// chainRef names one of rewire's chains.
type chainRef struct {
	Table string `json:"table"`
	Chain string `json:"chain"`
}

func jumpLine(c chainRef) string { return "-A " + builtinOf(c.Table, c.Chain) + " -j " + c.Chain }

// plan is what one change adds, worked out from iptables-save before it is
// made: only what is missing, so undo removes only what the change added.
type plan struct {
	Family Family     `json:"family"`
	Rules  []Rule     `json:"rules"`            // rules that were absent
	Chains []chainRef `json:"chains,omitempty"` // chains created, with their jump
	Jumps  []chainRef `json:"jumps,omitempty"`  // jumps added to chains that existed
	Tables []string   `json:"tables,omitempty"` // tables that did not exist yet
	// The object the change belongs to: the rules carrying Tags, which
	// numbered Tagged once the change was made (its own and earlier ones).
	Tags   []string `json:"tags,omitempty"`
	Tagged int      `json:"tagged,omitempty"`
}

func (p *plan) noop() bool { return len(p.Rules) == 0 && len(p.Chains) == 0 && len(p.Jumps) == 0 }

func makePlan(rs *ruleset, rules []Rule) *plan {
	p := &plan{Family: rs.Family}
	seen := map[chainRef]bool{}
	tables := map[string]bool{}
	for _, r := range rules {
		if rs.Tables[r.Table] == nil && !tables[r.Table] {
			tables[r.Table] = true
			p.Tables = append(p.Tables, r.Table)
		}
		c := chainRef{r.Table, r.Chain}
		if !seen[c] {
			seen[c] = true
			switch {
			case !rs.hasChain(c.Table, c.Chain):
				p.Chains = append(p.Chains, c)
			case rs.count(c.Table, jumpLine(c)) == 0:
				p.Jumps = append(p.Jumps, c)
			}
		}
		if rs.count(r.Table, r.Line()) == 0 {
			p.Rules = append(p.Rules, r)
		}
	}
	return p
}

// applyBatch creates missing chains, jumps to them from the top of their
// built-in chain, then adds the rules (First ones at the top, in order).
func (p *plan) applyBatch() *batch {
	b := &batch{}
	for _, c := range p.Chains {
		b.add(c.Table, ":"+c.Chain+" - [0:0]")
	}
	for _, c := range append(append([]chainRef(nil), p.Chains...), p.Jumps...) {
		b.add(c.Table, "-I "+builtinOf(c.Table, c.Chain)+" 1 -j "+c.Chain)
	}
	for i := len(p.Rules) - 1; i >= 0; i-- {
		if r := p.Rules[i]; r.First {
			b.add(r.Table, "-I "+r.Chain+" 1 "+r.Spec)
		}
	}
	for _, r := range p.Rules {
		if !r.First {
			b.add(r.Table, r.Line())
		}
	}
	return b
}

// undoBatch deletes the plan's rules that are still there, then the jumps
// and chains the plan created once nothing else lives in them.
func (p *plan) undoBatch(rs *ruleset) *batch {
	b := &batch{}
	left := map[string]int{} // rule line -> occurrences not yet deleted
	deleted := map[chainRef]int{}
	for _, r := range p.Rules {
		key := r.Table + "\x00" + r.Line()
		if _, ok := left[key]; !ok {
			left[key] = rs.count(r.Table, r.Line())
		}
		if left[key] > 0 {
			left[key]--
			deleted[chainRef{r.Table, r.Chain}]++
			b.add(r.Table, "-D "+r.Chain+" "+r.Spec)
		}
	}
	dropJump := func(c chainRef) {
		for n := rs.count(c.Table, jumpLine(c)); n > 0; n-- {
			b.add(c.Table, "-D "+builtinOf(c.Table, c.Chain)+" -j "+c.Chain)
		}
	}
	for _, c := range p.Chains {
		if rs.hasChain(c.Table, c.Chain) && len(rs.chainRules(c.Table, c.Chain)) == deleted[c] {
			dropJump(c)
			b.add(c.Table, "-X "+c.Chain)
		}
	}
	for _, c := range p.Jumps {
		dropJump(c)
	}
	return b
}

// Undo reverts a plan; it is idempotent (what is gone stays gone) and
// deletes a table the plan brought into being once it is empty again.
func (p *plan) Undo(tg *target.Target) error {
	rs, err := load(tg, p.Family)
	if err != nil {
		return err
	}
	if err := p.undoBatch(rs).run(tg, p.Family); err != nil {
		return err
	}
	return dropEmptyTables(tg, p.Family, p.Tables)
}

func dropEmptyTables(tg *target.Target, f Family, tables []string) error {
	if len(tables) == 0 {
		return nil
	}
	rs, err := load(tg, f)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if rs.NFT && rs.onlyEmptyBuiltins(t) {
			if err := deleteTable(tg, f, t); err != nil {
				return fmt.Errorf("delete empty %s table %s: %w", f, t, err)
			}
		}
	}
	return nil
}

// Drift says which of the plan's rules are no longer there, or how the
// rules of its tags differ from what the transaction left.
func (p *plan) Drift(tg *target.Target) error {
	rs, err := load(tg, p.Family)
	if err != nil {
		return err
	}
	var gone []string
	for _, r := range p.Rules {
		if rs.count(r.Table, r.Line()) == 0 {
			gone = append(gone, r.Table+" "+r.Line())
		}
	}
	if len(gone) > 0 {
		sort.Strings(gone)
		return fmt.Errorf("%d rules of this change are gone (%s)", len(gone), strings.Join(gone, "; "))
	}
	if len(p.Tags) > 0 {
		return driftTagged(rs, p.Tags, p.Tagged)
	}
	return nil
}

package nat

import (
	"fmt"
	"sort"
	"strconv"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// removal is the rules one remove deleted, with their positions, so undo
// puts each back where it was.
type removal struct {
	Family Family `json:"family"`
	Rules  []Rule `json:"rules"`
	Tag    string `json:"tag,omitempty"` // every rule of the tag went: none is left
}

// Remove deletes every rule tagged rewire:TAG (`iptables -D` of each),
// IPv4 and IPv6; rewire's chains stay. It returns how many it removed.
func Remove(s *tx.Session, tag string) (int, error) {
	if err := checkTag(tag); err != nil {
		return 0, err
	}
	var todo []removal
	for _, f := range []Family{IPv4, IPv6} {
		rs, err := load(s.Target, f)
		if err != nil {
			return 0, err
		}
		r := removal{Family: f, Tag: tag}
		for _, name := range rs.Order {
			for _, chain := range rs.Tables[name].Order {
				for _, rule := range rs.chainRules(name, chain) {
					if rule.Tag() == tag {
						r.Rules = append(r.Rules, rule)
					}
				}
			}
		}
		if len(r.Rules) > 0 {
			todo = append(todo, r)
		}
	}
	if len(todo) == 0 {
		return 0, engine.NotFound("no rules tagged rewire:%s", tag)
	}
	n := 0
	for _, r := range todo {
		r := r
		err := removeKind.Apply(s, object(r.Family, []string{tag}), fmt.Sprintf("remove %d %s rules tagged rewire:%s", len(r.Rules), r.Family, tag), r, func() error { return r.deleteBatch().runUndoable(s.Target, r.Family) })
		if err != nil {
			return n, err
		}
		n += len(r.Rules)
	}
	return n, nil
}

func (r removal) deleteBatch() *batch {
	b := &batch{}
	for _, rule := range r.Rules {
		b.add(rule.Table, "-D "+rule.Chain+" "+rule.Spec)
	}
	return b
}

// Undo re-inserts each removed rule that is missing at its old position.
func (r removal) Undo(tg *target.Target) error {
	rs, err := load(tg, r.Family)
	if err != nil {
		return err
	}
	rules := append([]Rule(nil), r.Rules...)
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].Pos < rules[j].Pos })
	b := &batch{}
	length := map[chainRef]int{}
	for _, rule := range rules {
		c := chainRef{rule.Table, rule.Chain}
		if !rs.hasChain(c.Table, c.Chain) || rs.count(rule.Table, rule.Line()) > 0 {
			continue
		}
		if _, ok := length[c]; !ok {
			length[c] = len(rs.chainRules(c.Table, c.Chain))
		}
		if rule.Pos >= 1 && rule.Pos <= length[c] {
			b.add(rule.Table, "-I "+rule.Chain+" "+strconv.Itoa(rule.Pos)+" "+rule.Spec)
		} else {
			b.add(rule.Table, rule.Line())
		}
		length[c]++
	}
	return b.run(tg, r.Family)
}

// Drift says whether removed rules have come back, or rules of the tag
// have appeared since.
func (r removal) Drift(tg *target.Target) error {
	rs, err := load(tg, r.Family)
	if err != nil {
		return err
	}
	for _, rule := range r.Rules {
		if rs.count(rule.Table, rule.Line()) > 0 {
			return fmt.Errorf("removed rule is back: %s %s", rule.Table, rule.Line())
		}
	}
	if r.Tag != "" {
		return driftTagged(rs, []string{r.Tag}, 0)
	}
	return nil
}

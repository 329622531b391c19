package nat

import (
	"rewire/bindings/target"
	"rewire/bindings/tx"
)

var rulesKind = tx.NewKind("nat.rules", func(tg *target.Target, p plan) error { return p.Undo(tg) }, tx.KindOptions[plan]{Drift: func(tg *target.Target, p plan) error { return p.Drift(tg) }})

var removeKind = tx.NewKind("nat.remove", func(tg *target.Target, r removal) error { return r.Undo(tg) }, tx.KindOptions[removal]{Drift: func(tg *target.Target, r removal) error { return r.Drift(tg) }})

// Result is what a rule-adding call reports back.
type Result struct {
	Tag      string   `json:"tag"`                // the comment tag the rules carry (rewire:<tag>)
	Tags     []string `json:"tags,omitempty"`     // AddPortForwards: each forward's tag
	Added    int      `json:"added"`              // rules added (rules already there are not added twice)
	Warnings []string `json:"warnings,omitempty"` // host settings that may defeat the rules
}

// tagFor is the caller's tag, or the transaction's id.
func tagFor(s *tx.Session, tag string) (string, error) {
	if tag != "" {
		return tag, checkTag(tag)
	}
	t, err := s.Tx()
	if err != nil {
		return "", err
	}
	return t.ID, nil
}

// addRules applies rules of one family as one change: one
// iptables-restore --noflush batch, undone by another. It returns the
// ruleset it read before the change, for the caller's warnings.
func addRules(s *tx.Session, f Family, desc string, rules []Rule) (int, *ruleset, error) {
	if err := s.Flush(); err != nil { // queued forwards go in first, so rs has them
		return 0, nil, err
	}
	rs, gen, reusable, err := loadForChange(s.Target, f)
	if err != nil {
		return 0, nil, err
	}
	p := makePlan(rs, rules)
	if p.noop() {
		return 0, rs, nil
	}
	p.Tags = tagsOf(rules)
	p.Tagged = rs.countTagged(p.Tags) + len(p.Rules)
	applied := false
	err = rulesKind.Apply(s, object(f, p.Tags), desc, *p, func() error {
		if err := p.applyBatch().runUndoable(s.Target, f); err != nil {
			return err
		}
		applied = true
		return nil
	})
	if applied && err == nil && reusable {
		afterChange(s.Target, rs, gen, p)
	} else {
		forget(s.Target, f)
	}
	if err != nil {
		return 0, nil, err
	}
	return len(p.Rules), rs, nil
}

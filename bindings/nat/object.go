package nat

import (
	"fmt"
	"sort"
	"strings"
)

// A nat change's object — what drift is judged on, the last change of it
// in a transaction against the host — is the set of one family's rules
// carrying one tag: masquerade(tag m1) and remove("m1") touch the same
// object, so a transaction doing both is judged by the removal.

// tagsOf lists the distinct tags of rules, sorted.
func tagsOf(rules []Rule) []string {
	seen := map[string]bool{}
	var tags []string
	for _, r := range rules {
		if t := r.Tag(); !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	sort.Strings(tags)
	return tags
}

// object names the rules of family f tagged with tags: "nat:ipv4:tag:m1"
// (a batch of port forwards with several tags: "nat:ipv4:tags:a,b").
func object(f Family, tags []string) string {
	if len(tags) == 1 {
		return "nat:" + string(f) + ":tag:" + tags[0]
	}
	return "nat:" + string(f) + ":tags:" + strings.Join(tags, ",")
}

// countTagged is how many rules of rs carry one of tags.
func (rs *ruleset) countTagged(tags []string) int {
	want := map[string]bool{}
	for _, t := range tags {
		want[t] = true
	}
	n := 0
	for _, name := range rs.Order {
		for _, line := range rs.Tables[name].Rules {
			if t := tagOf(line); t != "" && want[t] {
				n++
			}
		}
	}
	return n
}

// driftTagged says whether the rules tagged with tags are no longer as
// many as the change left them.
func driftTagged(rs *ruleset, tags []string, left int) error {
	if now := rs.countTagged(tags); now != left {
		return fmt.Errorf("%d %s rules are tagged rewire:%s, the transaction left %d", now, rs.Family, strings.Join(tags, ","), left)
	}
	return nil
}

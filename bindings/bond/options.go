package bond

import (
	"fmt"
	"strconv"
	"strings"

	"rewire/bindings/errkind"
)

// Modes are the kernel's bonding modes, by number (as ifcfg BONDING_OPTS
// "mode=1" gives them) and by name.
var Modes = []string{"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"}

// modeTitles are how /proc/net/bonding names each mode.
var modeTitles = []string{
	"load balancing (round-robin)",
	"fault-tolerance (active-backup)",
	"load balancing (xor)",
	"fault-tolerance (broadcast)",
	"IEEE 802.3ad Dynamic link aggregation",
	"transmit load balancing",
	"adaptive load balancing",
}

// LacpRates and HashPolicies are the kernel's names, indexed by value.
var (
	LacpRates    = []string{"slow", "fast"}
	HashPolicies = []string{"layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4", "vlan+srcmac"}
)

// ParseMode accepts a mode's name or number ("active-backup", "1").
func ParseMode(s string) (string, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n >= 0 && n < len(Modes) {
			return Modes[n], nil
		}
	} else if indexOf(Modes, s) >= 0 {
		return s, nil
	}
	return "", errkind.Invalid("unknown bond mode %q (%s, or 0-6)", s, strings.Join(Modes, ", "))
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// usesPrimary says whether a mode has a primary and an active slave.
func usesPrimary(mode string) bool {
	return mode == "active-backup" || mode == "balance-tlb" || mode == "balance-alb"
}

// Options are what Create and Set change; nil fields stay as they are
// (Create: the kernel's default).
type Options struct {
	Mode           *string `json:"mode,omitempty"`
	Miimon         *int    `json:"miimon,omitempty"`    // ms
	UpDelay        *int    `json:"updelay,omitempty"`   // ms
	DownDelay      *int    `json:"downdelay,omitempty"` // ms
	Primary        *string `json:"primary,omitempty"`   // "" = none
	LacpRate       *string `json:"lacp_rate,omitempty"`
	XmitHashPolicy *string `json:"xmit_hash_policy,omitempty"`
}

func (o Options) String() string {
	var parts []string
	add := func(k string, v any) { parts = append(parts, fmt.Sprintf("%s %v", k, v)) }
	if o.Mode != nil {
		add("mode", *o.Mode)
	}
	if o.Miimon != nil {
		add("miimon", *o.Miimon)
	}
	if o.UpDelay != nil {
		add("updelay", *o.UpDelay)
	}
	if o.DownDelay != nil {
		add("downdelay", *o.DownDelay)
	}
	if o.Primary != nil {
		add("primary", *o.Primary)
	}
	if o.LacpRate != nil {
		add("lacp_rate", *o.LacpRate)
	}
	if o.XmitHashPolicy != nil {
		add("xmit_hash_policy", *o.XmitHashPolicy)
	}
	return strings.Join(parts, " ")
}

// validate checks o against the mode the bond will have, so the kernel's
// terse EINVAL/EACCES never reaches an admin.
func (o *Options) validate(mode string) error {
	if o.Mode != nil {
		m, err := ParseMode(*o.Mode)
		if err != nil {
			return err
		}
		o.Mode, mode = &m, m
	}
	for k, v := range map[string]*int{"miimon": o.Miimon, "updelay": o.UpDelay, "downdelay": o.DownDelay} {
		if v != nil && (*v < 0 || *v > 1<<31-1) {
			return errkind.Invalid("bad %s %d (milliseconds, 0 or more)", k, *v)
		}
	}
	if o.LacpRate != nil {
		if indexOf(LacpRates, *o.LacpRate) < 0 {
			return errkind.Invalid("unknown lacp_rate %q (slow, fast)", *o.LacpRate)
		}
		if mode != "802.3ad" {
			return errkind.Invalid("lacp_rate applies to mode 802.3ad only, not %s", mode)
		}
	}
	if o.XmitHashPolicy != nil && indexOf(HashPolicies, *o.XmitHashPolicy) < 0 {
		return errkind.Invalid("unknown xmit_hash_policy %q (%s)", *o.XmitHashPolicy, strings.Join(HashPolicies, ", "))
	}
	if o.Primary != nil && *o.Primary != "" && !usesPrimary(mode) {
		return errkind.Invalid("primary applies to modes active-backup, balance-tlb and balance-alb, not %s", mode)
	}
	return nil
}

// Config is a bond's full set of options, as read back from the kernel.
type Config struct {
	Mode           string `json:"mode"`
	Miimon         int    `json:"miimon"`
	UpDelay        int    `json:"updelay"`
	DownDelay      int    `json:"downdelay"`
	Primary        string `json:"primary"`
	LacpRate       string `json:"lacp_rate"`
	XmitHashPolicy string `json:"xmit_hash_policy"`
}

// Options turns a Config into Options that set every field.
func (c Config) Options() Options {
	return Options{Mode: &c.Mode, Miimon: &c.Miimon, UpDelay: &c.UpDelay, DownDelay: &c.DownDelay,
		Primary: &c.Primary, LacpRate: &c.LacpRate, XmitHashPolicy: &c.XmitHashPolicy}
}

// apply returns c with o's fields set.
func (c Config) apply(o Options) Config {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	seti := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Mode, o.Mode)
	seti(&c.Miimon, o.Miimon)
	seti(&c.UpDelay, o.UpDelay)
	seti(&c.DownDelay, o.DownDelay)
	set(&c.Primary, o.Primary)
	set(&c.LacpRate, o.LacpRate)
	set(&c.XmitHashPolicy, o.XmitHashPolicy)
	return c
}

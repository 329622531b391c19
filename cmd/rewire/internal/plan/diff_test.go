package plan

import "testing"

func TestLineDiff(t *testing.T) {
	before := "iptables *nat\niptables :POSTROUTING ACCEPT\niptables *filter\niptables -A FORWARD -j A\n"
	after := "iptables *nat\niptables :POSTROUTING ACCEPT\niptables -A POSTROUTING -j MASQUERADE\niptables *filter\niptables -A FORWARD -j B\n"
	want := "@@ iptables *nat\n+iptables -A POSTROUTING -j MASQUERADE\n@@ iptables *filter\n-iptables -A FORWARD -j A\n+iptables -A FORWARD -j B\n"
	if got := lineDiff(before, after); got != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", got, want)
	}
	if got := lineDiff(before, before); got != "" {
		t.Fatalf("equal texts diff to %q", got)
	}
}

package engine

import (
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// The one-pass gsub gives what gopher-lua's own gives, case by case:
// string, table and function replacements, captures, position captures,
// empty matches, anchors, a count, bad patterns and capture indexes.
func TestGsubMatchesGopherLuas(t *testing.T) {
	stock := lua.NewState()
	defer stock.Close()
	e := New(nil)
	defer e.Close()
	for _, c := range []string{
		`"hello world", "o", "0"`,
		`"hello world", "(o)", "[%1]"`,
		`"hello world", "l+", "%0%0"`,
		`"hello world", "(h)(e)", "%2%1"`,
		`"hello", "", "-"`,
		`"xxa", "x*", "-"`,
		`"abc", "^a", "A"`,
		`"abc", "c$", "C"`,
		`"a.b.c", "%.", "%%"`,
		`"a b c", " ", "%"`,
		`"a b c", " ", "%x"`,
		`"a b c", "%s", "_", 1`,
		`"a b c", "%s", "_", 0`,
		`"abc", "()", "%1"`,
		`"abc", "(b)()", "%2"`,
		`"abc", "b", "%2"`,
		`"abc", "(b", "x"`,
		`"$x and $y", "%$(%w+)", { x = "1", y = false }`,
		`"$x and $y", "%$(%w+)", { x = 2 }`,
		`"abc", "%w", { a = "A" }`,
		`"abc", "()b", { [2] = "B" }`,
		`"a=1, b=2", "(%w+)=(%w+)", function(k, v) return v .. k end`,
		`"abc", "%w", function(c) if c == "b" then return nil end return c:upper() end`,
		`"abc", "()", function(p) return p end`,
		`"abc", "%w", function(c) return false end`,
		`"abc", "b", 5`,
		`"", "x*", "y"`,
	} {
		src := "return string.gsub(" + c + ")"
		want, werr := results(stock, src)
		got, gerr := results(e.L, src)
		if got != want || errString(gerr) != errString(werr) {
			t.Errorf("gsub(%s):\n got  %q %v\n want %q %v", c, got, gerr, want, werr)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func results(L *lua.LState, src string) (string, error) {
	top := L.GetTop()
	if err := L.DoString(src); err != nil {
		return "", err
	}
	out := ""
	for i := top + 1; i <= L.GetTop(); i++ {
		out += L.Get(i).String() + "|"
	}
	L.SetTop(top)
	return out, nil
}

// One gsub over a 4 MB string, a million matches: the stock one copies
// the string once a match (minutes); this one is one pass.
func TestGsubOverABigStringIsOnePass(t *testing.T) {
	e := New(nil)
	defer e.Close()
	e.SetLimits(Limits{Timeout: time.Minute})
	err, out := run(t, e, `local s = string.rep("ab", 2e6) local r, n = s:gsub("a", "xy") print(#r, n)`)
	if err != nil || out != "6000000\t2000000\n" {
		t.Fatalf("%v %q", err, out)
	}
}

// The comparison above holds for errors too; these must be errors.
func TestGsubBadPatternsAreErrors(t *testing.T) {
	e := New(nil)
	defer e.Close()
	for src, want := range map[string]string{
		`string.gsub("abc", "(b", "x")`:  "unfinished capture",
		`string.gsub("abc", "b", "%2")`:  "invalid capture index",
		`string.gsub("abc", "b", true)`:  "string or table or function expected",
		`string.gsub("abc", "b", "%9")`:  "invalid capture index",
		`string.gsub("abc", "[a", "%9")`: "unexpected EOS",
	} {
		if err, _ := run(t, e, src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", src, err, want)
		}
	}
}

package conv

import (
	"net"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/errkind"
)

func TestToLuaUsesJSONNamesAndSkipsDashed(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	type inner struct {
		Hidden int `json:"-"`
	}
	type rec struct {
		inner
		Name string           `json:"name"`
		MAC  net.HardwareAddr `json:"mac"`
		Opt  string           `json:"opt,omitempty"`
		List []int            `json:"list"`
	}
	mac, _ := net.ParseMAC("52:54:00:aa:bb:cc")
	t1 := ToLua(L, rec{Name: "br0", MAC: mac, List: []int{1, 2}}).(*lua.LTable)
	if t1.RawGetString("name").String() != "br0" || t1.RawGetString("mac").String() != "52:54:00:aa:bb:cc" ||
		t1.RawGetString("opt") != lua.LNil || t1.RawGetString("Hidden") != lua.LNil || t1.RawGetString("list").(*lua.LTable).Len() != 2 {
		t.Fatalf("got %v", FromLua(t1))
	}
}

func TestOptsRejectUnknownKeysAndWrongTypes(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`opts = { stp = false, fwd_delay = 0 }; bad = { stp = "no" }`); err != nil {
		t.Fatal(err)
	}
	L.Push(L.GetGlobal("opts"))
	o := OptsAt(L, 1)
	if o.Bool("stp", true) != false {
		t.Fatal("stp")
	}
	o.Int("forward_delay", 15)
	if err := o.Err(); err == nil || !strings.Contains(err.Error(), "unknown option fwd_delay (known: forward_delay, stp)") || errkind.Of(err) != errkind.KindInvalid {
		t.Fatalf("got %v (%s)", err, errkind.Of(err))
	}
	L.Push(L.GetGlobal("bad"))
	o = OptsAt(L, 2)
	o.Bool("stp", false)
	if err := o.Err(); err == nil || err.Error() != "option stp: want boolean, got string" || errkind.Of(err) != errkind.KindInvalid {
		t.Fatalf("got %v (%s)", err, errkind.Of(err))
	}
	L.Push(lua.LString("stp"))
	if err := OptsAt(L, 3).Err(); err == nil || errkind.Of(err) != errkind.KindInvalid {
		t.Fatalf("options not a table: %v (%s)", err, errkind.Of(err))
	}
}

func TestDecodeRejectsUnknownKeysAsInvalid(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`t = { name = "br0", nmae = "x" }`); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Name string `json:"name"`
	}
	err := Decode(L.GetGlobal("t").(*lua.LTable), &out)
	if err == nil || !strings.Contains(err.Error(), `unknown field "nmae"`) || errkind.Of(err) != errkind.KindInvalid {
		t.Fatalf("got %v (%s)", err, errkind.Of(err))
	}
}

package repl_test

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"rewire/lua/engine"
	"rewire/lua/repl"
)

func TestLuaLSMetaFile(t *testing.T) {
	ss := newSession(t, objModule)
	meta := repl.LuaLS(append([]engine.Module{engine.Builtins}, ss.e.Modules()...))

	// It is a valid Lua file (LuaLS reads it as one).
	L := lua.NewState()
	defer L.Close()
	if _, err := L.LoadString(meta); err != nil {
		t.Fatalf("meta file does not parse: %v\n%s", err, meta)
	}
	for _, want := range []string{
		"---@meta rewire\n",
		"---@class link\nlink = {}\n",
		"---@param name string\n---@param opts {up?: boolean, mtu?: integer, mac?: string, name?: string, master?: string|false}\nfunction link.set(name, opts) end\n",
		"---@return boolean\nfunction link.exists(name) end\n",
		"---@param sp integer\nfunction tx.rollback_to(sp) end\n",
		"---@param name? string\n---@return integer sp\nfunction tx.savepoint(name) end\n",
		"---@return {seq: integer, desc: string, undone: boolean}[]\nfunction tx.list_changes() end\n",
		"---Alias of tx.list_changes.\ntx.changes = tx.list_changes\n",
		"---@param name string\n---@param fn function\nfunction check(name, fn) end\n",
		"---@class thing\nlocal thing = {}\n",
		"function thing:interfaces() end\n",
	} {
		if !strings.Contains(meta, want) {
			t.Errorf("meta file lacks %q", want)
		}
	}
	// Every documented function of every module is declared.
	for _, m := range ss.e.Modules() {
		for _, f := range m.Funcs {
			if !strings.Contains(meta, "function "+m.Name+"."+f.Name+"(") {
				t.Errorf("no declaration of %s.%s", m.Name, f.Name)
			}
			for _, a := range f.Aliases {
				if !strings.Contains(meta, "\n"+m.Name+"."+a+" = "+m.Name+"."+f.Name+"\n") {
					t.Errorf("no declaration of the alias %s.%s", m.Name, a)
				}
			}
		}
	}
}

func TestLuaLSNamesObjectClassesApartFromModules(t *testing.T) {
	mods := []engine.Module{{Name: "domain", Doc: "Domains.",
		Funcs: []engine.Func{{Name: "get", Params: []engine.Param{{Name: "name", Type: "string"}}, Returns: []engine.Result{{Type: "domain"}}, Doc: "One domain."},
			{Name: "list", Returns: []engine.Result{{Type: "domain[]"}}, Doc: "All domains."}},
		Types: []engine.Type{{Name: "domain", Doc: "A domain.", Methods: []engine.Func{
			{Name: "start", Params: []engine.Param{{Name: "opts", Type: "table", Optional: true}}, Doc: "Starts it."}}}}}}
	meta := repl.LuaLS(mods)
	for _, want := range []string{
		"---@return domain_object\nfunction domain.get(name) end\n",
		"---@return domain_object[]\nfunction domain.list() end\n",
		"---@class domain_object\nlocal domain_object = {}\n",
		"---@param opts? table\nfunction domain_object:start(opts) end\n",
	} {
		if !strings.Contains(meta, want) {
			t.Errorf("meta file lacks %q:\n%s", want, meta)
		}
	}
}

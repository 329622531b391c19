package engine

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"rewire/stdlib"
)

const loadedKey = "_REWIRE_LOADED"

func (e *Engine) loaded() *lua.LTable {
	reg := e.L.Get(lua.RegistryIndex).(*lua.LTable)
	if t, ok := reg.RawGetString(loadedKey).(*lua.LTable); ok {
		return t
	}
	t := e.L.NewTable()
	reg.RawSetString(loadedKey, t)
	return t
}

// installRequire sets `require`, which resolves, in order: a module
// already loaded (bindings are), the embedded stdlib, then NAME.lua next
// to the running script. Nothing else on disk is reachable. A module runs
// with the script's capabilities and may not ask for more.
func (e *Engine) installRequire() {
	e.L.SetGlobal("require", e.L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		loaded := e.loaded()
		if v := loaded.RawGetString(name); v != lua.LNil {
			L.Push(v)
			return 1
		}
		src, chunk, err := e.findModule(name)
		if err == nil {
			err = e.admitModule(src)
		}
		if err != nil {
			return Raise(L, "require", name, err)
		}
		fn, err := L.Load(strings.NewReader(src), chunk)
		if err != nil {
			return Raise(L, "require", name, Invalid("%s", oneLine(err.Error())))
		}
		L.Push(fn)
		L.Push(lua.LString(name))
		L.Call(1, 1)
		v := L.Get(-1)
		if v == lua.LNil {
			v = lua.LTrue
		}
		loaded.RawSetString(name, v)
		L.Push(v)
		return 1
	}))
}

func (e *Engine) findModule(name string) (src, chunk string, err error) {
	return ModuleSource(e.dir, name)
}

// ModuleSource is what `require NAME` loads from a script in dir (""
// for a chunk): the embedded stdlib's NAME.lua, else dir's.
func ModuleSource(dir, name string) (src, chunk string, err error) {
	if strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return "", "", Invalid("module names are dotted words, not paths")
	}
	rel := strings.ReplaceAll(name, ".", "/") + ".lua"
	if b, err := fs.ReadFile(stdlib.FS, rel); err == nil {
		return string(b), "stdlib/" + rel, nil
	}
	looked := "the stdlib"
	if dir != "" {
		p := filepath.Join(dir, rel)
		if b, err := os.ReadFile(p); err == nil {
			return string(b), rel, nil
		}
		looked += ", " + dir
	}
	return "", "", NotFound("module not found (looked in %s)", looked)
}

// StdlibModules lists the embedded stdlib module names.
func StdlibModules() []string {
	var out []string
	fs.WalkDir(stdlib.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".lua") {
			out = append(out, strings.ReplaceAll(strings.TrimSuffix(p, ".lua"), "/", "."))
		}
		return nil
	})
	return out
}

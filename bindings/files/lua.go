package files

import (
	"strconv"

	lua "github.com/yuin/gopher-lua"

	"rewire/bindings/tx"
	"rewire/lua/conv"
	"rewire/lua/engine"
)

// path is an absolute file path.
var path = engine.Param{Name: "path", Type: "string"}

// Module is the `files` Lua module. Every function needs the `files`
// capability, reading included: a script that can read /etc/shadow can
// leak it through any setting it makes (a DHCP option, a link alias).
func Module(s *tx.Session) engine.Module {
	return engine.Module{
		Name: "files",
		Doc:  "Whole files (ifcfg network-scripts, config files), each write undone on rollback.",
		Funcs: []engine.Func{
			{Name: "read", Params: []engine.Param{path}, Returns: []engine.Result{{Type: "string"}}, Needs: engine.CapFiles,
				Doc: "The whole file at an absolute path, like `cat PATH`.", Fn: func(L *lua.LState) int {
					path := L.CheckString(1)
					b, err := Read(path)
					if err != nil {
						return engine.Raise(L, "files.read", path, err)
					}
					L.Push(lua.LString(b))
					return 1
				}},
			{Name: "write", Params: []engine.Param{path, {Name: "content", Type: "string"}, engine.Options(engine.Opt("mode", "string|integer"))}, Needs: engine.CapFiles,
				Doc: "Replaces the whole file atomically, creating missing directories, like `install -m MODE`. " +
					"mode is octal digits as chmod takes them (\"0640\" or 640); without it an existing file keeps its mode (a new one gets 0644) and its owner. " +
					"Rollback restores the prior content, mode and owner, or removes a file (and directories) that did not exist.",
				Fn: func(L *lua.LState) int {
					path, content := L.CheckString(1), L.CheckString(2)
					o := conv.OptsAt(L, 3)
					mode, err := parseMode(o.String("mode", ""))
					if err == nil {
						err = o.Err()
					}
					if err == nil {
						err = Write(s, path, []byte(content), mode)
					}
					if err != nil {
						return engine.Raise(L, "files.write", path, err)
					}
					return 0
				}},
			{Name: "remove", Params: []engine.Param{path}, Needs: engine.CapFiles,
				Doc: "Removes a file, like `rm PATH` (a missing file is an error); rollback puts it back with its content, mode and owner.",
				Fn:  engine.Action1("files.remove", func(path string) error { return Remove(s, path) })},
		},
	}
}

// parseMode reads chmod's octal digits, "0644" or 644: Lua has no octal
// literals, so the digits are read as octal whichever way they come.
func parseMode(v string) (uint32, error) {
	if v == "" {
		return 0, nil
	}
	m, err := strconv.ParseUint(v, 8, 32)
	if err != nil || m == 0 || m > 0o7777 {
		return 0, engine.Invalid("bad mode %q (an octal string such as \"0644\")", v)
	}
	return uint32(m), nil
}

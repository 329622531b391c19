package persist

import (
	lua "github.com/yuin/gopher-lua"

	luaconv "rewire/lua/conv"
)

type luaOpts struct {
	opts Options
	err  error
}

// conv reads persist.save's options table.
func conv(L *lua.LState) luaOpts {
	o := luaconv.OptsAt(L, 1)
	var out luaOpts
	out.opts.DryRun = o.Bool("dry_run", false)
	if o.Has("devices") {
		out.opts.Devices = o.Strings("devices")
		if out.opts.Devices == nil {
			out.opts.Devices = []string{}
		}
	}
	out.err = o.Err()
	return out
}

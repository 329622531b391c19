// Package stdlib holds rewire's Lua-source modules, embedded in the
// binary; `require "repair"` finds them before any file next to a script.
package stdlib

import "embed"

// FS holds every stdlib module as NAME.lua.
//
//go:embed *.lua
var FS embed.FS

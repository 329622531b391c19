// Package engine is rewire's Lua engine: a sandboxed gopher-lua state,
// the modules wired into it, `require` over the embedded stdlib and the
// script's own directory, structured errors, checks and cancellation.
// It imports no binding: whoever builds an Engine registers them.
package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Engine runs Lua for one session (a script run or a REPL).
type Engine struct {
	L       *lua.LState
	Out     io.Writer
	modules []Module
	byName  map[string]*Module
	checks  []Check
	dir     string // directory of the running script, for require

	granted   Caps // what the user allowed (--allow)
	effective Caps // what the running code may use: gated functions check it

	limits  Limits // what the user allows (--memory, --timeout)
	running Limits // what bounds the running code: limits, narrowed by its header
	scope   *scope // the limited run in progress, if any

	barriers []func() error // the modules' Barrier functions
}

// New makes an engine with the given modules opened as globals.
func New(out io.Writer, modules ...Module) *Engine {
	if out == nil {
		out = os.Stdout
	}
	e := &Engine{Out: out, byName: map[string]*Module{}, granted: Caps{}, effective: Caps{}}
	e.L = lua.NewState(lua.Options{SkipOpenLibs: true})
	e.openSandbox()
	e.installGuards()
	e.installRequire()
	e.installBuiltins()
	for _, m := range modules {
		e.Register(m)
	}
	return e
}

// Close releases the Lua state.
func (e *Engine) Close() { e.L.Close() }

// Register wires a module: preloaded for require, and set as a global.
func (e *Engine) Register(m Module) {
	e.modules = append(e.modules, m)
	mp := &e.modules[len(e.modules)-1]
	e.byName[m.Name] = mp
	if m.Barrier != nil {
		e.barriers = append(e.barriers, m.Barrier)
	}
	tbl := mp.open(e.L, e.gate)
	e.loaded().RawSetString(m.Name, tbl)
	e.L.SetGlobal(m.Name, tbl)
	for _, g := range m.Globals {
		e.L.SetGlobal(g.Name, e.L.NewFunction(e.gate(g.Name, g)))
	}
}

// Modules returns the registered modules, for docs and completion.
func (e *Engine) Modules() []Module { return e.modules }

// DoFile runs a script with `arg` set as lua does: arg[0] the script,
// arg[1..n] its arguments. Ctrl-C reaches it through ctx. A script whose
// header asks for capabilities the user did not grant is refused before
// any of it runs; one that is admitted runs with what it declared. A
// header asking for a higher memory or time limit than the user set is
// refused the same way; lower ones bound the script and its checks.
func (e *Engine) DoFile(ctx context.Context, path string, args []string) *Error {
	src, err := os.ReadFile(path)
	if err != nil {
		return &Error{Kind: KindNotFound, Op: "run", Object: path, Message: "cannot read script: " + errText(err)}
	}
	if lerr := e.admitScript(filepath.Base(path), string(src)); lerr != nil {
		return lerr
	}
	abs, _ := filepath.Abs(path)
	e.dir = filepath.Dir(abs)
	e.SetArgs(path, args)
	return e.DoString(ctx, string(src), filepath.Base(path))
}

// DoString runs a chunk named name (the name errors are prefixed with).
func (e *Engine) DoString(ctx context.Context, src, name string) *Error {
	fn, err := e.L.Load(strings.NewReader(src), name)
	if err != nil {
		return &Error{Kind: KindScript, Message: oneLine(err.Error())}
	}
	return e.Call(ctx, fn)
}

// Call runs a loaded function under ctx, within the engine's limits.
func (e *Engine) Call(ctx context.Context, fn *lua.LFunction, args ...lua.LValue) *Error {
	return e.bounded(ctx, func(ctx context.Context) *Error {
		if ctx != nil {
			e.L.SetContext(ctx)
			defer e.L.RemoveContext()
		}
		e.L.Push(fn)
		for _, a := range args {
			e.L.Push(a)
		}
		if err := FromLua(ctx, e.L.PCall(len(args), lua.MultRet, nil)); err != nil {
			return err
		}
		if err := e.barrier(); err != nil { // nothing put off outlives the chunk
			return &Error{Kind: KindOf(err), Message: err.Error()}
		}
		return nil
	})
}

// barrier runs every module's Barrier; the first error is returned.
func (e *Engine) barrier() error {
	for _, b := range e.barriers {
		if err := b(); err != nil {
			return err
		}
	}
	return nil
}

// SetArgs sets the global `arg` table as lua does: arg[0] the script (or
// "-e" for a chunk), arg[1..n] its arguments.
func (e *Engine) SetArgs(script string, args []string) {
	t := e.L.NewTable()
	t.RawSetInt(0, lua.LString(script))
	for i, a := range args {
		t.RawSetInt(i+1, lua.LString(a))
	}
	e.L.SetGlobal("arg", t)
}

// SetDir sets the directory `require` looks in after the stdlib.
func (e *Engine) SetDir(dir string) { e.dir = dir }

func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

func (e *Engine) printf(format string, a ...any) { fmt.Fprintf(e.Out, format, a...) }

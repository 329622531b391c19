// Package exec runs programs inside the target's network namespace for
// recipes that need a tool rewire has no binding for. argv only, never a
// shell. A program's effects cannot be undone, so the transaction refuses
// one after it has made changes unless the script says it knows (see Run).
// The Lua module needs the `exec` capability.
package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"syscall"

	"rewire/bindings/target"
	"rewire/bindings/tx"
	"rewire/lua/engine"
)

// Result is what a program did: its exit code (128+N when killed by
// signal N, as a shell reports it) and its output.
type Result struct {
	Code   int    `json:"code"`
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
}

// Run is `ip netns exec NS PROG ARGS...`: argv[0] is looked up in PATH
// and run inside the target's namespace with stdin, in /, with a clean
// environment (PATH, LC_ALL=C for output a script can parse). A non-zero
// exit is a Result, not an error; a program that cannot start is.
func Run(ctx context.Context, tg *target.Target, argv []string, stdin []byte) (Result, error) {
	if len(argv) == 0 || argv[0] == "" {
		return Result{}, engine.Invalid("no program: argv is empty")
	}
	path, err := osexec.LookPath(argv[0])
	if err != nil {
		return Result{}, engine.NotFound("%s is not installed (not found in PATH)", argv[0])
	}
	if ctx == nil {
		ctx = context.Background()
	}
	var out, errb bytes.Buffer
	cmd := osexec.CommandContext(ctx, path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	if err := tg.Start(cmd); err != nil {
		return Result{}, fmt.Errorf("start %s: %w", argv[0], err)
	}
	err = cmd.Wait()
	if ctx.Err() != nil {
		return Result{}, ctx.Err()
	}
	res := Result{Stdout: out.String(), Stderr: errb.String()}
	var exit *osexec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.Code = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.Code = 128 + int(ws.Signal())
		}
	default:
		return Result{}, fmt.Errorf("%s: %w", argv[0], err)
	}
	return res, nil
}

// Allowed says whether a program may run now. A plan runs none (it must
// not touch the host). Inside a transaction that already holds changes a
// program is refused unless irreversible is set: a later failure would
// roll those changes back around a program's effects that nothing can
// undo. Run programs before the first change, or say so explicitly.
func Allowed(s *tx.Session, irreversible bool) error {
	if s.DryRun {
		return engine.Invalid("a plan does not run programs")
	}
	if t := s.Current(); t != nil && t.Live() > 0 && !irreversible {
		return engine.Invalid("the transaction already holds %d changes and a program's effects cannot be rolled back; run it before them, or pass {irreversible=true}", t.Live())
	}
	return nil
}

package repl_test

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestReplInATerminalOnTheLab drives the real binary in a pseudo-terminal
// against a lab of its own: Tab candidates, value printing, a multi-line
// chunk, :undo, Ctrl-C in a running statement, an error, :save, Ctrl-D
// with open changes, history (Ctrl-R) in a second session, and the saved
// recipe run with `rewire run --lab` on a fresh lab.
func TestReplInATerminalOnTheLab(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and a lab")
	}
	if os.Geteuid() != 0 {
		t.Skip("the lab is made of network namespaces: needs root")
	}
	w := newWorld(t)
	w.rewire(t, "lab", "up")
	t.Cleanup(func() { w.rewireQuiet("lab", "down") })

	recipe := filepath.Join(w.dir, "mtu.lua")
	r := w.repl(t)
	r.expect(t, "rewire lab [0]> ")

	r.send("link.\t")
	r.expect(t, "exists(")
	r.expect(t, "list(")
	r.send("\x15") // Ctrl-U: clear the line
	r.send(`link.get("e` + "\t")
	r.expect(t, `link.get("eth0`)
	r.send("\x15")
	r.send(`domain.get("` + "\t") // the lab's guests: their common prefix,
	r.expect(t, `domain.get("vm`)
	r.send("\t") // then the list
	r.expect(t, "vm1")
	r.expect(t, "vm2")
	r.send("\x15")
	r.send(`dom = domain.get("vm1")` + "\r")
	r.expect(t, "rewire lab [0]> ")
	r.send(`dom:set_interface("52` + "\t") // the MAC of vm1's one NIC
	r.expect(t, `dom:set_interface("52:54:00:00:01:01`)
	r.send("\x15")

	r.send(`link.get("eth0").mtu` + "\r")
	r.expect(t, "\n1500\n")

	r.send(`link.set("eth0", {mtu = 1400})` + "\r")
	r.expect(t, "+ set link eth0 mtu 1400")
	r.expect(t, "rewire lab [1]> ")

	r.send("for i = 1, 2 do\r")
	r.expect(t, ".. ")
	r.send(`print("line" .. i)` + "\r")
	r.expect(t, ".. ")
	r.send("end\r")
	r.expect(t, "line1\nline2\n")

	r.send(`link.set("eth0", {mtu = 1300})` + "\r")
	r.expect(t, "rewire lab [2]> ")
	r.send(":undo\r")
	r.expect(t, "undid 1 change of `link.set(\"eth0\", {mtu = 1300})`")
	r.expect(t, "rewire lab [1]> ")

	r.send(`link.set("eth0", {mtu = 1280}) while true do end` + "\r")
	r.expect(t, "+ set link eth0 mtu 1280")
	r.send("\x03")
	r.expect(t, "interrupted (Ctrl-C)")
	r.expect(t, "undid 1 change of the failed statement")
	r.expect(t, "rewire lab [1]> ")

	r.send(`link.get("nope0")` + "\r")
	r.expect(t, "link.get nope0: no such interface\n")
	r.expect(t, "rewire lab [1]> ")
	if mtu := w.labMTU(t); mtu != 1400 {
		t.Fatalf("lab eth0 mtu = %d after the session's edits, want 1400", mtu)
	}

	r.send(":save " + recipe + "\r")
	r.expect(t, "saved 3 statements to "+recipe) // dom =, the link.set and the loop
	r.send(`"hist" .. "ory-" .. 42` + "\r")
	r.expect(t, "\nhistory-42\n")

	r.send("\x04") // Ctrl-D with an open change asks
	r.expect(t, "1 uncommitted change: [c]ommit, [r]ollback or [s]tay? ")
	r.send("c\r")
	r.expect(t, "committed 1 change as transaction")
	r.wait(t)

	saved, err := os.ReadFile(recipe)
	if err != nil {
		t.Fatal(err)
	}
	want := "\n\ndom = domain.get(\"vm1\")\nlink.set(\"eth0\", {mtu = 1400})\nfor i = 1, 2 do\nprint(\"line\" .. i)\nend\n"
	if !strings.HasPrefix(string(saved), "-- Recipe saved from `rewire repl` (target lab)") ||
		!strings.HasSuffix(string(saved), want) {
		t.Fatalf("saved recipe:\n%s", saved)
	}

	// A second session finds the first one's history with Ctrl-R; Ctrl-D
	// there, answered with rollback, leaves the lab as it was.
	r = w.repl(t)
	r.expect(t, "rewire lab [0]> ")
	r.send("\x12ory-")
	r.expect(t, `"hist" .. "ory-" .. 42`)
	r.send("\r")
	r.expect(t, "\nhistory-42\n")
	r.send(`link.set("eth0", {mtu = 1350})` + "\r")
	r.expect(t, "rewire lab [1]> ")
	r.send("\x04")
	r.expect(t, "[s]tay? ")
	r.send("r\r")
	r.expect(t, "rolled back 1 change")
	r.wait(t)
	if mtu := w.labMTU(t); mtu != 1400 {
		t.Fatalf("lab eth0 mtu = %d after a rolled back session, want 1400", mtu)
	}

	// The saved recipe reproduces the state on a fresh lab.
	w.rewire(t, "lab", "down")
	w.rewire(t, "lab", "up")
	if mtu := w.labMTU(t); mtu != 1500 {
		t.Fatalf("fresh lab eth0 mtu = %d", mtu)
	}
	w.rewire(t, "run", "--lab", "--state-dir", w.state, recipe)
	if mtu := w.labMTU(t); mtu != 1400 {
		t.Fatalf("rewire run of the saved recipe left mtu %d, want 1400", mtu)
	}
}

// TestReplOnPipedInput feeds statements through a pipe, in a network
// namespace of the test's own: with nobody left to confirm at the end of
// input, the open changes are rolled back.
func TestReplOnPipedInput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare is not installed")
	}
	dir := t.TempDir()
	bin := buildRewire(t, dir)
	in := strings.Join([]string{
		`link.set("lo", {mtu = 1400})`,
		`for i = 1, 2 do`, `print("mtu now " .. link.get("lo").mtu)`, `end`,
		`link.get("nope0")`,
		`:changes`,
	}, "\n") + "\n"
	c := exec.Command("unshare", "--net", "--", bin, "repl", "--state-dir", filepath.Join(dir, "state"), "--history", "")
	c.Stdin = strings.NewReader(in)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("rewire repl: %v\n%s", err, out)
	}
	for _, want := range []string{"+ set link lo mtu 1400\n", "mtu now 1400\nmtu now 1400\n",
		"link.get nope0: no such interface\n", "  1  set link lo mtu 1400\n", "- undo 1 set link lo mtu 1400: ok\nrolled back 1 change\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// world is a private mount namespace whose /run/netns is a fresh tmpfs,
// so the test's lab (fixed namespace names) never meets another lab on
// this machine, plus a HOME, a lab dir and a state dir of its own.
type world struct {
	bin, dir, state string
	holder          *exec.Cmd
	env             []string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	for _, tool := range []string{"unshare", "nsenter", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	w := &world{dir: t.TempDir()}
	w.bin = buildRewire(t, w.dir)
	home := filepath.Join(w.dir, "home")
	w.state = filepath.Join(w.dir, "state")
	for _, d := range []string{home, w.state} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	w.env = append(os.Environ(), "HOME="+home, "REWIRE_LAB_DIR="+filepath.Join(w.dir, "lab"),
		"REWIRE_STATE_DIR="+w.state, "TERM=xterm")

	// The holder lives as long as its stdin: when the test ends (or dies)
	// the namespace and everything bound in it go away.
	w.holder = exec.Command("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
		"mkdir -p /run/netns && mount -t tmpfs rewire-test /run/netns && echo ready && exec cat >/dev/null")
	stdin, err := w.holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := w.holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w.holder.Stderr = os.Stderr
	if err := w.holder.Start(); err != nil {
		t.Skipf("cannot make a private mount namespace: %v", err)
	}
	t.Cleanup(func() {
		stdin.Close()
		w.holder.Wait()
	})
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Skipf("cannot make a private mount namespace (got %q)", line)
	}
	return w
}

func buildRewire(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "rewire")
	if out, err := exec.Command("go", "build", "-o", bin, "rewire/cmd/rewire").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// inNS is argv run inside the world's mount namespace.
func (w *world) inNS(args ...string) *exec.Cmd {
	argv := append([]string{"-t", strconv.Itoa(w.holder.Process.Pid), "-m", "--"}, args...)
	c := exec.Command("nsenter", argv...)
	c.Env = w.env
	c.Dir = w.dir
	return c
}

func (w *world) rewire(t *testing.T, args ...string) {
	t.Helper()
	if out, err := w.inNS(append([]string{w.bin}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("rewire %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (w *world) rewireQuiet(args ...string) { w.inNS(append([]string{w.bin}, args...)...).Run() }

var mtuRe = regexp.MustCompile(`mtu (\d+)`)

// labMTU reads eth0's MTU in the lab host with iproute2, not with rewire.
func (w *world) labMTU(t *testing.T) int {
	t.Helper()
	out, err := w.inNS("ip", "-n", "rewire-lab", "link", "show", "eth0").CombinedOutput()
	m := mtuRe.FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("ip link show eth0 in the lab: %v\n%s", err, out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// term is `rewire repl --lab` on a pseudo-terminal.
type term struct {
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	buf  strings.Builder // what the terminal showed, escapes stripped
	seen int             // how far expect has consumed buf
	done chan struct{}
}

func (w *world) repl(t *testing.T) *term {
	t.Helper()
	r := &term{cmd: w.inNS(w.bin, "repl", "--lab", "--state-dir", w.state), done: make(chan struct{})}
	tty, err := pty.StartWithSize(r.cmd, &pty.Winsize{Rows: 40, Cols: 160})
	if err != nil {
		t.Fatal(err)
	}
	r.tty = tty
	t.Cleanup(func() {
		r.cmd.Process.Kill()
		tty.Close()
		<-r.done
	})
	go r.read()
	return r
}

var escapes = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\r|\x08|\x07`)

func (r *term) read() {
	defer close(r.done)
	chunk := make([]byte, 4096)
	for {
		n, err := r.tty.Read(chunk)
		if n > 0 {
			r.mu.Lock()
			r.buf.Write(chunk[:n])
			r.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (r *term) send(s string) { io.WriteString(r.tty, s) }

// expect waits until the terminal shows want after what was already
// matched. The deadline only keeps a broken build from hanging the run.
func (r *term) expect(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var exited bool
		select {
		case <-r.done: // everything it wrote is in buf by now
			exited = true
		default:
		}
		r.mu.Lock()
		shown := escapes.ReplaceAllString(r.buf.String(), "")
		r.mu.Unlock()
		if r.seen > len(shown) {
			r.seen = len(shown)
		}
		if i := strings.Index(shown[r.seen:], want); i >= 0 {
			r.seen += i + len(want)
			return
		}
		if exited {
			t.Fatalf("the REPL exited before showing %q; it showed:\n%s", want, shown[r.seen:])
		}
		if time.Now().After(deadline) {
			t.Fatalf("the REPL did not show %q; it showed:\n%s", want, shown[r.seen:])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wait waits for the REPL to exit on its own and checks it exited 0.
func (r *term) wait(t *testing.T) {
	t.Helper()
	if err := r.cmd.Wait(); err != nil {
		t.Fatalf("rewire repl exited with %v", err)
	}
}

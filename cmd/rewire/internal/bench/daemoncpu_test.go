package bench

import (
	"os"
	"testing"
)

// The stat line is read past a command name with spaces and parentheses.
func TestProcCPUReadsOwnStat(t *testing.T) {
	spin := 0
	for i := 0; i < 50_000_000; i++ {
		spin += i
	}
	if procCPU(os.Getpid()) <= 0 {
		t.Fatalf("no CPU time read for this process (spun %d)", spin)
	}
	if procCPU(-1) != 0 {
		t.Fatal("CPU time for no process")
	}
}

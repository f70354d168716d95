package cmd

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// transportDIMACS writes a random instance in the generator's layout: node
// 1 the source, node 2 the sink, resources then demands, a bypass arc.
func transportDIMACS(seed uint64, nr, nd, m int) string {
	r := rand.New(rand.NewPCG(seed, 1))
	caps := make([]int64, nr)
	needs := make([]int64, nd)
	var F int64
	for i := range caps {
		caps[i] = 1 + r.Int64N(20)
		F += caps[i]
	}
	for i := range needs {
		needs[i] = 1 + r.Int64N(20)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "c test instance\np min %d %d\nn 1 %d\nn 2 %d\n", nr+nd+2, nr+nd+m+1, F, -F)
	for i, c := range caps {
		fmt.Fprintf(&b, "a 1 %d 0 %d 0\n", i+3, c)
	}
	for range m {
		i, j := r.IntN(nr), r.IntN(nd)
		fmt.Fprintf(&b, "a %d %d 0 %d %d\n", i+3, nr+j+3, min(caps[i], needs[j]), -r.Int64N(1001))
	}
	for j, c := range needs {
		fmt.Fprintf(&b, "a %d 2 0 %d 0\n", nr+j+3, c)
	}
	fmt.Fprintf(&b, "a 1 2 0 %d 0\n", F)
	return b.String()
}

func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, Stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// field returns the value of "c KEY VALUE" or, for key "s", of "s VALUE".
func field(out, key string) string {
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if key == "s" && len(f) == 2 && f[0] == "s" {
			return f[1]
		}
		if len(f) >= 3 && f[0] == "c" && f[1] == key {
			return f[2]
		}
	}
	return ""
}

func TestSolveTransportAndGeneralAgree(t *testing.T) {
	for seed := range uint64(20) {
		p := writeFile(t, "inst.min", transportDIMACS(seed, 3+int(seed), 4+int(seed), 10+5*int(seed)))
		code, fast, stderr := runMain(t, "solve", "--repeat", "3", p)
		if code != 0 {
			t.Fatalf("seed %d: exit %d: %s", seed, code, stderr)
		}
		if got := field(fast, "path"); got != "transport" {
			t.Fatalf("seed %d: path %q, want transport\n%s", seed, got, fast)
		}
		if field(fast, "solver") != "allymatch" || field(fast, "solve_s") == "" {
			t.Fatalf("seed %d: output lacks the protocol lines:\n%s", seed, fast)
		}
		code, slow, stderr := runMain(t, "solve", "--general", "--pivot", "candidate", p)
		if code != 0 {
			t.Fatalf("seed %d: --general: exit %d: %s", seed, code, stderr)
		}
		if got := field(slow, "path"); got != "general" {
			t.Fatalf("seed %d: --general path %q", seed, got)
		}
		if a, b := field(fast, "s"), field(slow, "s"); a != b || a == "" {
			t.Fatalf("seed %d: transport optimum %q, general %q", seed, a, b)
		}
	}
}

func TestSolveGeneralNetwork(t *testing.T) {
	// two sources, a lower bound and a cycle: not a transportation layout
	const inst = `c small general network
p min 4 5
n 1 4
n 2 2
n 4 -6
a 1 3 0 4 2
a 2 3 1 5 1
a 3 4 0 10 3
a 1 4 0 1 9
a 4 2 0 3 1
`
	code, out, stderr := runMain(t, "solve", writeFile(t, "g.min", inst))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// 1→3 4 units (8), 2→3 2 units (2), 3→4 6 units (18)
	if got := field(out, "s"); got != "28" {
		t.Fatalf("s %s, want 28\n%s", got, out)
	}
	if got := field(out, "path"); got != "general" {
		t.Fatalf("path %s, want general", got)
	}
}

func TestSolveInfeasible(t *testing.T) {
	const inst = "p min 2 1\nn 1 5\nn 2 -5\na 1 2 0 3 1\n"
	code, out, stderr := runMain(t, "solve", writeFile(t, "inf.min", inst))
	if code != 0 || field(out, "s") != "INFEASIBLE" {
		t.Fatalf("exit %d, s %q, want 0 and INFEASIBLE\n%s%s", code, field(out, "s"), out, stderr)
	}
}

func TestSolveErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		args       []string
		wantCode   int
		wantErr    string
	}{
		{name: "bad number", body: "c x\np min 3 1\nn 1 2\na 1 x 0 1 1\n", wantCode: 1,
			wantErr: `line 4: head node "x" is not an integer`},
		{name: "node out of range", body: "p min 2 1\na 1 3 0 1 1\n", wantCode: 1, wantErr: "line 2: node 3 out of range 1..2"},
		{name: "arc before problem", body: "c x\na 1 2 0 1 1\n", wantCode: 1, wantErr: "line 2: arc line before the problem line"},
		{name: "too few arcs", body: "p min 2 2\na 1 2 0 1 1\n", wantCode: 1, wantErr: "1 arcs, 2 declared"},
		{name: "unknown line", body: "p min 2 0\nx 1\n", wantCode: 1, wantErr: `line 2: unknown line type "x"`},
		{name: "no file", args: []string{"solve"}, wantCode: 2, wantErr: "want one FILE.min"},
		{name: "bad pivot", args: []string{"solve", "--pivot", "best", "f.min"}, wantCode: 2, wantErr: `--pivot "best"`},
		{name: "missing file", args: []string{"solve", "/nonexistent/x.min"}, wantCode: 1, wantErr: "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if args == nil {
				args = []string{"solve", writeFile(t, "bad.min", tc.body)}
			}
			code, _, stderr := runMain(t, args...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tc.wantCode, tc.wantErr)
			}
		})
	}
}

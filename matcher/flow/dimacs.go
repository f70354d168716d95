package flow

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ReadDIMACS reads a min-cost-flow problem in the DIMACS format:
//
//	c comment
//	p min NODES ARCS
//	n ID SUPPLY          (nodes not listed have supply 0)
//	a FROM TO LOW CAP COST
//
// Node ids are 1-based in the file and 0-based in the Network. Blank lines
// are skipped. Errors name the line and what is wrong with it: a missing or
// repeated problem line, a node out of range, a repeated node line, a
// number that does not parse, more or fewer arcs than declared. A capacity
// at or above 2^62 is read as [Inf].
func ReadDIMACS(r io.Reader) (*Network, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var g *Network
	var seen []bool
	lineNo := 0
	declared := 0
	var fields [8][]byte
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// a very long line: gather it whole
			buf := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				buf = append(buf, line...)
			}
			line = buf
		}
		if len(line) == 0 && err != nil {
			if err != io.EOF {
				return nil, fmt.Errorf("dimacs: line %d: %w", lineNo+1, err)
			}
			break
		}
		lineNo++
		nf := 0
		rest := line
		for {
			i := 0
			for i < len(rest) && isSpace(rest[i]) {
				i++
			}
			rest = rest[i:]
			if len(rest) == 0 {
				break
			}
			j := 0
			for j < len(rest) && !isSpace(rest[j]) {
				j++
			}
			if nf < len(fields) {
				fields[nf] = rest[:j]
			}
			nf++
			rest = rest[j:]
			if fields[0][0] == 'c' && len(fields[0]) == 1 {
				break
			}
		}
		if nf == 0 {
			if err == io.EOF {
				break
			}
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("dimacs: line %d: "+format, append([]any{lineNo}, args...)...)
		}
		num := func(k int, what string) (int64, error) {
			v, perr := strconv.ParseInt(string(fields[k]), 10, 64)
			if perr != nil {
				return 0, bad("%s %q is not an integer", what, fields[k])
			}
			return v, nil
		}
		switch string(fields[0]) {
		case "c":
		case "p":
			if g != nil {
				return nil, bad("second problem line")
			}
			if nf != 4 || string(fields[1]) != "min" {
				return nil, bad("want \"p min NODES ARCS\", got %q", bytes.TrimSpace(line))
			}
			n, err := num(2, "node count")
			if err != nil {
				return nil, err
			}
			m, err := num(3, "arc count")
			if err != nil {
				return nil, err
			}
			if n < 0 || n >= math.MaxInt32-1 || m < 0 || m >= math.MaxInt32-n-1 {
				return nil, bad("%d nodes and %d arcs out of range", n, m)
			}
			declared = int(m)
			g = &Network{N: int(n), Supply: make([]int64, n),
				From: make([]int32, 0, m), To: make([]int32, 0, m), Lower: make([]int64, 0, m),
				Cap: make([]int64, 0, m), Cost: make([]int64, 0, m)}
			seen = make([]bool, n)
		case "n":
			if g == nil {
				return nil, bad("node line before the problem line")
			}
			if nf != 3 {
				return nil, bad("want \"n ID SUPPLY\", got %d fields", nf)
			}
			id, err := num(1, "node id")
			if err != nil {
				return nil, err
			}
			if id < 1 || id > int64(g.N) {
				return nil, bad("node %d out of range 1..%d", id, g.N)
			}
			if seen[id-1] {
				return nil, bad("node %d listed twice", id)
			}
			seen[id-1] = true
			if g.Supply[id-1], err = num(2, "supply"); err != nil {
				return nil, err
			}
		case "a":
			if g == nil {
				return nil, bad("arc line before the problem line")
			}
			if nf != 6 {
				return nil, bad("want \"a FROM TO LOW CAP COST\", got %d fields", nf)
			}
			if len(g.From) == declared {
				return nil, bad("more arcs than the %d declared", declared)
			}
			var v [5]int64
			for k, what := range [5]string{"tail node", "head node", "lower bound", "capacity", "cost"} {
				var err error
				if v[k], err = num(k+1, what); err != nil {
					return nil, err
				}
			}
			for k := range 2 {
				if v[k] < 1 || v[k] > int64(g.N) {
					return nil, bad("node %d out of range 1..%d", v[k], g.N)
				}
			}
			if v[3] >= 1<<62 {
				v[3] = Inf
			}
			if v[2] > v[3] {
				return nil, bad("lower bound %d above capacity %d", v[2], v[3])
			}
			g.From = append(g.From, int32(v[0]-1))
			g.To = append(g.To, int32(v[1]-1))
			g.Lower = append(g.Lower, v[2])
			g.Cap = append(g.Cap, v[3])
			g.Cost = append(g.Cost, v[4])
		default:
			return nil, bad("unknown line type %q", fields[0])
		}
		if err == io.EOF {
			break
		}
	}
	if g == nil {
		return nil, fmt.Errorf("dimacs: line %d: no problem line", lineNo)
	}
	if len(g.From) != declared {
		return nil, fmt.Errorf("dimacs: line %d: %d arcs, %d declared", lineNo, len(g.From), declared)
	}
	allZero := true
	for _, l := range g.Lower {
		if l != 0 {
			allZero = false
			break
		}
	}
	if allZero {
		g.Lower = nil
	}
	return g, nil
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher/store"
)

const goodBundle = `{
  "format": "allymatch.bundle/v1",
  "alliances": [{"id": "lh", "name": "龙华社区党建联盟", "level": "community", "lead": "lh-party"}],
  "units": [
    {"id": "lh-party", "name": "龙华社区党委", "kind": "community", "party_org": true, "location": {"lat": 29.35, "lon": 106.53}},
    {"id": "lh-school", "name": "龙洲湾中学", "kind": "school", "party_org": true, "location": {"lat": 29.351, "lon": 106.531}, "alliances": ["lh"]}
  ]
}
`

const goodDemands = "编号,单位,类别,名称,数量,服务半径\nLH-D01,lh-school,护学,晚间护送学生回家,20,2\n"

// badDemands has two bad rows: an unknown unit (found by the store) and a
// quantity that is not a number (found by the reader).
const badDemands = "编号,单位,类别,名称,数量,服务半径\nLH-D02,lh-nobody,护学,晚间护送,5,2\nLH-D03,lh-school,护学,周末护送,五,2\n"

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestLoadAllOrNothing(t *testing.T) {
	data := t.TempDir()
	good := writeFiles(t, map[string]string{"bundle.json": goodBundle, "demands.csv": goodDemands})
	code, out, stderr := runCmd(t, "load", "--data", data, good)
	if code != 0 || !strings.Contains(out, "1 items") {
		t.Fatalf("load good = %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}

	bad := writeFiles(t, map[string]string{"demands.csv": badDemands})
	code, _, stderr = runCmd(t, "load", "--data", data, bad)
	if code != 1 {
		t.Fatalf("load bad = %d, want 1; stderr: %s", code, stderr)
	}
	if !strings.Contains(stderr, "demands.csv:3") || !strings.Contains(stderr, "quantity") {
		t.Errorf("stderr does not name demands.csv:3 and quantity:\n%s", stderr)
	}

	// Only the unknown unit is left: the store finds it and names the line.
	bad2 := writeFiles(t, map[string]string{"demands.csv": "编号,单位,类别,名称,数量\nLH-D02,lh-nobody,护学,晚间护送,5\n"})
	code, _, stderr = runCmd(t, "load", "--data", data, bad2)
	if code != 1 || !strings.Contains(stderr, "demands.csv:2") || !strings.Contains(stderr, `unknown unit "lh-nobody"`) {
		t.Errorf("load with unknown unit = %d, stderr:\n%s\nwant demands.csv:2 and the unknown unit named", code, stderr)
	}

	st, _, err := store.Open(context.Background(), store.Options{Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sn := st.Snapshot()
	if sn.Seq != 1 {
		t.Errorf("store at seq %d after refused loads, want 1", sn.Seq)
	}
	if _, err := sn.Item("LH-D01"); err != nil {
		t.Errorf("the first load's item is gone: %v", err)
	}
	if _, err := sn.Item("LH-D03"); err == nil {
		t.Errorf("an item of a refused load was stored")
	}
	if it, _ := sn.Item("LH-D01"); it != nil && it.Category != "escort" {
		t.Errorf("category 护学 stored as %q, want escort", it.Category)
	}
}

func TestLoadUsage(t *testing.T) {
	if code, _, _ := runCmd(t, "load"); code != 2 {
		t.Errorf("load without PATH = %d, want 2", code)
	}
	if code, _, stderr := runCmd(t, "load", "--data", t.TempDir(), "/no/such/path"); code != 1 || !strings.Contains(stderr, "/no/such/path") {
		t.Errorf("load of a missing path = %d, stderr %q; want 1 naming the path", code, stderr)
	}
}

package bundle_test

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/jsonstrict"
)

// checkDecoded asserts what a successful decode promises: Prepare either
// reports problems or leaves records that all validate, with categories of
// its vocabulary; and a prepared bundle survives a JSON round trip.
func checkDecoded(t *testing.T, b *bundle.Bundle) {
	if b == nil {
		t.Fatal("nil bundle without an error")
	}
	vocab, err := bundle.Prepare(b, nil)
	if err != nil {
		var be *bundle.Error
		if !errors.As(err, &be) || len(be.Problems) == 0 {
			t.Fatalf("Prepare error %v (%T), want *bundle.Error with problems", err, err)
		}
		return
	}
	valid := func(what string, err error) {
		if err != nil {
			t.Fatalf("Prepare passed, but %s does not validate: %v", what, err)
		}
	}
	for i := range b.Categories {
		valid("a category", b.Categories[i].Validate())
	}
	for i := range b.Grids {
		valid("a grid", b.Grids[i].Validate())
	}
	for i := range b.Alliances {
		valid("an alliance", b.Alliances[i].Validate())
	}
	for i := range b.Units {
		valid("a unit", b.Units[i].Validate())
	}
	for i := range b.Projects {
		valid("a project", b.Projects[i].Validate())
	}
	for i := range b.Items {
		valid("an item", b.Items[i].Validate())
		if !vocab.Has(b.Items[i].Category) {
			t.Fatalf("Prepare passed, but item %s has category %q outside the vocabulary", b.Items[i].ID, b.Items[i].Category)
		}
	}
	for i := range b.Claims {
		valid("a claim", b.Claims[i].Validate())
	}
	var buf bytes.Buffer
	if err := bundle.WriteJSON(&buf, b); err != nil {
		t.Fatalf("WriteJSON error = %v", err)
	}
	back, err := bundle.DecodeJSON("round.json", buf.Bytes())
	if err != nil {
		t.Fatalf("a prepared bundle does not read back: %v\n%s", err, buf.Bytes())
	}
	if back.Len() != b.Len() {
		t.Fatalf("read back %d records, wrote %d", back.Len(), b.Len())
	}
}

func checkDecodeError(t *testing.T, b *bundle.Bundle, err error) {
	var be *bundle.Error
	if !errors.As(err, &be) || len(be.Problems) == 0 {
		t.Fatalf("error %v (%T), want *bundle.Error with problems", err, err)
	}
	if b != nil {
		t.Fatal("a bundle returned with an error")
	}
	if matcher.ErrorCode(err) != matcher.EINVALID {
		t.Fatalf("ErrorCode = %q, want invalid", matcher.ErrorCode(err))
	}
	_ = err.Error()
}

func FuzzDecodeJSON(f *testing.F) {
	var buf bytes.Buffer
	if err := bundle.WriteJSON(&buf, fixtures.Small()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	for _, s := range []string{
		"", "{}", "[]", "null", `{"format": "allymatch.bundle/v1"}`,
		`{"format": "allymatch.bundle/v1", "items": [{"id": "D1", "unit": "u1", "kind": "demand", "category": "护学", "title": "t", "quantity": 1}]}`,
		`{"format": "allymatch.bundle/v1", "units": {"a": [1, {"b": []}]}, "grids": null, "items": [1, "x", {}]}`,
		`{"format": "allymatch.bundle/v1", "claims": [{"id": "C1", "created": 5}]}}`,
		"\uFEFF{\"format\": \"allymatch.bundle/v1\",\n\"name\": 3,\n\"x\": 1}",
		`{"format": "allymatch.bundle/v1", "items": [{"id": "D1", "quantity": -5, "Quantity": 3}]}`,
		"{\"format\": \"allymatch.bundle/v1\", \"name\": \"\xff\", \"grids\": [{\"id\": \"g\", \"name\": \"\xe6\x8a\"}]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := bundle.DecodeJSON("fuzz.json", data)
		sameAsSlow(t, data, b, err)
		if err != nil {
			checkDecodeError(t, b, err)
			return
		}
		if p := jsonstrict.Check(bytes.TrimPrefix(data, []byte("\uFEFF"))); p != nil {
			t.Fatalf("DecodeJSON accepted %q, which has %v", data, p)
		}
		checkDecoded(t, b)
	})
}

// sameAsSlow fails t unless DecodeJSON's answer b, err on data is the
// one it gives without its fast path: the same bundle (sources included),
// or the same problems.
func sameAsSlow(t *testing.T, data []byte, b *bundle.Bundle, err error) {
	t.Helper()
	slow, serr := bundle.DecodeJSONSlow("fuzz.json", data)
	if (err == nil) != (serr == nil) || err != nil && err.Error() != serr.Error() {
		t.Fatalf("DecodeJSON(%.200q):\n%v\nwithout the fast path:\n%v", data, err, serr)
	}
	if !reflect.DeepEqual(b, slow) {
		t.Fatalf("DecodeJSON(%.200q) and the slow path decode different bundles", data)
	}
}

// The fast path decodes what the slow path does, and refuses what it does
// with the same problems: on mutations of a sample's bundle text (bytes
// cut, doubled, changed; a BOM, invalid UTF-8, a key twice, a null list,
// trailing data, another format).
func TestDecodeJSONFastIsSlow(t *testing.T) {
	var buf bytes.Buffer
	if err := bundle.WriteJSON(&buf, fixtures.MustBanan(t)); err != nil {
		t.Fatal(err)
	}
	text := buf.Bytes()
	edits := []func(r *rand.Rand, d []byte) []byte{
		func(r *rand.Rand, d []byte) []byte { i := r.IntN(len(d)); return append(d[:i:i], d[i+1:]...) },
		func(r *rand.Rand, d []byte) []byte { i := r.IntN(len(d)); return append(d[:i+1:i+1], d[i:]...) },
		func(r *rand.Rand, d []byte) []byte {
			d = bytes.Clone(d)
			d[r.IntN(len(d))] = `{}[]",:0a \n`[r.IntN(12)]
			return d
		},
		func(r *rand.Rand, d []byte) []byte {
			i := r.IntN(len(d))
			return append(d[:i:i], append([]byte("\xe6\x8a"), d[i:]...)...)
		},
		func(r *rand.Rand, d []byte) []byte { return append([]byte("\uFEFF"), d...) },
		func(r *rand.Rand, d []byte) []byte { return append(bytes.Clone(d), " {}"...) },
		func(r *rand.Rand, d []byte) []byte {
			return bytes.Replace(d, []byte(`"id"`), []byte(`"id": "x", "id"`), 1+r.IntN(3))
		},
		func(r *rand.Rand, d []byte) []byte {
			return bytes.Replace(d, []byte(`"units": [`), []byte(`"units": null, "x": [`), 1)
		},
		func(r *rand.Rand, d []byte) []byte {
			return bytes.Replace(d, []byte(`"format": "allymatch.bundle/v1"`), []byte(`"format": "v0"`), 1)
		},
		func(r *rand.Rand, d []byte) []byte {
			return bytes.Replace(d, []byte(`"format": "allymatch.bundle/v1",`), []byte(`"grids": [], "grids": [],`), 1)
		},
		func(r *rand.Rand, d []byte) []byte {
			return bytes.Replace(d, []byte(`"quantity": `), []byte(`"quantity": 1.5, "q": `), 1+r.IntN(2))
		},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		d := text
		for range 1 + r.IntN(3) {
			d = edits[r.IntN(len(edits))](r, d)
		}
		b, err := bundle.DecodeJSON("fuzz.json", d)
		sameAsSlow(t, d, b, err)
	}
	b, err := bundle.DecodeJSON("fuzz.json", text)
	if err != nil || b.Len() == 0 {
		t.Fatalf("the sample: %v", err)
	}
	sameAsSlow(t, text, b, err)
}

var csvKinds = []bundle.CSVKind{bundle.CSVDemands, bundle.CSVResources, bundle.CSVItems, bundle.CSVProjects, bundle.CSVUnits}

func FuzzDecodeCSV(f *testing.F) {
	for i, name := range []string{"demands.csv", "resources.csv", "", "projects.csv"} {
		if name == "" {
			continue
		}
		// The header and three rows of the sample's list: small seeds keep
		// the fuzzer's minimisation fast.
		data, err := fs.ReadFile(fixtures.BananFS(), name)
		if err != nil {
			f.Fatal(err)
		}
		lines := bytes.SplitAfterN(data, []byte("\n"), 5)
		f.Add(uint8(i), bytes.Join(lines[:min(4, len(lines))], nil))
	}
	for _, s := range []struct {
		kind uint8
		text string
	}{
		{0, "id,unit,category,title,quantity,from,to,lat,lon\nD1,u1,escort,t,1,2026-12-01,2026-12-01,29,106\n"},
		{2, "编号,单位,类型,类别,名称,数量,可选,项目\nD1,u1,需求,护学,t,1,是,P1\nR1,u2,资源,志愿服务,t,2,,\n"},
		{4, "编号,单位名称,类型,党组织,网格,纬度,经度,所属联盟\nu1,学校,学校,是,g1,29.35,106.53,lh；st\n"},
		{3, "\uFEFFid,unit,name\nP1,u1,\"多\n行\"\n\n,,\n"},
		{0, "id,unit,category,title,quantity\n\"D1\"x,u1,escort,t,1\n"},
		{0, "id,unit,category,title,quantity\nD1,u1,escort,'=HYPERLINK(\"http://x\"),'-1\n"},
	} {
		f.Add(s.kind, []byte(s.text))
	}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		b, err := bundle.DecodeCSV("fuzz.csv", csvKinds[int(kind)%len(csvKinds)], data)
		if err != nil {
			checkDecodeError(t, b, err)
			return
		}
		checkDecoded(t, b)
	})
}

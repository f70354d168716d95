package web

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// placeLabels never lets two labels overlap, nor a label a point, and
// lists every point it could not label.
func TestPlaceLabels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	d := &mapData{W: 900, H: 640}
	for i := range 400 {
		d.Points = append(d.Points, mapPoint{X: 40 + rng.Float64()*820, Y: 40 + rng.Float64()*560, Name: fmt.Sprintf("龙华社区第%d单位", i)})
	}
	placeLabels(d)
	var boxes []box
	labelled := 0
	for _, p := range d.Points {
		if p.Label == "" {
			continue
		}
		labelled++
		w, h := labelWidth(p.Label), labelFont+2
		var b box
		switch p.Anchor {
		case "start":
			b = box{p.LabelX, p.LabelY - h + 2, p.LabelX + w, p.LabelY + 2}
		case "end":
			b = box{p.LabelX - w, p.LabelY - h + 2, p.LabelX, p.LabelY + 2}
		default:
			b = box{p.LabelX - w/2, p.LabelY - h + 2, p.LabelX + w/2, p.LabelY + 2}
		}
		for _, o := range boxes {
			if b.overlaps(o) {
				t.Fatalf("label %q overlaps another", p.Label)
			}
		}
		for _, q := range d.Points {
			if b.overlaps(box{q.X - 5, q.Y - 5, q.X + 5, q.Y + 5}) {
				t.Fatalf("label %q covers the point of %q", p.Label, q.Name)
			}
		}
		boxes = append(boxes, b)
	}
	if labelled+len(d.Listed) != len(d.Points) || labelled == 0 || len(d.Listed) == 0 {
		t.Errorf("%d labelled, %d listed, of %d points", labelled, len(d.Listed), len(d.Points))
	}
}

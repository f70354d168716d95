package jsonstrict_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/allymatch/allymatch/matcher/jsonstrict"
)

// benchText is a list of 10,000 item-like records with Chinese text.
func benchText() []byte {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := range 10000 {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"id":"D-%05d","unit":"u-%04d","kind":"demand","category":"escort","title":"晚自习放学护送学生回家","description":"龙洲湾中学晚自习21:30放学，需要志愿者每晚轮流护送学生回家","tags":["护学","晚自习","学生安全"],"quantity":6,"measure":"人/晚","windows":[{"from":"2026-12-01T18:00:00+08:00","to":"2027-01-20T21:00:00+08:00"}],"location":{"lat":29.3505,"lon":106.532},"radius_km":2,"priority":5,"status":"open","level":"community"}`, i, i%997)
	}
	b.WriteString("]}")
	return b.Bytes()
}

func BenchmarkCheck(b *testing.B) {
	data := benchText()
	b.Run("scanner", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if p := jsonstrict.Check(data); p != nil {
				b.Fatal(p)
			}
		}
	})
	b.Run("reference on Token", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if p := referenceCheck(data); p != nil {
				b.Fatal(p)
			}
		}
	})
}

package matcher

import (
	"encoding/json"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
)

// A point reads the same through encoding/json and json/v2 (the store
// decodes with the one, bundles are checked with the other), whether its
// text takes UnmarshalJSON's fast path or its fallback: names in another
// case or given twice as encoding/json reads them, and the errors naming
// lat, lon or the unknown key.
func TestGeoPointUnmarshal(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
		v1only        bool // json/v2 refuses a name twice before the method sees it
	}{
		{in: `{"lat": 29.5, "lon": 106.5}`, want: "29.5,106.5"},
		{in: ` {"lon":106.5 ,"lat":-29.5} `, want: "-29.5,106.5"},
		{in: `{"LAT": 1, "Lon": 2}`, want: "1,2"},
		{in: `{"lat": 1, "lat": 3, "lon": 2}`, want: "3,2", v1only: true},
		{in: `{"lat": 1}`, err: "lon: is required"},
		{in: `{"lat": null, "lon": 2}`, err: "lat: is required"},
		{in: `{"lat": "1", "lon": 2}`, err: "lat: must be a number, got string"},
		{in: `{"lat": 1, "lon": 2, "alt": 3}`, err: `alt: unknown field "alt"`},
	} {
		for _, dec := range []struct {
			name string
			fn   func([]byte, any) error
		}{
			{"encoding/json", json.Unmarshal},
			{"json/v2", func(b []byte, v any) error { return jsonv2.Unmarshal(b, v) }},
		} {
			if tc.v1only && dec.name != "encoding/json" {
				continue
			}
			var g struct{ P GeoPoint }
			err := dec.fn([]byte(`{"P": `+tc.in+`}`), &g)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("%s %s: %v, want an error with %q", dec.name, tc.in, err, tc.err)
				}
			case err != nil:
				t.Errorf("%s %s: %v", dec.name, tc.in, err)
			default:
				if got := strings.Join([]string{formatFloat(g.P.Lat), formatFloat(g.P.Lon)}, ","); got != tc.want {
					t.Errorf("%s %s: %s, want %s", dec.name, tc.in, got, tc.want)
				}
			}
		}
	}
}

func formatFloat(f float64) string { b, _ := json.Marshal(f); return string(b) }

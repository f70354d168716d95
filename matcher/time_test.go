package matcher_test

import (
	"testing"
	"time"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
)

func TestTimeRange(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := func(y int, m time.Month, d, h, min, s int) time.Time { return time.Date(y, m, d, h, min, s, 0, cst) }
	window := func(from, to time.Time) interface{ Validate() error } {
		it := fixtures.Item()
		it.Windows = []matcher.Window{{From: from, To: to}}
		return it
	}
	claim := func(created, updated time.Time) interface{ Validate() error } {
		c := fixtures.Claim()
		c.Created, c.Updated = created, updated
		return c
	}
	cases := []struct {
		name         string
		givenRecord  interface{ Validate() error }
		expectField  string // "" when valid
		expectDetail string
	}{
		{"first day", window(at(2000, 1, 1, 0, 0, 0), time.Time{}), "", ""},
		{"last day, exclusive end", window(at(2100, 12, 31, 8, 0, 0), at(2101, 1, 1, 0, 0, 0)), "", ""},
		{"before 2000", window(at(1999, 12, 31, 23, 59, 59), time.Time{}), "windows[0].from", "must be between 2000-01-01 and 2100-12-31, got 1999-12-31T23:59:59+08:00"},
		{"year zero", window(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}), "windows[0].from", "must be between 2000-01-01 and 2100-12-31, got 0000-01-01T00:00:00Z"},
		{"end past 2100", window(at(2026, 12, 1, 0, 0, 0), at(2101, 1, 1, 0, 0, 1)), "windows[0].to", "must be between 2000-01-01 and 2100-12-31, got 2101-01-01T00:00:01+08:00"},
		{"end in 9999", window(at(2026, 12, 1, 0, 0, 0), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)), "windows[0].to", "must be between 2000-01-01 and 2100-12-31, got 9999-12-31T23:59:59Z"},
		{"claim of unknown times", claim(time.Time{}, time.Time{}), "", ""},
		{"claim created in 1970", claim(time.Unix(0, 0).UTC(), fixtures.Epoch), "created", "must be between 2000-01-01 and 2100-12-31, got 1970-01-01T00:00:00Z"},
		{"claim updated before created", claim(fixtures.Epoch, fixtures.Epoch.Add(-time.Second)), "updated", "must not be before created"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.givenRecord.Validate()
			list := matcher.FieldErrors(err)
			if tc.expectField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if len(list) != 1 || list[0].Field != tc.expectField || list[0].Message != tc.expectDetail {
				t.Fatalf("Validate() = %v, want %s: %s", err, tc.expectField, tc.expectDetail)
			}
		})
	}
}

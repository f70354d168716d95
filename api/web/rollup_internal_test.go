package web

import (
	"strconv"
	"testing"

	"github.com/allymatch/allymatch/matcher/service"
)

// TestRollupMeetingRows: past rollupMeetingRows meetings the answers table
// keeps the roll-up's own meeting and those with the most overdue, then
// waiting answers, in the tree's order, and counts the others.
func TestRollupMeetingRows(t *testing.T) {
	r := &service.Rollup{}
	for i := range 50 {
		m := service.RollupMeeting{Alliance: "m" + strconv.Itoa(i), Depth: min(i, 1)}
		m.Answers.Waiting = i % 7
		if i >= 45 {
			m.Answers.Overdue = 1 // the last five: overdue
		}
		r.Meetings = append(r.Meetings, m)
	}
	d := rollupData{R: r}
	d.meetings()
	if len(d.Meetings) != rollupMeetingRows || d.MeetingsMore != 50-rollupMeetingRows {
		t.Fatalf("%d rows, %d more; want %d and %d", len(d.Meetings), d.MeetingsMore, rollupMeetingRows, 50-rollupMeetingRows)
	}
	if d.Meetings[0].Alliance != "m0" {
		t.Errorf("first row %s, want the roll-up's own m0", d.Meetings[0].Alliance)
	}
	kept := map[string]bool{}
	for i, m := range d.Meetings {
		kept[m.Alliance] = true
		if i > 0 {
			if a, _ := strconv.Atoi(d.Meetings[i-1].Alliance[1:]); a >= mustAtoi(m.Alliance[1:]) {
				t.Errorf("rows out of the tree's order: %s before %s", d.Meetings[i-1].Alliance, m.Alliance)
			}
		}
	}
	for i := 45; i < 50; i++ {
		if !kept["m"+strconv.Itoa(i)] {
			t.Errorf("overdue meeting m%d left out", i)
		}
	}
	for i := 1; i < 45; i++ {
		if i%7 == 0 && kept["m"+strconv.Itoa(i)] {
			t.Errorf("m%d, with nothing waiting, kept over meetings with answers waiting", i)
		}
	}
}

func mustAtoi(s string) int { n, _ := strconv.Atoi(s); return n }

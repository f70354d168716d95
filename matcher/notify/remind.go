package notify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// Reminders: claims that wait for an answer when their deadline nears
// (RemindBefore ahead), and again when it has passed, send one reminder
// per unit, meeting and deadline, however many claims wait. The claims
// are found through the index of waiting claims by deadline
// (index.Reader.ClaimsDueBy); each reminder sent is remembered in the
// reminders table, written in the same transaction as its note, so that a
// restart sends none twice. Moving the deadline makes new reminders.

// markKeep is how long a reminder's mark outlives its deadline.
const markKeep = 60 * 24 * time.Hour

// remindGroup is the claims of one reminder.
type remindGroup struct {
	mark   string
	kind   Kind
	line   Line
	claims []*matcher.Claim
}

// reminders returns the note of the reminders due at now, the marks to
// write with it, and the marks to forget (under mu).
func (n *Notifier) reminders(now time.Time) (*Note, []string, []string) {
	subs := n.subscriptions()
	if len(subs) == 0 {
		return nil, nil, nil
	}
	sn := n.st.Snapshot()
	nm := names{sn.Reader}
	groups := map[string]*remindGroup{}
	var order []string
	young := now.Add(-n.cfg.RemindBefore / 4)
	for c := range sn.ClaimsDueBy(now.Add(n.cfg.RemindBefore)) {
		if c.AnswerBy.IsZero() {
			continue
		}
		kind := Reminder
		if !now.Before(c.AnswerBy) {
			kind = Overdue
		} else if c.Created.After(young) {
			continue // just proposed: its own message said the deadline
		}
		for _, side := range c.WaitsFor() {
			unit := c.UnitOf(side)
			mark := fmt.Sprintf("%s|%s|%s|%d", kind, c.Meeting, unit, c.AnswerBy.UnixMilli())
			g := groups[mark]
			if g == nil {
				g = &remindGroup{mark: mark, kind: kind, line: Line{Kind: kind, Meeting: c.Meeting, MeetingName: nm.meeting(c.Meeting),
					Unit: unit, UnitName: nm.unit(unit), AnswerBy: c.AnswerBy}}
				groups[mark] = g
				order = append(order, mark)
			}
			g.line.Count++
			g.claims = append(g.claims, c)
		}
	}
	var forget []string
	err := n.st.SideView(func(sd *store.Side) error {
		order = slices.DeleteFunc(order, func(mark string) bool {
			_, seen, err := sd.Get(store.SideReminders, []byte(mark))
			return err != nil || seen
		})
		return sd.Scan(store.SideReminders, nil, func(k, _ []byte) (bool, error) {
			i := strings.LastIndexByte(string(k), '|')
			ms, err := strconv.ParseInt(string(k[i+1:]), 10, 64)
			if i < 0 || err != nil || time.UnixMilli(ms).Add(markKeep).Before(now) {
				forget = append(forget, string(k))
			}
			return true, nil
		})
	})
	if err != nil {
		n.cfg.Log.Error("notify: reading the reminders sent", "err", err)
		return nil, nil, nil
	}
	if len(order) == 0 {
		return nil, nil, forget
	}
	slices.Sort(order)
	note := &Note{Time: now.UTC(), Action: "reminder"}
	var about []subject
	for _, mark := range order {
		g := groups[mark]
		note.Lines = append(note.Lines, g.line)
		about = append(about, subject{claims: g.claims})
	}
	note.To = fanOut(sn.Reader, nil, subs, note.Lines, about)
	// Marked even when nobody is told: a subscription made later is not
	// told of deadlines already reminded of.
	if len(note.To) == 0 {
		note = nil
	}
	return note, order, forget
}

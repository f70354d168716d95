package index

import (
	"encoding/binary"
	"fmt"
	"iter"
	"time"

	"github.com/allymatch/allymatch/matcher"
)

// The claim indexes of the meeting's loose ends: who has not answered
// (IndexWaitingFor), which answers are due (IndexAnswerBy), and which
// proposal run a meeting last stored (IndexMeetingRun). A claim's status
// and answers change by a new version of it, so an index entry never
// outlives what it says.

// waitingForIndexer indexes a proposed claim under the unit of each side
// it waits for (matcher.Claim.WaitsFor); other claims are missing.
type waitingForIndexer struct{}

func (waitingForIndexer) FromObject(obj any) (bool, [][]byte, error) {
	c, ok := obj.(*matcher.Claim)
	if !ok {
		return false, nil, fmt.Errorf("index: waiting-for indexer got %T", obj)
	}
	sides := c.WaitsFor()
	if len(sides) == 0 {
		return false, nil, nil
	}
	keys := make([][]byte, len(sides))
	for i, s := range sides {
		keys[i] = append([]byte(c.UnitOf(s)), 0)
	}
	return true, keys, nil
}

func (waitingForIndexer) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("index: the waiting-for index takes one unit id, got %d args", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("index: the waiting-for index takes a string, got %T", args[0])
	}
	return append([]byte(s), 0), nil
}

// timeKey is t as 8 big-endian bytes of Unix milliseconds (0 before
// 1970), so that keys sort as times do.
func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(max(0, t.UnixMilli())))
}

// answerByIndexer indexes a proposed claim that has a deadline by its
// deadline; other claims are missing.
type answerByIndexer struct{}

func (answerByIndexer) FromObject(obj any) (bool, []byte, error) {
	c, ok := obj.(*matcher.Claim)
	if !ok {
		return false, nil, fmt.Errorf("index: answer-by indexer got %T", obj)
	}
	if c.Status != matcher.ClaimProposed || c.AnswerBy.IsZero() {
		return false, nil, nil
	}
	return true, timeKey(c.AnswerBy), nil
}

func (answerByIndexer) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("index: the answer-by index takes one time, got %d args", len(args))
	}
	t, ok := args[0].(time.Time)
	if !ok {
		return nil, fmt.Errorf("index: the answer-by index takes a time.Time, got %T", args[0])
	}
	return timeKey(t), nil
}

// meetingRunIndexer indexes a solver's claim by (meeting, run), the run
// (the later of Run and Seen: matcher.Claim.LastRun) as 8 big-endian
// bytes so that a meeting's claims sort by run; claims by hand and claims
// without a meeting are missing. Its prefix form takes the meeting alone.
type meetingRunIndexer struct{}

func (meetingRunIndexer) FromObject(obj any) (bool, []byte, error) {
	c, ok := obj.(*matcher.Claim)
	if !ok {
		return false, nil, fmt.Errorf("index: meeting-run indexer got %T", obj)
	}
	if c.Meeting == "" || c.Run == 0 {
		return false, nil, nil
	}
	return true, binary.BigEndian.AppendUint64(append([]byte(c.Meeting), 0), c.LastRun()), nil
}

func (x meetingRunIndexer) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("index: the meeting-run index takes a meeting and a run, got %d args", len(args))
	}
	run, ok := args[1].(uint64)
	if !ok {
		return nil, fmt.Errorf("index: a run is a uint64, got %T", args[1])
	}
	b, err := x.PrefixFromArgs(args[0])
	if err != nil {
		return nil, err
	}
	return binary.BigEndian.AppendUint64(b, run), nil
}

func (meetingRunIndexer) PrefixFromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("index: the meeting-run prefix takes one meeting, got %d args", len(args))
	}
	m, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("index: a meeting is a string, got %T", args[0])
	}
	return append([]byte(m), 0), nil
}

// ClaimsWaitingFor walks the proposed claims that wait for unit's answer
// (unit is on a side that has not accepted them), in id order.
func (r Reader) ClaimsWaitingFor(unit string) iter.Seq[*matcher.Claim] {
	return get[matcher.Claim](r, TableClaims, IndexWaitingFor, unit)
}

// ClaimsDueBy walks the proposed claims whose answer deadline is at or
// before t (Unix milliseconds), earliest deadline first: ClaimsDueBy(now)
// are the overdue ones, ClaimsDueBy(now+24h) those to remind of a day
// ahead.
func (r Reader) ClaimsDueBy(t time.Time) iter.Seq[*matcher.Claim] {
	limit := t.UnixMilli()
	return func(yield func(*matcher.Claim) bool) {
		for c := range get[matcher.Claim](r, TableClaims, IndexAnswerBy) {
			if c.AnswerBy.UnixMilli() > limit || !yield(c) {
				return
			}
		}
	}
}

// LastRun returns the store index of the last proposal run that stored a
// claim for meeting or marked one seen (matcher.Claim.Seen), 0 if none did
// (a run that proposes nothing and replaces nothing stores nothing).
func (r Reader) LastRun(meeting string) uint64 {
	r.noteStr(TableClaims, IndexMeetingRun+"_prefix", meeting)
	raw, err := r.txn.Last(TableClaims, IndexMeetingRun+"_prefix", meeting)
	if err != nil {
		panic("index: " + err.Error()) // schema and argument bugs only
	}
	if raw == nil {
		return 0
	}
	return raw.(*matcher.Claim).LastRun()
}

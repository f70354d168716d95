package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// The live stream: the audit events a caller may see, as Server-Sent
// Events (the WHATWG HTML standard's text/event-stream), for GET
// /v1/events/stream and the desk's meeting page. Each event's id is its
// store index, so that a client that reconnects with Last-Event-ID (the
// browser's EventSource does it by itself) gets what it missed and
// nothing twice.

// StreamOptions configure one stream.
type StreamOptions struct {
	// Since is the index after which events are sent (Last-Event-ID).
	Since uint64
	// Keep says which events the caller may see, read on the state when
	// they are sent.
	Keep func(r index.Reader, ev *matcher.Event) bool
	// Alive reports whether the caller's login still holds; the stream
	// ends when it does not (checked at every wake).
	Alive func() bool
	// Done ends the stream (the server shuts down).
	Done <-chan struct{}
	// KeepAlive is how often a comment keeps idle connections open
	// (default 15s).
	KeepAlive time.Duration
}

// SinceOf reads where a stream resumes: the Last-Event-ID header, else
// the since query parameter, else now (the store's index).
func SinceOf(r *http.Request, st *store.Store) (uint64, error) {
	v := r.Header.Get("Last-Event-ID")
	field := "Last-Event-ID"
	if v == "" {
		v, field = r.URL.Query().Get("since"), "since"
	}
	if v == "" {
		return st.Seq(), nil
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, matcher.FieldError(field, "must be an event seq (a whole number), got %q", v)
	}
	return n, nil
}

// streamPage bounds the events read at a time.
const streamPage = 500

// Stream writes the events of st after o.Since to w until ctx or o.Done
// ends, or the caller's login does not hold any more. The server's write
// timeout does not apply to it.
func Stream(ctx context.Context, st *store.Store, w http.ResponseWriter, o StreamOptions) error {
	if o.KeepAlive <= 0 {
		o.KeepAlive = 15 * time.Second
	}
	rc := http.NewResponseController(w)
	// The server's write timeout is for answers, not streams (net/http
	// clears the read deadline itself once the request is read). Best
	// effort: a recorder has none.
	rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 3000\n: allymatch events\n\n"); err != nil {
		return nil
	}
	rc.Flush()
	since := o.Since
	tick := time.NewTicker(o.KeepAlive)
	defer tick.Stop()
	for {
		changed := st.Changed()
		if o.Alive != nil && !o.Alive() {
			return nil
		}
		for {
			upto := st.Seq()
			sn := st.Snapshot()
			evs, err := st.Events(since, streamPage, func(ev *matcher.Event) bool { return o.Keep == nil || o.Keep(sn.Reader, ev) })
			if err != nil {
				return err
			}
			for i := range evs {
				data, err := json.Marshal(&evs[i])
				if err != nil {
					return err
				}
				if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", evs[i].Seq, data); err != nil {
					return nil // the client went away
				}
				since = evs[i].Seq
			}
			if len(evs) < streamPage {
				since = max(since, upto) // everything up to upto was read
				break
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-o.Done:
			return nil
		case <-changed:
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		}
	}
}

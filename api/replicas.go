package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
)

// Several replicas may serve one PostgreSQL database behind a load
// balancer, each with its own index that follows the others' writes
// within moments. Every answer says the store sequence its replica had
// reached (SeqHeader), and any request may ask for min_seq: it waits, at
// most minSeqWait, until its replica has reached it (read-your-writes: a
// client sends the seq of its last write's answer).

// SeqHeader is the answer header carrying the store sequence that the
// replica had reached when it answered.
const SeqHeader = "X-Allymatch-Seq"

// minSeqWait bounds the wait of a request for min_seq.
const minSeqWait = 2 * time.Second

func (s *Server) seqMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		st := s.store.Load()
		if st == nil {
			return next(c)
		}
		res := c.Response()
		res.Before(func() { res.Header().Set(SeqHeader, strconv.FormatUint(st.Seq(), 10)) })
		raw := c.QueryParam("min_seq")
		if raw == "" {
			return next(c)
		}
		want, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			return &matcher.Error{Code: matcher.EINVALID, Field: "min_seq", Message: "min_seq must be a store sequence (a whole number from 0)"}
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), minSeqWait)
		defer cancel()
		if err := st.WaitSeq(ctx, want); err != nil {
			if errors.Is(err, context.DeadlineExceeded) && c.Request().Context().Err() == nil {
				res.Header().Set("Retry-After", "1")
				return &echo.HTTPError{Code: http.StatusServiceUnavailable,
					Message: "this replica is at seq " + strconv.FormatUint(st.Seq(), 10) + ", behind min_seq " + raw + "; try again"}
			}
			return err
		}
		return next(c)
	}
}

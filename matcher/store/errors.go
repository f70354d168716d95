package store

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrorKind says why Open refused a data folder, so that a caller can give
// the advice that fits (cmd does).
type ErrorKind int

const (
	// KindIO is any other failure of the file system (disk full, I/O
	// error).
	KindIO ErrorKind = iota
	// KindPermission: the process may not read or write a path (named by
	// OpenError.Path).
	KindPermission
	// KindReadOnly: the path is on a file system mounted read-only.
	KindReadOnly
	// KindInUse: another process holds the file's lock.
	KindInUse
	// KindDamaged: the file is not a complete, intact allymatch store (cut
	// short, a damaged page or record, a missing table, version or
	// sequence).
	KindDamaged
	// KindNewer: the file has a layout version this allymatch does not
	// know, written by a newer one.
	KindNewer
	// KindNotStore: the folder holds other files but no allymatch.db, so
	// it is not taken for a new install.
	KindNotStore
	// KindMissing: no store exists and Options.NoCreate was set.
	KindMissing
	// KindUnreachable: the PostgreSQL database cannot be reached or
	// read (a bad URL, the server down, a refused login or permission).
	KindUnreachable
)

var kindNames = map[ErrorKind]string{
	KindIO:          "I/O error",
	KindPermission:  "permission denied",
	KindReadOnly:    "read-only file system",
	KindInUse:       "in use by another process",
	KindDamaged:     "damaged",
	KindNewer:       "written by a newer allymatch",
	KindNotStore:    "not a store folder",
	KindMissing:     "no store",
	KindUnreachable: "cannot use the database",
}

func (k ErrorKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// OpenError is a refused Open. Nothing was written to Path: a refused start
// leaves the file and the folder as they were (a new install's temporary
// file aside, which is removed).
type OpenError struct {
	Path string    // the file or folder concerned
	Kind ErrorKind // why, for the advice
	Msg  string    // what is wrong, in words, e.g. "the tables claims, events are missing"
	Err  error     // the underlying error, if any
	// quiet leaves Err out of the message when the kind says it all
	// ("permission denied").
	quiet bool
}

func (e *OpenError) Error() string {
	s := "store: " + e.Path + ": " + e.Kind.String()
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil && !e.quiet {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *OpenError) Unwrap() error { return e.Err }

// damaged returns a KindDamaged error about path.
func damaged(path, format string, args ...any) *OpenError {
	return &OpenError{Path: path, Kind: KindDamaged, Msg: fmt.Sprintf(format, args...)}
}

// osError classifies a failure of the file system while doing what (e.g.
// "cannot open it for reading and writing") on path. An error that is
// already an OpenError is returned as it is.
func osError(path, what string, err error) *OpenError {
	var oe *OpenError
	if errors.As(err, &oe) {
		return oe
	}
	e := &OpenError{Path: path, Kind: KindIO, Msg: what, Err: err, quiet: true}
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		e.Kind = KindInUse
	case errors.Is(err, fs.ErrPermission):
		e.Kind = KindPermission
	case errors.Is(err, syscall.EROFS):
		e.Kind = KindReadOnly
	default:
		// The path is in the message already.
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			e.Msg += " (" + pe.Op + ": " + pe.Err.Error() + ")"
		} else {
			e.quiet = false
		}
	}
	return e
}

package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/allymatch/allymatch/matcher/store"
)

func init() {
	register(command{name: "migrate", summary: "copy a store whole between a folder and a PostgreSQL database (either way)", run: runMigrate})
}

func runMigrate(ctx context.Context, std Stdio, args []string) error {
	fs := newFlagSet("migrate", "--from DIR|URL --to DIR|URL\n\nCopies the store at --from whole (every record, event, category and login,\nthe sequence) into a new store at --to: a missing or empty folder, or an\nempty PostgreSQL database (postgres://USER:PASSWORD@HOST:PORT/DB). Either\nside may be a folder or a database. The copy is written in one transaction\n(a failed copy leaves no store behind), then opened as at any start (every\nvalue, record and invariant checked) and its counts compared with the\nsource's. Stop the servers of the source first: writes made during the\ncopy are not in it.", std)
	from := fs.String("from", "", "the store to copy: a data folder or a PostgreSQL URL")
	to := fs.String("to", "", "where to copy it: a missing or empty folder, or an empty PostgreSQL database")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	switch {
	case *from == "":
		return usageErrorf("--from: missing (a data folder or a PostgreSQL URL)")
	case *to == "":
		return usageErrorf("--to: missing (a missing or empty folder, or an empty PostgreSQL database)")
	case *from == *to:
		return usageErrorf("--from and --to name the same store")
	}
	start := time.Now()
	src, dst := storeAt(*from), storeAt(*to)
	src.Logger, dst.Logger = logger(std), logger(std)
	st, err := store.Copy(ctx, src, dst)
	if err != nil {
		if a := openAdvice(err); a != "" {
			err = fmt.Errorf("%w\n%s", err, a)
		}
		return err
	}
	fmt.Fprintf(std.Out, "copied %s to %s in %.2fs, checked: %s\n", place(src), place(dst), time.Since(start).Seconds(), st)
	return nil
}

// place names the store of o in messages (a URL without its password).
func place(o store.Options) string {
	if o.URL != "" {
		return store.Redact(o.URL)
	}
	return o.Dir
}

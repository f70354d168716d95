package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/store"
)

func init() {
	register(command{name: "load", summary: "validate a bundle file or folder and store it (all or nothing)", run: runLoad})
}

func runLoad(ctx context.Context, std Stdio, args []string) error {
	fs := newFlagSet("load", "[--data DIR|URL] PATH\n\nPATH is a bundle .json, a list .csv, or a folder of them. Every record is\nvalidated before anything is stored; on any problem nothing is stored and\nevery problem is listed as file:line: record: field: message.", std)
	data := new(string)
	storeFlags(fs, data, "./data", "data folder holding the store, or a PostgreSQL URL (postgres://…)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("want one PATH, got %d arguments", fs.NArg())
	}
	path := fs.Arg(0)
	start := time.Now()
	b, err := bundle.ReadPath(path)
	if err != nil {
		return err
	}
	// Into a new store, the import runs before the new file takes its
	// name: a refused bundle leaves no store behind.
	var ev matcher.Event
	var importErr error
	opts := storeAt(*data)
	opts.Logger = logger(std)
	opts.OnCreate = func(ctx context.Context, st *store.Store) error {
		ev, importErr = st.Import(ctx, b, "cli")
		return importErr
	}
	st, stats, err := openStore(ctx, opts)
	if importErr != nil {
		return fmt.Errorf("%s: refused, nothing stored: %w", path, importErr)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	if !stats.Created {
		if ev, err = st.Import(ctx, b, "cli"); err != nil {
			return fmt.Errorf("%s: refused, nothing stored: %w", path, err)
		}
	}
	fmt.Fprintf(std.Out, "loaded %s into %s: %d records (%d grids, %d alliances, %d units, %d projects, %d items, %d claims) as change %d in %.2fs\n",
		path, st.Path(), ev.Count, len(b.Grids), len(b.Alliances), len(b.Units), len(b.Projects), len(b.Items), len(b.Claims), ev.Seq, time.Since(start).Seconds())
	return nil
}

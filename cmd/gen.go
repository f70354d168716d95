package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/allymatch/allymatch/fixtures/gen"
)

func init() {
	register(command{
		name:    "gen",
		summary: "generate deterministic district-scale data (a bundle folder)",
		run:     runGen,
	})
}

// runGen writes a generated data set: allymatch gen --units N --seed S --out DIR.
func runGen(ctx context.Context, std Stdio, args []string) error {
	fs := newFlagSet("gen", "[--units N] [--seed S] [--out DIR] [--force]", std)
	units := fs.Int("units", gen.DefaultUnits, "member units; grids, alliances, items and projects scale with it")
	seed := fs.Int64("seed", 1, "random seed: the same units and seed give the same bytes")
	out := fs.String("out", "gen-data", "folder to write bundle.json, items.json and README.md into")
	force := fs.Bool("force", false, "write into a folder that is not empty (replacing the generated files there)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageErrorf("--out must name a folder")
	}
	others, err := otherEntries(*out)
	if err != nil {
		return err
	}
	if (len(others) > 0 || hasGenerated(*out)) && !*force {
		return fmt.Errorf("%s is not empty; use --force to write into it anyway", *out)
	}
	if len(others) > 0 {
		fmt.Fprintf(std.Err, "allymatch gen: note: %s also holds %q; a reader of the folder reads its .json and .csv files too\n", *out, others)
	}

	start := time.Now()
	progress, finish := progressBar(std.Err)
	st, err := gen.Write(ctx, *out, gen.Config{Units: *units, Seed: *seed}, progress)
	finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(std.Out, "gen: %d units, %d grids, %d alliances, %d items (%d demands, %d resources), %d projects: %.1f MB in %s (%.1f s)\n",
		st.Units, st.Grids, st.Alliances, st.Items, st.Demands, st.Resources, st.Projects,
		float64(st.Bytes)/1e6, *out, time.Since(start).Seconds())
	return nil
}

// otherEntries lists what dir holds besides the files gen writes. A missing
// dir holds nothing.
func otherEntries(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		switch e.Name() {
		case gen.BundleFile, gen.ItemsFile, gen.ReadmeFile:
		default:
			out = append(out, e.Name())
		}
	}
	return out, nil
}

func hasGenerated(dir string) bool {
	for _, name := range []string{gen.BundleFile, gen.ItemsFile, gen.ReadmeFile} {
		if _, err := os.Stat(dir + string(os.PathSeparator) + name); err == nil {
			return true
		}
	}
	return false
}

// progressBar returns a progress callback drawing a bar on w when w is a
// terminal, and a function that ends the bar. Elsewhere both do nothing.
func progressBar(w io.Writer) (func(done, total int), func()) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	var bar *progressbar.ProgressBar
	progress := func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(f),
				progressbar.OptionSetDescription("units"),
				progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
		}
		bar.Set(done)
	}
	finish := func() {
		if bar != nil {
			bar.Finish()
		}
	}
	return progress, finish
}

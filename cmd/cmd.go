// Package cmd holds the subcommands of the allymatch binary. main.go only
// wires signals and the exit code; everything else is here so that tests can
// run a subcommand in-process.
package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Stdio is the set of streams a subcommand reads and writes.
type Stdio struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// command is one subcommand of the binary.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, io Stdio, args []string) error
}

// commands lists every subcommand; each file of this package registers its
// own in an init function so that the list stays in one place per command.
var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("cmd: duplicate command " + c.name)
	}
	commands[c.name] = c
}

// errUsage marks an error that is the user's: it is printed with a hint to
// run --help and exits with status 2.
var errUsage = errors.New("usage")

func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

// Main runs the subcommand named by args[0] and returns the process exit
// status: 0 on success, 1 on failure, 2 on a usage error.
func Main(ctx context.Context, args []string, std Stdio) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printHelp(std.Out)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(std.Err, "allymatch: unknown command %q\n\n", args[0])
		printHelp(std.Err)
		return 2
	}
	err := c.run(ctx, std, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(std.Err, "allymatch %s: %v\n(run \"allymatch %s --help\")\n", c.name, err, c.name)
		return 2
	default:
		fmt.Fprintf(std.Err, "allymatch %s: %v\n", c.name, err)
		return 1
	}
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "allymatch matches the demands, resources and projects of 1+X community alliances.")
	fmt.Fprintln(w, "\nUsage: allymatch COMMAND [FLAGS] [ARGS]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"allymatch COMMAND --help\" for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its usage to std.Err.
func newFlagSet(name, usage string, std Stdio) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(std.Err)
	fs.Usage = func() {
		fmt.Fprintf(std.Err, "Usage: allymatch %s %s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns a flag error into a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %s", errUsage, strings.TrimSpace(err.Error()))
	}
	return nil
}

// printJSON writes v to w as the commands' --json print it: indented by
// two spaces, with <, > and & as they are.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// parseNoArgs is parseFlags for a command of flags only: an argument
// that is not a flag is a usage error.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara/internal/screen"
)

// maxScreenBytes bounds the text the command screens.
const maxScreenBytes = 1 << 20

// screenCmd screens FILE, or stdin without FILE, and prints the result as
// JSON in the shape of POST /api/v1/screen. It suggests; a person assesses.
func screenCmd(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("kasuhara screen", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "Usage: kasuhara screen [FILE]\n\nScreens text (FILE, or standard input) for customer harassment and prints\nthe labels as JSON, the same shape as POST /api/v1/screen. At most 1 MiB of UTF-8.")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("screen: %v", err)
	}
	if fs.NArg() > 1 {
		return usagef("screen: unexpected argument %q (give at most one FILE)", fs.Arg(1))
	}
	in, name := e.stdin, "standard input"
	if fs.NArg() == 1 {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("screen: %w", err)
		}
		defer f.Close()
		in, name = f, fs.Arg(0)
	}
	if in == nil {
		return usagef("screen: no FILE given and no standard input")
	}
	b, err := io.ReadAll(io.LimitReader(in, maxScreenBytes+1))
	if err != nil {
		return fmt.Errorf("screen: reading %s: %w", name, err)
	}
	if len(b) > maxScreenBytes {
		return fmt.Errorf("screen: %s is larger than 1 MiB; split the text and screen each part", name)
	}
	if !utf8.Valid(b) {
		return fmt.Errorf("screen: %s is not UTF-8 text; convert it first (for example: iconv -f SHIFT_JIS -t UTF-8)", name)
	}
	res := screen.Default().Screen(string(b))
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/ledger"
	"github.com/kasuhara/kasuhara/internal/store"
)

// listFlag collects a repeated flag (--map field=Column).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// importCmd is "kasuhara import cases FILE": the organisation's old ledger
// (XLSX or CSV) into cases, checked row by row first; with --dry-run only
// checked. The columns are mapped by --mapping NAME (saved on the import
// page), by --map field=Column, or guessed from the header.
func importCmd(ctx context.Context, e env, args []string) error {
	const usage = "import: usage: kasuhara import cases FILE [--org SLUG] [--mapping NAME] [--map field=Column]... [--value word=category]... [--year YYYY] [--dry-run]"
	if len(args) == 0 || args[0] != "cases" {
		return usagef(usage)
	}
	var orgSlug, mappingName string
	var year int
	var dryRun bool
	var maps, values listFlag
	cfg, fs, err := parseFlags(e, "import cases", config.Storage, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&orgSlug, "org", "", "organisation slug (may be left out when there is only one organisation)")
		fs.StringVar(&mappingName, "mapping", "", "a column mapping saved on the import page")
		fs.Var(&maps, "map", "field=Column: the column of a field (repeatable); fields: "+strings.Join(kasuhara.ImportFields, ", "))
		fs.Var(&values, "value", "word=category: what a word of the kinds-of-conduct column means (a category, a subtype or consultation; repeatable)")
		fs.IntVar(&year, "year", 0, "the year of dates written without one (5月1日)")
		fs.BoolVar(&dryRun, "dry-run", false, "check every row and print what would be imported; import nothing")
	}, true)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef(usage)
	}
	// The flags may follow the file, as people write them.
	path := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil || fs.NArg() != 0 {
		return usagef(usage)
	}
	if err := cfg.Validate(); err != nil {
		return usagef("import cases: %v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import cases: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, kasuhara.MaxLedgerBytes+1))
	f.Close()
	if err != nil {
		return fmt.Errorf("import cases: reading %s: %w", path, err)
	}
	l, err := ledger.Read(data)
	if err != nil {
		return cliError("import cases", err)
	}
	sum := sha256.Sum256(data)
	return withStore(ctx, cfg, false, func(st *store.Store) error {
		org, err := pickOrg(ctx, st, orgSlug)
		if err != nil {
			return err
		}
		m := ledger.Guess(l.Headers)
		if mappingName != "" {
			saved, err := st.ImportMappings(ctx, kasuhara.CLIActor, org.ID)
			if err != nil {
				return cliError("import cases", err)
			}
			i := slices.IndexFunc(saved, func(n kasuhara.NamedMapping) bool { return n.Name == mappingName })
			if i < 0 {
				return usagef("import cases: no mapping named %q in %s", mappingName, org.Slug)
			}
			m = saved[i].Mapping
		}
		if m.Values == nil {
			m.Values = map[string]string{}
		}
		for _, kv := range maps {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return usagef("import cases: --map %q: write field=Column", kv)
			}
			m.Columns[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		for _, kv := range values {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return usagef("import cases: --value %q: write word=category", kv)
			}
			m.Values[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		in := kasuhara.CaseImportInput{FileName: filepath.Base(path), SHA256: hex.EncodeToString(sum[:]), Ledger: l, Mapping: m, Year: year}
		res, err := st.ImportCases(ctx, kasuhara.CLIActor, org.ID, in, dryRun)
		if err != nil {
			return cliError("import cases", err)
		}
		fmt.Fprintf(e.stdout, "%s: %d rows, SHA-256 %s\n", filepath.Base(path), len(l.Rows), in.SHA256)
		fields := make([]string, 0, len(m.Columns))
		for k := range m.Columns {
			fields = append(fields, k)
		}
		sort.Strings(fields)
		for _, k := range fields {
			fmt.Fprintf(e.stdout, "  %-20s ← %s\n", k, m.Columns[k])
		}
		for _, line := range res.Lines {
			if len(line.Problems) == 0 {
				continue
			}
			keys := make([]string, 0, len(line.Problems))
			for k := range line.Problems {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				col := m.Columns[k]
				if col == "" {
					col = k
				}
				fmt.Fprintf(e.stdout, "row %d, column %s: %s\n", line.Row, col, line.Problems[k])
			}
		}
		words := make([]string, 0, len(res.Unmatched))
		for w := range res.Unmatched {
			words = append(words, w)
		}
		sort.Strings(words)
		for _, w := range words {
			fmt.Fprintf(e.stdout, "unmatched kind of conduct %q (rows %v): give --value %s=CATEGORY\n", w, res.Unmatched[w], w)
		}
		switch {
		case res.Imported:
			fmt.Fprintf(e.stdout, "Imported %d cases (%s … %s), marked imported.\n", len(res.Refs), res.Refs[0], res.Refs[len(res.Refs)-1])
		case res.Problems > 0:
			return fmt.Errorf("import cases: %d of %d rows have problems; nothing was imported", res.Problems, len(res.Lines))
		default:
			fmt.Fprintf(e.stdout, "Dry run: %d cases would be imported; nothing was imported.\n", len(res.Lines))
		}
		return nil
	})
}

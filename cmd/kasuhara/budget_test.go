package main

import (
	"flag"
	"io"
	"testing"

	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/web"
)

// The operator's --anonymous-budget defaults to the server's own default,
// so that leaving it unset changes nothing.
func TestAnonymousBudgetDefault(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := config.Register(fs, config.Storage|config.Server, func(string) string { return "" })
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.AnonymousBudget != web.DefaultAnonymousBudget {
		t.Errorf("--anonymous-budget defaults to %d, the server to %d", cfg.AnonymousBudget, web.DefaultAnonymousBudget)
	}
}

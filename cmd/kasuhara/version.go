package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// versionString is set at build time: go build -ldflags "-X main.versionString=v1.2.3".
var versionString = "dev"

func buildVersion() string {
	if versionString != "dev" {
		return versionString
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return versionString
}

func version(ctx context.Context, e env, args []string) error {
	fmt.Fprintf(e.stdout, "kasuhara %s (%s, %s/%s)\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.time" || s.Key == "CGO_ENABLED" {
				fmt.Fprintf(e.stdout, "%s=%s\n", s.Key, s.Value)
			}
		}
	}
	return nil
}

// Command kasuhara-healthcheck is the container image's health check: the
// distroless image has no shell or curl. It asks the server's /readyz (at
// KASUHARA_ADDR, default 127.0.0.1:8080; a wildcard host means loopback)
// and exits 0 when the server and its database answer, 1 otherwise.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	if err := check(os.Getenv("KASUHARA_ADDR")); err != nil {
		fmt.Fprintln(os.Stderr, "kasuhara-healthcheck:", err)
		os.Exit(1)
	}
}

func check(addr string) error {
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("KASUHARA_ADDR=%q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Get("http://" + net.JoinHostPort(host, port) + "/readyz")
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz answered %s", res.Status)
	}
	return nil
}

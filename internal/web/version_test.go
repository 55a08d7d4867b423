package web_test

import (
	"encoding/json"
	"testing"

	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// The API document names the release that serves it, and stays valid JSON.
func TestOpenAPICarriesTheVersion(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	r := e.client().get("/api/v1/openapi.json")
	var doc struct {
		Info map[string]string `json:"info"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Info["x-kasuhara-version"]; got != "test" {
		t.Fatalf("info.x-kasuhara-version = %q, want the server's version %q", got, "test")
	}
	if doc.Info["version"] != "1" {
		t.Fatalf("info.version = %q, want the API's version 1", doc.Info["version"])
	}
}

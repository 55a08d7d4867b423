package config

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, args []string, env map[string]string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := Register(fs, Storage|Server, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return c, c.Validate()
}

func TestDefaults(t *testing.T) {
	c, err := parse(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.Data != "./kasuhara-data" || c.Database != "" || c.BaseURL != "http://127.0.0.1:8080" ||
		c.SessionIdle != 30*time.Minute || c.SessionLifetime != 12*time.Hour {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	env := map[string]string{"KASUHARA_ADDR": "0.0.0.0:9000", "KASUHARA_DATA": "/srv/k", "KASUHARA_SESSION_IDLE": "10m",
		"KASUHARA_DATABASE": "postgres://db/k", "KASUHARA_BASE_URL": "https://k.example.jp/"}
	c, err := parse(t, []string{"--addr", "127.0.0.1:7000"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" || c.Data != "/srv/k" || c.SessionIdle != 10*time.Minute || c.Database != "postgres://db/k" || c.BaseURL != "https://k.example.jp" {
		t.Fatalf("got %+v", c)
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--addr", "nonsense"}, nil, "--addr"},
		{[]string{"--database", "mysql://x"}, nil, "--database"},
		{[]string{"--base-url", "ftp://x"}, nil, "--base-url"},
		{[]string{"--smtp", "smtp://mail:25"}, nil, "--mail-from"},
		{[]string{"--log-level", "loud"}, nil, "--log-level"},
		{nil, map[string]string{"KASUHARA_SESSION_IDLE": "soon"}, "KASUHARA_SESSION_IDLE"},
		{[]string{"--session-idle", "24h"}, nil, "--session-idle"},
		{[]string{"--webhook-allow", "10.0.0.0/8,intranet"}, nil, "--webhook-allow"},
		{nil, map[string]string{"KASUHARA_WEBHOOK_ALLOW": "10.0.0.0/33"}, "--webhook-allow"},
		{[]string{"--audit-anchor-mail", "audit@example.jp"}, nil, "--audit-anchor-mail: needs --smtp"},
		{[]string{"--audit-anchor-mail", "audit@example.jp, not an address", "--smtp", "smtp://mail:25", "--mail-from", "k@example.jp"}, nil, "not an e-mail address"},
		{[]string{"--audit-anchor-webhook", "ftp://x"}, nil, "--audit-anchor-webhook"},
		{[]string{"--blob", "s3://"}, nil, "--blob"},
		{[]string{"--blob", "gs://bucket"}, nil, "--blob"},
		{[]string{"--blob", "s3://b/p", "--s3-endpoint", "s3.example.jp"}, nil, "--s3-endpoint"},
		{[]string{"--blob", "s3://b/p"}, map[string]string{"AWS_ACCESS_KEY_ID": "AK"}, "AWS_SECRET_ACCESS_KEY"},
	}
	for _, tt := range tests {
		_, err := parse(t, tt.args, tt.env)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %v: got %v, want an error naming %s", tt.args, tt.env, err, tt.want)
		}
	}
}

func TestBlobS3(t *testing.T) {
	env := map[string]string{"KASUHARA_BLOB": "s3://evidence/kasuhara", "KASUHARA_S3_ENDPOINT": "https://s3.example.jp:9000",
		"KASUHARA_S3_REGION": "ap-northeast-1", "KASUHARA_S3_PATH_STYLE": "true", "AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK"}
	c, err := parse(t, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Blob != "s3://evidence/kasuhara" || c.S3Endpoint != "https://s3.example.jp:9000" || c.S3Region != "ap-northeast-1" ||
		!c.S3PathStyle || c.S3AccessKey != "AK" || c.S3SecretKey != "SK" {
		t.Fatalf("got %+v", c)
	}
	// The flag wins over the environment; a directory is accepted.
	c, err = parse(t, []string{"--blob", "/srv/evidence", "--s3-path-style=false"}, env)
	if err != nil || c.Blob != "/srv/evidence" || c.S3PathStyle {
		t.Fatalf("got %+v, %v", c, err)
	}
}

func TestAuditAnchorDestinations(t *testing.T) {
	c, err := parse(t, []string{"--audit-anchor-mail", " audit@example.jp ,kansa@example.jp", "--smtp", "smtp://mail:25", "--mail-from", "k@example.jp",
		"--audit-anchor-webhook", "https://anchors.example.jp/in"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.AuditAnchorMail, "|") != "audit@example.jp|kansa@example.jp" || c.AuditAnchorWebhook != "https://anchors.example.jp/in" {
		t.Fatalf("got %q, %q", c.AuditAnchorMail, c.AuditAnchorWebhook)
	}
}

func TestWebhookAllow(t *testing.T) {
	c, err := parse(t, nil, map[string]string{"KASUHARA_WEBHOOK_ALLOW": " 10.20.0.0/16, 192.168.1.5 ,fd00::/8,10.1.2.3/8"})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(c.WebhookAllow)
	if want := "[10.20.0.0/16 192.168.1.5/32 fd00::/8 10.0.0.0/8]"; got != want {
		t.Fatalf("WebhookAllow = %s, want %s", got, want)
	}
	if c, err := parse(t, nil, nil); err != nil || len(c.WebhookAllow) != 0 {
		t.Fatalf("default WebhookAllow = %v, %v; want none", c.WebhookAllow, err)
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := parse(t, []string{"--trusted-proxies", "127.0.0.1, 10.0.0.0/8"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.TrustedProxies); got != "[127.0.0.1/32 10.0.0.0/8]" {
		t.Fatalf("TrustedProxies = %s", got)
	}
	if c, err := parse(t, nil, map[string]string{"KASUHARA_TRUSTED_PROXIES": "::1"}); err != nil || fmt.Sprint(c.TrustedProxies) != "[::1/128]" {
		t.Fatalf("from the environment: %v, %v", c.TrustedProxies, err)
	}
	if _, err := parse(t, nil, map[string]string{"KASUHARA_TRUSTED_PROXIES": "10.0.0.0/33"}); err == nil || !strings.Contains(err.Error(), "--trusted-proxies") {
		t.Fatalf("a bad network: %v", err)
	}
	if c, err := parse(t, nil, nil); err != nil || len(c.TrustedProxies) != 0 {
		t.Fatalf("default TrustedProxies = %v, %v; want none", c.TrustedProxies, err)
	}
}

// The global anonymous budget (issue 16, finding 8) is the operator's:
// KASUHARA_ANONYMOUS_BUDGET or --anonymous-budget, 100 an hour by default,
// and a value that is not a positive whole number is refused naming the
// variable or the flag.
func TestAnonymousBudget(t *testing.T) {
	if c, err := parse(t, nil, nil); err != nil || c.AnonymousBudget != 100 {
		t.Fatalf("default AnonymousBudget = %d, %v; want 100", c.AnonymousBudget, err)
	}
	if c, err := parse(t, nil, map[string]string{"KASUHARA_ANONYMOUS_BUDGET": "500"}); err != nil || c.AnonymousBudget != 500 {
		t.Fatalf("from the environment: %d, %v", c.AnonymousBudget, err)
	}
	if c, err := parse(t, []string{"--anonymous-budget", "20"}, map[string]string{"KASUHARA_ANONYMOUS_BUDGET": "500"}); err != nil || c.AnonymousBudget != 20 {
		t.Fatalf("the flag over the environment: %d, %v", c.AnonymousBudget, err)
	}
	for _, bad := range []string{"0", "-5", "many", "1.5", "2000000"} {
		_, err := parse(t, nil, map[string]string{"KASUHARA_ANONYMOUS_BUDGET": bad})
		if err == nil || !strings.Contains(err.Error(), "KASUHARA_ANONYMOUS_BUDGET") || !strings.Contains(err.Error(), "anonymous reports an hour") {
			t.Errorf("KASUHARA_ANONYMOUS_BUDGET=%s: %v", bad, err)
		}
	}
	if _, err := parse(t, []string{"--anonymous-budget", "0"}, nil); err == nil || !strings.Contains(err.Error(), "anonymous-budget") {
		t.Errorf("--anonymous-budget 0: %v", err)
	}
}

// The LINE WORKS bot takes all five settings or none; the secret may come
// from the environment.
func TestLineWorks(t *testing.T) {
	c, err := parse(t, []string{"--lineworks-client-id", "CID", "--lineworks-service-account", "x.serviceaccount@example",
		"--lineworks-private-key", "/etc/kasuhara/lineworks.key", "--lineworks-bot-id", "2000001"},
		map[string]string{"KASUHARA_LINEWORKS_CLIENT_SECRET": "SECRET"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.LineWorks.Enabled() || c.LineWorks.ClientSecret != "SECRET" || c.LineWorks.BotID != "2000001" {
		t.Fatalf("LineWorks = %+v", c.LineWorks)
	}
	if _, err := parse(t, []string{"--lineworks-client-id", "CID"}, nil); err == nil || !strings.Contains(err.Error(), "set all five") {
		t.Errorf("one of five: %v", err)
	}
	if c, err := parse(t, nil, nil); err != nil || c.LineWorks.Enabled() {
		t.Errorf("none: %+v, %v", c.LineWorks, err)
	}
}

package store_test

import (
	"net/netip"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestSettingsRefuseWebhookToPrivateAddresses checks that an admin cannot
// point the webhook at loopback, a private network or the cloud's metadata
// service, unless the operator allowed that network.
func TestSettingsRefuseWebhookToPrivateAddresses(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		save := func(u string) error {
			return d.s.SaveSettings(ctx, d.actor, kasuhara.OrgSettings{OrgID: d.org.ID, Acknowledge: "1bd", Feedback: "7d", ContactLimitMinutes: 30,
				WebhookURL: u, WebhookSecret: "a-long-webhook-secret"})
		}
		for _, u := range []string{"http://127.0.0.1:9000/hook", "http://[::1]/hook", "http://169.254.169.254/latest/meta-data/",
			"http://10.0.0.5/hook", "http://192.168.1.10/hook", "http://localhost:8080/hook"} {
			wantField(t, save(u), "webhook_url")
		}
		if st, _ := d.s.Settings(ctx, d.org.ID); st.WebhookURL != "" {
			t.Fatalf("a private webhook address was stored: %q", st.WebhookURL)
		}
		if err := save("https://hooks.example.jp/k"); err != nil {
			t.Fatal(err)
		}
		d.s.WebhookAllow = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		if err := save("http://10.0.0.5/hook"); err != nil {
			t.Fatalf("an allowed network is refused: %v", err)
		}
		wantField(t, save("http://127.0.0.1/hook"), "webhook_url")
	})
}

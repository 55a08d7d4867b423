package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/kasuhara/kasuhara/internal/jobs"
)

// Job kinds that deliver the signed head of the audit chain outside the
// server (issue 16, finding 6): to the auditors' mailboxes and to a
// webhook, beside the anchor file.
const (
	KindAnchorMail    = "audit_anchor_mail"
	KindAnchorWebhook = "audit_anchor_webhook"
)

// AnchorJob is the payload of both: the anchor as its JSON line holds it.
// It is public (a sequence number, a hash, a time and a signature).
type AnchorJob struct {
	Anchor json.RawMessage `json:"anchor"`
}

type anchorHead struct {
	Seq int64 `json:"seq"`
}

func (j AnchorJob) head() (anchorHead, error) {
	var h anchorHead
	if err := json.Unmarshal(j.Anchor, &h); err != nil || h.Seq < 0 {
		return h, jobs.Permanent(fmt.Errorf("notify: anchor job: %v", err))
	}
	return h, nil
}

var anchorTexts = map[string]string{
	"subject": "Kasuhara 監査ログのアンカー / audit anchor: ",
	"body": "Kasuhara の監査ログの先頭（署名付き）です。この行をそのまま、サーバーとは別の場所にあるファイルに追記して保管してください。\n" +
		"kasuhara audit verify --anchor ファイル で、監査ログが切り詰められたり書き換えられたりしていないかを確かめられます。\n\n" +
		"The signed head of Kasuhara's audit trail. Append this line, as it is, to a file kept away from the server;\n" +
		"kasuhara audit verify --anchor FILE shows whether the trail was cut short or rewritten.\n\n",
}

// AnchorMailHandler runs "audit_anchor_mail" jobs: the anchor to each of
// to (--audit-anchor-mail), one mail. Mail disabled sends nothing.
func AnchorMailHandler(m *Mailer, to []string) func(context.Context, json.RawMessage) error {
	return jobHandler("anchor mail", func(ctx context.Context, j AnchorJob) error {
		h, err := j.head()
		if err != nil {
			return err
		}
		if len(to) == 0 {
			return nil
		}
		var line bytes.Buffer
		if err := json.Compact(&line, j.Anchor); err != nil {
			return jobs.Permanent(fmt.Errorf("notify: anchor mail: %w", err))
		}
		seq := strconv.FormatInt(h.Seq, 10)
		return send(ctx, m, Message{To: to, Subject: anchorTexts["subject"] + seq, Lang: "ja",
			Text: signed(anchorTexts["body"]+line.String(), "ja"),
			ID:   "anchor." + seq + "." + recipientsHash(to) + "." + recipientsHash([]string{line.String()})})
	})
}

// AnchorWebhookHandler runs "audit_anchor_webhook" jobs: the anchor's JSON
// POSTed to target (--audit-anchor-webhook) with client (see
// NewWebhookClient: private addresses only as the operator allows). An
// answer other than 2xx is retried.
func AnchorWebhookHandler(client *http.Client, target string) func(context.Context, json.RawMessage) error {
	return jobHandler("anchor webhook", func(ctx context.Context, j AnchorJob) error {
		if _, err := j.head(); err != nil {
			return err
		}
		if target == "" {
			return nil
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(j.Anchor))
		if err != nil {
			return jobs.Permanent(errors.New("notify: anchor webhook: bad URL"))
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Kasuhara-Anchor/1")
		return post(client, req, "anchor webhook")
	})
}

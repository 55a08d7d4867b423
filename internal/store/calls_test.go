package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// TestCallDrafts is issue 25's phone systems in the store: an ended call
// becomes a draft that only its agent sees; the same call again is the
// same draft; the agent files it (the recording file becomes evidence, its
// address a note) or sets it aside; bad input names the field; the
// secrets are the administrator's to set.
func TestCallDrafts(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		op, desk1 := d.people["operator"], d.people["desk1"]
		ev := kasuhara.CallEvent{Source: kasuhara.CallSourceSIP, CallID: "pbx-1", Caller: "03-1234-5678", AgentEmail: "Operator@Example.JP",
			StartedAt: time.Now().Add(-30 * time.Minute), DurationSeconds: 1260, RecordingURL: "https://pbx.example/rec/1.wav"}

		// Who may report a call: the system (a signed webhook), or an API
		// token of the admin or the desk, for their own organisation.
		if _, _, err := d.s.CallEnded(ctx, op, d.org.ID, ev); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("an employee's token reports a call: %v", err)
		}
		bad := ev
		bad.CallID, bad.DurationSeconds, bad.RecordingURL, bad.Source = "", -1, "http://pbx.example/x", "fax"
		_, _, err := d.s.CallEnded(ctx, kasuhara.SystemActor, d.org.ID, bad)
		for _, f := range []string{"call_id", "duration_seconds", "recording_url", "source"} {
			wantField(t, err, f)
		}
		unknown := ev
		unknown.AgentEmail = "nobody@example.jp"
		if _, _, err := d.s.CallEnded(ctx, kasuhara.SystemActor, d.org.ID, unknown); kasuhara.ErrorFields(err)["agent"].Code != kasuhara.FieldNotMember {
			t.Errorf("an unknown agent: %v", err)
		}
		other := ev
		other.AgentEmail = "otherdesk@example.jp"
		if _, _, err := d.s.CallEnded(ctx, kasuhara.SystemActor, d.org.ID, other); kasuhara.ErrorFields(err)["agent"].Code != kasuhara.FieldNotMember {
			t.Errorf("another organisation's member as agent: %v", err)
		}
		var n int
		d.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM call_drafts").Scan(&n)
		if n != 0 {
			t.Fatalf("refused calls left %d drafts", n)
		}

		dr, repeat, err := d.s.CallEnded(ctx, kasuhara.SystemActor, d.org.ID, ev)
		if err != nil || repeat || dr.AgentID != op.UserID || dr.State != kasuhara.CallDraftOpen {
			t.Fatalf("draft = %+v, %v, %v", dr, repeat, err)
		}
		again, repeat, err := d.s.CallEnded(ctx, kasuhara.SystemActor, d.org.ID, ev)
		if err != nil || !repeat || again.ID != dr.ID {
			t.Errorf("the same call again: %+v, %v, %v", again, repeat, err)
		}
		// A desk token's call with the recording file.
		rec := &kasuhara.Evidence{BlobID: strings.Repeat("c", 32), MediaType: "audio/wav", Size: 100, SHA256: strings.Repeat("d", 64)}
		dr2, _, err := d.s.CallEnded(ctx, desk1, "ignored", kasuhara.CallEvent{Source: kasuhara.CallSourceAPI, CallID: "api-1", Caller: "0312345678",
			AgentEmail: "operator@example.jp", DurationSeconds: 60, Recording: rec})
		if err != nil || dr2.OrgID != d.org.ID {
			t.Fatalf("the desk's call: %+v, %v", dr2, err)
		}

		// Only the agent sees their drafts.
		list, err := d.s.CallDrafts(ctx, op)
		if err != nil || len(list) != 2 {
			t.Fatalf("the agent's drafts: %d, %v", len(list), err)
		}
		for _, who := range []string{"clerk", "desk1", "callboss", "admin2"} {
			if l, _ := d.s.CallDrafts(ctx, d.people[who]); len(l) != 0 {
				t.Errorf("%s sees %d drafts", who, len(l))
			}
			if _, err := d.s.CallDraft(ctx, d.people[who], dr.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
				t.Errorf("%s reads the agent's draft: %v", who, err)
			}
			if _, err := d.s.FileCallDraft(ctx, d.people[who], dr.ID, report(d.call.ID, "x", "long_contact")); err == nil {
				t.Errorf("%s files the agent's draft", who)
			}
		}

		// Filed: the recording file is evidence; the address is a note.
		c, err := d.s.FileCallDraft(ctx, op, dr2.ID, report(d.call.ID, "同じ要求を1時間繰り返された", "long_contact"))
		if err != nil || c.ReporterID != op.UserID {
			t.Fatalf("filed = %+v, %v", c, err)
		}
		evs, _ := d.s.EvidenceList(ctx, desk1, c.ID)
		if len(evs) != 1 || evs[0].BlobID != rec.BlobID || evs[0].Filename != "recording.wav" {
			t.Errorf("evidence = %+v", evs)
		}
		if _, err := d.s.FileCallDraft(ctx, op, dr2.ID, report(d.call.ID, "x", "long_contact")); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("filed twice: %v", err)
		}
		c1, err := d.s.FileCallDraft(ctx, op, dr.ID, report(d.call.ID, "暴言", "long_contact"))
		if err != nil {
			t.Fatal(err)
		}
		tl, _ := d.s.Timeline(ctx, desk1, c1.ID)
		found := false
		for _, e := range tl {
			found = found || e.Body == ev.RecordingURL
		}
		if !found {
			t.Errorf("the recording's address is not on the timeline")
		}
		dr3, _, _ := d.s.CallEnded(ctx, kasuhara.SystemActor, d.org.ID, kasuhara.CallEvent{Source: kasuhara.CallSourceTwilio, CallID: "CA9", AgentEmail: "operator@example.jp",
			Recording: &kasuhara.Evidence{BlobID: strings.Repeat("9", 32), MediaType: "audio/wav", Size: 10, SHA256: strings.Repeat("8", 64)}})
		if _, err := d.s.DismissCallDraft(ctx, d.people["clerk"], dr3.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another sets the draft aside: %v", err)
		}
		if gone, err := d.s.DismissCallDraft(ctx, op, dr3.ID); err != nil || gone != strings.Repeat("9", 32) {
			t.Fatalf("dismiss = %q, %v; want the recording to delete", gone, err)
		}
		var kept int
		d.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM call_drafts WHERE recording_blob_id IS NOT NULL AND state = 'dismissed'").Scan(&kept)
		if kept != 0 {
			t.Errorf("a dismissed call keeps its recording")
		}
		if l, _ := d.s.CallDrafts(ctx, op); len(l) != 0 {
			t.Errorf("open drafts after filing and setting aside: %d", len(l))
		}

		// Secrets.
		if err := d.s.SetCallSecret(ctx, desk1, d.org.ID, "sip", strings.Repeat("s", 32)); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("the desk sets a secret: %v", err)
		}
		if err := d.s.SetCallSecret(ctx, d.actor, d.org.ID, "sip", "short"); kasuhara.ErrorFields(err)["secret"].Code != kasuhara.FieldRange {
			t.Errorf("a short secret: %v", err)
		}
		if _, err := d.s.CallSecret(ctx, d.org.ID, "sip"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("no secret yet: %v", err)
		}
		for _, s := range []string{strings.Repeat("s", 32), strings.Repeat("t", 32)} {
			if err := d.s.SetCallSecret(ctx, d.actor, d.org.ID, "sip", s); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := d.s.CallSecret(ctx, d.org.ID, "sip"); err != nil || got != strings.Repeat("t", 32) {
			t.Errorf("secret = %q, %v", got, err)
		}
		if _, err := d.s.CallSecret(ctx, d.other.ID, "sip"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another organisation's secret: %v", err)
		}
	})
}

package store_test

import (
	"errors"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestAnonymousChannelSwitch: the channel is on by default and not yet a
// choice; the admin switches it off (audited, recorded as chosen): a new
// anonymous report is refused with ErrAnonymousOff, a receipt already given
// still reads its case and answers the desk, and named reports go on; the
// desk may not switch it, nor another organisation's admin; the other
// settings saved later do not switch it back.
func TestAnonymousChannelSwitch(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		st, err := d.s.Settings(ctx, d.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !st.AnonymousChannel || st.AnonymousChosen {
			t.Fatalf("by default: on %v, chosen %v; want on and not chosen", st.AnonymousChannel, st.AnonymousChosen)
		}
		r := report("", "匿名で大声で怒鳴った", "shouting")
		c, receipt, err := d.s.FileAnonymousReport(ctx, "acme", r)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.s.SetAnonymousChannel(ctx, d.people["desk1"], d.org.ID, false); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("the desk switched the channel: %v", err)
		}
		if err := d.s.SetAnonymousChannel(ctx, d.people["otherdesk"], d.org.ID, false); err == nil {
			t.Errorf("another organisation's member switched the channel")
		}
		if err := d.s.SetAnonymousChannel(ctx, d.actor, d.org.ID, false); err != nil {
			t.Fatal(err)
		}
		if st, err = d.s.Settings(ctx, d.org.ID); err != nil {
			t.Fatal(err)
		}
		if st.AnonymousChannel || !st.AnonymousChosen {
			t.Fatalf("after off: on %v, chosen %v", st.AnonymousChannel, st.AnonymousChosen)
		}
		_, got, err := d.s.FileAnonymousReport(ctx, "acme", r)
		if kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN || !errors.Is(err, kasuhara.ErrAnonymousOff) || got != "" {
			t.Fatalf("anonymous report with the channel off: receipt %q, %v", got, err)
		}
		// Receipts already given keep working.
		if rc, _, err := d.s.ReceiptStatus(ctx, receipt); err != nil || rc.ID != c.ID {
			t.Fatalf("receipt after off: %v", err)
		}
		if _, err := d.s.AddReceiptMessage(ctx, receipt, "追加の情報です"); err != nil {
			t.Errorf("the reporter could not reply: %v", err)
		}
		if _, err := d.s.FileReport(ctx, d.people["clerk"], report(d.shop.ID, "記名で報告", "shouting")); err != nil {
			t.Errorf("a named report with the channel off: %v", err)
		}
		// Another organisation's channel is its own.
		if _, _, err := d.s.FileAnonymousReport(ctx, "other", r); err != nil {
			t.Errorf("another organisation's anonymous channel: %v", err)
		}
		// Saving the other settings keeps the choice.
		st.Acknowledge = "2bd"
		if err := d.s.SaveSettings(ctx, d.actor, *st); err != nil {
			t.Fatal(err)
		}
		if st, _ = d.s.Settings(ctx, d.org.ID); st.AnonymousChannel || !st.AnonymousChosen || st.Acknowledge != "2bd" {
			t.Errorf("after saving the other settings: on %v, chosen %v, acknowledge %q", st.AnonymousChannel, st.AnonymousChosen, st.Acknowledge)
		}
		if err := d.s.SetAnonymousChannel(ctx, d.actor, d.org.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.s.FileAnonymousReport(ctx, "acme", r); err != nil {
			t.Errorf("anonymous report with the channel on again: %v", err)
		}
		es, err := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, Action: "org.anonymous_channel"})
		if err != nil || len(es) != 2 {
			t.Fatalf("%d org.anonymous_channel entries (%v), want 2", len(es), err)
		}
	})
}

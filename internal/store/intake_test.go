package store_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestIntakeMailbox is issue 25's desk mailbox in the store: a mail waits
// as an intake item until a person decides (filed as a case with the
// sender as reporter when they are a member, attached to a case, or
// discarded with a reason); only the desk and legal read and decide, each
// read and decision audited; a decision is taken once; the reply is
// queued without content in the job table.
func TestIntakeMailbox(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		desk1, legal := d.people["desk1"], d.people["legal"]
		att := kasuhara.IntakeAttachment{BlobID: strings.Repeat("a", 32), Filename: "../写真.png", MediaType: "image/png", Size: 10, SHA256: strings.Repeat("b", 64)}
		in := kasuhara.InboundMail{FromAddress: "Clerk@Example.JP", FromName: "clerk", Subject: "相談です", Body: "客に怒鳴られました。\n名前を晒すと言われました。",
			MessageID: "m1@mail.example.jp", Auth: kasuhara.MailAuth{SPF: "pass", DKIM: "pass", DMARC: "pass"},
			Attachments: []kasuhara.IntakeAttachment{att}}

		// Only the mailbox listener (the system) receives.
		if _, err := d.s.ReceiveMail(ctx, desk1, d.org.ID, in); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("a desk member receives mail: %v", err)
		}
		if _, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, kasuhara.InboundMail{FromAddress: "nobody", Body: "x\x00"}); kasuhara.ErrorFields(err)["from"].Code != kasuhara.FieldEmail ||
			kasuhara.ErrorFields(err)["body"].Code != kasuhara.FieldMalformed {
			t.Errorf("a bad mail: %v", err)
		}
		it, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if it.SenderUserID != desk1.UserID && it.SenderUserID != d.people["clerk"].UserID {
			t.Errorf("sender not matched: %q", it.SenderUserID)
		}
		if it.SenderUserID != d.people["clerk"].UserID || it.Attachments[0].Filename != "写真.png" {
			t.Errorf("received %+v", it)
		}
		second, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, kasuhara.InboundMail{FromAddress: "customer@else.example", Subject: "苦情", Body: "対応が悪い"})
		if err != nil || second.SenderUserID != "" {
			t.Fatalf("a stranger's mail: %+v, %v", second, err)
		}
		third, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, kasuhara.InboundMail{FromAddress: "x@else.example", Subject: "宣伝", Body: "広告",
			Attachments: []kasuhara.IntakeAttachment{{BlobID: strings.Repeat("e", 32), Filename: "ad.pdf", MediaType: "application/pdf", Size: 5, SHA256: strings.Repeat("f", 64)}}})
		if err != nil {
			t.Fatal(err)
		}
		// Another organisation's desk sees none of it.
		otherItem, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.other.ID, kasuhara.InboundMail{FromAddress: "x@else.example", Body: "他社"})
		if err != nil {
			t.Fatal(err)
		}

		// Who may read.
		for _, who := range []string{"clerk", "shopboss", "analyst", "admin2"} {
			if _, err := d.s.IntakeItems(ctx, d.people[who], kasuhara.IntakeOpen); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
				t.Errorf("%s lists the mailbox: %v", who, err)
			}
			if _, err := d.s.IntakeItem(ctx, d.people[who], it.ID); err == nil {
				t.Errorf("%s reads a mail", who)
			}
			if _, err := d.s.OpenIntakeCount(ctx, d.people[who]); err == nil {
				t.Errorf("%s counts the mailbox", who)
			}
		}
		if _, err := d.s.IntakeItem(ctx, desk1, otherItem.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another organisation's mail: %v", err)
		}
		if _, err := d.s.IntakeItem(ctx, d.people["otherdesk"], it.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another organisation's desk reads ours: %v", err)
		}
		list, err := d.s.IntakeItems(ctx, legal, kasuhara.IntakeOpen)
		if err != nil || len(list) != 3 {
			t.Fatalf("open items = %d, %v; want 3", len(list), err)
		}
		for _, l := range list {
			if l.Body != "" || l.OrgID != d.org.ID {
				t.Errorf("the list carries a body or another organisation's item: %+v", l)
			}
		}
		if n, err := d.s.OpenIntakeCount(ctx, desk1); err != nil || n != 3 {
			t.Errorf("count = %d, %v", n, err)
		}
		got, err := d.s.IntakeItem(ctx, desk1, it.ID)
		if err != nil || got.Body != in.Body || got.Auth.DMARC != "pass" ||
			len(got.Attachments) != 1 || got.SenderName != "clerk" {
			t.Fatalf("item = %+v, %v", got, err)
		}
		entries, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, ObjectID: it.ID})
		if !hasAction(entries, "intake.receive") || !hasAction(entries, "intake.read") {
			t.Errorf("audit of the item: %v", of(entries, func(e kasuhara.AuditEntry) string { return e.Action }))
		}

		// Filing: the desk completes the report; the sender, a member, is
		// its reporter; the attachment its evidence.
		rep := report(d.shop.ID, got.Body, "shouting")
		if _, err := d.s.FileIntake(ctx, desk1, it.ID, kasuhara.IntakeFiling{Report: kasuhara.Report{}}); kasuhara.ErrorFields(err)["categories"].Code == "" {
			t.Errorf("filing without a category: %v", err)
		}
		if _, err := d.s.FileIntake(ctx, d.people["admin2"], it.ID, kasuhara.IntakeFiling{Report: rep}); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("the admin files a mail: %v", err)
		}
		if _, err := d.s.FileIntake(ctx, desk1, second.ID, kasuhara.IntakeFiling{Report: rep, SenderIsReporter: true}); kasuhara.ErrorFields(err)["sender_is_reporter"].Code != kasuhara.FieldNotMember {
			t.Errorf("a stranger as reporter: %v", err)
		}
		c, err := d.s.FileIntake(ctx, desk1, it.ID, kasuhara.IntakeFiling{Report: rep, SenderIsReporter: true})
		if err != nil {
			t.Fatal(err)
		}
		if c.ReporterID != d.people["clerk"].UserID {
			t.Errorf("reporter = %q, want the sender", c.ReporterID)
		}
		ev, err := d.s.EvidenceList(ctx, desk1, c.ID)
		if err != nil || len(ev) != 1 || ev[0].BlobID != att.BlobID || ev[0].SHA256 != att.SHA256 {
			t.Errorf("evidence = %+v, %v", ev, err)
		}
		// The clerk sees it among their reports.
		mine, _, err := d.s.Cases(ctx, d.people["clerk"], kasuhara.CaseFilter{Mine: true})
		if err != nil || len(mine) != 1 || mine[0].ID != c.ID {
			t.Errorf("the clerk's reports: %d, %v", len(mine), err)
		}
		// Decided once.
		if _, err := d.s.FileIntake(ctx, desk1, it.ID, kasuhara.IntakeFiling{Report: rep}); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("filed twice: %v", err)
		}
		if _, err := d.s.DiscardIntake(ctx, desk1, it.ID, "重複"); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("discarded after filing: %v", err)
		}

		// Attaching a stranger's mail to the case by its number.
		if _, err := d.s.AttachIntake(ctx, desk1, second.ID, "K-1999-99999"); kasuhara.ErrorFields(err)["case"].Code != kasuhara.FieldLookup {
			t.Errorf("attach to no case: %v", err)
		}
		if _, err := d.s.AttachIntake(ctx, desk1, second.ID, "not a number"); kasuhara.ErrorFields(err)["case"].Code != kasuhara.FieldMalformed {
			t.Errorf("attach to garbage: %v", err)
		}
		if _, err := d.s.AttachIntake(ctx, d.people["otherdesk"], second.ID, c.Ref); err == nil {
			t.Errorf("another organisation's desk attaches our mail")
		}
		if ac, err := d.s.AttachIntake(ctx, legal, second.ID, c.Ref); err != nil || ac.ID != c.ID {
			t.Fatalf("attach = %v, %v", ac, err)
		}
		tl, err := d.s.Timeline(ctx, desk1, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range tl {
			if e.Kind == kasuhara.EventNote && strings.Contains(e.Body, "対応が悪い") {
				found = true
			}
		}
		if !found {
			t.Errorf("the attached mail is not on the timeline")
		}

		// Discarding needs a reason.
		if _, err := d.s.DiscardIntake(ctx, desk1, third.ID, "  "); kasuhara.ErrorFields(err)["reason"].Code != kasuhara.FieldRequired {
			t.Errorf("discard without a reason: %v", err)
		}
		gone, err := d.s.DiscardIntake(ctx, desk1, third.ID, "広告メール")
		if err != nil || len(gone) != 1 || gone[0] != strings.Repeat("e", 32) {
			t.Fatalf("discard = %v, %v; want its one file to delete", gone, err)
		}
		var kept int
		d.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM intake_attachments WHERE item_id = $1", third.ID).Scan(&kept)
		if kept != 0 {
			t.Errorf("a discarded mail keeps %d files", kept)
		}
		if n, _ := d.s.OpenIntakeCount(ctx, desk1); n != 0 {
			t.Errorf("open after deciding all: %d", n)
		}
		done, _ := d.s.IntakeItems(ctx, desk1, kasuhara.IntakeDiscarded)
		if len(done) != 1 || done[0].Reason != "広告メール" || done[0].DecidedBy != desk1.UserID {
			t.Errorf("discarded = %+v", done)
		}

		// A reply: recorded, queued by id only, its mail threaded with the
		// reply and the sender's own words and nothing of the case.
		if _, err := d.s.ReplyIntake(ctx, desk1, second.ID, ""); kasuhara.ErrorFields(err)["body"].Code != kasuhara.FieldRequired {
			t.Errorf("an empty reply: %v", err)
		}
		if _, err := d.s.ReplyIntake(ctx, d.people["admin2"], second.ID, "x"); err == nil {
			t.Errorf("the admin replies")
		}
		r, err := d.s.ReplyIntake(ctx, desk1, second.ID, "ご連絡ありがとうございます。")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range jobRows(t, d.db, store.KindIntakeReply) {
			if strings.Contains(p, "ありがとう") || strings.Contains(p, "customer@") {
				t.Errorf("the job holds content: %s", p)
			}
		}
		if len(jobRows(t, d.db, store.KindIntakeReply)) != 1 {
			t.Errorf("reply jobs = %d", len(jobRows(t, d.db, store.KindIntakeReply)))
		}
		m, err := d.s.IntakeReplyMessage(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.To[0] != "customer@else.example" || m.Subject != "Re: 苦情" || !strings.HasPrefix(m.Text, "ご連絡ありがとうございます。\n\n> 対応が悪い") ||
			strings.Contains(m.Text, c.Ref) || strings.Contains(m.Text, "怒鳴") || m.InReplyTo != "" {
			t.Errorf("reply mail = %+v", m)
		}
		in2, _ := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, kasuhara.InboundMail{FromAddress: "y@else.example", Subject: "Re: 件名", Body: "b",
			MessageID: "m2@x", References: "<m0@x>"})
		r2, _ := d.s.ReplyIntake(ctx, desk1, in2.ID, "はい")
		m2, _ := d.s.IntakeReplyMessage(ctx, r2.ID)
		if m2.InReplyTo != "m2@x" || m2.References != "<m0@x> <m2@x>" || m2.Subject != "Re: 件名" {
			t.Errorf("threading: %+v", m2)
		}
	})
}

func hasAction(es []kasuhara.AuditEntry, action string) bool {
	for _, e := range es {
		if e.Action == action {
			return true
		}
	}
	return false
}

// TestIntakeReceivedOnce: a sender's server that delivers a message again
// (it did not see our answer and retried) or two listeners that take it at
// the same moment add one item per organisation, by Message-ID; the
// repeat is ECONFLICT with nothing written. A mail without a Message-ID is
// never taken for another.
func TestIntakeReceivedOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		open := testdb.Reopenable(t, e)
		d := setupDesk(t, open())
		servers := []*store.Store{d.s, newStore(t, open())}
		in := kasuhara.InboundMail{FromAddress: "customer@else.example", Subject: "苦情", Body: "対応が悪い", MessageID: "once.1@else.example"}
		first, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		again := in
		again.Attachments = []kasuhara.IntakeAttachment{{BlobID: strings.Repeat("c", 32), Filename: "a.png", MediaType: "image/png", Size: 1, SHA256: strings.Repeat("d", 64)}}
		if _, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, again); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("the same message again: %v, want ECONFLICT", err)
		}
		// Decided, it is still the same message.
		if _, err := d.s.DiscardIntake(ctx, d.people["desk1"], first.ID, "重複"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, in); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("the same message after its decision: %v, want ECONFLICT", err)
		}
		// Another organisation's desk takes its own copy.
		if _, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.other.ID, in); err != nil {
			t.Errorf("the same message to another organisation: %v", err)
		}
		// Without a Message-ID each mail is its own.
		for range 2 {
			if _, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, kasuhara.InboundMail{FromAddress: "x@else.example", Body: "no id"}); err != nil {
				t.Errorf("a mail without Message-ID: %v", err)
			}
		}
		// Two listeners at once, on two servers.
		for round := range 3 {
			m := in
			m.MessageID = fmt.Sprintf("race.%d@else.example", round)
			start := make(chan struct{})
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Go(func() {
					<-start
					_, errs[i] = servers[i].ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, m)
				})
			}
			close(start)
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) || kasuhara.ErrorCode(errors.Join(errs...)) != kasuhara.ECONFLICT {
				t.Errorf("round %d: %v; want one item and one ECONFLICT", round, errs)
			}
		}
		if n := count(t, d.db, "SELECT COUNT(*) FROM intake_items WHERE org_id = $1", d.org.ID); n != 6 {
			t.Errorf("%d items, want 6", n)
		}
		if n := count(t, d.db, "SELECT COUNT(*) FROM intake_attachments"); n != 0 {
			t.Errorf("the repeat left %d attachments", n)
		}
	})
}

// TestIntakeLimits: a flood from one address is refused after
// IntakePerSenderHour messages in an hour (ERATELIMITED) and taken again an
// hour later; an organisation with IntakeOpenItems open items takes no
// more (ERATELIMITED) until the desk decides some; a refused mail writes
// nothing.
func TestIntakeLimits(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		now := time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC)
		d.s.Now = func() time.Time { return now }
		d.s.IntakePerSenderHour, d.s.IntakeOpenItems = 3, 5
		mail := func(from string, i int) kasuhara.InboundMail {
			return kasuhara.InboundMail{FromAddress: from, Body: "本文", MessageID: fmt.Sprintf("%d.%s", i, from)}
		}
		for i := range 3 {
			if _, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, mail("Flood@else.example", i)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, mail("flood@else.example", 3)); kasuhara.ErrorCode(err) != kasuhara.ERATELIMITED {
			t.Errorf("the 4th mail in an hour from one address: %v, want ERATELIMITED", err)
		}
		// Another address, and the same address to another organisation, go on.
		if _, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, mail("other@else.example", 0)); err != nil {
			t.Errorf("another sender: %v", err)
		}
		if _, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.other.ID, mail("flood@else.example", 9)); err != nil {
			t.Errorf("the same sender to another organisation: %v", err)
		}
		now = now.Add(61 * time.Minute)
		if _, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, mail("flood@else.example", 4)); err != nil {
			t.Errorf("an hour later: %v", err)
		}
		// Five open items: the mailbox is full for everyone.
		if _, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, mail("new@else.example", 0)); kasuhara.ErrorCode(err) != kasuhara.ERATELIMITED {
			t.Errorf("a mail to a full mailbox: %v, want ERATELIMITED", err)
		}
		if n := count(t, d.db, "SELECT COUNT(*) FROM intake_items WHERE org_id = $1", d.org.ID); n != 5 {
			t.Errorf("%d items, want 5", n)
		}
		items, err := d.s.IntakeItems(ctx, d.people["desk1"], kasuhara.IntakeOpen)
		if err != nil || len(items) != 5 {
			t.Fatalf("open = %d, %v", len(items), err)
		}
		if _, err := d.s.DiscardIntake(ctx, d.people["desk1"], items[0].ID, "広告"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, mail("new@else.example", 0)); err != nil {
			t.Errorf("after a decision: %v", err)
		}
	})
}

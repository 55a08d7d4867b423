package store_test

import (
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// TestCareAndMessagesNeedToKnow is issue 16's finding 15: care records and
// the desk's messages with the reporter are for the reporter, the handlers
// and legal; the supervisor reads them only while the reporter agrees.
func TestCareAndMessagesNeedToKnow(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		clerk, boss, desk1, legal := d.people["clerk"], d.people["shopboss"], d.people["desk1"], d.people["legal"]
		c := d.file(t, clerk, report(d.shop.ID, "土下座しろと言われた", "insult"))
		if _, err := d.s.AddCare(ctx, desk1, c.ID, kasuhara.CareAction{Kind: "counselling", DueOn: time.Now(), Note: "産業医面談 12/10"}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.AddMessage(ctx, desk1, c.ID, "眠れていますか"); err != nil {
			t.Fatal(err)
		}
		reads := func(who kasuhara.Actor) (care, messages bool) {
			t.Helper()
			cs, err := d.s.CareActions(ctx, who, c.ID)
			if err != nil && kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
				t.Fatal(err)
			}
			ms, err2 := d.s.Messages(ctx, who, c.ID)
			if err2 != nil && kasuhara.ErrorCode(err2) != kasuhara.EFORBIDDEN {
				t.Fatal(err2)
			}
			return err == nil && len(cs) == 1, err2 == nil && len(ms) == 1
		}
		for _, who := range []kasuhara.Actor{clerk, desk1, legal} {
			if care, msgs := reads(who); !care || !msgs {
				t.Fatalf("%s reads care %v, messages %v", who.Role, care, msgs)
			}
		}
		inTimeline := func() bool {
			t.Helper()
			tl, err := d.s.Timeline(ctx, boss, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range tl {
				if e.Kind == kasuhara.EventCare || e.Kind == kasuhara.EventMessage {
					return true
				}
			}
			return false
		}
		if care, msgs := reads(boss); care || msgs || inTimeline() {
			t.Fatalf("the supervisor reads care %v, messages %v, or sees them in the timeline", care, msgs)
		}
		if _, err := d.s.AddMessage(ctx, boss, c.ID, "x"); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Fatalf("the supervisor writes to the reporter: %v", err)
		}
		// The reporter agrees, and only the reporter can.
		wantCode(t, d.s.SetCareConsent(ctx, desk1, c.ID, true), kasuhara.EFORBIDDEN)
		wantCode(t, d.s.SetCareConsent(ctx, boss, c.ID, true), kasuhara.EFORBIDDEN)
		if err := d.s.SetCareConsent(ctx, clerk, c.ID, true); err != nil {
			t.Fatal(err)
		}
		if care, msgs := reads(boss); !care || !msgs || !inTimeline() {
			t.Fatalf("with consent the supervisor reads care %v, messages %v", care, msgs)
		}
		got, _ := d.s.CaseByID(ctx, clerk, c.ID)
		if !got.CareToSupervisor {
			t.Fatal("the case does not show the consent")
		}
		// And revokes it.
		if err := d.s.SetCareConsent(ctx, clerk, c.ID, false); err != nil {
			t.Fatal(err)
		}
		if care, msgs := reads(boss); care || msgs {
			t.Fatal("the revoked consent still lets the supervisor read")
		}
		es, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectType: "case", ObjectID: c.ID, Limit: 100})
		n := 0
		for _, e := range es {
			if e.Action == "case.care_consent" && e.ActorID == clerk.UserID {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d consent entries in the trail", n)
		}
	})
}

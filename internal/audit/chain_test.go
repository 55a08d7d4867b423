package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

func chain(t *testing.T, n int) []kasuhara.AuditEntry {
	t.Helper()
	var out []kasuhara.AuditEntry
	prev := ""
	at := time.Date(2026, 11, 1, 9, 0, 0, 123456789, time.UTC)
	for i := 1; i <= n; i++ {
		e := kasuhara.AuditEntry{Seq: int64(i), At: at.Add(time.Duration(i) * time.Minute), OrgID: "o1",
			ActorID: "u1", Action: "user.create", ObjectType: "user", ObjectID: "u" + string(rune('0'+i)),
			Detail: Detail(map[string]any{"role": "desk"}), PrevHash: prev}
		e.Hash = Hash(e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func verify(es []kasuhara.AuditEntry, headSeq int64, headHash string) *kasuhara.AuditProblem {
	var v Verifier
	for _, e := range es {
		if p := v.Next(e); p != nil {
			return p
		}
	}
	return v.Finish(headSeq, headHash)
}

func TestVerify(t *testing.T) {
	good := chain(t, 5)
	head := good[4]
	tests := []struct {
		name    string
		mutate  func([]kasuhara.AuditEntry) []kasuhara.AuditEntry
		wantSeq int64 // 0: intact
		reason  string
	}{
		{"intact", func(es []kasuhara.AuditEntry) []kasuhara.AuditEntry { return es }, 0, ""},
		{"edited action", func(es []kasuhara.AuditEntry) []kasuhara.AuditEntry { es[2].Action = "user.delete"; return es }, 3, "edited"},
		{"edited detail", func(es []kasuhara.AuditEntry) []kasuhara.AuditEntry { es[1].Detail = `{"role":"admin"}`; return es }, 2, "edited"},
		{"edited time", func(es []kasuhara.AuditEntry) []kasuhara.AuditEntry { es[0].At = es[0].At.Add(time.Second); return es }, 1, "edited"},
		{"edited and rehashed", func(es []kasuhara.AuditEntry) []kasuhara.AuditEntry {
			es[1].ObjectID = "x"
			es[1].Hash = Hash(es[1])
			return es
		}, 3, "previous-hash"},
		{"deleted middle", func(es []kasuhara.AuditEntry) []kasuhara.AuditEntry { return append(es[:2:2], es[3:]...) }, 4, "deleted"},
		{"deleted first", func(es []kasuhara.AuditEntry) []kasuhara.AuditEntry { return es[1:] }, 2, "deleted"},
		{"deleted last", func(es []kasuhara.AuditEntry) []kasuhara.AuditEntry { return es[:4] }, 5, "end"},
		{"swapped", func(es []kasuhara.AuditEntry) []kasuhara.AuditEntry { es[1], es[2] = es[2], es[1]; return es }, 3, "deleted or moved"},
		{"swapped with seq renumbered", func(es []kasuhara.AuditEntry) []kasuhara.AuditEntry {
			es[1], es[2] = es[2], es[1]
			es[1].Seq, es[2].Seq = 2, 3
			return es
		}, 2, "previous-hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := tt.mutate(append([]kasuhara.AuditEntry(nil), good...))
			got := verify(es, head.Seq, head.Hash)
			if tt.wantSeq == 0 {
				if got != nil {
					t.Fatalf("got problem %+v, want none", got)
				}
				return
			}
			if got == nil {
				t.Fatalf("got no problem, want one at entry %d", tt.wantSeq)
			}
			if got.Seq != tt.wantSeq || !strings.Contains(got.Reason, tt.reason) {
				t.Fatalf("got %+v, want entry %d with reason containing %q", got, tt.wantSeq, tt.reason)
			}
		})
	}
}

func TestHashCoversEveryField(t *testing.T) {
	base := chain(t, 1)[0]
	muts := map[string]func(*kasuhara.AuditEntry){
		"Seq": func(e *kasuhara.AuditEntry) { e.Seq++ }, "At": func(e *kasuhara.AuditEntry) { e.At = e.At.Add(time.Microsecond) },
		"OrgID": func(e *kasuhara.AuditEntry) { e.OrgID += "x" }, "ActorID": func(e *kasuhara.AuditEntry) { e.ActorID += "x" },
		"ActorLabel": func(e *kasuhara.AuditEntry) { e.ActorLabel += "x" }, "Action": func(e *kasuhara.AuditEntry) { e.Action += "x" },
		"ObjectType": func(e *kasuhara.AuditEntry) { e.ObjectType += "x" }, "ObjectID": func(e *kasuhara.AuditEntry) { e.ObjectID += "x" },
		"Detail": func(e *kasuhara.AuditEntry) { e.Detail += " " }, "PrevHash": func(e *kasuhara.AuditEntry) { e.PrevHash = "00" },
	}
	for name, m := range muts {
		e := base
		m(&e)
		if Hash(e) == base.Hash {
			t.Errorf("changing %s does not change the hash", name)
		}
	}
	// Field boundaries are unambiguous: moving a character between two
	// adjacent fields changes the hash.
	a, b := base, base
	a.ObjectType, a.ObjectID = "us", "er1"
	b.ObjectType, b.ObjectID = "use", "r1"
	if Hash(a) == Hash(b) {
		t.Error("hash is ambiguous across field boundaries")
	}
}

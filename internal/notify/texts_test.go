package notify

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTextsHaveBothLanguages(t *testing.T) {
	types := append(slices.Clone(EventTypes), GrantTypes...)
	for _, typ := range types {
		for _, lang := range Languages {
			if strings.TrimSpace(mailTitles[typ][lang]) == "" {
				t.Errorf("event type %s has no %s title", typ, lang)
			}
		}
	}
	if got, want := slices.Sorted(maps.Keys(mailTitles)), slices.Sorted(slices.Values(types)); !slices.Equal(got, want) {
		t.Errorf("titles for %v, event types %v", got, want)
	}
	for key, texts := range mailFixed {
		for _, lang := range Languages {
			if strings.TrimSpace(texts[lang]) == "" {
				t.Errorf("text %s has no %s version", key, lang)
			}
		}
		if len(texts) != len(Languages) {
			t.Errorf("text %s has %d languages, want %d", key, len(texts), len(Languages))
		}
	}
}

func TestMailForHoldsOnlyRefLinkAndFixedText(t *testing.T) {
	ev := Event{
		ID:         "EVENTID-0197d3a4",
		OrgSlug:    "ORGSLUG-acme",
		CaseID:     "0197d3a4-5b6c-7d8e-9f00-112233445566",
		CaseRef:    "K-2026-00042",
		OccurredAt: time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC),
	}
	const base = "https://kasuhara.example.jp/"
	const caseID, customerID = "0197d3a4-5b6c-7d8e-9f00-112233445566", "0197d3a4-0000-7d8e-9f00-665544332211"
	var link string
	// Every fixed text, longest first so that none is left half removed.
	var fixed []string
	for _, m := range []map[string]map[string]string{mailTitles, mailFixed, mailDetails} {
		for _, texts := range m {
			fixed = slices.AppendSeq(fixed, maps.Values(texts))
		}
	}
	slices.SortFunc(fixed, func(a, b string) int { return len(b) - len(a) })

	for _, typ := range append(slices.Clone(EventTypes), "case.future_type") {
		for _, lang := range []string{"ja", "en", "en-GB", "fr", ""} {
			for _, urgent := range []bool{false, true} {
				ev.Type, ev.Urgent = typ, urgent
				ev.CaseID, ev.CustomerID, link = caseID, "", base+"cases/"+caseID
				switch typ {
				case MeasureProposed:
					ev.CaseID, ev.CustomerID, link = "", customerID, base+"approvals"
				case MeasureApproved, MeasureRejected:
					ev.CaseID, ev.CustomerID, link = "", customerID, base+"customers/"+customerID+"#measures"
				case CooperationDueSoon, CooperationOverdue:
					link = base + "cooperation/" + caseID // the request's id
				}
				m := MailFor(ev, lang, base)
				wantLang := "ja"
				if strings.HasPrefix(lang, "en") {
					wantLang = "en"
				}
				if m.Lang != wantLang {
					t.Errorf("%s %q: Lang = %q, want %q", typ, lang, m.Lang, wantLang)
				}
				if !strings.Contains(m.Subject, ev.CaseRef) || !strings.Contains(m.Text, ev.CaseRef) || !strings.Contains(m.Text, link) {
					t.Errorf("%s %s: mail lacks the ref or the link:\n%s\n%s", typ, lang, m.Subject, m.Text)
				}
				if strings.Contains(m.Subject, "http") {
					t.Errorf("%s %s: subject %q holds the link", typ, lang, m.Subject)
				}
				if got := strings.Contains(m.Subject, mailFixed["urgent"][wantLang]); got != urgent {
					t.Errorf("%s %s urgent=%v: subject %q", typ, lang, urgent, m.Subject)
				}
				for _, part := range []string{m.Subject, m.Text} {
					rest := strings.ReplaceAll(part, link, "")
					rest = strings.ReplaceAll(rest, ev.CaseRef, "")
					for _, f := range fixed {
						rest = strings.ReplaceAll(rest, f, "")
					}
					if rest = strings.Trim(rest, " :—-\n"); rest != "" {
						t.Errorf("%s %s: mail holds more than ref, link and fixed text: %q", typ, lang, rest)
					}
					for _, leak := range []string{"EVENTID", "ORGSLUG", "2026-04-01"} {
						if strings.Contains(part, leak) {
							t.Errorf("%s %s: mail holds %s", typ, lang, leak)
						}
					}
				}
			}
		}
	}
}

func TestMailForExample(t *testing.T) {
	ev := Event{ID: "e", Type: CaseReported, CaseID: "0197", CaseRef: "K-2026-00042", Urgent: true}
	m := MailFor(ev, "ja", "https://kasuhara.example.jp")
	want := "新しい報告があります（緊急）：K-2026-00042 — https://kasuhara.example.jp/cases/0197\n"
	if !strings.HasPrefix(m.Text, want) {
		t.Fatalf("text = %q, want it to start with %q", m.Text, want)
	}
	if m.Subject != "新しい報告があります（緊急）：K-2026-00042" {
		t.Fatalf("subject = %q", m.Subject)
	}
}

func TestMailSaysWhatChanged(t *testing.T) {
	for _, c := range []struct {
		ev       Event
		lang     string
		want     string
		wantLink string
	}{
		{Event{ID: "e", Type: CaseStateChanged, CaseID: "0197", CaseRef: "K-2026-00042", Detail: "resolved"}, "ja",
			"事案の状況が変わりました：K-2026-00042（解決）", "https://k.example.jp/cases/0197"},
		{Event{ID: "e", Type: CaseOverdue, CaseID: "0197", CaseRef: "K-2026-00042", Detail: "acknowledge"}, "en",
			"A deadline has passed: K-2026-00042 (acknowledgement deadline)", "https://k.example.jp/cases/0197"},
		{Event{ID: "e", Type: MeasureProposed, CustomerID: "c1", CaseRef: "M-0197ABCDEF", Detail: "banned"}, "ja",
			"措置があなたの承認を待っています：M-0197ABCDEF（出入り禁止）", "https://k.example.jp/approvals"},
		{Event{ID: "e", Type: MeasureRejected, CustomerID: "c1", CaseRef: "M-0197ABCDEF", Detail: "warned"}, "en",
			"Your proposed measure was rejected: M-0197ABCDEF (warning)", "https://k.example.jp/customers/c1#measures"},
		// An unknown detail is left out, never printed as it is.
		{Event{ID: "e", Type: CaseStateChanged, CaseID: "0197", CaseRef: "K-2026-00042", Detail: "Taro Yamada"}, "en",
			"A case changed state: K-2026-00042", "https://k.example.jp/cases/0197"},
	} {
		m := MailFor(c.ev, c.lang, "https://k.example.jp")
		if m.Subject != c.want {
			t.Errorf("subject = %q, want %q", m.Subject, c.want)
		}
		if !strings.HasPrefix(m.Text, c.want+" — "+c.wantLink+"\n") {
			t.Errorf("text = %q, want %q and the link %s", m.Text, c.want, c.wantLink)
		}
	}
}

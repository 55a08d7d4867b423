package notify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// A daily digest arrives at the SMTP server as one mail in the reader's
// language: how many unread notifications, one line per case or measure
// saying what changed (repeats counted, not listed), each with its link.
func TestDigestMail(t *testing.T) {
	ctx := context.Background()
	j := DigestJob{ID: "0197d3a4-digest", To: []string{"legal@example.jp"}, Lang: "ja", Date: "2026-12-07", Items: []DigestItem{
		{Type: MeasureProposed, Ref: "M-0197ABCDEF", Detail: "banned", Path: "/approvals", Count: 1},
		{Type: CaseMessage, Ref: "K-2026-00042", Path: "/cases/c42", Count: 3},
		{Type: CaseOverdue, Ref: "K-2026-00043", Detail: "feedback", Path: "/cases/c43", Count: 1},
	}}
	payload, _ := json.Marshal(j)
	s := startSink(t, &sink{})
	m, err := NewMailer("smtp://"+s.addr, testFrom)
	if err != nil {
		t.Fatal(err)
	}
	if err := DigestMailHandler(m, "https://k.example.jp/")(ctx, payload); err != nil {
		t.Fatal(err)
	}
	msgs := s.messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "legal@example.jp" {
		t.Fatalf("received %+v, want one mail to legal@example.jp", msgs)
	}
	p := parse(t, msgs[0].Data)
	if p.Subject != "未読のお知らせ 5 件（2026年12月7日）" || p.Header.Get("Content-Language") != "ja" {
		t.Errorf("subject %q in %q", p.Subject, p.Header.Get("Content-Language"))
	}
	for _, want := range []string{
		"・措置があなたの承認を待っています：M-0197ABCDEF（出入り禁止）\n  https://k.example.jp/approvals\n",
		"・新しいメッセージがあります：K-2026-00042（ほか 2 件）\n  https://k.example.jp/cases/c42\n",
		"・対応期限を過ぎています：K-2026-00043（報告者への回答期限）\n  https://k.example.jp/cases/c43\n",
		"すべてのお知らせ：https://k.example.jp/notifications",
	} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("digest lacks %q:\n%s", want, p.Body)
		}
	}
	if strings.Count(p.Body, "K-2026-00042") != 1 {
		t.Errorf("repeats for one case are listed, not counted:\n%s", p.Body)
	}

	// In English; an empty or broken job fails for good and sends nothing.
	j.Lang = "en"
	if got := DigestMailFor(j, "https://k.example.jp").Subject; got != "5 unread notifications (7 December 2026)" {
		t.Errorf("English subject %q", got)
	}
	for _, bad := range []string{`{`, `{"id":"x","to":["a@example.jp"],"items":[]}`} {
		if err := DigestMailHandler(m, "https://k.example.jp")(ctx, json.RawMessage(bad)); !IsPermanent(err) {
			t.Errorf("payload %s: %v, want a permanent error", bad, err)
		}
	}
	if n := len(s.messages()); n != 1 {
		t.Errorf("%d mails, want 1", n)
	}
}

func TestDigestTextsHaveBothLanguages(t *testing.T) {
	for key, texts := range digestTexts {
		for _, lang := range Languages {
			if strings.TrimSpace(texts[lang]) == "" {
				t.Errorf("digest text %s has no %s version", key, lang)
			}
		}
	}
	for key, texts := range mailDetails {
		for _, lang := range Languages {
			if strings.TrimSpace(texts[lang]) == "" {
				t.Errorf("detail %s has no %s version", key, lang)
			}
		}
	}
}

// TestMailDatesAreWrittenForPeople: the dates a job keeps as 2027-03-31
// reach the reader as 2027年3月31日 or 31 March 2027, never as ISO dates.
func TestMailDatesAreWrittenForPeople(t *testing.T) {
	for _, tt := range []struct {
		lang, want string
	}{
		{"ja", "2027年3月31日"},
		{"en", "31 March 2027"},
	} {
		tr := TrainingMailFor(TrainingMailJob{ID: "t1", To: []string{"a@example.jp"}, Lang: tt.lang, Stage: TrainingDueSoon,
			Course: "カスタマーハラスメントへの対応", Due: "2027-03-31"}, "https://k.example.jp")
		dg := DigestMailFor(DigestJob{ID: "d1", To: []string{"a@example.jp"}, Lang: tt.lang, Date: "2027-03-31",
			Items: []DigestItem{{Type: CaseMessage, Ref: "K-2027-00001", Path: "/cases/c1", Count: 1}}}, "https://k.example.jp")
		for name, text := range map[string]string{"training": tr.Text, "digest": dg.Subject + "\n" + dg.Text} {
			if !strings.Contains(text, tt.want) || strings.Contains(text, "2027-03-31") {
				t.Errorf("%s mail in %s: want %q and no ISO date:\n%s", name, tt.lang, tt.want, text)
			}
		}
	}
}

// A grant request's notification in the digest says what it is in words,
// with no reference to show, and leads to the approvals.
func TestDigestGrantItem(t *testing.T) {
	m := DigestMailFor(DigestJob{ID: "2026-12-06:u", To: []string{"legal@example.jp"}, Lang: "ja", Date: "2026-12-06",
		Items: []DigestItem{{Type: GrantRequested, Detail: "desk", Path: Path(GrantRequested, "g1", "g1"), Count: 1}}}, "https://k.example.jp")
	if !strings.Contains(m.Text, "・権限付与の依頼があなたの承認を待っています\n  https://k.example.jp/approvals\n") {
		t.Errorf("digest text:\n%s", m.Text)
	}
}

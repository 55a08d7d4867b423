package web

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// jsonFixture is a page of cases that reaches every branch of
// appendCaseOut: strings that encoding/json escapes (HTML, quotes, control
// characters, invalid UTF-8, the line separators) and that it does not
// (Japanese), times with and without nanoseconds and in another zone, the
// omitted fields set and empty, the narratives, a nil list.
func jsonFixture() []caseOut {
	t0 := time.Date(2026, 12, 6, 9, 30, 0, 0, time.UTC)
	tn := time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.UTC)
	jst := time.Date(2026, 4, 1, 0, 0, 0, 500000000, kasuhara.JST)
	at := tn.Add(time.Hour)
	strange := []string{"", "plain", "土下座を要求された", `say "hi"`, `back\slash`, "<script>alert(1)</script>", "a & b > c",
		"tab\there\nnew\rline\b\f", "\x00\x01\x1f", "bad \xff\xfe utf-8", "sep\u2028par\u2029", "emoji 😀", "\u007f del"}
	var out []caseOut
	for i, s := range strange {
		c := caseOut{ID: "01J" + s, Ref: "2026-" + s, State: "in_progress", Urgent: i%2 == 0, Consultation: i%3 == 0,
			OccurredAt: []time.Time{t0, tn, jst, {}}[i%4], DurationMinutes: i*7 - 3, Channel: s, Location: s,
			Categories: []string{"violence_abuse", s}, Subtypes: []string{}, DangerOngoing: i%2 == 1, Mine: i%4 == 1,
			HeldForReview: i%5 == 0, AcknowledgeBy: tn, FeedbackBy: jst, Overdue: i%3 == 1, CreatedAt: t0, UpdatedAt: tn}
		if i%2 == 0 {
			c.DepartmentID, c.AssigneeID, c.SecondID, c.Verdict = "dep-"+s, "as-"+s, "sec-"+s, s
		}
		if i%3 == 0 {
			c.AcknowledgedAt, c.ResolvedAt, c.ClosedAt = &at, &tn, &jst
		}
		if i%4 == 2 {
			c.caseNarratives = &caseNarratives{RequestContent: s, Conduct: "大声で" + s, Harm: s, Wishes: s, Witnesses: s,
				Customer: kasuhara.CustomerDetails{Name: s, NameKana: "ヤマダ", Phone: "090-1234-5678", Email: "a<b>@example.jp", Account: s, SNSHandle: "@" + s}}
		}
		if i == 5 {
			c.Subtypes, c.Categories = nil, nil
		}
		out = append(out, c)
	}
	return out
}

// encodingJSON is what the handler wrote with encoding/json.
func encodingJSON(t *testing.T, out []caseOut, next string) []byte {
	t.Helper()
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(map[string]any{"cases": out, "next_cursor": next}); err != nil {
		t.Fatal(err)
	}
	return want.Bytes()
}

// TestCaseListJSONIdentical: the list written by hand is byte for byte what
// encoding/json wrote, case by case and as a page; an empty page too.
func TestCaseListJSONIdentical(t *testing.T) {
	all := jsonFixture()
	for i := range all {
		page := all[i : i+1]
		got, ok := appendCaseList(nil, page, "")
		if want := encodingJSON(t, page, ""); !ok || !bytes.Equal(got, want) {
			t.Errorf("case %d (ok %v):\ngot  %s\nwant %s", i, ok, got, want)
		}
	}
	for _, next := range []string{"", "eyJ0IjoiMjAyNi0xMi0wNlQwOTozMDowMFoiLCJpIjoiMDFKIn0", "<&>"} {
		for _, page := range [][]caseOut{all, {}, nil} {
			got, ok := appendCaseList(nil, page, next)
			if want := encodingJSON(t, page, next); !ok || !bytes.Equal(got, want) {
				t.Errorf("page of %d, next %q (ok %v):\ngot  %s\nwant %s", len(page), next, ok, got, want)
			}
		}
	}
}

// TestCaseListJSONOutOfRange: a time encoding/json refuses is not written
// by hand: the answer is encoding/json's, whatever it is.
func TestCaseListJSONOutOfRange(t *testing.T) {
	page := jsonFixture()[:2]
	page[1].CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, ok := appendCaseList(nil, page, ""); ok {
		t.Fatal("a year past 9999 was written by hand")
	}
	rec := httptest.NewRecorder()
	if err := sendCaseList(rec, page, ""); err != nil {
		t.Fatal(err)
	}
	rec2 := httptest.NewRecorder()
	if err := sendJSON(rec2, 200, map[string]any{"cases": page, "next_cursor": ""}); err != nil {
		t.Fatal(err)
	}
	if rec.Code != rec2.Code || rec.Body.String() != rec2.Body.String() {
		t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body, rec2.Code, rec2.Body)
	}
}

// TestCaseListHeaders: the answer's headers are sendJSON's.
func TestCaseListHeaders(t *testing.T) {
	rec, rec2 := httptest.NewRecorder(), httptest.NewRecorder()
	_ = sendCaseList(rec, jsonFixture(), "x")
	_ = sendJSON(rec2, 200, map[string]any{"cases": jsonFixture(), "next_cursor": "x"})
	for _, h := range []string{"Content-Type", "Cache-Control"} {
		if rec.Header().Get(h) != rec2.Header().Get(h) {
			t.Errorf("%s: %q, want %q", h, rec.Header().Get(h), rec2.Header().Get(h))
		}
	}
	if rec.Code != 200 || rec.Body.String() != rec2.Body.String() {
		t.Errorf("status %d or body differs", rec.Code)
	}
}

// BenchmarkCaseListJSON is a page of 50 summaries written by hand and by
// encoding/json.
func BenchmarkCaseListJSON(b *testing.B) {
	// The summaries as the desk's first page has them: plain strings.
	var page []caseOut
	for len(page) < 50 {
		for _, c := range jsonFixture() {
			c.caseNarratives = nil
			c.ID, c.Ref, c.Channel, c.Location = "01JF8ZQ4K3M5N7P9R1T3V5X7Z9", "2026-000123", "phone", "本店 売り場"
			c.Categories, c.Subtypes = []string{"violence_abuse"}, []string{"shouting"}
			if c.AssigneeID != "" {
				c.DepartmentID, c.AssigneeID, c.SecondID, c.Verdict = c.ID, c.ID, "", "harassment"
			}
			page = append(page, c)
		}
	}
	page = page[:50]
	b.Run("by hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			_ = sendCaseList(rec, page, "next")
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			_ = sendJSON(rec, 200, map[string]any{"cases": page, "next_cursor": "next"})
		}
	})
}

// TestCaseListJSONEveryField: a case whose every field, the narratives'
// and the customer's too, holds a value is written as encoding/json writes
// it, so that a field added to caseOut cannot be left out of the list
// written by hand without this test failing.
func TestCaseListJSONEveryField(t *testing.T) {
	var c caseOut
	fillEvery(reflect.ValueOf(&c).Elem())
	page := []caseOut{c}
	got, ok := appendCaseList(nil, page, "")
	if want := encodingJSON(t, page, ""); !ok || !bytes.Equal(got, want) {
		t.Errorf("every field set (ok %v):\ngot  %s\nwant %s", ok, got, want)
	}
}

// fillEvery sets every settable field below v to a value that is not its
// zero value.
func fillEvery(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillEvery(v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 12, 7, 4, 30, 15, 123000000, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillEvery(v.Field(i))
			}
		}
	case reflect.String:
		v.SetString("値 " + v.Type().Name() + " <&>")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(42)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fillEvery(s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillEvery(k)
		fillEvery(e)
		m.SetMapIndex(k, e)
		v.Set(m)
	}
}

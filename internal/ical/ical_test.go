package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestCalendarIsStrictICalendar(t *testing.T) {
	at := time.Date(2026, 12, 7, 17, 0, 0, 0, time.FixedZone("JST", 9*3600))
	long := strings.Repeat("受付の期限：K-2026-00042、報告者への回答期限; a, b\\c\n", 6)
	c := Calendar{ProdID: "-//Kasuhara//Deadlines//JA", Name: "Kasuhara の期限", Refresh: time.Hour, Events: []Event{
		{UID: "0197d3a4-5b6c-7d8e-9f00-112233445566-acknowledge", At: at, Summary: "受付の期限：K-2026-00042", Description: long,
			URL: "https://kasuhara.example.jp/cases/0197d3a4-5b6c-7d8e-9f00-112233445566"},
		{UID: "0197d3a4-5b6c-7d8e-9f00-112233445566-feedback", At: at.Add(7 * 24 * time.Hour), Summary: "Feedback, due; K-1"},
	}}
	out := c.Bytes(time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC))
	cal, err := Parse(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := cal.Props["X-WR-CALNAME"]; len(got) != 1 || got[0] != "Kasuhara の期限" {
		t.Errorf("calendar name %q", got)
	}
	if got := cal.Props["REFRESH-INTERVAL"]; len(got) != 1 || got[0] != "PT1H" {
		t.Errorf("refresh %q", got)
	}
	if len(cal.Subs) != 2 {
		t.Fatalf("%d events", len(cal.Subs))
	}
	e := cal.Subs[0]
	if e.Props["DTSTART"][0] != "20261207T080000Z" || e.Props["DTSTAMP"][0] != "20261206T030000Z" {
		t.Errorf("times %q %q: want UTC with Z", e.Props["DTSTART"], e.Props["DTSTAMP"])
	}
	// Folding and escaping give back exactly what went in.
	if e.Props["DESCRIPTION"][0] != long {
		t.Errorf("description came back as %q", e.Props["DESCRIPTION"][0])
	}
	if cal.Subs[1].Props["SUMMARY"][0] != "Feedback, due; K-1" {
		t.Errorf("summary came back as %q", cal.Subs[1].Props["SUMMARY"][0])
	}
	if bytes.Count(out, []byte("\r\n ")) < 3 {
		t.Errorf("the long description was not folded:\n%s", out)
	}
}

// Folding never cuts a UTF-8 character, at every position a multi-byte
// character can fall, and each physical line has at most 75 octets.
func TestFoldKeepsCharactersWhole(t *testing.T) {
	for pad := range 4 {
		for _, r := range []string{"あ", "é", "𠮷", "a"} {
			line := "SUMMARY:" + strings.Repeat("x", pad) + strings.Repeat(r, 200)
			var b bytes.Buffer
			fold(&b, line)
			for i, l := range strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n") {
				if len(l) > 75 || !utf8.ValidString(l) {
					t.Fatalf("pad %d %q: line %d is %d octets, valid %v", pad, r, i, len(l), utf8.ValidString(l))
				}
			}
			if got := strings.ReplaceAll(strings.TrimSuffix(b.String(), "\r\n"), "\r\n ", ""); got != line {
				t.Fatalf("pad %d %q: unfolded differs", pad, r)
			}
		}
	}
}

// The strict reader is strict: it refuses what it must.
func TestParseStrictRefuses(t *testing.T) {
	ok := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20261206T030000Z\r\nDTSTART:20261207T080000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if _, err := Parse([]byte(ok)); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]string{
		"LF only":         strings.ReplaceAll(ok, "\r\n", "\n"),
		"long line":       strings.Replace(ok, "PRODID:x", "PRODID:"+strings.Repeat("x", 80), 1),
		"local time":      strings.Replace(ok, "DTSTART:20261207T080000Z", "DTSTART:20261207T170000", 1),
		"no UID":          strings.Replace(ok, "UID:1\r\n", "", 1),
		"bad escape":      strings.Replace(ok, "PRODID:x", "PRODID:a\\x", 1),
		"unclosed":        strings.TrimSuffix(ok, "END:VCALENDAR\r\n"),
		"split character": strings.Replace(ok, "PRODID:x", "PRODID:"+strings.Repeat("a", 66)+"\xe3\x81\r\n \x82", 1),
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

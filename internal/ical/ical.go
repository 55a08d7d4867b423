// Package ical writes iCalendar (RFC 5545) for calendar feeds that
// Outlook and Google Calendar subscribe to: CRLF line ends, lines folded
// at 75 octets without splitting a UTF-8 character, text values escaped,
// times in UTC with Z (no VTIMEZONE needed), a DTSTAMP and a UID in every
// event.
package ical

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// Calendar is a feed: its name, the product that made it, and its events.
type Calendar struct {
	ProdID string // -//Kasuhara//Deadlines//JA
	Name   string // X-WR-CALNAME, what the calendar app shows
	// Refresh is how often clients should fetch again (REFRESH-INTERVAL,
	// X-PUBLISHED-TTL); 0 leaves it to them.
	Refresh time.Duration
	Events  []Event
}

// Event is a deadline: an instant (DTSTART with no DTEND, an event of no
// duration, RFC 5545 3.6.1), its summary, description and page.
type Event struct {
	UID         string
	At          time.Time
	Summary     string
	Description string
	URL         string
}

// maxLine is the longest a content line may be, in octets, without its
// CRLF (RFC 5545 3.1).
const maxLine = 75

// Escape escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon,
// comma and newline.
func Escape(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// fold writes line folded at maxLine octets: each continuation line starts
// with a space, which counts towards its 75, and no UTF-8 character is
// split across lines.
func fold(b *bytes.Buffer, line string) {
	limit := maxLine
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = maxLine - 1
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}

// utc is a DATE-TIME in UTC (FORM #2): 20261207T080000Z.
func utc(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// Bytes is the calendar as a text/calendar body, stamped now.
func (c Calendar) Bytes(now time.Time) []byte {
	var b bytes.Buffer
	w := func(line string) { fold(&b, line) }
	w("BEGIN:VCALENDAR")
	w("VERSION:2.0")
	w("PRODID:" + c.ProdID)
	w("CALSCALE:GREGORIAN")
	w("METHOD:PUBLISH")
	if c.Name != "" {
		w("X-WR-CALNAME:" + Escape(c.Name))
	}
	if c.Refresh > 0 {
		d := "PT" + strings.TrimSuffix(strings.TrimSuffix(c.Refresh.Round(time.Minute).String(), "0s"), "0m")
		d = strings.ToUpper(d)
		w("REFRESH-INTERVAL;VALUE=DURATION:" + d)
		w("X-PUBLISHED-TTL:" + d)
	}
	for _, e := range c.Events {
		w("BEGIN:VEVENT")
		w("UID:" + e.UID)
		w("DTSTAMP:" + utc(now))
		w("DTSTART:" + utc(e.At))
		w("SUMMARY:" + Escape(e.Summary))
		if e.Description != "" {
			w("DESCRIPTION:" + Escape(e.Description))
		}
		if e.URL != "" {
			w("URL:" + e.URL)
		}
		w("TRANSP:TRANSPARENT")
		w("END:VEVENT")
	}
	w("END:VCALENDAR")
	return b.Bytes()
}

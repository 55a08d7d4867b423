package ical

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The reader below is what the tests (here and of the feed's handler)
// hold the writer's output to; the product itself never parses a
// calendar.

// Component is a parsed BEGIN…END block.
type Component struct {
	Name  string
	Props map[string][]string // name → values, unescaped for TEXT
	Subs  []*Component
}

// Parse reads iCalendar as a strict importer would and fails on what
// Outlook or Google may refuse: a line not ended by CRLF, a physical line
// over 75 octets, a fold that splits a UTF-8 character, a property without
// a colon, an unbalanced BEGIN/END, a bad escape, a VCALENDAR without
// VERSION 2.0 or PRODID, a VEVENT without UID, DTSTAMP or DTSTART, a
// DATE-TIME that is not UTC with Z.
func Parse(data []byte) (*Component, error) {
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		return nil, errors.New("the last line does not end with CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	var lines []string
	for i, l := range raw {
		if strings.ContainsAny(l, "\r\n") {
			return nil, fmt.Errorf("line %d: a bare CR or LF", i+1)
		}
		if len(l) > 75 {
			return nil, fmt.Errorf("line %d: %d octets, more than 75", i+1, len(l))
		}
		if !utf8.ValidString(l) {
			return nil, fmt.Errorf("line %d: not valid UTF-8 on its own (a character split by folding)", i+1)
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if len(lines) == 0 {
				return nil, errors.New("a continuation line first")
			}
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	var stack []*Component
	var root *Component
	for i, l := range lines {
		head, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("content line %d %q has no colon", i+1, l)
		}
		name, _, _ := strings.Cut(head, ";")
		switch name {
		case "BEGIN":
			c := &Component{Name: value, Props: map[string][]string{}}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.Subs = append(top.Subs, c)
			} else if root != nil {
				return nil, errors.New("a second top-level component")
			} else {
				root = c
			}
			stack = append(stack, c)
		case "END":
			if len(stack) == 0 || stack[len(stack)-1].Name != value {
				return nil, fmt.Errorf("END:%s does not close the open component", value)
			}
			stack = stack[:len(stack)-1]
		default:
			if len(stack) == 0 {
				return nil, fmt.Errorf("property %s outside a component", name)
			}
			v, err := unescape(value)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			top := stack[len(stack)-1]
			top.Props[name] = append(top.Props[name], v)
		}
	}
	if len(stack) != 0 || root == nil || root.Name != "VCALENDAR" {
		return nil, errors.New("not one closed VCALENDAR")
	}
	if root.Props["VERSION"] == nil || root.Props["VERSION"][0] != "2.0" || root.Props["PRODID"] == nil {
		return nil, errors.New("VCALENDAR without VERSION:2.0 or PRODID")
	}
	uids := map[string]bool{}
	for _, e := range root.Subs {
		if e.Name != "VEVENT" {
			continue
		}
		for _, p := range []string{"UID", "DTSTAMP", "DTSTART"} {
			if len(e.Props[p]) != 1 {
				return nil, fmt.Errorf("VEVENT with %d %s", len(e.Props[p]), p)
			}
		}
		for _, p := range []string{"DTSTAMP", "DTSTART"} {
			if _, err := time.Parse("20060102T150405Z", e.Props[p][0]); err != nil {
				return nil, fmt.Errorf("%s %q is not a UTC DATE-TIME", p, e.Props[p][0])
			}
		}
		if uids[e.Props["UID"][0]] {
			return nil, fmt.Errorf("UID %s twice", e.Props["UID"][0])
		}
		uids[e.Props["UID"][0]] = true
	}
	return root, nil
}

// unescape reads a TEXT value: \\ \; \, \n \N are the only escapes, and a
// bare comma or semicolon would split the value.
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(s) {
			return "", errors.New("a trailing backslash")
		}
		i++
		switch s[i] {
		case '\\', ';', ',':
			b.WriteByte(s[i])
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

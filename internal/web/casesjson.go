package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// The list of cases written without encoding/json (issue 21). A page of 50
// cases has 350 times and 700 fields: encoding/json turned each time into
// JSON through its MarshalJSON and checked that JSON again (time.Time is a
// json.Marshaler), 17 % of the server's time on the desk's first page.
// appendCaseList writes the same bytes in one pass into a reused buffer;
// TestCaseListJSONIdentical compares it with encoding/json, byte for byte,
// on cases chosen to reach every branch.

// caseListBuffers are the buffers of the answers, reused.
var caseListBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// sendCaseList answers {"cases": out, "next_cursor": next} as sendJSON
// would, byte for byte.
func sendCaseList(w http.ResponseWriter, out []caseOut, next string) error {
	bp := caseListBuffers.Get().(*[]byte)
	b, ok := appendCaseList((*bp)[:0], out, next)
	if !ok {
		// A value encoding/json refuses or writes its own way (a time
		// outside the years 0–9999): its answer, whatever it is.
		caseListBuffers.Put(bp)
		return sendJSON(w, http.StatusOK, map[string]any{"cases": out, "next_cursor": next})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	if cap(b) <= 1<<20 {
		*bp = b
		caseListBuffers.Put(bp)
	}
	return nil
}

// appendCaseList appends what json.Encoder (HTML escaped) writes for
// map[string]any{"cases": out, "next_cursor": next}, and false for a value
// it cannot write the same (see sendCaseList).
func appendCaseList(b []byte, out []caseOut, next string) ([]byte, bool) {
	if out == nil {
		b = append(b, `{"cases":null,"next_cursor":`...)
		b = appendJSONString(b, next)
		return append(b, "}\n"...), true
	}
	b = append(b, `{"cases":[`...)
	ok := true
	for i := range out {
		if i > 0 {
			b = append(b, ',')
		}
		b, ok = appendCaseOut(b, &out[i])
		if !ok {
			return b, false
		}
	}
	b = append(b, `],"next_cursor":`...)
	b = appendJSONString(b, next)
	return append(b, "}\n"...), true
}

// appendCaseOut appends c as encoding/json writes caseOut: its fields in
// order, the omitempty ones left out when empty, the narratives only when
// set.
func appendCaseOut(b []byte, c *caseOut) ([]byte, bool) {
	ok := true
	str := func(key, v string) {
		b = append(b, key...)
		b = appendJSONString(b, v)
	}
	boolean := func(key string, v bool) {
		b = append(b, key...)
		b = strconv.AppendBool(b, v)
	}
	tm := func(key string, t time.Time) {
		b = append(b, key...)
		var good bool
		b, good = appendJSONTime(b, t)
		ok = ok && good
	}
	strs := func(key string, vs []string) {
		b = append(b, key...)
		if vs == nil {
			b = append(b, "null"...)
			return
		}
		b = append(b, '[')
		for i, v := range vs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	str(`{"id":`, c.ID)
	str(`,"ref":`, c.Ref)
	str(`,"state":`, c.State)
	boolean(`,"urgent":`, c.Urgent)
	boolean(`,"consultation":`, c.Consultation)
	tm(`,"occurred_at":`, c.OccurredAt)
	b = append(b, `,"duration_minutes":`...)
	b = strconv.AppendInt(b, int64(c.DurationMinutes), 10)
	str(`,"channel":`, c.Channel)
	str(`,"location":`, c.Location)
	if c.DepartmentID != "" {
		str(`,"department_id":`, c.DepartmentID)
	}
	strs(`,"categories":`, c.Categories)
	strs(`,"subtypes":`, c.Subtypes)
	boolean(`,"danger_ongoing":`, c.DangerOngoing)
	if n := c.caseNarratives; n != nil {
		str(`,"request_content":`, n.RequestContent)
		str(`,"conduct":`, n.Conduct)
		str(`,"harm":`, n.Harm)
		str(`,"wishes":`, n.Wishes)
		str(`,"witnesses":`, n.Witnesses)
		cu := &n.Customer
		str(`,"customer":{"name":`, cu.Name)
		str(`,"name_kana":`, cu.NameKana)
		str(`,"phone":`, cu.Phone)
		str(`,"email":`, cu.Email)
		str(`,"account":`, cu.Account)
		str(`,"sns_handle":`, cu.SNSHandle)
		b = append(b, '}')
	}
	boolean(`,"mine":`, c.Mine)
	boolean(`,"held_for_review":`, c.HeldForReview)
	if c.AssigneeID != "" {
		str(`,"assignee_id":`, c.AssigneeID)
	}
	if c.SecondID != "" {
		str(`,"second_id":`, c.SecondID)
	}
	if c.Verdict != "" {
		str(`,"verdict":`, c.Verdict)
	}
	tm(`,"acknowledge_by":`, c.AcknowledgeBy)
	tm(`,"feedback_by":`, c.FeedbackBy)
	boolean(`,"overdue":`, c.Overdue)
	for _, p := range []struct {
		key string
		t   *time.Time
	}{{`,"acknowledged_at":`, c.AcknowledgedAt}, {`,"resolved_at":`, c.ResolvedAt}, {`,"closed_at":`, c.ClosedAt}} {
		if p.t != nil {
			tm(p.key, *p.t)
		}
	}
	tm(`,"created_at":`, c.CreatedAt)
	tm(`,"updated_at":`, c.UpdatedAt)
	return append(b, '}'), ok
}

// appendJSONTime appends t as time.Time's MarshalJSON writes it (RFC 3339
// with nanoseconds, quoted); false where MarshalJSON would refuse it or
// write it otherwise (a year outside 0–9999, an offset with seconds).
func appendJSONTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	if _, off := t.Zone(); off%60 != 0 || off <= -24*3600 || off >= 24*3600 {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}

// appendJSONString appends s quoted as encoding/json writes it with HTML
// escaping: a string of plain characters as it is, any other through
// encoding/json itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return appendJSONStringSlow(b, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			return appendJSONStringSlow(b, s)
		}
		i += size
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendJSONStringSlow(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always encodes; HTML escaped, as the encoder's
	return append(b, q...)
}

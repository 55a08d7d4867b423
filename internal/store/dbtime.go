package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// Reading times cheaply on SQLite (issue 21). The SQLite driver turns a
// DATETIME column into a time.Time by trying Go's time.String layout first
// and the stored layout second; the failed parse allocates, and a page of 50
// cases has 400 times: 16 % of the desk's first page. The list and the case
// page select their times as text on SQLite (caseColumnsFor) and parse the
// stored layout here directly; PostgreSQL's driver decodes a binary
// timestamp and is left as it is.

// caseColumnsFor is caseColumns for engine e: on SQLite the times as text
// (an expression has no declared type, so the driver leaves it a string).
func caseColumnsFor(e sqldb.Engine) string {
	if e == sqldb.SQLite {
		return caseColumnsText
	}
	return caseColumns
}

var caseColumnsText = func() string {
	s := caseColumns
	for _, col := range []string{"occurred_at", "acknowledge_by", "feedback_by", "acknowledged_at", "resolved_at", "closed_at", "created_at", "updated_at"} {
		s = strings.Replace(s, "c."+col+",", "CAST(c."+col+" AS TEXT),", 1)
	}
	return s
}()

// dbTime scans a time given as a time.Time, a string or NULL (Valid false).
type dbTime struct {
	T     time.Time
	Valid bool
}

func (d *dbTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		d.T, d.Valid = time.Time{}, false
		return nil
	case time.Time:
		d.T, d.Valid = v.UTC(), true
		return nil
	case string:
		t, err := readStoredTime(v)
		d.T, d.Valid = t, err == nil
		return err
	case []byte:
		t, err := readStoredTime(string(v))
		d.T, d.Valid = t, err == nil
		return err
	}
	return fmt.Errorf("store: a time column holds %T", v)
}

// dbTimeLayouts are the layouts the SQLite driver reads (its
// parseTimeFormats), the one it writes (_time_format=sqlite) first.
var dbTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// readStoredTime reads a time as SQLite keeps it, in UTC: the layout the driver
// writes ("2006-01-02 15:04:05.999999999-07:00") without allocating, any
// other the driver reads through time.Parse.
func readStoredTime(s string) (time.Time, error) {
	if t, ok := parseStoredTime(s); ok {
		return t, nil
	}
	ts, z := strings.CutSuffix(s, "Z")
	for _, l := range dbTimeLayouts {
		if z && strings.HasSuffix(l, "-07:00") {
			continue
		}
		if t, err := time.Parse(l, ts); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("store: cannot read time %q", s)
}

// parseStoredTime parses "YYYY-MM-DD HH:MM:SS[.fraction]±HH:MM" by hand.
func parseStoredTime(s string) (time.Time, bool) {
	if len(s) < 25 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	i, nsec := 19, 0
	if s[i] == '.' {
		i++
		digits := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if digits < 9 {
				nsec = nsec*10 + int(s[i]-'0')
				digits++
			}
			i++
		}
		if digits == 0 {
			return time.Time{}, false
		}
		for ; digits < 9; digits++ {
			nsec *= 10
		}
	}
	if len(s)-i != 6 || (s[i] != '+' && s[i] != '-') || s[i+3] != ':' {
		return time.Time{}, false
	}
	zh, ok1 := num(i+1, i+3)
	zm, ok2 := num(i+4, i+6)
	if !ok1 || !ok2 || zh > 23 || zm > 59 {
		return time.Time{}, false
	}
	off := (zh*60 + zm) * 60
	if s[i] == '-' {
		off = -off
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // 31 February
		return time.Time{}, false
	}
	return t.Add(-time.Duration(off) * time.Second), true
}

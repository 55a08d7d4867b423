package calendar

import (
	"fmt"
	"strconv"
	"strings"
)

// Unit is the unit of a Duration.
type Unit string

// The units of a Duration, as stored in settings.
const (
	BusinessDays Unit = "business_days" // written bd
	Days         Unit = "days"          // calendar days, written d
	Hours        Unit = "hours"         // written h
)

// The longest clocks a Duration may set, about a year in each unit. A longer
// clock is a typing error rather than a policy.
const (
	MaxBusinessDays = 260
	MaxDays         = 366
	MaxHours        = 366 * 24
)

var unitSuffix = map[Unit]string{BusinessDays: "bd", Days: "d", Hours: "h"}

var maxN = map[Unit]int{BusinessDays: MaxBusinessDays, Days: MaxDays, Hours: MaxHours}

// Duration is the length of a case clock, such as "acknowledge within one
// business day". Its text form is a whole number and a unit: 1bd, 7d, 48h.
type Duration struct {
	N    int
	Unit Unit // BusinessDays, Days or Hours
}

// The clocks a new case gets unless its organisation sets others.
var (
	// DefaultAcknowledge is the time to acknowledge a report: one business
	// day.
	DefaultAcknowledge = Duration{N: 1, Unit: BusinessDays}
	// DefaultFeedback is the time to give the reporter feedback: seven
	// calendar days.
	DefaultFeedback = Duration{N: 7, Unit: Days}
)

// DurationError is the error for a Duration that cannot be parsed or is out
// of range. Reason says what is wrong in words a settings form can show.
type DurationError struct {
	Value  string // the text parsed, or the Duration as "N unit"
	Reason string
}

// Error returns the reason with the value, e.g. calendar: duration "7w":
// unknown unit "w": want bd (business days), d (days) or h (hours).
func (e *DurationError) Error() string {
	return fmt.Sprintf("calendar: duration %q: %s", e.Value, e.Reason)
}

const unitsHelp = "bd (business days), d (days) or h (hours)"

// ParseDuration parses a whole number followed by a unit: bd for business
// days, d for calendar days, h for hours, as in 1bd, 7d or 48h. Nothing else
// is accepted: no sign, space, fraction or upper case. The errors are
// *DurationError.
func ParseDuration(s string) (Duration, error) {
	fail := func(format string, args ...any) (Duration, error) {
		return Duration{}, &DurationError{Value: s, Reason: fmt.Sprintf(format, args...)}
	}
	if s == "" {
		return fail("empty; want a whole number and a unit, such as 1bd, 7d or 48h")
	}
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	switch {
	case i == 0:
		return fail("must start with a whole number, such as 1bd, 7d or 48h")
	case i < 0:
		return fail("missing the unit after %s: %s", s, unitsHelp)
	case s[i] == '.' || s[i] == ',':
		return fail("must be a whole number")
	}
	var unit Unit
	for u, suffix := range unitSuffix {
		if s[i:] == suffix {
			unit = u
		}
	}
	if unit == "" {
		return fail("unknown unit %q: want %s", s[i:], unitsHelp)
	}
	n, err := strconv.Atoi(s[:i])
	if err != nil || n > maxN[unit] {
		return fail("at most %d %s", maxN[unit], strings.ReplaceAll(string(unit), "_", " "))
	}
	d := Duration{N: n, Unit: unit}
	if err := d.Validate(); err != nil {
		err.(*DurationError).Value = s
		return Duration{}, err
	}
	return d, nil
}

// Validate reports a Duration with an unknown unit or a number below 1 or
// above the unit's maximum. The error is a *DurationError.
func (d Duration) Validate() error {
	fail := func(format string, args ...any) error {
		return &DurationError{Value: fmt.Sprintf("%d %s", d.N, d.Unit), Reason: fmt.Sprintf(format, args...)}
	}
	limit, ok := maxN[d.Unit]
	switch {
	case !ok:
		return fail("unknown unit %q: want %s, %s or %s", d.Unit, BusinessDays, Days, Hours)
	case d.N < 1:
		return fail("must be at least 1")
	case d.N > limit:
		return fail("at most %d %s", limit, strings.ReplaceAll(string(d.Unit), "_", " "))
	}
	return nil
}

// String returns the text form, e.g. 1bd. A Duration with an unknown unit
// prints as "N unit", which ParseDuration rejects.
func (d Duration) String() string {
	if suffix, ok := unitSuffix[d.Unit]; ok {
		return strconv.Itoa(d.N) + suffix
	}
	return fmt.Sprintf("%d %s", d.N, d.Unit)
}

// MarshalText writes the text form, refusing an invalid Duration.
func (d Duration) MarshalText() ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads the text form with ParseDuration.
func (d *Duration) UnmarshalText(b []byte) error { return parseInto(d, string(b), ParseDuration) }

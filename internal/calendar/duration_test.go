package calendar

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want Duration
	}{
		{"1bd", Duration{1, BusinessDays}},
		{"7d", Duration{7, Days}},
		{"48h", Duration{48, Hours}},
		{"07d", Duration{7, Days}},
		{"260bd", Duration{MaxBusinessDays, BusinessDays}},
		{"366d", Duration{MaxDays, Days}},
		{"8784h", Duration{MaxHours, Hours}},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "empty"},
		{"bd", "must start with a whole number"},
		{"-1d", "must start with a whole number"},
		{"+1d", "must start with a whole number"},
		{" 1d", "must start with a whole number"},
		{"1", "missing the unit after 1"},
		{"1.5d", "must be a whole number"},
		{"7w", `unknown unit "w"`},
		{"7D", `unknown unit "D"`},
		{"7 d", `unknown unit " d"`},
		{"1bd1", `unknown unit "bd1"`},
		{"0d", "must be at least 1"},
		{"367d", "at most 366 days"},
		{"261bd", "at most 260 business days"},
		{"99999999999999999999h", "at most 8784 hours"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		var de *DurationError
		if !errors.As(err, &de) || de.Value != tt.in || !strings.Contains(de.Reason, tt.want) {
			t.Errorf("ParseDuration(%q) = %v, %v, want a *DurationError with %q", tt.in, got, err, tt.want)
			continue
		}
		if got != (Duration{}) {
			t.Errorf("ParseDuration(%q) returned %v with its error", tt.in, got)
		}
		if !strings.Contains(err.Error(), "calendar: duration "+`"`+tt.in+`"`) {
			t.Errorf("ParseDuration(%q) error %q does not quote the input", tt.in, err)
		}
	}
}

func TestDurationValidate(t *testing.T) {
	tests := []struct {
		d    Duration
		want string
	}{
		{DefaultAcknowledge, ""},
		{DefaultFeedback, ""},
		{Duration{}, `unknown unit ""`},
		{Duration{1, "weeks"}, `unknown unit "weeks": want business_days, days or hours`},
		{Duration{0, Days}, "must be at least 1"},
		{Duration{-1, Hours}, "must be at least 1"},
		{Duration{261, BusinessDays}, "at most 260 business days"},
	}
	for _, tt := range tests {
		err := tt.d.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%#v.Validate() = %v, want %q", tt.d, err, tt.want)
		}
	}
}

func TestDurationString(t *testing.T) {
	tests := []struct {
		d    Duration
		want string
	}{
		{DefaultAcknowledge, "1bd"},
		{DefaultFeedback, "7d"},
		{Duration{48, Hours}, "48h"},
		{Duration{2, "weeks"}, "2 weeks"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.d, got, tt.want)
		}
		if back, err := ParseDuration(tt.want); tt.d.Validate() == nil && (err != nil || back != tt.d) {
			t.Errorf("ParseDuration(%q) = %v, %v, want %v", tt.want, back, err, tt.d)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	type settings struct {
		Acknowledge Duration `json:"acknowledge"`
		Feedback    Duration `json:"feedback"`
	}
	b, err := json.Marshal(settings{DefaultAcknowledge, DefaultFeedback})
	if want := `{"acknowledge":"1bd","feedback":"7d"}`; err != nil || string(b) != want {
		t.Errorf("json.Marshal = %s, %v, want %s", b, err, want)
	}
	var got settings
	if err := json.Unmarshal([]byte(`{"acknowledge":"2bd","feedback":"48h"}`), &got); err != nil ||
		got != (settings{Duration{2, BusinessDays}, Duration{48, Hours}}) {
		t.Errorf("json.Unmarshal = %+v, %v", got, err)
	}
	if err := json.Unmarshal([]byte(`{"acknowledge":"2w"}`), &got); err == nil || !strings.Contains(err.Error(), `unknown unit "w"`) {
		t.Errorf("json.Unmarshal of 2w: %v, want an unknown unit error", err)
	}
	if _, err := json.Marshal(settings{Acknowledge: Duration{0, Days}}); err == nil {
		t.Error("json.Marshal of an invalid Duration succeeded")
	}
}

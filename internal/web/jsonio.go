package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/calendar"
)

var unknownFieldRE = regexp.MustCompile(`unknown field "([^"]+)"`)

// decodeJSON reads one JSON object into dst: application/json only (415),
// within the body limit (413), no unknown fields (422 naming the field),
// malformed JSON 400, a NUL in any string 422 naming its field.
func decodeJSON(r *http.Request, dst any) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		return &kasuhara.Error{Code: kasuhara.EUNSUPPORTED, Message: "send Content-Type: application/json"}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		if field, ok := nulInJSON(reflect.ValueOf(dst), ""); ok {
			return nulError(field)
		}
		return nil
	}
	var mbe *http.MaxBytesError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &te) && te.Field != "":
		return kasuhara.InvalidField(te.Field, kasuhara.FieldWrongType)
	case unknownFieldRE.MatchString(err.Error()):
		return kasuhara.InvalidField(unknownFieldRE.FindStringSubmatch(err.Error())[1], kasuhara.FieldUnknownField)
	case errors.Is(err, io.EOF):
		return &kasuhara.Error{Code: kasuhara.EINVALID, Message: "empty body", Fields: kasuhara.FieldErrors{"body": {Code: kasuhara.FieldRequired}}}
	}
	return &kasuhara.Error{Code: kasuhara.EINVALID, Message: "malformed JSON", Fields: kasuhara.FieldErrors{"body": {Code: kasuhara.FieldMalformed}}}
}

// parseTime reads an RFC 3339 time; "" gives the zero time.
func parseTime(f kasuhara.FieldErrors, field, v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		f.Add(field, kasuhara.FieldDateTime)
	}
	return t
}

// malformedJSONStatus is 400: the body is not JSON at all, as opposed to
// JSON with wrong values (422).
func isMalformed(err error) bool {
	var e *kasuhara.Error
	return errors.As(err, &e) && e.Code == kasuhara.EINVALID && e.Fields["body"].Code != "" && e.Fields["body"].Code != kasuhara.FieldNUL
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// parseDateOrTime accepts 2026-11-27 (a day in Japan) or an RFC 3339 time.
func parseDateOrTime(f kasuhara.FieldErrors, field, v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	if t, err := time.ParseInLocation("2006-01-02", v, calendar.JST); err == nil {
		return t
	}
	return parseTime(f, field, v)
}

// mapped is xs turned into their JSON shape by f; never nil, so that an
// empty list is written [] and not null.
func mapped[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

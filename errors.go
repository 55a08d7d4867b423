package kasuhara

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Error codes. Each maps to one HTTP status in internal/web and to one exit
// status in cmd/kasuhara.
const (
	EINVALID     = "invalid"         // bad input; Fields names the fields
	EUNAUTH      = "unauthenticated" // no or wrong credentials
	EFORBIDDEN   = "forbidden"       // authenticated but not allowed
	ENOTFOUND    = "not_found"       // absent, or present but not visible to the caller
	ECONFLICT    = "conflict"        // would break a uniqueness or state rule
	ETOOLARGE    = "too_large"       // body or file over its limit
	EUNSUPPORTED = "unsupported_media_type"
	ERATELIMITED = "rate_limited"
	EUNAVAILABLE = "unavailable" // the server takes no writes for now (a rolling upgrade)
	EINTERNAL    = "internal"    // anything else; never shown with detail
)

// Error is the error every service returns for a condition a caller can act
// on. Message is safe to show to the user who caused it; it never contains
// another person's data. Fields maps a field name to what is wrong with it.
type Error struct {
	Code    string
	Op      string // the operation, e.g. "store.CreateUser"
	Message string
	Fields  FieldErrors
	Err     error // the underlying cause, logged, never shown
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		fmt.Fprintf(&b, " [%s: %s]", k, e.Fields[k])
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming the fields that are wrong.
func Invalid(fields FieldErrors) *Error {
	names := slices.Sorted(maps.Keys(fields))
	return &Error{Code: EINVALID, Message: "invalid " + strings.Join(names, ", "), Fields: fields}
}

// InvalidField returns an EINVALID error for one field and a code without
// arguments.
func InvalidField(field string, code FieldCode) *Error {
	return Invalid(FieldErrors{field: {Code: code}})
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err, or "" for an internal error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return ""
}

// ErrorFields returns the field errors of err, if any.
func ErrorFields(err error) FieldErrors {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

package kasuhara

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// FieldCode says what is wrong with a field. Each code is one catalogue key,
// "field." followed by the code, whose message fills in the FieldError's
// Args ({{.Min}}); a test checks that every code has a Japanese and an
// English text with the same arguments.
type FieldCode string

// Field error codes.
const (
	FieldRequired          FieldCode = "required"
	FieldTooLong           FieldCode = "too_long"
	FieldTooShort          FieldCode = "too_short" // Min characters
	FieldSingleLine        FieldCode = "single_line"
	FieldEmpty             FieldCode = "empty"
	FieldMalformed         FieldCode = "malformed"
	FieldNUL               FieldCode = "nul" // a NUL byte in text
	FieldWrongType         FieldCode = "wrong_type"
	FieldUnknownField      FieldCode = "unknown_field"
	FieldChoice            FieldCode = "choice"
	FieldOneOf             FieldCode = "one_of" // Values, the allowed values
	FieldDuplicate         FieldCode = "duplicate"
	FieldNumber            FieldCode = "number"
	FieldAtMost            FieldCode = "at_most"       // Max values in a list
	FieldRange             FieldCode = "range"         // Min and Max
	FieldRangeMinutes      FieldCode = "range_minutes" // Min and Max
	FieldRangeDays         FieldCode = "range_days"    // Min and Max
	FieldRangeMonths       FieldCode = "range_months"  // Min and Max
	FieldRangeHours        FieldCode = "range_hours"   // Min and Max
	FieldDate              FieldCode = "date"
	FieldDateTime          FieldCode = "datetime"
	FieldMonth             FieldCode = "month"
	FieldDuration          FieldCode = "duration"
	FieldFuture            FieldCode = "future"
	FieldPast              FieldCode = "past"
	FieldTooOld            FieldCode = "too_old"
	FieldBeforeStart       FieldCode = "before_start"
	FieldSlug              FieldCode = "slug"
	FieldEmail             FieldCode = "email"
	FieldURL               FieldCode = "url"
	FieldPrivateAddress    FieldCode = "private_address"
	FieldHTTPS             FieldCode = "https"
	FieldTaken             FieldCode = "taken"
	FieldMismatch          FieldCode = "mismatch"
	FieldWrongPassword     FieldCode = "wrong_password"
	FieldWrongCode         FieldCode = "wrong_code"
	FieldSamePassword      FieldCode = "same_password"
	FieldSelf              FieldCode = "self"
	FieldNoSuchOrg         FieldCode = "no_such_org"
	FieldNotDepartment     FieldCode = "not_department"
	FieldNotOwnDepartment  FieldCode = "not_own_department"
	FieldNotMember         FieldCode = "not_member"
	FieldNotHandler        FieldCode = "not_handler"
	FieldNotSecond         FieldCode = "not_second"
	FieldSamePerson        FieldCode = "same_person"
	FieldNeedTwo           FieldCode = "need_two"
	FieldExcluded          FieldCode = "excluded"
	FieldLastLegal         FieldCode = "last_legal"
	FieldReporter          FieldCode = "reporter"
	FieldTransition        FieldCode = "transition"
	FieldChannel           FieldCode = "channel"
	FieldUnknownCategory   FieldCode = "unknown_category"
	FieldUnknownSubtype    FieldCode = "unknown_subtype"
	FieldCategoryOrConsult FieldCode = "category_or_consult"
	FieldAccommodation     FieldCode = "accommodation"
	FieldHarassmentManner  FieldCode = "harassment_manner"
	FieldNotCustomerCase   FieldCode = "not_customer_case"
	FieldLookup            FieldCode = "lookup"
	FieldUnlinkable        FieldCode = "unlinkable"
	FieldNotOrgCase        FieldCode = "not_org_case"
	FieldNotClosed         FieldCode = "not_closed"
	FieldHoldTarget        FieldCode = "hold_target"
	FieldFileType          FieldCode = "file_type"
	FieldImageType         FieldCode = "image_type"
	FieldFileTooLarge      FieldCode = "file_too_large"
	FieldTooManyFiles      FieldCode = "too_many_files"
	FieldCourseNoLesson    FieldCode = "course_no_lesson"   // Line
	FieldCourseOrder       FieldCode = "course_order"       // Line
	FieldCourseChoices     FieldCode = "course_choices"     // Line
	FieldCourseNoQuestion  FieldCode = "course_no_question" // Line
	FieldCourseStray       FieldCode = "course_stray"       // Line
	FieldCourseMismatch    FieldCode = "course_mismatch"
	FieldAnswers           FieldCode = "answers"
	FieldConfirmAnonymised FieldCode = "confirm_anonymised"
	FieldHashMismatch      FieldCode = "hash_mismatch" // ID, the evidence record
	FieldKeyReused         FieldCode = "key_reused"
	FieldPending           FieldCode = "pending"
	FieldNoMatch           FieldCode = "no_match" // nothing of that name or number
	FieldImportHeader      FieldCode = "import_header"
	FieldDepartmentCycle   FieldCode = "department_cycle"
	FieldDepartmentDepth   FieldCode = "department_depth" // Min and Max
	FieldImportLine        FieldCode = "import_line"      // Line
	FieldFileRefused       FieldCode = "file_refused"     // Name, the file's name
	FieldFileOverLimit     FieldCode = "file_over_limit"  // Name, the file's name; MB, the limit
	FieldChooseAgain       FieldCode = "choose_again"     // Names, the files' names
	FieldAmbiguous         FieldCode = "ambiguous"
	FieldUnnamedOrNamed    FieldCode = "unnamed_or_named"
	FieldNotOnBehalf       FieldCode = "not_on_behalf"
	FieldNotSpreadsheet    FieldCode = "not_spreadsheet"
	FieldMacroFile         FieldCode = "macro_file"
	FieldFormula           FieldCode = "formula"       // Cell, such as C12
	FieldTooManyRows       FieldCode = "too_many_rows" // Max
	FieldLedgerHeader      FieldCode = "ledger_header"
	FieldUnmatched         FieldCode = "unmatched"    // Value
	FieldNeedsYear         FieldCode = "needs_year"   // the date has no year and none was given
	FieldNoColumn          FieldCode = "no_column"    // Column
	FieldImportState       FieldCode = "import_state" // Value
	FieldForeignDomain     FieldCode = "foreign_domain"
)

// fieldEnglish is each code's English text for logs and the command line,
// which do not use the catalogue. {{.Name}} stands for Args["Name"].
var fieldEnglish = map[FieldCode]string{
	FieldRequired:          "is required",
	FieldTooLong:           "is too long",
	FieldTooShort:          "must be at least {{.Min}} characters",
	FieldSingleLine:        "must be a single line",
	FieldEmpty:             "is empty",
	FieldMalformed:         "is malformed",
	FieldNUL:               "must not contain a NUL character",
	FieldWrongType:         "has the wrong type",
	FieldUnknownField:      "is not a known field",
	FieldChoice:            "is not one of the choices",
	FieldOneOf:             "must be one of {{.Values}}",
	FieldDuplicate:         "contains a duplicate",
	FieldAtMost:            "must list at most {{.Max}}",
	FieldNumber:            "must be a whole number",
	FieldRange:             "must be between {{.Min}} and {{.Max}}",
	FieldRangeMinutes:      "must be between {{.Min}} and {{.Max}} minutes",
	FieldRangeDays:         "must be between {{.Min}} and {{.Max}} days",
	FieldRangeMonths:       "must be between {{.Min}} and {{.Max}} months",
	FieldRangeHours:        "must be between {{.Min}} and {{.Max}} hours",
	FieldDate:              "must be a date such as 2027-03-31",
	FieldDateTime:          "must be a date and time such as 2026-11-27T14:30:00+09:00",
	FieldMonth:             "must be a month such as 2026-04",
	FieldDuration:          "must be a duration such as 1bd (business days), 7d (days) or 48h (hours)",
	FieldFuture:            "must not be in the future",
	FieldPast:              "must be in the future",
	FieldTooOld:            "is too long ago",
	FieldBeforeStart:       "must not be before the start",
	FieldSlug:              "must be 1–40 lower-case letters, digits or hyphens, not starting or ending with a hyphen",
	FieldEmail:             "must be an e-mail address such as name@example.jp",
	FieldURL:               "must be an http:// or https:// address",
	FieldPrivateAddress:    "must not be a private, loopback or link-local address unless the operator allows its network",
	FieldHTTPS:             "must be the https:// address the service gave",
	FieldTaken:             "is taken",
	FieldMismatch:          "does not match",
	FieldWrongPassword:     "is not your current password",
	FieldWrongCode:         "is not the current code of your authenticator app or an unused recovery code (a code is taken once)",
	FieldSamePassword:      "must differ from the current password",
	FieldSelf:              "cannot be applied to your own account",
	FieldNoSuchOrg:         "no such organisation",
	FieldNotDepartment:     "is not a department of this organisation",
	FieldNotOwnDepartment:  "is not a department of your organisation",
	FieldNotMember:         "is not a member of the organisation",
	FieldNoMatch:           "matches nothing of that name or number",
	FieldImportHeader:      "needs a first line naming at least the email and name columns",
	FieldDepartmentCycle:   "is the department itself or one under it",
	FieldDepartmentDepth:   "would make the departments more than {{.Max}} levels deep",
	FieldImportLine:        "line {{.Line}} is not valid CSV",
	FieldNotHandler:        "must be a desk or legal member of the organisation",
	FieldNotSecond:         "must be a desk, legal or supervisor member of the organisation",
	FieldSamePerson:        "must be a different person from the handler",
	FieldNeedTwo:           "a handler and a second person must be assigned: nobody handles a case alone",
	FieldExcluded:          "is excluded from this case",
	FieldLastLegal:         "is the last legal member who sees this case and cannot be excluded",
	FieldReporter:          "is the reporter and cannot be excluded",
	FieldTransition:        "is not a state the case can move to from its current state",
	FieldChannel:           "must be one of phone, in_person, email, chat, letter, social_media, visit_outside, other",
	FieldUnknownCategory:   "contains an unknown category",
	FieldUnknownSubtype:    "contains an unknown subtype",
	FieldCategoryOrConsult: "choose at least one kind of conduct, or mark the report as a consultation",
	FieldAccommodation:     "a request for reasonable accommodation is never harassment",
	FieldHarassmentManner:  "harassment needs means or manner that are inappropriate",
	FieldNotCustomerCase:   "contains a case that does not involve this customer",
	FieldLookup:            "give one of phone, email or account",
	FieldHashMismatch:      "evidence {{.ID}} no longer matches the SHA-256 recorded when it was received; restore the file from a backup",
	FieldUnlinkable:        "is not one you may link",
	FieldNotOrgCase:        "is not a case of your organisation",
	FieldNotClosed:         "the case must be closed first",
	FieldKeyReused:         "was already used for a different request",
	FieldPending:           "has a request waiting for a decision already",
	FieldHoldTarget:        "give a case reference or a customer",
	FieldFileType:          "is not an accepted type: audio, video, images, PDF or text",
	FieldImageType:         "is not an accepted image: PNG, JPEG, GIF or WebP",
	FieldFileTooLarge:      "is larger than the limit",
	FieldTooManyFiles:      "too many files at once",
	FieldFileRefused:       "{{.Name}} is not an accepted type (audio, video, images, PDF or text): choose another file",
	FieldFileOverLimit:     "{{.Name}} is larger than the limit of {{.MB}} MB",
	FieldChooseAgain:       "choose {{.Names}} again: files are not kept when a form is sent back",
	FieldAmbiguous:         "matches more than one person: type the e-mail address",
	FieldUnnamedOrNamed:    "name the employee or mark them as not wanting to be named, not both",
	FieldNotOnBehalf:       "was not taken on your behalf by someone else",
	FieldNotSpreadsheet:    "is not a spreadsheet Kasuhara reads: save it as Excel (.xlsx) or CSV",
	FieldMacroFile:         "contains macros: save it as an Excel workbook without macros (.xlsx) or as CSV",
	FieldFormula:           "cell {{.Cell}} holds a formula: paste the values instead of the formulas and upload again",
	FieldTooManyRows:       "has more than {{.Max}} rows: split it into files of at most {{.Max}} rows",
	FieldLedgerHeader:      "needs a first row naming its columns",
	FieldUnmatched:         "{{.Value}} matches no kind of conduct: choose one for it",
	FieldNeedsYear:         "has no year: give the year of dates written without one",
	FieldNoColumn:          "names the column {{.Column}}, which the file does not have",
	FieldImportState:       "{{.Value}} is neither finished nor open",
	FieldForeignDomain:     "is not an address of the organisation's e-mail domains",
	FieldCourseNoLesson:    "must begin with a lesson: a line starting with ## and the lesson's title (line {{.Line}})",
	FieldCourseOrder:       "has a lesson after the questions: lessons come first (line {{.Line}})",
	FieldCourseChoices:     "has a question without 2 to 6 choices written - [x] or - [ ], at least one marked [x] (line {{.Line}})",
	FieldCourseNoQuestion:  "needs at least one question: a line starting with Q: and its choices (line {{.Line}})",
	FieldCourseStray:       "has a line inside a question that is neither a choice (- [x] or - [ ]) nor an explanation (>) (line {{.Line}})",
	FieldCourseMismatch:    "must have the same questions, choices and correct answers as the Japanese text",
	FieldAnswers:           "must answer every question with choices that exist",
	FieldConfirmAnonymised: "confirm that names, dates, places and anything else that identifies a person were removed",
}

// FieldCodes lists every field error code, sorted.
func FieldCodes() []FieldCode { return slices.Sorted(maps.Keys(fieldEnglish)) }

// English is c's English text with {{.Name}} where an argument goes.
func (c FieldCode) English() string { return fieldEnglish[c] }

// FieldError is what is wrong with one field: a code and the arguments its
// message needs, by name. A value that is a []string is a list.
type FieldError struct {
	Code FieldCode
	Args map[string]any
}

// TooShort is FieldTooShort for a text of at least min characters.
func TooShort(min int) FieldError {
	return FieldError{Code: FieldTooShort, Args: map[string]any{"Min": min}}
}

// OneOf is FieldOneOf for the allowed values.
func OneOf[S ~string](values ...S) FieldError {
	list := make([]string, len(values))
	for i, v := range values {
		list[i] = string(v)
	}
	return FieldError{Code: FieldOneOf, Args: map[string]any{"Values": list}}
}

// Between is code, one of the FieldRange codes, for the bounds min and max.
func Between(code FieldCode, min, max int) FieldError {
	return FieldError{Code: code, Args: map[string]any{"Min": min, "Max": max}}
}

// AtMost is FieldAtMost for a list of at most max values.
func AtMost(max int) FieldError {
	return FieldError{Code: FieldAtMost, Args: map[string]any{"Max": max}}
}

// AtLine is code, one of the FieldCourse codes, for line n of a text.
func AtLine(code FieldCode, n int) FieldError {
	return FieldError{Code: code, Args: map[string]any{"Line": n}}
}

// String is e in English, for logs and the command line.
func (e FieldError) String() string {
	s, ok := fieldEnglish[e.Code]
	if !ok {
		s = string(e.Code)
	}
	for k, v := range e.Args {
		if list, ok := v.([]string); ok {
			v = strings.Join(list, ", ")
		}
		s = strings.ReplaceAll(s, "{{."+k+"}}", fmt.Sprint(v))
	}
	return s
}

// FieldErrors maps a field name to what is wrong with it.
type FieldErrors map[string]FieldError

// Add records code for field unless the field already has an error.
func (f FieldErrors) Add(field string, code FieldCode) {
	f.AddError(field, FieldError{Code: code})
}

// AddError records e for field unless the field already has an error.
func (f FieldErrors) AddError(field string, e FieldError) {
	if _, ok := f[field]; !ok {
		f[field] = e
	}
}

// Err returns an EINVALID *Error when any field has an error, else nil.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f)
}

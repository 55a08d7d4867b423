package kasuhara

// Field error messages. Every message a service puts in Error.Fields is one of
// these, so that the web layer can translate it (the catalogue key is
// "field." followed by the message) and a test can check that each has a
// Japanese and an English text.
const (
	MsgRequired          = "is required"
	MsgTooLong           = "is too long"
	MsgSingleLine        = "must be a single line"
	MsgSlug              = "must be 1–40 lower-case letters, digits or hyphens, not starting or ending with a hyphen"
	MsgEmail             = "must be an e-mail address such as name@example.jp"
	MsgPasswordShort     = "must be at least 12 characters"
	MsgRole              = "must be one of employee, supervisor, desk, legal, analyst, admin"
	MsgLanguage          = "must be ja or en"
	MsgNoSuchOrg         = "no such organisation"
	MsgNotDepartment     = "is not a department of this organisation"
	MsgTaken             = "is taken"
	MsgMismatch          = "does not match"
	MsgWrongPassword     = "is not your current password"
	MsgMalformed         = "is malformed"
	MsgSamePassword      = "must differ from the current password"
	MsgSelf              = "cannot be applied to your own account"
	MsgFuture            = "must not be in the future"
	MsgTooOld            = "is too long ago"
	MsgDuration          = "must be between 0 and 10080 minutes"
	MsgChannel           = "must be one of phone, in_person, email, chat, letter, social_media, visit_outside, other"
	MsgCategory          = "contains an unknown category"
	MsgSubtype           = "contains an unknown subtype"
	MsgDuplicate         = "contains a duplicate"
	MsgCategoryOrConsult = "choose at least one kind of conduct, or mark the report as a consultation"
	MsgChoice            = "is not one of the choices"
	MsgAccommodation     = "a request for reasonable accommodation is never harassment"
	MsgHarassmentManner  = "harassment needs means or manner that are inappropriate"
	MsgDateTime          = "must be a date and time such as 2026-11-27T14:30:00+09:00"
	MsgNumber            = "must be a whole number"
	MsgSamePerson        = "must be a different person from the handler"
	MsgNotHandler        = "must be a desk or legal member of the organisation"
	MsgUnknownField      = "is not a known field"
	MsgTransition        = "is not a state the case can move to from its current state"
	MsgNeedTwo           = "a handler and a second person must be assigned: nobody handles a case alone"
	MsgNotSecond         = "must be a desk, legal or supervisor member of the organisation"
	MsgExcluded          = "is excluded from this case"
	MsgReporter          = "is the reporter and cannot be excluded"
	MsgNotMember         = "is not a member of the organisation"
	MsgWrongType         = "has the wrong type"
	MsgDepartment        = "is not a department of your organisation"
	MsgLimit             = "must be between 1 and 200"
	MsgFileType          = "is not an accepted type: audio, video, images, PDF or text"
	MsgFileTooLarge      = "is larger than the limit"
	MsgFileEmpty         = "is empty"
	MsgTooManyFiles      = "too many files at once"
	MsgDuration2         = "must be a duration such as 1bd (business days), 7d (days) or 48h (hours)"
	MsgContactLimit      = "must be between 5 and 240 minutes"
	MsgURL               = "must be an http:// or https:// address"
	MsgSecretShort       = "must be at least 16 characters"
	MsgPast              = "must be in the future"
	MsgNotCustomerCase   = "contains a case that does not involve this customer"
	MsgLookup            = "give one of phone, email or account"
	MsgReviewIncidents   = "must be between 2 and 100"
	MsgReviewWindow      = "must be between 7 and 3650 days"
	MsgUnknownCase       = "is not one you may link"
	MsgCourseNoLesson    = "must begin with a lesson: a line starting with ## and the lesson's title"
	MsgCourseOrder       = "has a lesson after the questions: lessons come first"
	MsgCourseChoices     = "has a question without 2 to 6 choices written - [x] or - [ ], at least one marked [x]"
	MsgCourseNoQuestion  = "needs at least one question: a line starting with Q: and its choices"
	MsgCourseStray       = "has a line inside a question that is neither a choice (- [x] or - [ ]) nor an explanation (>)"
	MsgCourseMismatch    = "must have the same questions, choices and correct answers as the Japanese text"
	MsgPassMark          = "must be between 1 and 100"
	MsgRecurrence        = "must be between 0 and 120 months"
	MsgDate              = "must be a date such as 2027-03-31"
	MsgNotClosed         = "the case must be closed first"
	MsgConfirmAnonymised = "confirm that names, dates, places and anything else that identifies a person were removed"
	MsgAnswers           = "must answer every question with choices that exist"
	MsgImageType         = "is not an accepted image: PNG, JPEG, GIF or WebP"
	MsgMonth             = "must be a month such as 2026-04"
	MsgMonthOrder        = "must not be before the start"
	MsgKeepMonths        = "must be between 1 and 1200 months"
	MsgHoldTarget        = "give a case reference or a customer"
	MsgNoSuchCase        = "is not a case of your organisation"
)

// FieldMessages lists every field error message.
var FieldMessages = []string{
	MsgRequired, MsgTooLong, MsgSingleLine, MsgSlug, MsgEmail, MsgPasswordShort, MsgRole, MsgLanguage,
	MsgNoSuchOrg, MsgNotDepartment, MsgTaken, MsgMismatch, MsgWrongPassword, MsgMalformed, MsgSamePassword, MsgSelf,
	MsgFuture, MsgTooOld, MsgDuration, MsgChannel, MsgCategory, MsgSubtype, MsgDuplicate, MsgCategoryOrConsult,
	MsgChoice, MsgAccommodation, MsgHarassmentManner, MsgDateTime, MsgNumber, MsgSamePerson, MsgNotHandler, MsgUnknownField,
	MsgTransition, MsgNeedTwo, MsgNotSecond, MsgExcluded, MsgReporter, MsgNotMember, MsgWrongType, MsgDepartment, MsgLimit, MsgFileType, MsgFileTooLarge, MsgFileEmpty, MsgTooManyFiles, MsgDuration2, MsgContactLimit, MsgURL, MsgSecretShort, MsgPast, MsgNotCustomerCase, MsgLookup, MsgReviewIncidents, MsgReviewWindow, MsgUnknownCase,
	MsgCourseNoLesson, MsgCourseOrder, MsgCourseChoices, MsgCourseNoQuestion, MsgCourseStray, MsgCourseMismatch, MsgPassMark, MsgRecurrence,
	MsgDate, MsgNotClosed, MsgConfirmAnonymised, MsgAnswers, MsgImageType, MsgMonth, MsgMonthOrder,
	MsgKeepMonths, MsgHoldTarget, MsgNoSuchCase,
}

package kasuhara

// Field error messages. Every message a service puts in Error.Fields is one of
// these, so that the web layer can translate it (the catalogue key is
// "field." followed by the message) and a test can check that each has a
// Japanese and an English text.
const (
	MsgRequired      = "is required"
	MsgTooLong       = "is too long"
	MsgSingleLine    = "must be a single line"
	MsgSlug          = "must be 1–40 lower-case letters, digits or hyphens, not starting or ending with a hyphen"
	MsgEmail         = "must be an e-mail address such as name@example.jp"
	MsgPasswordShort = "must be at least 12 characters"
	MsgRole          = "must be one of employee, supervisor, desk, legal, analyst, admin"
	MsgLanguage      = "must be ja or en"
	MsgNoSuchOrg     = "no such organisation"
	MsgNotDepartment = "is not a department of this organisation"
	MsgTaken         = "is taken"
	MsgMismatch      = "does not match"
	MsgWrongPassword = "is not your current password"
	MsgMalformed     = "is malformed"
	MsgSamePassword  = "must differ from the current password"
	MsgSelf          = "cannot be applied to your own account"
)

// FieldMessages lists every field error message.
var FieldMessages = []string{
	MsgRequired, MsgTooLong, MsgSingleLine, MsgSlug, MsgEmail, MsgPasswordShort, MsgRole, MsgLanguage,
	MsgNoSuchOrg, MsgNotDepartment, MsgTaken, MsgMismatch, MsgWrongPassword, MsgMalformed, MsgSamePassword, MsgSelf,
}

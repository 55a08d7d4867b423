// Package identity turns what a reporter typed about a customer (a name, its
// reading, a phone number, an e-mail address, a customer account number, a
// social-media handle) into match keys, so that the same customer is
// recognised across reports written by different people in different forms.
//
// A key is a canonical string: two inputs denote the same identifier exactly
// when their keys are equal and not empty. An empty key means "not given or
// not usable"; empty keys never match anything.
//
// Keys only propose: Similar scores a pair of customers so that the desk can
// be shown possible duplicates, and a person decides whether to merge them.
// Nothing in this package merges records.
//
// Keys are personal data. Store and compare them like the identifiers they
// come from, and never log them.
package identity

// Keys are the match keys of one customer as a report describes them. A field
// is empty when the report did not give the identifier or gave one that is not
// valid.
type Keys struct {
	Phone    string // E.164, e.g. +819012345678 (Phone)
	Email    string // folded address (Email)
	Name     string // name key (Name)
	NameKana string // reading key, hiragana only (NameKana)
	Account  string // customer or membership number (Account)
	Handle   string // social-media handle without @ or URL (Handle)
}

// KeysOf computes the keys of the identifiers of one customer. Invalid
// identifiers (a phone number that is not one, an address without a domain)
// leave their field empty rather than failing: a report must be accepted even
// when what the reporter noted down is incomplete.
//
// When nameKana gives no reading but the name itself is written only in kana
// (やまだ たろう, ﾔﾏﾀﾞ ﾀﾛｳ), the name also serves as the reading, so that it
// meets 山田太郎 with the reading ヤマダタロウ in another report.
func KeysOf(name, nameKana, phone, email, account, handle string) Keys {
	k := Keys{
		Name:     Name(name),
		NameKana: NameKana(nameKana),
		Account:  Account(account),
		Handle:   Handle(handle),
	}
	if k.NameKana == "" && k.Name != "" && isKanaOnly(k.Name) {
		k.NameKana = k.Name
	}
	if p, ok := Phone(phone); ok {
		k.Phone = p
	}
	if e, ok := Email(email); ok {
		k.Email = e
	}
	return k
}

// Empty reports whether no identifier gave a key.
func (k Keys) Empty() bool {
	return k == Keys{}
}

// Weights of Similar. A strong identifier (phone, e-mail address, account,
// handle) names one customer; a name does not (there are many 佐藤 and
// 鈴木, and a reading is shared by different kanji: 太郎 and 太朗 are both
// たろう).
const (
	WeightPhone    = 50
	WeightEmail    = 50
	WeightAccount  = 50
	WeightHandle   = 40 // the key does not say on which platform the handle is
	WeightName     = 20
	WeightNameKana = 10

	// StrongScore is the least score reached when at least one strong
	// identifier is shared. Names alone (WeightName + WeightNameKana = 30)
	// stay below it.
	StrongScore = 40
)

// Reasons given by Similar, one per shared key, in this order. They are
// stable codes, fit for translation keys.
const (
	ReasonPhone    = "phone"
	ReasonEmail    = "email"
	ReasonAccount  = "account"
	ReasonHandle   = "handle"
	ReasonName     = "name"
	ReasonNameKana = "name_kana"
)

// Similar scores how likely a and b are the same customer, for proposing
// possible duplicates to a person; it never decides by itself. The score is
// the sum of the weights of the keys that both have and that are equal:
//
//	phone     50  strong
//	email     50  strong
//	account   50  strong
//	handle    40  strong (the same handle on two platforms may be two people)
//	name      20  weak: common names are shared by many people
//	name_kana 10  weaker: a reading is shared by different kanji
//
// So a score of StrongScore (40) or more means at least one strong
// identifier is shared and the pair is worth showing as a likely duplicate;
// 10 to 30 means only the name matches, which is worth showing only beside
// other evidence (the same department, the same days); 0 means nothing is
// shared. Keys that differ do not lower the score: one person may have
// several phones and addresses. reasons lists the shared keys (ReasonPhone,
// …) in the order of the table.
func Similar(a, b Keys) (score int, reasons []string) {
	for _, f := range []struct {
		x, y   string
		weight int
		reason string
	}{
		{a.Phone, b.Phone, WeightPhone, ReasonPhone},
		{a.Email, b.Email, WeightEmail, ReasonEmail},
		{a.Account, b.Account, WeightAccount, ReasonAccount},
		{a.Handle, b.Handle, WeightHandle, ReasonHandle},
		{a.Name, b.Name, WeightName, ReasonName},
		{a.NameKana, b.NameKana, WeightNameKana, ReasonNameKana},
	} {
		if f.x != "" && f.x == f.y {
			score += f.weight
			reasons = append(reasons, f.reason)
		}
	}
	return score, reasons
}

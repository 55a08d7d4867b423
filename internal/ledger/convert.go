package ledger

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"golang.org/x/text/unicode/norm"
)

// errNeedsYear: a date written without its year (5月1日) and no year given.
var errNeedsYear = errors.New("ledger: the date has no year")

// eraStart is the Gregorian year before an era's first year, by the
// letters and names Japanese write it with.
var eraStart = map[string]int{"令和": 2018, "R": 2018, "平成": 1988, "H": 1988, "昭和": 1925, "S": 1925}

var (
	eraDate   = regexp.MustCompile(`^(令和|平成|昭和|R|H|S)\s*(元|\d{1,2})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?`)
	isoDate   = regexp.MustCompile(`^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?`)
	shortDate = regexp.MustCompile(`^(\d{1,2})\s*[月/]\s*(\d{1,2})\s*日?`)
	clock     = regexp.MustCompile(`^[T\s]*(?:\(.\)|（.）)?\s*(\d{1,2})\s*[:時]\s*(\d{1,2})?\s*分?`)
	weekday   = regexp.MustCompile(`^\s*(?:\(.\)|（.）)`)
)

// ParseDate reads a date, and a time when one follows, as Japanese write
// them in a ledger: 令和6年5月1日, 令和元年5月1日, R6.5.1, H31/4/30,
// 2024/5/1, 2024-05-01, 2024年5月1日, 5月1日 and 5/1 (in year; an error
// when year is 0), optionally with a weekday (（水）) and a time (14:30,
// 14時30分); or an Excel date serial number (45413, 45413.5). The result
// is in Japan time.
func ParseDate(s string, year int) (time.Time, error) {
	s = strings.TrimSpace(norm.NFKC.String(s))
	if s == "" {
		return time.Time{}, errors.New("ledger: empty date")
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		// Excel's serial days since 1899-12-30 (its 1900 system), from
		// 1990 to 2100.
		if f < 32874 || f > 73051 {
			return time.Time{}, errors.New("ledger: a number out of the range of dates")
		}
		days := int(f)
		t := time.Date(1899, 12, 30, 0, 0, 0, 0, kasuhara.JST).AddDate(0, 0, days)
		return t.Add(time.Duration((f - float64(days)) * 24 * float64(time.Hour)).Round(time.Minute)), nil
	}
	var y, m, d int
	var rest string
	switch {
	case eraDate.MatchString(s):
		g := eraDate.FindStringSubmatch(s)
		n := 1
		if g[2] != "元" {
			n, _ = strconv.Atoi(g[2])
		}
		y = eraStart[g[1]] + n
		m, _ = strconv.Atoi(g[3])
		d, _ = strconv.Atoi(g[4])
		rest = s[len(g[0]):]
	case isoDate.MatchString(s):
		g := isoDate.FindStringSubmatch(s)
		y, _ = strconv.Atoi(g[1])
		m, _ = strconv.Atoi(g[2])
		d, _ = strconv.Atoi(g[3])
		rest = s[len(g[0]):]
	case shortDate.MatchString(s):
		if year == 0 {
			return time.Time{}, errNeedsYear
		}
		g := shortDate.FindStringSubmatch(s)
		y = year
		m, _ = strconv.Atoi(g[1])
		d, _ = strconv.Atoi(g[2])
		rest = s[len(g[0]):]
	default:
		return time.Time{}, errors.New("ledger: not a date")
	}
	hh, mm := 0, 0
	rest = strings.TrimSpace(rest)
	if rest != "" {
		if g := clock.FindStringSubmatch(rest); g != nil {
			hh, _ = strconv.Atoi(g[1])
			mm, _ = strconv.Atoi(g[2])
			rest = rest[len(g[0]):]
		} else if g := weekday.FindString(rest); g != "" {
			rest = rest[len(g):]
		}
		if strings.TrimSpace(rest) != "" {
			return time.Time{}, errors.New("ledger: more than a date")
		}
	}
	t := time.Date(y, time.Month(m), d, hh, mm, 0, 0, kasuhara.JST)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d || hh > 23 || mm > 59 {
		return time.Time{}, errors.New("ledger: no such date")
	}
	return t, nil
}

// written reports whether a date cell gives its year (anything but 5月1日
// or 5/1).
func written(s string) bool {
	return !shortDate.MatchString(strings.TrimSpace(norm.NFKC.String(s)))
}

// keywords match a ledger's words for kinds of conduct to a subtype or a
// category, in order (the first that the word contains wins). The exact
// codes and the catalogue's Japanese names come first (Match).
var keywords = []struct{ word, to string }{
	{"土下座", "kneeling_demand"}, {"暴行", "physical_attack"}, {"暴力", "physical_attack"}, {"殴", "physical_attack"},
	{"蹴", "physical_attack"}, {"脅迫", "threat"}, {"脅", "threat"}, {"威嚇", "threat"}, {"暴言", "insult"},
	{"侮辱", "insult"}, {"罵", "insult"}, {"人格否定", "insult"}, {"怒鳴", "shouting"}, {"大声", "shouting"},
	{"差別", "discriminatory"}, {"セクハラ", "sexual"}, {"性的", "sexual"}, {"金銭", "money_demand"},
	{"賠償", "money_demand"}, {"返金", "money_demand"}, {"解雇", "dismissal_demand"}, {"辞めさせ", "dismissal_demand"},
	{"クビ", "dismissal_demand"}, {"個人情報", "personal_info_demand"}, {"過剰", "unreasonable_demand"},
	{"不当", "unreasonable_demand"}, {"無理な要求", "unreasonable_demand"}, {"長時間", "long_contact"},
	{"居座", "refusal_to_leave"}, {"繰り返し", "repeated_contact"}, {"何度も", "repeated_contact"},
	{"呼び出", "summoning"}, {"呼びつけ", "summoning"}, {"拘束", "time_place_constraint"}, {"撮影", "filming"},
	{"つきまと", "stalking"}, {"ストーカー", "stalking"}, {"口コミ", "review_bombing"}, {"レビュー", "review_bombing"},
	{"誹謗中傷", "sns_post"}, {"SNS", "sns_post"}, {"ネット", "online_defamation"},
}

// names are the product's Japanese names of the categories (docs/glossary.md).
var names = map[string]string{
	"暴力・暴言": "violence_abuse", "過剰・不当な要求": "unreasonable_demand", "時間的・場所的拘束": "time_place_constraint",
	"その他の嫌がらせ": "other_harassment", "SNS・インターネットでの誹謗中傷": "online_defamation", "相談": kasuhara.ImportConsultation,
}

// Match finds the category or subtype a ledger's word means: its code, the
// product's name of a category, or a keyword it contains; "" when none.
func Match(word string) string {
	w := strings.TrimSpace(norm.NFKC.String(word))
	lw := strings.ToLower(w)
	if slices.Contains(kasuhara.Categories, kasuhara.Category(lw)) || slices.Contains(kasuhara.Subtypes, lw) {
		return lw
	}
	if to, ok := names[w]; ok {
		return to
	}
	for _, k := range keywords {
		if strings.Contains(strings.ToUpper(w), strings.ToUpper(k.word)) {
			return k.to
		}
	}
	return ""
}

// splitWords splits a cell of kinds of conduct into its words.
var splitWords = regexp.MustCompile(`[、,，/／;；\n]+`)

// channels match a ledger's word for how the conduct happened.
var channels = []struct{ word, to string }{
	{"電話", "phone"}, {"TEL", "phone"}, {"メール", "email"}, {"MAIL", "email"}, {"チャット", "chat"},
	{"手紙", "letter"}, {"書面", "letter"}, {"郵送", "letter"}, {"SNS", "social_media"}, {"訪問", "visit_outside"},
	{"対面", "in_person"}, {"来店", "in_person"}, {"店頭", "in_person"}, {"窓口", "in_person"}, {"来所", "in_person"},
}

// Channel reads how the conduct happened; "other" when the ledger says
// something else or nothing.
func Channel(s string) string {
	w := strings.ToUpper(strings.TrimSpace(norm.NFKC.String(s)))
	if slices.Contains(kasuhara.Channels, strings.ToLower(w)) {
		return strings.ToLower(w)
	}
	for _, c := range channels {
		if strings.Contains(w, c.word) {
			return c.to
		}
	}
	return "other"
}

var (
	closedWords = []string{"完了", "解決", "済", "終了", "クローズ", "CLOSED", "RESOLVED", "DONE"}
	openWords   = []string{"対応中", "未対応", "未完了", "継続", "調査中", "OPEN", "IN PROGRESS", "未"}
)

// State reads the state a row says: closed (the default for an empty
// cell: a ledger holds past incidents) or acknowledged for one still
// open; ok is false for anything else.
func State(s string) (kasuhara.CaseState, bool) {
	w := strings.ToUpper(strings.TrimSpace(norm.NFKC.String(s)))
	if w == "" {
		return kasuhara.StateClosed, true
	}
	for _, o := range []string{"未完了", "未解決", "未対応"} {
		if strings.Contains(w, o) {
			return kasuhara.StateAcknowledged, true
		}
	}
	for _, c := range closedWords {
		if strings.Contains(w, c) {
			return kasuhara.StateClosed, true
		}
	}
	for _, o := range openWords {
		if strings.Contains(w, o) {
			return kasuhara.StateAcknowledged, true
		}
	}
	return "", false
}

// Convert reads every row of l by m: the report each would file, the state
// it says (a date without its year in the year of the row above, else in
// year), and its problems by field (the date, a required text, a number,
// a word of conduct that matches nothing and that m.Values does not give).
// It checks what needs no database; the department's name is left to the
// caller. now bounds the dates.
func Convert(l *kasuhara.Ledger, m kasuhara.CaseImportMapping, year int, now time.Time) *kasuhara.CaseImportResult {
	col := map[string]int{}
	for field, name := range m.Columns {
		if i := slices.Index(l.Headers, name); i >= 0 && name != "" {
			col[field] = i
		}
	}
	cell := func(r kasuhara.LedgerRow, field string) string {
		i, ok := col[field]
		if !ok || i >= len(r.Cells) {
			return ""
		}
		return strings.TrimSpace(r.Cells[i])
	}
	out := &kasuhara.CaseImportResult{Unmatched: map[string][]int{}}
	var prev time.Time // the date of the row above, in the sheet's order
	for _, row := range l.Rows {
		line := kasuhara.CaseImportLine{Row: row.Number, Problems: kasuhara.FieldErrors{}}
		p := line.Problems
		rep := &line.Report
		// A date without its year takes the year from the sheet: the row
		// above's full date (a ledger runs in order; a month earlier than
		// the row above's is the next year), else the year asked.
		y := year
		if !prev.IsZero() {
			y = prev.Year()
			if t, err := ParseDate(cell(row, "occurred_at"), y); err == nil && !written(cell(row, "occurred_at")) && t.Month() < prev.Month() {
				y++
			}
		}
		if t, err := ParseDate(cell(row, "occurred_at"), y); err != nil {
			switch {
			case cell(row, "occurred_at") == "":
				p.Add("occurred_at", kasuhara.FieldRequired)
			case errors.Is(err, errNeedsYear):
				p.Add("occurred_at", kasuhara.FieldNeedsYear)
			default:
				p.Add("occurred_at", kasuhara.FieldDate)
			}
		} else {
			rep.OccurredAt = t
			prev = t
		}
		rep.Conduct, rep.RequestContent, rep.Harm = cell(row, "conduct"), cell(row, "request_content"), cell(row, "harm")
		rep.Wishes, rep.Witnesses, rep.Location = cell(row, "wishes"), cell(row, "witnesses"), cell(row, "location")
		rep.Channel = Channel(cell(row, "channel"))
		rep.Customer = kasuhara.CustomerDetails{Name: cell(row, "customer_name"), NameKana: cell(row, "customer_name_kana"),
			Phone: cell(row, "customer_phone"), Email: cell(row, "customer_email"), Account: cell(row, "customer_account")}
		line.Customer = rep.Customer != kasuhara.CustomerDetails{}
		line.Department = cell(row, "department")
		if d := cell(row, "duration_minutes"); d != "" {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(norm.NFKC.String(d), "分"), "min"))
			if err != nil {
				p.Add("duration_minutes", kasuhara.FieldNumber)
			}
			rep.DurationMinutes = n
		}
		st, ok := State(cell(row, "state"))
		if !ok {
			p.AddError("state", kasuhara.FieldError{Code: kasuhara.FieldImportState, Args: map[string]any{"Value": cell(row, "state")}})
		}
		line.State = st
		for _, w := range splitWords.Split(cell(row, "categories"), -1) {
			w = strings.TrimSpace(w)
			if w == "" {
				continue
			}
			to, given := m.Values[w]
			if !given {
				to = Match(w)
			}
			switch {
			case to == kasuhara.ImportConsultation:
				rep.Consultation = true
			case slices.Contains(kasuhara.Subtypes, to):
				rep.Subtypes = append(rep.Subtypes, to)
			case slices.Contains(kasuhara.Categories, kasuhara.Category(to)):
				rep.Categories = append(rep.Categories, kasuhara.Category(to))
			default:
				out.Unmatched[w] = append(out.Unmatched[w], row.Number)
				p.AddError("categories", kasuhara.FieldError{Code: kasuhara.FieldUnmatched, Args: map[string]any{"Value": w}})
			}
		}
		rep.Normalize()
		if len(rep.Categories) == 0 && !rep.Consultation && p["categories"].Code == "" {
			// A past incident the ledger gives no kind for is kept as a
			// consultation rather than refused: the desk judges it.
			rep.Consultation = true
		}
		for k, e := range kasuhara.ErrorFields(rep.Validate(now)) {
			if k == "customer.name" || strings.HasPrefix(k, "customer.") {
				k = "customer_" + strings.TrimPrefix(k, "customer.")
			}
			if k == "channel" {
				continue // Channel always answers one
			}
			p.AddError(k, e)
		}
		for _, f := range []string{"conduct", "request_content", "harm", "wishes", "witnesses"} {
			if utf8.RuneCountInString(cell(row, f)) > kasuhara.MaxLedgerCell {
				p.Add(f, kasuhara.FieldTooLong)
			}
		}
		if len(p) > 0 {
			out.Problems++
		}
		out.Lines = append(out.Lines, line)
	}
	return out
}

// Guess proposes a mapping from the header's names as ledgers commonly
// write them (発生日, 内容, 分類, …): a start the person corrects.
func Guess(headers []string) kasuhara.CaseImportMapping {
	hints := []struct{ field, words string }{
		{"occurred_at", "発生日時,発生日,日時,日付,年月日,受付日,date"},
		{"conduct", "内容,概要,言動,詳細,状況,経緯,conduct"},
		{"categories", "分類,類型,種類,種別,区分,category"},
		{"channel", "経路,手段,方法,媒体,channel"},
		{"location", "場所,店舗名,発生場所,location"},
		{"department", "部署,所属,店舗,部門,department"},
		{"duration_minutes", "時間（分）,対応時間,所要時間,分数,minutes"},
		{"request_content", "要求,要望,request"},
		{"harm", "被害,影響,harm"},
		{"wishes", "希望,wishes"},
		{"witnesses", "目撃,同席,witness"},
		{"state", "状況区分,対応状況,ステータス,状態,進捗,state,status"},
		{"customer_name", "顧客名,お客様名,氏名,相手,customer"},
		{"customer_name_kana", "フリガナ,ふりがな,カナ,kana"},
		{"customer_phone", "電話番号,電話,TEL,phone"},
		{"customer_email", "メール,mail"},
		{"customer_account", "会員番号,顧客番号,account"},
	}
	m := kasuhara.CaseImportMapping{Columns: map[string]string{}}
	used := map[string]bool{}
	for _, h := range hints {
		for _, w := range strings.Split(h.words, ",") {
			i := slices.IndexFunc(headers, func(name string) bool {
				return !used[name] && strings.Contains(strings.ToLower(norm.NFKC.String(name)), strings.ToLower(norm.NFKC.String(w)))
			})
			if i >= 0 {
				m.Columns[h.field], used[headers[i]] = headers[i], true
				break
			}
		}
	}
	return m
}

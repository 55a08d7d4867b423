package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// Name returns the match key of a person's or company's name, or "" when s
// names nobody (empty, only punctuation, an honorific alone, or a
// placeholder such as 不明 or お客様).
//
// Variants of writing that a reporter cannot be expected to get right fold
// together: NFKC and width folding (ﾔﾏﾀﾞ → ヤマダ, Ｔａｒｏ → taro), katakana to
// hiragana (ヤマダ → やまだ), case (TARO → taro), spaces of any kind, middle
// dots and the separators of foreign names (ジョン・スミス, John Q. Smith),
// zero-width characters and variation selectors, and a few kanji that are
// glyph variants of one name kanji (髙 → 高, 﨑 → 崎, 邉 → 辺; see nameKanji).
// So 山田 太郎, 山田太郎 and 山田太郎様 share one key, and so do ﾔﾏﾀﾞ ﾀﾛｳ,
// ヤマダタロウ and やまだたろう. Kanji and kana spellings of one name do not:
// that is what the reading (NameKana) is for.
//
// Honorifics are dropped (up to three in a row), only where they cannot be
// part of the name:
//   - at the end: 様, 殿, 氏 and 御中 (for a company) after anything;
//     hiragana さま and さん after kanji, katakana, Latin or a space
//     (山田さん, ヤマダさま, やまだ さん), but not straight after hiragana,
//     where they may be the end of the name (おさん, or ハッサン once folded),
//     so やまださん keeps its さん while やまだ さん does not;
//     katakana サマ and サン and Latin san and sama only as a separate word
//     (ﾔﾏﾀﾞ ｻﾏ, Yamada-san), because ハッサン and オサマ are names;
//   - at the start: Mr, Mrs, Ms, Miss and Mx when followed by a dot or a
//     space (Mr. Smith, MS SMITH), so that Msizi keeps its first letters.
//
// Other honorifics (くん, ちゃん, 先生) are kept: reporters do not use them
// for customers, and stripping them would shorten names that end so.
func Name(s string) string {
	return nameKey(s, false)
}

// NameKana returns the match key of a name's reading (the フリガナ field):
// the same folding as Name, after which only kana are kept (in hiragana, with
// the long-vowel mark ー). Anything else (kanji, Latin letters, brackets) is
// dropped, so ヤマダ タロウ, ﾔﾏﾀﾞ ﾀﾛｳ 様 and やまだ・たろう all give やまだたろう.
// Spelling variants of a reading (タロー and たろう) stay different.
func NameKana(s string) string {
	return nameKey(s, true)
}

func nameKey(s string, kanaOnly bool) string {
	s = fold(width.Fold.String(norm.NFKC.String(s)))
	s = strings.Map(func(r rune) rune {
		if isInvisible(r) {
			return -1
		}
		return r
	}, s)
	s = trimSeparators(s)
	s = stripTitle(s)
	s = stripHonorifics(s)

	var b strings.Builder
	for _, r := range s {
		if isNameSeparator(r) {
			continue
		}
		if v, ok := nameKanji[r]; ok {
			r = v
		}
		r = toHiragana(r)
		if kanaOnly && !isKana(r) {
			continue
		}
		b.WriteRune(r)
	}
	// Dropping a separator can bring a combining mark next to the letter
	// before it (ｶ ﾞ, A ̃): compose them, so that the key is the key of
	// itself.
	key := norm.NFC.String(b.String())
	if placeholders[key] || !strings.ContainsFunc(key, unicode.IsLetter) {
		return ""
	}
	return key
}

// titles are the Latin honorifics dropped at the start of a name, longest
// first so that "mrs" is not read as "mr" and "s".
var titles = []string{"miss", "mrs", "mr", "ms", "mx"}

// stripTitle drops a leading title followed by a dot or a separator.
func stripTitle(s string) string {
	for _, t := range titles {
		rest, ok := strings.CutPrefix(s, t)
		if !ok || rest == "" {
			continue
		}
		r, _ := utf8.DecodeRuneInString(rest)
		if r != '.' && !isNameSeparator(r) {
			continue
		}
		if rest = trimSeparators(strings.TrimLeft(rest, ".")); rest != "" {
			return rest
		}
	}
	return s
}

// Honorifics dropped at the end of a name.
var (
	// kanjiHonorifics are never the end of a name.
	kanjiHonorifics = []string{"御中", "様", "殿", "氏"}
	// kanaHonorifics may end a name written in hiragana, so they are
	// honorifics only after another script or a separator.
	kanaHonorifics = []string{"さま", "さん"}
	// wordHonorifics are honorifics only as a separate word: ハッサン, オサマ
	// and Osama are names.
	wordHonorifics = []string{"サマ", "サン", "sama", "san"}
)

// stripHonorifics drops up to three honorifics at the end of s, in any
// order (山田様 さん is unlikely but costs nothing).
func stripHonorifics(s string) string {
	for range 3 {
		before := s
		for _, h := range kanjiHonorifics {
			if rest, ok := strings.CutSuffix(s, h); ok && trimSeparators(rest) != "" {
				s = trimSeparators(rest)
			}
		}
		for _, h := range kanaHonorifics {
			rest, ok := strings.CutSuffix(s, h)
			if !ok || trimSeparators(rest) == "" {
				continue
			}
			if r, _ := utf8.DecodeLastRuneInString(rest); isNameSeparator(r) || !isHiragana(r) {
				s = trimSeparators(rest)
			}
		}
		for _, h := range wordHonorifics {
			rest, ok := strings.CutSuffix(s, h)
			if !ok {
				continue
			}
			r, _ := utf8.DecodeLastRuneInString(rest)
			if (isNameSeparator(r) || r == '-') && trimSeparators(strings.TrimRight(rest, "-")) != "" {
				s = trimSeparators(strings.TrimRight(rest, "-"))
			}
		}
		if s == before {
			break
		}
	}
	return s
}

// isNameSeparator reports whether r only separates the parts of a name.
func isNameSeparator(r rune) bool {
	switch r {
	case '・', // katakana middle dot (half-width ･ is folded to it by NFKC)
		'·', '‧', '•', // other middle dots
		'゠', '=', // double hyphens of foreign names (ジョン゠スミス)
		'.', ',', '、':
		return true
	}
	return unicode.IsSpace(r)
}

func trimSeparators(s string) string {
	return strings.TrimFunc(s, isNameSeparator)
}

// isInvisible reports zero-width characters and variation selectors, which
// may follow a kanji (邉󠄂) but do not change whose name it is.
func isInvisible(r rune) bool {
	return r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff' ||
		r >= '\ufe00' && r <= '\ufe0f' || r >= 0xe0100 && r <= 0xe01ef
}

// toHiragana maps katakana to hiragana, including ヴ, the small ヵ and ヶ and
// the iteration marks ヽヾ. ヷ–ヺ have no hiragana and stay.
func toHiragana(r rune) rune {
	switch {
	case r >= 'ァ' && r <= 'ヶ', r == 'ヽ', r == 'ヾ':
		return r - 0x60
	}
	return r
}

func isHiragana(r rune) bool {
	return r >= 'ぁ' && r <= 'ゟ'
}

// isKana reports whether r is kept in a reading key: hiragana, the
// long-vowel mark, and the katakana that have no hiragana.
func isKana(r rune) bool {
	return r >= 'ぁ' && r <= 'ゖ' || r == 'ゝ' || r == 'ゞ' || r == 'ー' || r >= 'ヷ' && r <= 'ヺ'
}

// isKanaOnly reports whether a name key is written only in kana, so that it
// can stand for its own reading.
func isKanaOnly(key string) bool {
	for _, r := range key {
		if !isKana(r) {
			return false
		}
	}
	return key != ""
}

// nameKanji folds glyph variants (異体字) that are common in family names and
// that reporters, who write what they hear or what their input method
// offers, rarely reproduce. Only variants of one character are listed, not
// different characters with one reading (斉藤 and 斎藤 stay apart; their
// readings meet in NameKana).
var nameKanji = map[rune]rune{
	'髙': '高',
	'﨑': '崎', '嵜': '崎', '㟢': '崎',
	'邊': '辺', '邉': '辺',
	'濵': '浜', '濱': '浜',
	'澤': '沢',
	'齋': '斎',
	'齊': '斉',
	'國': '国',
	'櫻': '桜',
	'廣': '広',
	'瀨': '瀬',
	'眞': '真',
	'槇': '槙',
	'冨': '富',
	'德': '徳',
}

// placeholders are name keys that reporters write when they do not know the
// name. They would otherwise make every unknown customer look alike.
var placeholders = map[string]bool{
	"不明": true, "ふめい": true, "名前不明": true, "氏名不明": true, "氏名不詳": true, "不詳": true,
	"匿名": true, "とくめい": true, "名無し": true, "ななし": true, "なし": true, "無し": true,
	"未確認": true, "お客": true, "客": true, "おきゃく": true, "顧客": true,
	"unknown": true, "none": true, "n/a": true, "anonymous": true,
	// An honorific alone: the name itself was left out.
	"様": true, "さま": true, "さん": true, "殿": true, "氏": true, "御中": true,
}

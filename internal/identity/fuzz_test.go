package identity

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

var identitySeeds = []string{
	"090-1234-5678", "+81 90 1234 5678", "０９０－１２３４－５６７８", "090ー1234ー5678", "TEL: 03-1234-5678",
	"(03) 1234-5678", "0120-123-456", "010-1-650-253-0000", "+1 650 253 0000", "0120-ABC-DEF", "123",
	"Taro.Yamada@Example.JP", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "山田 <taro@example.jp>", "mailto:taro@example.jp",
	"太郎@例え.日本", "taro@example。jp", "\"a b\"@example.jp", "a@b", "a..b@example.jp",
	"山田 太郎 様", "ヤマダ タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ", "株式会社 山田商事", "mem-0012 34", "ｍｅｍ－００１２",
	"https://x.com/Taro_Y", "@TARO_Y", "tiktok.com/@taro_y", "\xff\xfe", "", "\u200b",
	"\x01",     // an account key kept control characters
	"A \u0303", // a name key was not composed

}

// addSeeds gives f the identifiers' seeds.
func addSeeds(f *testing.F) {
	for _, s := range identitySeeds {
		f.Add(s)
	}
}

// fuzzKey checks a key function that may find no key: none is "", and a
// key is valid (want says what that is) and a fixed point: the key of a
// key is itself, so stored keys keep matching.
func fuzzKey(f *testing.F, name string, key func(string) (string, bool), want string, valid func(string) bool) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := key(s)
		if !ok {
			if k != "" {
				t.Fatalf("%s(%q) = %q, false", name, s, k)
			}
			return
		}
		if !valid(k) {
			t.Fatalf("%s(%q) = %q is not %s", name, s, k, want)
		}
		if again, ok := key(k); !ok || again != k {
			t.Fatalf("%s(%q) = %q, but %s(%q) = %q, %v", name, s, k, name, k, again, ok)
		}
	})
}

// FuzzPhone checks that a phone key is E.164 and a fixed point.
func FuzzPhone(f *testing.F) {
	fuzzKey(f, "Phone", Phone, "E.164", func(p string) bool {
		return len(p) >= 3 && p[0] == '+' && strings.Trim(p[1:], "0123456789") == ""
	})
}

// FuzzEmail checks that an e-mail key has one @, no space or control
// character, and is a fixed point.
func FuzzEmail(f *testing.F) {
	fuzzKey(f, "Email", Email, "an address with one @ and no space or control character", func(e string) bool {
		return strings.Count(e, "@") == 1 && utf8.ValidString(e) && strings.IndexFunc(e, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) < 0
	})
}

// FuzzKeys checks the other identifiers' keys: no panic, valid UTF-8, no
// space or control character in an account key, and each a fixed point.
func FuzzKeys(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range []struct {
			name string
			fn   func(string) string
		}{{"Name", Name}, {"NameKana", NameKana}, {"Account", Account}, {"Handle", Handle}} {
			key := k.fn(s)
			if !utf8.ValidString(key) {
				t.Fatalf("%s(%q) = %q is not UTF-8", k.name, s, key)
			}
			if again := k.fn(key); again != key {
				t.Fatalf("%s(%q) = %q, but %s(%q) = %q", k.name, s, key, k.name, key, again)
			}
		}
		if a := Account(s); strings.IndexFunc(a, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			t.Fatalf("Account(%q) = %q keeps a space or control character", s, a)
		}
	})
}

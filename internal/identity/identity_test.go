package identity

import (
	"slices"
	"testing"
)

// keyFuncs gives every key function the shape of Phone and Email: a key and
// whether it is usable.
var keyFuncs = map[string]func(string) (string, bool){
	"phone": Phone,
	"email": Email,
	"name":  nonEmpty(Name),
	"kana":  nonEmpty(NameKana),
	"acct":  nonEmpty(Account),
	"sns":   nonEmpty(Handle),
}

func nonEmpty(f func(string) string) func(string) (string, bool) {
	return func(s string) (string, bool) {
		k := f(s)
		return k, k != ""
	}
}

// variants is what reporters type, and the key it must give; "" means no key
// (not a valid identifier).
var variants = []struct {
	kind, in, want string
}{
	// Phones: one mobile number in every form.
	{"phone", "090-1234-5678", "+819012345678"},
	{"phone", "09012345678", "+819012345678"},
	{"phone", "090 1234 5678", "+819012345678"},
	{"phone", "(090)1234-5678", "+819012345678"},
	{"phone", "０９０－１２３４－５６７８", "+819012345678"},
	{"phone", "０９０１２３４５６７８", "+819012345678"},
	{"phone", "090ー1234ー5678", "+819012345678"},
	{"phone", "090‐1234‐5678", "+819012345678"},
	{"phone", "090−1234−5678", "+819012345678"},
	{"phone", "090.1234.5678", "+819012345678"},
	{"phone", "+81 90 1234 5678", "+819012345678"},
	{"phone", "+81-90-1234-5678", "+819012345678"},
	{"phone", "+819012345678", "+819012345678"},
	{"phone", "+81 (0)90 1234 5678", "+819012345678"},
	{"phone", "+81-090-1234-5678", "+819012345678"},
	{"phone", "＋８１ ９０ １２３４ ５６７８", "+819012345678"},
	{"phone", "tel:090-1234-5678", "+819012345678"},
	{"phone", "TEL:+81-90-1234-5678", "+819012345678"},
	{"phone", "ＴＥＬ：０９０－１２３４－５６７８", "+819012345678"},
	{"phone", "TEL 03-1234-5678", "+81312345678"},
	{"phone", "Tel.03-1234-5678", "+81312345678"},
	{"phone", "telephone 03-1234-5678", ""},
	{"phone", "  090-1234-5678\n", "+819012345678"},
	// Phones: fixed lines, toll-free, IP phones.
	{"phone", "(03) 1234-5678", "+81312345678"},
	{"phone", "03-1234-5678", "+81312345678"},
	{"phone", "（０３）１２３４－５６７８", "+81312345678"},
	{"phone", "06-6123-4567", "+81661234567"},
	{"phone", "0120-123-456", "+81120123456"},
	{"phone", "0120-12-3456", "+81120123456"},
	{"phone", "0800-123-4567", "+818001234567"},
	{"phone", "050-1234-5678", "+815012345678"},
	// Phones of other countries keep their country code.
	{"phone", "+1 650-253-0000", "+16502530000"},
	{"phone", "+1 (650) 253-0000", "+16502530000"},
	{"phone", "010-1-650-253-0000", "+16502530000"},
	{"phone", "+44 20 7031 3000", "+442070313000"},
	{"phone", "+82 2-312-3456", "+8223123456"},
	// Not phone numbers.
	{"phone", "", ""},
	{"phone", "110", ""},
	{"phone", "090-1234-567", ""},
	{"phone", "090-1234-56789", ""},
	{"phone", "0120-ABC-DEF", ""},
	{"phone", "03-1234-5678 内線12", ""},
	{"phone", "03-1234-5678 ext. 12", ""},
	{"phone", "unknown", ""},
	{"phone", "tel:", ""},
	{"phone", "090-1234+5678", ""},
	{"phone", "+999 1234 5678", ""},

	// E-mail addresses.
	{"email", "taro@example.com", "taro@example.com"},
	{"email", "Taro@Example.COM", "taro@example.com"},
	{"email", "  TARO@EXAMPLE.COM  ", "taro@example.com"},
	{"email", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "taro@example.com"},
	{"email", "ＴＡＲＯ＠ＥＸＡＭＰＬＥ．ＣＯＭ", "taro@example.com"},
	{"email", "taro@example。com", "taro@example.com"},
	{"email", "mailto:taro@example.com", "taro@example.com"},
	{"email", "山田太郎 <Taro@Example.com>", "taro@example.com"},
	{"email", "taro@example.com.", "taro@example.com"},
	{"email", "taro.yamada@example.co.jp", "taro.yamada@example.co.jp"},
	{"email", "Taro.Yamada+Shop@Gmail.com", "taro.yamada+shop@gmail.com"},
	{"email", "taroyamada@gmail.com", "taroyamada@gmail.com"},
	{"email", "o'brien@example.ie", "o'brien@example.ie"},
	{"email", "たろう@例え.jp", "たろう@例え.jp"},
	// Not e-mail addresses.
	{"email", "", ""},
	{"email", "taro", ""},
	{"email", "taro@", ""},
	{"email", "@example.com", ""},
	{"email", "taro@localhost", ""},
	{"email", "taro@@example.com", ""},
	{"email", "taro@example..com", ""},
	{"email", ".taro@example.com", ""},
	{"email", "ta..ro@example.com", ""},
	{"email", "taro yamada@example.com", ""},
	{"email", `"taro yamada"@example.com`, ""},
	{"email", "taro@-example.com", ""},
	{"email", "taro@192.168.0.1", ""},
	{"email", "taro@example.com, hanako@example.com", ""},

	// Names in kanji: spaces and honorifics.
	{"name", "山田太郎", "山田太郎"},
	{"name", "山田 太郎", "山田太郎"},
	{"name", "山田　太郎", "山田太郎"},
	{"name", " 山田 　太郎 ", "山田太郎"},
	{"name", "山田太郎様", "山田太郎"},
	{"name", "山田 太郎 様", "山田太郎"},
	{"name", "山田太郎さま", "山田太郎"},
	{"name", "山田太郎さん", "山田太郎"},
	{"name", "山田太郎殿", "山田太郎"},
	{"name", "山田太郎氏", "山田太郎"},
	{"name", "山田様", "山田"},
	{"name", "株式会社山田商事 御中", "株式会社山田商事"},
	{"name", "髙橋一郎", "高橋一郎"},
	{"name", "山﨑 花子", "山崎花子"},
	{"name", "渡邉 健", "渡辺健"},
	{"name", "渡邉\U000E0101 健", "渡辺健"},
	// Names in kana: width, katakana and hiragana.
	{"name", "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだたろう"},
	{"name", "ヤマダタロウ", "やまだたろう"},
	{"name", "ヤマダ・タロウ", "やまだたろう"},
	{"name", "やまだたろう", "やまだたろう"},
	{"name", "やまだ たろう さま", "やまだたろう"},
	{"name", "ﾔﾏﾀﾞ ﾀﾛｳ ｻﾏ", "やまだたろう"},
	{"name", "ヴァン・ダイク", "ゔぁんだいく"},
	{"name", "ジョン゠スミス", "じょんすみす"},
	// Honorific look-alikes that are names.
	{"name", "ハッサン", "はっさん"},
	{"name", "オサマ", "おさま"},
	{"name", "おさん", "おさん"},
	{"name", "ハッサンさん", "はっさん"},
	{"name", "ヤマダさん", "やまだ"},
	{"name", "やまだ さん", "やまだ"},
	{"name", "やまださん", "やまださん"},
	// Latin names.
	{"name", "Taro Yamada", "taroyamada"},
	{"name", "TARO YAMADA", "taroyamada"},
	{"name", "Ｔａｒｏ　Ｙａｍａｄａ", "taroyamada"},
	{"name", "Mr. Taro Yamada", "taroyamada"},
	{"name", "MR TARO YAMADA", "taroyamada"},
	{"name", "Mrs. Smith", "smith"},
	{"name", "Ms Smith", "smith"},
	{"name", "Yamada-san", "yamada"},
	{"name", "John Q. Smith", "johnqsmith"},
	{"name", "Msizi Dlamini", "msizidlamini"},
	{"name", "Mr", "mr"},
	// No name.
	{"name", "", ""},
	{"name", "　", ""},
	{"name", "様", ""},
	{"name", "不明", ""},
	{"name", "お客様", ""},
	{"name", "？？？", ""},
	{"name", "Unknown", ""},

	// Readings.
	{"kana", "ヤマダ タロウ", "やまだたろう"},
	{"kana", "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだたろう"},
	{"kana", "やまだ・たろう", "やまだたろう"},
	{"kana", "ヤマダタロウ様", "やまだたろう"},
	{"kana", "やまだ（山田）たろう", "やまだたろう"},
	{"kana", "ジョージ", "じょーじ"},
	{"kana", "山田太郎", ""},
	{"kana", "yamada", ""},

	{"name", "A \u0303", "\u00e3"}, // found by FuzzKeys: a combining mark after a space
	{"name", "ｶ ﾞ", "が"},

	// Accounts.
	{"acct", "MEM-001234", "MEM001234"},
	{"acct", "mem 001234", "MEM001234"},
	{"acct", "ｍｅｍ－００１２ ３４", "MEM001234"},
	{"acct", "ＭＥＭー００１２３４", "MEM001234"},
	{"acct", " 1234-5678-9012 ", "123456789012"},
	{"acct", " - ", ""},
	{"acct", "MEM\x00-0012\x0134\u0085", "MEM001234"}, // found by FuzzKeys
	{"acct", "\x01", ""},
	{"acct", "A \u0303", "\u00c3"}, // found by FuzzKeys

	// Social-media handles.
	{"sns", "@Taro_Y", "taro_y"},
	{"sns", "taro_y", "taro_y"},
	{"sns", "＠ｔａｒｏ＿ｙ", "taro_y"},
	{"sns", "https://x.com/Taro_Y", "taro_y"},
	{"sns", "https://twitter.com/taro_y/status/1234567890", "taro_y"},
	{"sns", "https://mobile.twitter.com/taro_y", "taro_y"},
	{"sns", "x.com/taro_y", "taro_y"},
	{"sns", "https://www.instagram.com/taro_y/", "taro_y"},
	{"sns", "https://www.instagram.com/taro_y/?hl=ja", "taro_y"},
	{"sns", "https://www.tiktok.com/@taro_y/video/123", "taro_y"},
	{"sns", "https://bsky.app/profile/taro.bsky.social", "taro.bsky.social"},
	{"sns", "@taro.yamada", "taro.yamada"},
	{"sns", "https://www.instagram.com/p/AbC123/", "instagram.com/p/abc123"},
	{"sns", "https://www.facebook.com/profile.php?id=1000123", "facebook.com/profile.php?id=1000123"},
	{"sns", "https://example.com/u/Taro/", "example.com/u/taro"},
	{"sns", "https://x.com/", ""},
	{"sns", "@", ""},
	{"sns", "@./", "./"}, // found by FuzzKeys: ./ was read as an address of host "."
	{"sns", "./", "./"},
	{"sns", "a..b/c", "a..b/c"},
	{"sns", "@x.com/Taro_Y", "taro_y"},
}

func TestVariants(t *testing.T) {
	if len(variants) < 40 {
		t.Fatalf("only %d variants", len(variants))
	}
	for _, v := range variants {
		got, ok := keyFuncs[v.kind](v.in)
		if got != v.want || ok != (v.want != "") {
			t.Errorf("%s(%q) = %q, %v; want %q, %v", v.kind, v.in, got, ok, v.want, v.want != "")
		}
	}
}

// TestNearMisses lists inputs that look alike but are different customers:
// their keys must differ.
func TestNearMisses(t *testing.T) {
	for _, tt := range []struct{ kind, a, b string }{
		{"phone", "090-1234-5678", "090-1234-5679"},
		{"phone", "090-1234-5678", "080-1234-5678"},
		{"phone", "03-1234-5678", "06-1234-5678"},
		{"phone", "+81 90 1234 5678", "+82 10 1234 5678"},
		{"name", "山田太郎", "山田太朗"},
		{"name", "山田太郎", "山田花子"},
		{"name", "斉藤一", "斎藤一"},
		{"name", "やまだたろう", "山田太郎"},
		{"name", "ヤマダタロウ", "ヤマダタロー"},
		{"kana", "タロウ", "タロー"},
		{"email", "taro+a@example.com", "taro+b@example.com"},
		{"email", "taro+shop@gmail.com", "taro@gmail.com"},
		{"email", "taro.yamada@gmail.com", "taroyamada@gmail.com"},
		{"email", "taro@example.com", "taro@example.co.jp"},
		{"acct", "MEM-001234", "MEM-001243"},
		{"sns", "@taro_y", "@taro_y2"},
		{"sns", "@taro.y", "@taro_y"},
	} {
		ka, oka := keyFuncs[tt.kind](tt.a)
		kb, okb := keyFuncs[tt.kind](tt.b)
		if !oka || !okb {
			t.Errorf("%s: %q → %q, %v; %q → %q, %v; want both valid", tt.kind, tt.a, ka, oka, tt.b, kb, okb)
			continue
		}
		if ka == kb {
			t.Errorf("%s(%q) = %s(%q) = %q; want different keys", tt.kind, tt.a, tt.kind, tt.b, ka)
		}
	}
}

func TestKeysOf(t *testing.T) {
	for _, tt := range []struct {
		name                                            string
		inName, inKana, inPhone, inEmail, inAcct, inSNS string
		want                                            Keys
	}{
		{
			name:   "everything",
			inName: "山田 太郎 様", inKana: "ﾔﾏﾀﾞ ﾀﾛｳ", inPhone: "０９０－１２３４－５６７８",
			inEmail: "Taro@Example.com", inAcct: "mem-0012", inSNS: "https://x.com/Taro_Y",
			want: Keys{Phone: "+819012345678", Email: "taro@example.com", Name: "山田太郎",
				NameKana: "やまだたろう", Account: "MEM0012", Handle: "taro_y"},
		},
		{
			name:   "kana name is its own reading",
			inName: "ヤマダ タロウ",
			want:   Keys{Name: "やまだたろう", NameKana: "やまだたろう"},
		},
		{
			name:   "a given reading wins",
			inName: "やまだ", inKana: "ヤマタ",
			want: Keys{Name: "やまだ", NameKana: "やまた"},
		},
		{
			name:   "invalid identifiers leave fields empty",
			inName: "不明", inPhone: "090-1234", inEmail: "taro@", inAcct: "--", inSNS: "@",
			want: Keys{},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := KeysOf(tt.inName, tt.inKana, tt.inPhone, tt.inEmail, tt.inAcct, tt.inSNS)
			if got != tt.want {
				t.Errorf("KeysOf = %+v; want %+v", got, tt.want)
			}
			if got.Empty() != (tt.want == Keys{}) {
				t.Errorf("Empty() = %v for %+v", got.Empty(), got)
			}
		})
	}
}

func TestSimilar(t *testing.T) {
	base := KeysOf("山田 太郎", "ヤマダ タロウ", "090-1234-5678", "taro@example.com", "MEM-1", "@taro_y")
	for _, tt := range []struct {
		name        string
		a, b        Keys
		wantScore   int
		wantReasons []string
	}{
		{
			name: "same phone in another form",
			a:    base, b: KeysOf("", "", "+81 90 1234 5678", "", "", ""),
			wantScore: WeightPhone, wantReasons: []string{ReasonPhone},
		},
		{
			name: "same e-mail in another case",
			a:    base, b: KeysOf("", "", "", "TARO@EXAMPLE.COM", "", ""),
			wantScore: WeightEmail, wantReasons: []string{ReasonEmail},
		},
		{
			name: "same account",
			a:    base, b: KeysOf("", "", "", "", "mem 1", ""),
			wantScore: WeightAccount, wantReasons: []string{ReasonAccount},
		},
		{
			name: "same handle as a URL",
			a:    base, b: KeysOf("", "", "", "", "", "https://x.com/Taro_Y"),
			wantScore: WeightHandle, wantReasons: []string{ReasonHandle},
		},
		{
			name: "same name and reading only is weak",
			a:    base, b: KeysOf("山田太郎様", "やまだ たろう", "090-9999-9999", "", "", ""),
			wantScore: WeightName + WeightNameKana, wantReasons: []string{ReasonName, ReasonNameKana},
		},
		{
			name: "same reading, other kanji",
			a:    base, b: KeysOf("山田太朗", "ヤマダタロウ", "", "", "", ""),
			wantScore: WeightNameKana, wantReasons: []string{ReasonNameKana},
		},
		{
			name: "kana-only name meets a reading",
			a:    base, b: KeysOf("ﾔﾏﾀﾞ ﾀﾛｳ", "", "", "", "", ""),
			wantScore: WeightNameKana, wantReasons: []string{ReasonNameKana},
		},
		{
			name: "everything",
			a:    base, b: base,
			wantScore:   WeightPhone + WeightEmail + WeightAccount + WeightHandle + WeightName + WeightNameKana,
			wantReasons: []string{ReasonPhone, ReasonEmail, ReasonAccount, ReasonHandle, ReasonName, ReasonNameKana},
		},
		{
			name: "neighbouring phone",
			a:    base, b: KeysOf("", "", "090-1234-5679", "", "", ""),
		},
		{
			name: "+tag address is another address",
			a:    base, b: KeysOf("", "", "", "taro+shop@example.com", "", ""),
		},
		{
			name: "empty keys never match",
			a:    Keys{}, b: Keys{},
		},
		{
			name: "unknown names never match",
			a:    KeysOf("不明", "", "", "", "", ""), b: KeysOf("不明", "", "", "", "", ""),
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, pair := range [][2]Keys{{tt.a, tt.b}, {tt.b, tt.a}} {
				score, reasons := Similar(pair[0], pair[1])
				if score != tt.wantScore || !slices.Equal(reasons, tt.wantReasons) {
					t.Errorf("Similar = %d, %v; want %d, %v", score, reasons, tt.wantScore, tt.wantReasons)
				}
			}
		})
	}
}

// TestStrongScore checks the promise of StrongScore: any one strong key
// reaches it, and names alone never do.
func TestStrongScore(t *testing.T) {
	for _, w := range []int{WeightPhone, WeightEmail, WeightAccount, WeightHandle} {
		if w < StrongScore {
			t.Errorf("strong weight %d < StrongScore %d", w, StrongScore)
		}
	}
	if WeightName+WeightNameKana >= StrongScore {
		t.Errorf("names alone reach StrongScore")
	}
}

// TestKeysAreStable checks that a key is a fixed point: normalising a key
// again gives the same key, so keys can be stored and compared with keys
// computed later.
func TestKeysAreStable(t *testing.T) {
	for _, v := range variants {
		if v.want == "" {
			continue
		}
		f := keyFuncs[v.kind]
		if again, _ := f(v.want); again != v.want {
			t.Errorf("%s(%q) = %q; a key must map to itself", v.kind, v.want, again)
		}
		// A key kept as host and path is the same address pasted again.
		if _, isURL := profileURL(v.want); v.kind == "sns" && isURL {
			if again, _ := f("https://" + v.want); again != v.want {
				t.Errorf("%s(%q) = %q; a key must map to itself", v.kind, "https://"+v.want, again)
			}
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for _, v := range variants {
				if got, _ := keyFuncs[v.kind](v.in); got != v.want {
					t.Errorf("%s(%q) = %q concurrently; want %q", v.kind, v.in, got, v.want)
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
}

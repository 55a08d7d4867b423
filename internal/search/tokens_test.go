package search

import (
	"slices"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"暴言", "暴言"},
		{"暴言を吐かれた", "暴言 言を を吐 吐か かれ れた"},
		{"ＡＢＣ社の ﾀﾛｳ", "abc 社の タロ ロウ"},
		{"Shouted, SHOUTED again!", "shouted again"},
		{"土下座しろ 土下座", "土下 下座 座し しろ"},
		{"30分以上", "30 分以 以上"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Tokens(tt.in); got != tt.want {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Every bigram of a query that is a substring of the text is among the text's
// tokens: that is what makes a search find it.
func TestQueryFindsSubstring(t *testing.T) {
	text := "お客様が店長を出せと大声で怒鳴り、土下座を要求した。Then he threatened to post on SNS."
	idx := strings.Fields(Tokens(text))
	for _, q := range []string{"土下座", "怒鳴り", "店長", "THREATENED", "sns", "大声で怒鳴"} {
		for _, tok := range QueryTokens(q) {
			if !slices.Contains(idx, tok) {
				t.Errorf("query %q: token %q not in the index", q, tok)
			}
		}
	}
	for _, q := range []string{"暴言", "refund"} {
		found := true
		for _, tok := range QueryTokens(q) {
			found = found && slices.Contains(idx, tok)
		}
		if found {
			t.Errorf("query %q matches text that does not contain it", q)
		}
	}
}

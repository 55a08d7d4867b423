package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/i18n"
)

// FuzzUserCSV checks the reading of a CSV of people (POST
// /admin/users/import) on any bytes: it fails only with EINVALID naming
// "file"; otherwise every row has a line number after the header's, in
// order, trimmed valid UTF-8 fields, and there are no more rows than
// the import takes plus one (the one that makes the store refuse the file).
// Reading the rows written out again gives the same rows. And a row that
// passes the import's own line check (kasuhara.NewUser.Validate and the
// importable roles, as store.ImportUsers checks it) names no desk, legal or
// admin role under any of their names, and has a name on one line without
// NUL.
func FuzzUserCSV(f *testing.F) {
	for _, s := range []string{
		"email,name,role,department,language\nhanako@example.jp,山田 花子,employee,新宿店,ja\n",
		"\ufeffメールアドレス,氏名,役割,部署\r\nhanako@example.jp,山田 花子,従業員,新宿店\r\nlegal2@example.jp,法務 二郎,法務,\r\n",
		"name,email\n\"佐藤, 太郎\",taro@example.jp\n,\n\n",
		"email,name,role\nx@example.jp,\"a\nb\",窓口\ny@example.jp,\"a\x00b\",Desk\n",
		"email,name,role\nx@example.jp,\"unterminated,employee\n",
		"email\nx@example.jp\n", "", "\xff\xfe", "email,name\n", "email,name,email,name\na@example.jp,A,b@example.jp,B\n",
	} {
		f.Add([]byte(s))
	}
	cat, err := i18n.Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := parseUserCSV(data, cat)
		if err != nil {
			var e *kasuhara.Error
			if !errors.As(err, &e) || e.Code != kasuhara.EINVALID || len(e.Fields) != 1 || e.Fields["file"].Code == "" {
				t.Fatalf("%q: error %v, want EINVALID naming the file", data, err)
			}
			return
		}
		if len(rows) > kasuhara.MaxUserImportRows+1 {
			t.Fatalf("%d rows read, more than the import takes plus one", len(rows))
		}
		last := 1
		for _, r := range rows {
			fields := []string{r.Email, r.Name, r.Role, r.Department, r.Language}
			if r.Line <= last {
				t.Fatalf("%q: line %d after line %d", data, r.Line, last)
			}
			last = r.Line
			for _, v := range fields {
				if !utf8.ValidString(v) || strings.TrimFunc(v, unicode.IsSpace) != v {
					t.Fatalf("%q: field %q is not trimmed valid UTF-8", data, v)
				}
			}
			n := kasuhara.NewUser{Email: kasuhara.NormalizeEmail(r.Email), Name: strings.TrimSpace(r.Name), Password: "placeholder-long-enough",
				OrgID: "org", Role: kasuhara.Role(r.Role), Language: r.Language}
			if n.Validate() != nil || !slices.Contains(kasuhara.ImportableRoles, n.Role) {
				continue
			}
			if n.Role.Privileged() || n.Role == kasuhara.RoleAdmin {
				t.Fatalf("%q: an importable row gives %s", data, n.Role)
			}
			if strings.ContainsAny(n.Name, "\x00\r\n") || !slices.Contains([]string{"", "ja", "en"}, n.Language) {
				t.Fatalf("%q: an importable row has name %q, language %q", data, n.Name, n.Language)
			}
		}
		// The rows written as CSV read back as the same rows.
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write([]string{"email", "name", "role", "department", "language"})
		var want []kasuhara.UserImportRow
		for _, r := range rows {
			if r.Email+r.Name+r.Role+r.Department+r.Language == "" {
				continue
			}
			w.Write([]string{r.Email, r.Name, r.Role, r.Department, r.Language})
			r.Line = 0
			want = append(want, r)
		}
		w.Flush()
		again, err := parseUserCSV(b.Bytes(), cat)
		if err != nil {
			t.Fatalf("%q: rows written out do not read back: %v", data, err)
		}
		for i := range again {
			again[i].Line = 0
		}
		if len(want) > 0 && !reflect.DeepEqual(again, want) {
			t.Fatalf("%q: rows written out read back differently:\n%+v\n%+v", data, want, again)
		}
	})
}

package ledger_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/ledger"
)

// FuzzLedgerCSV checks the reading of an old ledger saved as CSV (UTF-8 or
// Shift_JIS) on any bytes: it fails only with EINVALID naming "file";
// otherwise the header names at most MaxLedgerColumns columns, not all
// blank, none twice; there are between one and MaxLedgerRows rows, none
// empty, numbered after the header in order; and every cell is trimmed
// valid UTF-8 without NUL (what the import stores). Reading is
// deterministic. (Workbooks, which start PK, are left to excelize's own
// tests.)
func FuzzLedgerCSV(f *testing.F) {
	for _, s := range []string{
		"発生日,内容,区分\n令和6年5月1日,土下座を要求,暴言\n2024/5/2,長時間の電話,長時間拘束\n",
		"\xEF\xBB\xBF日付,行為\r\n\r\n2024-05-01,\"怒鳴った, 机を叩いた\"\r\n",
		"\x93\xfa\x95\x74,\x93\xe0\x97\x65\n2024/5/1,\x96\x5c\x8c\xbe\n", // Shift_JIS: 日付,内容 / 暴言
		"a,a\n1,2\n", ",,\n1,2,3\n", "only a header\n", "h\n=HYPERLINK(\"x\")\n", "h,\"lazy \"quote\n1,2\n",
		"h\n\x00\n", "PK\x03\x04", "\xD0\xCF\x11\xE0", " \n \n", "h\n\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			return
		}
		l, err := ledger.Read(data)
		if err != nil {
			var e *kasuhara.Error
			if !errors.As(err, &e) || e.Code != kasuhara.EINVALID || len(e.Fields) != 1 || e.Fields["file"].Code == "" {
				t.Fatalf("%q: error %v, want EINVALID naming the file", data, err)
			}
			return
		}
		if len(l.Headers) == 0 || len(l.Headers) > kasuhara.MaxLedgerColumns {
			t.Fatalf("%q: %d columns", data, len(l.Headers))
		}
		seen, named := map[string]bool{}, false
		for _, h := range l.Headers {
			if h != "" && seen[h] {
				t.Fatalf("%q: column %q twice", data, h)
			}
			seen[h], named = true, named || h != ""
			checkCell(t, data, h)
		}
		if !named {
			t.Fatalf("%q: no column is named", data)
		}
		if len(l.Rows) == 0 || len(l.Rows) > kasuhara.MaxLedgerRows {
			t.Fatalf("%q: %d rows", data, len(l.Rows))
		}
		last := 1
		for _, r := range l.Rows {
			if r.Number <= last {
				t.Fatalf("%q: row %d after row %d", data, r.Number, last)
			}
			last = r.Number
			if strings.Join(r.Cells, "") == "" {
				t.Fatalf("%q: row %d is empty", data, r.Number)
			}
			for _, c := range r.Cells {
				checkCell(t, data, c)
			}
		}
		again, err := ledger.Read(data)
		if err != nil || len(again.Rows) != len(l.Rows) || strings.Join(again.Headers, "\x00") != strings.Join(l.Headers, "\x00") {
			t.Fatalf("%q: a second reading differs: %v", data, err)
		}
	})
}

func checkCell(t *testing.T, data []byte, c string) {
	t.Helper()
	if !utf8.ValidString(c) || strings.IndexByte(c, 0) >= 0 || strings.TrimFunc(c, unicode.IsSpace) != c {
		t.Fatalf("%q: cell %q is not trimmed valid UTF-8 without NUL", data, c)
	}
}

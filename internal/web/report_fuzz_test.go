package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// FuzzReportJSON checks the API's reading of a report (the body of POST
// /api/v1/reports and /api/v1/anonymous-reports) on any bytes: decoding,
// conversion and validation either accept it or fail with EINVALID naming
// fields, never with anything else; normalising twice changes nothing;
// and an accepted report holds no NUL byte in its text.
func FuzzReportJSON(f *testing.F) {
	for _, s := range []string{
		`{"occurred_at":"2026-11-27T14:30:00+09:00","channel":"phone","categories":["verbal_abuse"],"conduct":"怒鳴られた"}`,
		`{"occurred_at":"2026-11-27T14:30:00+09:00","channel":"in_person","subtypes":["kneeling_demand","shouting"],"conduct":"土下座","customer":{"name":"山田","phone":"090-1234-5678"}}`,
		`{"occurred_at":"2026-11-27T14:30:00Z","channel":"email","consultation":true,"conduct":"a\u0000b"}`,
		`{"occurred_at":"tomorrow","duration_minutes":-1,"channel":"fax","categories":["x","x"]}`,
		`{"conduct":1}`, `{"nope":true}`, `{}`, `[]`, `{"conduct":"a"} {"conduct":"b"}`, `{"customer":{"phone":["1"]}}`,
		`{"duration_minutes":1e400}`, `{"categories":null,"subtypes":[null]}`, ``, `{"conduct":"\ud800"}`,
	} {
		f.Add(s)
	}
	s := &Server{Deps: Deps{Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }}}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/anonymous-reports", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1<<20)
		var in reportJSON
		if err := decodeJSON(r, &in); err != nil {
			wantInvalid(t, body, "decodeJSON", err)
			return
		}
		rep, err := s.toReport(r, nil, in)
		if err != nil {
			wantInvalid(t, body, "toReport", err)
			return
		}
		rep.Normalize()
		again := rep
		again.Categories, again.Subtypes = slices.Clone(rep.Categories), slices.Clone(rep.Subtypes)
		again.Normalize()
		if !reflect.DeepEqual(rep, again) {
			t.Fatalf("%s: Normalize is not idempotent:\n%+v\n%+v", body, rep, again)
		}
		if err := rep.Validate(s.Now()); err != nil {
			wantInvalid(t, body, "Validate", err)
			return
		}
		for _, v := range []string{rep.Conduct, rep.RequestContent, rep.Harm, rep.Wishes, rep.Witnesses, rep.Location,
			rep.Customer.Name, rep.Customer.NameKana, rep.Customer.Phone, rep.Customer.Email, rep.Customer.Account, rep.Customer.SNSHandle} {
			if strings.IndexByte(v, 0) >= 0 {
				t.Fatalf("%s: a report with a NUL byte passed validation", body)
			}
		}
	})
}

func wantInvalid(t *testing.T, body, step string, err error) {
	t.Helper()
	var e *kasuhara.Error
	if !errors.As(err, &e) || e.Code != kasuhara.EINVALID || len(e.Fields) == 0 {
		t.Fatalf("%s(%q) = %v, want EINVALID naming fields", step, body, err)
	}
}

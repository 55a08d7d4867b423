package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAPIScreen runs the screening handler on a mux of its own (the route
// in routes.go also needs a signed-in user, tested with the others).
func TestAPIScreen(t *testing.T) {
	s, logs := loggedServer(t)
	// The route's own wrapper, without sign-in or session, caps the body
	// at MaxJSONBytes and answers the errors.
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/screen", s.route(s.apiScreen, anonymous))
	h := mux

	secret := "夜道には気をつけろよ。SNSに晒してやる"
	body := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, tc := range []struct {
		name, ctype, body string
		status            int
		contains          []string
		absent            []string
	}{
		{"labels", "application/json", body(map[string]string{"text": secret}), 200,
			[]string{`"category":"violence_abuse"`, `"subtype":"threat"`, `"severity":3`, `"online_defamation"`, `"rule":"`, `"start":0`}, nil},
		{"charset", "application/json; charset=utf-8", body(map[string]string{"text": "Shut up, you moron."}), 200,
			[]string{`"subtype":"insult"`}, nil},
		{"nothing found", "application/json", body(map[string]string{"text": "返品の手続きを教えてください。"}), 200,
			[]string{`{"labels":[]}`}, []string{"null"}},
		{"missing text", "application/json", `{}`, 422, []string{`"code":"invalid"`, `"text":"is required"`}, nil},
		{"blank text", "application/json", body(map[string]string{"text": "  \n"}), 422, []string{`"text":"is required"`}, nil},
		{"too long", "application/json", body(map[string]string{"text": strings.Repeat("a", maxScreenText+1)}), 422,
			[]string{`"text":"is too long"`}, nil},
		{"longest allowed", "application/json", body(map[string]string{"text": strings.Repeat("a", maxScreenText)}), 200,
			[]string{`{"labels":[]}`}, nil},
		{"unknown field", "application/json", `{"text":"x","lang":"ja"}`, 422, []string{`"lang":"is not a known field"`}, nil},
		{"malformed", "application/json", `{"text":`, 400, []string{`"message":`, `"body":"is malformed"`}, nil},
		{"trailing", "application/json", `{"text":"x"} {"text":"y"}`, 400, []string{`"body":"is malformed"`}, nil},
		{"wrong type", "application/json", `{"text":42}`, 422, []string{`"text":"has the wrong type"`}, nil},
		{"form", "application/x-www-form-urlencoded", "text=x", 415, []string{`"code":"unsupported_media_type"`}, nil},
		{"no content type", "", body(map[string]string{"text": secret}), 415, []string{`"unsupported_media_type"`}, nil},
		{"body over the limit", "application/json", `{"text":"` + strings.Repeat("a", MaxJSONBytes) + `"}`, 413, []string{`"code":"too_large"`}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/screen", strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Body.String()
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, got)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			wantBody(t, got, tc.contains, tc.absent)
		})
	}
	// The spans point into the text as sent.
	req := httptest.NewRequest("POST", "/api/v1/screen", strings.NewReader(body(map[string]string{"text": secret})))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var res struct {
		Labels []struct {
			Spans []struct {
				Start, End int
				Text       string
			}
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	for _, l := range res.Labels {
		for _, sp := range l.Spans {
			if secret[sp.Start:sp.End] != sp.Text {
				t.Errorf("span %d–%d is %q, the text there is %q", sp.Start, sp.End, sp.Text, secret[sp.Start:sp.End])
			}
		}
	}
	// The text never reaches the log.
	if strings.Contains(logs.String(), "夜道") || strings.Contains(logs.String(), "moron") {
		t.Errorf("the log holds the screened text: %s", logs.String())
	}
}

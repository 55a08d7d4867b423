package phone

import (
	"net/url"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestTwilioSignature is Twilio's own documented example (Webhooks
// security): the auth token 12345, the URL with its query, the five POST
// parameters.
func TestTwilioSignature(t *testing.T) {
	u := "https://mycompany.com/myapp.php?foo=1&bar=2"
	params := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"}, "From": {"+12349013030"}, "To": {"+18005551212"}}
	const want = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
	if got := TwilioSignature("12345", u, params); got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
	if err := VerifyTwilio("12345", u, params, want); err != nil {
		t.Errorf("the documented signature is refused: %v", err)
	}
	for name, tc := range map[string]struct {
		token, url, sig string
		params          url.Values
	}{
		"another token":   {"54321", u, want, params},
		"another URL":     {"12345", "https://mycompany.com/myapp.php?foo=1&bar=3", want, params},
		"a changed param": {"12345", u, want, url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"9999"}, "From": {"+12349013030"}, "To": {"+18005551212"}}},
		"no header":       {"12345", u, "", params},
		"no token":        {"", u, want, params},
		"an added param":  {"12345", u, want, url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"}, "From": {"+12349013030"}, "To": {"+18005551212"}, "agent": {"x"}}},
	} {
		if err := VerifyTwilio(tc.token, tc.url, tc.params, tc.sig); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParse(t *testing.T) {
	e, err := ParseConnect([]byte(`{"Details":{"ContactData":{"ContactId":"c-1","Channel":"VOICE","CustomerEndpoint":{"Address":"+81312345678","Type":"TELEPHONE_NUMBER"}},
		"Parameters":{"event":"ended","agent":"taro@example.jp","duration_seconds":"1260","recording_url":"https://rec.example/1.wav"}},"Name":"ContactFlowEvent"}`))
	if err != nil || e.Kind != Ended || e.CallID != "c-1" || e.Caller != "+81312345678" || e.DurationSeconds != 1260 || e.Source != kasuhara.CallSourceConnect ||
		e.AgentEmail != "taro@example.jp" || e.RecordingURL != "https://rec.example/1.wav" {
		t.Errorf("connect = %+v, %v", e, err)
	}
	if _, err := ParseConnect([]byte(`{"Details":{}}`)); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
		t.Errorf("an empty Connect event: %v", err)
	}
	e, err = ParseTwilio(url.Values{"CallSid": {"CA1"}, "From": {"+81312345678"}, "CallStatus": {"ringing"}}, "taro@example.jp")
	if err != nil || e.Kind != Started || e.Caller != "+81312345678" {
		t.Errorf("twilio ringing = %+v, %v", e, err)
	}
	e, err = ParseTwilio(url.Values{"CallSid": {"CA1"}, "From": {"+81312345678"}, "CallStatus": {"completed"}, "CallDuration": {"61"}}, "taro@example.jp")
	if err != nil || e.Kind != Ended || e.DurationSeconds != 61 {
		t.Errorf("twilio completed = %+v, %v", e, err)
	}
	if e, err := ParseTwilio(url.Values{"CallSid": {"CA1"}, "CallStatus": {"busy"}}, "t@x"); err != nil || e.Kind != Unanswered {
		t.Errorf("twilio busy: %+v, %v", e, err)
	}
	if _, err := ParseTwilio(url.Values{"CallSid": {"CA1"}, "CallStatus": {"exploded"}}, "t@x"); kasuhara.ErrorFields(err)["CallStatus"].Code != kasuhara.FieldChoice {
		t.Errorf("an unknown status: %v", err)
	}
	if _, err := ParseGeneric([]byte(`{"event":"ended","call_id":"1","agent":"a@b","extra":1}`), "sip"); kasuhara.ErrorCode(err) != kasuhara.EINVALID {
		t.Errorf("an unknown field: %v", err)
	}
	if _, err := ParseGeneric([]byte(`{"event":"ended","call_id":"1"}`), "sip"); kasuhara.ErrorFields(err)["agent"].Code != kasuhara.FieldRequired {
		t.Errorf("no agent: %v", err)
	}
	if _, err := ParseGeneric([]byte(`{"event":"started","agent":"a@b"}`), "sip"); kasuhara.ErrorFields(err)["caller"].Code != kasuhara.FieldRequired {
		t.Errorf("started without a caller: %v", err)
	}
	if _, err := ParseGeneric([]byte(`{"event":"ended","call_id":"1","agent":"a@b","started_at":"yesterday"}`), "sip"); kasuhara.ErrorFields(err)["started_at"].Code != kasuhara.FieldDateTime {
		t.Errorf("a bad time: %v", err)
	}
}

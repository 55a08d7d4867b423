package web_test

import (
	"bytes"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/phone"
)

// TestCallEvents drives the phone systems' API on both engines: a signed
// PBX event, Twilio's status callback and an Amazon Connect event each
// answer a started call with the caller's status and record an ended call
// as a draft for its agent; a bad or missing signature is 401 with nothing
// stored; the API takes a recording file; the agent sees the draft on
// their reports page, files it pre-filled, and the recording is the case's
// evidence; nobody else reaches the draft.
func TestCallEvents(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		agent := e.users[kasuhara.RoleEmployee]
		admin := e.actor(kasuhara.RoleAdmin)
		sipSecret, connectSecret, twilioToken := strings.Repeat("s", 40), strings.Repeat("c", 40), "0123456789abcdef0123456789abcdef"
		for src, sec := range map[string]string{"sip": sipSecret, "connect": connectSecret, "twilio": twilioToken} {
			if err := e.st.SetCallSecret(ctx, admin, e.org.ID, src, sec); err != nil {
				t.Fatal(err)
			}
		}
		// A customer under a caution, as the lookup knows them.
		desk := e.actor(kasuhara.RoleDesk)
		e.file(t, e.actor(kasuhara.RoleEmployee), kasuhara.Report{OccurredAt: time.Now().Add(-48 * time.Hour), Channel: "phone", Categories: []kasuhara.Category{"violence_abuse"},
			Subtypes: []string{"shouting"}, Conduct: "電話で怒鳴られた", Customer: kasuhara.CustomerDetails{Name: "山田 太郎", Phone: "03-1234-5678"}})
		cs, err := e.st.Customers(ctx, desk, "0312345678")
		if err != nil || len(cs) != 1 {
			t.Fatalf("customers: %v %v", cs, err)
		}
		if _, err := e.st.ProposeMeasure(ctx, desk, cs[0].ID, kasuhara.NewMeasure{Checks: testChecks, Level: "caution", Reason: "x", ReviewAt: time.Now().AddDate(0, 1, 0)}); err != nil {
			t.Fatal(err)
		}
		drafts := func() int {
			var n int
			e.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM call_drafts").Scan(&n)
			return n
		}
		cl := e.client()
		signed := func(path, secret string, body string, ts time.Time) resp {
			return cl.do("POST", path, strings.NewReader(body), map[string]string{"Content-Type": "application/json",
				notify.SignatureHeader: notify.Sign(secret, ts, []byte(body))})
		}
		now := time.Now()

		// A PBX: started, then ended.
		started := `{"event":"started","caller":"+81312345678","agent":"` + agent.Email + `"}`
		must(t, signed("/api/v1/o/acme/calls/sip", sipSecret, started, now), 200, `"status":"caution"`)
		ended := `{"event":"ended","call_id":"pbx-77","caller":"+81312345678","agent":"` + agent.Email + `","duration_seconds":1260,"recording_url":"https://pbx.example/rec/77.wav"}`
		for name, r := range map[string]resp{
			"another secret": signed("/api/v1/o/acme/calls/sip", strings.Repeat("x", 40), ended, now),
			"an old request": signed("/api/v1/o/acme/calls/sip", sipSecret, ended, now.Add(-time.Hour)),
			"no signature":   cl.do("POST", "/api/v1/o/acme/calls/sip", strings.NewReader(ended), map[string]string{"Content-Type": "application/json"}),
			"another org":    signed("/api/v1/o/acme-retail/calls/sip", sipSecret, ended, now),
			"no such org":    signed("/api/v1/o/nowhere/calls/sip", sipSecret, ended, now),
			"connect's key":  signed("/api/v1/o/acme/calls/sip", connectSecret, ended, now),
			"a changed body": cl.do("POST", "/api/v1/o/acme/calls/sip", strings.NewReader(strings.Replace(ended, "1260", "1", 1)), map[string]string{
				"Content-Type": "application/json", notify.SignatureHeader: notify.Sign(sipSecret, now, []byte(ended))}),
		} {
			if r.status != 401 {
				t.Errorf("%s: %d, want 401", name, r.status)
			}
		}
		if n := drafts(); n != 0 {
			t.Fatalf("refused events stored %d drafts", n)
		}
		must(t, signed("/api/v1/o/acme/calls/sip", sipSecret, `{"event":"ended","call_id":"x","agent":"nobody@acme.example"}`, now), 422, `"agent"`)
		must(t, signed("/api/v1/o/acme/calls/sip", sipSecret, ended, now), 201, `"state":"open"`)
		must(t, signed("/api/v1/o/acme/calls/sip", sipSecret, ended, now), 200, `"repeat":true`)

		// Twilio: the status callback, signed over the address it called.
		twPath := "/api/v1/o/acme/calls/twilio?agent=" + url.QueryEscape(agent.Email)
		twilio := func(params url.Values, token string) resp {
			sig := phone.TwilioSignature(token, "http://127.0.0.1"+twPath, params)
			return cl.do("POST", twPath, strings.NewReader(params.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded", phone.TwilioHeader: sig})
		}
		ringing := url.Values{"CallSid": {"CA100"}, "From": {"+81312345678"}, "To": {"+81355550000"}, "CallStatus": {"ringing"}}
		must(t, twilio(ringing, twilioToken), 200, `"status":"caution"`)
		completed := url.Values{"CallSid": {"CA100"}, "From": {"+81312345678"}, "CallStatus": {"completed"}, "CallDuration": {"95"}}
		must(t, twilio(completed, "another-token-0123456789abcdef"), 401)
		must(t, twilio(completed, twilioToken), 201)
		must(t, twilio(url.Values{"CallSid": {"CA101"}, "From": {"+81312345678"}, "CallStatus": {"no-answer"}}, twilioToken), 204)

		// Amazon Connect, forwarded by its Lambda.
		connect := `{"Details":{"ContactData":{"ContactId":"ct-1","CustomerEndpoint":{"Address":"+81312345678","Type":"TELEPHONE_NUMBER"}},` +
			`"Parameters":{"event":"ended","agent":"` + agent.Email + `","duration_seconds":"300"}},"Name":"ContactFlowEvent"}`
		must(t, signed("/api/v1/o/acme/calls/connect", sipSecret, connect, now), 401)
		must(t, signed("/api/v1/o/acme/calls/connect", connectSecret, connect, now), 201)

		// The API, with the recording file; only the admin's, the desk's
		// or legal's token.
		api := func(role kasuhara.Role, event string, file []byte) resp {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			mw.WriteField("event", event)
			if file != nil {
				fw, _ := mw.CreateFormFile("file", "call.wav")
				fw.Write(file)
			}
			mw.Close()
			a := e.api(role)
			return a.c.do("POST", "/api/v1/calls/ended", &b, map[string]string{"Authorization": "Bearer " + a.tok, "Content-Type": mw.FormDataContentType()})
		}
		apiEvent := `{"event":"ended","call_id":"api-5","caller":"0312345678","agent":"` + agent.Email + `","duration_seconds":61}`
		must(t, api(kasuhara.RoleEmployee, apiEvent, wavBytes(800)), 403)
		must(t, api(kasuhara.RoleDesk, apiEvent, pngBytes(t, 10, 10)), 422, `"file"`)
		must(t, api(kasuhara.RoleDesk, apiEvent, wavBytes(800)), 201)
		must(t, e.api(kasuhara.RoleDesk).call("POST", "/api/v1/calls/started", map[string]string{"caller": "03-1234-5678", "agent": agent.Email}), 200, `"status":"caution"`)
		if n := drafts(); n != 4 {
			t.Errorf("drafts = %d, want 4", n)
		}

		// The agent's reports page lists them; the report form is
		// pre-filled; filed, the recording is the case's evidence.
		me := e.signedIn(kasuhara.RoleEmployee)
		list := me.get("/reports")
		must(t, list, 200, `id="call-drafts"`, "81312345678", "21 分", "録音あり")
		if m := uuidText.FindString(list.body); m != "" {
			t.Errorf("a UUID is visible: %s", m)
		}
		d, err := e.st.CallDrafts(ctx, e.actor(kasuhara.RoleEmployee))
		if err != nil || len(d) != 4 {
			t.Fatalf("drafts = %d, %v", len(d), err)
		}
		var withFile kasuhara.CallDraft
		for _, x := range d {
			if x.CallID == "api-5" {
				withFile = x
			}
		}
		form := me.get("/report?call=" + withFile.ID)
		must(t, form, 200, `id="call-notice"`, `name="call" value="`+withFile.ID+`"`, `value="0312345678"`, `value="2"`)
		for _, r := range []kasuhara.Role{kasuhara.RoleDesk, kasuhara.RoleSupervisor, kasuhara.RoleAdmin} {
			must(t, e.signedIn(r).get("/report?call="+withFile.ID), 404)
			mustNot(t, e.signedIn(r).get("/reports"), `id="call-drafts"`)
		}
		body, ct := multipartBody(t, map[string][]string{"idempotency_key": {"k-call-1"}, "call": {withFile.ID}, "occurred_at": {time.Now().Add(-time.Hour).In(kasuhara.JST).Format("2006-01-02T15:04")},
			"channel": {"phone"}, "subtypes": {"shouting"}, "conduct": {"同じ要求を繰り返し怒鳴られた"}, "customer_phone": {"0312345678"}}, nil)
		res := me.do("POST", "/report", body, map[string]string{"Content-Type": ct})
		must(t, res, 303)
		caseID := strings.TrimSuffix(strings.TrimPrefix(res.header.Get("Location"), "/cases/"), "?filed=1")
		ev, err := e.st.EvidenceList(ctx, desk, caseID)
		if err != nil || len(ev) != 1 || ev[0].MediaType != "audio/wav" {
			t.Errorf("evidence = %+v, %v", ev, err)
		}
		if left, _ := e.st.CallDrafts(ctx, e.actor(kasuhara.RoleEmployee)); len(left) != 3 {
			t.Errorf("drafts left = %d, want 3", len(left))
		}
		// Another's draft cannot be set aside; the agent's can.
		must(t, me.post("/calls/"+withFile.ID+"/dismiss", url.Values{}), 409)
		other := d[len(d)-1]
		must(t, e.signedIn(kasuhara.RoleDesk).post("/calls/"+other.ID+"/dismiss", url.Values{}), 404)
		must(t, me.post("/calls/"+other.ID+"/dismiss", url.Values{}), 303)
		if left, _ := e.st.CallDrafts(ctx, e.actor(kasuhara.RoleEmployee)); len(left) != 2 {
			t.Errorf("drafts left = %d, want 2", len(left))
		}
	})
}

// TestCallStartedSideEffects: a started call is the agent's own lookup of
// the caller (audited as "customer.lookup" by the agent, no draft made),
// counted toward the agent's limit: past it the phone system gets 429 and
// nothing is looked up or audited, while another agent goes on. Twilio's
// RecordingUrl becomes the draft's recording address.
func TestCallStartedSideEffects(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		agent, other := e.users[kasuhara.RoleEmployee], e.users[kasuhara.RoleSupervisor]
		admin := e.actor(kasuhara.RoleAdmin)
		sipSecret, twilioToken := strings.Repeat("s", 40), "0123456789abcdef0123456789abcdef"
		for src, sec := range map[string]string{"sip": sipSecret, "twilio": twilioToken} {
			if err := e.st.SetCallSecret(ctx, admin, e.org.ID, src, sec); err != nil {
				t.Fatal(err)
			}
		}
		cl := e.client()
		start := func(email string) resp {
			body := `{"event":"started","caller":"+81312349999","agent":"` + email + `"}`
			return cl.do("POST", "/api/v1/o/acme/calls/sip", strings.NewReader(body), map[string]string{"Content-Type": "application/json",
				notify.SignatureHeader: notify.Sign(sipSecret, time.Now(), []byte(body))})
		}
		lookups := func(userID string) int {
			t.Helper()
			entries, err := e.st.AuditEntries(ctx, kasuhara.AuditFilter{OrgID: e.org.ID, Action: "customer.lookup"})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, en := range entries {
				if en.ActorID == userID {
					n++
				}
			}
			return n
		}
		must(t, start(agent.Email), 200, `"status":"none"`)
		if n := lookups(agent.ID); n != 1 {
			t.Fatalf("the agent's lookups audited: %d, want 1", n)
		}
		var drafts int
		e.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM call_drafts").Scan(&drafts)
		if drafts != 0 {
			t.Errorf("a started call made %d drafts", drafts)
		}
		// The agent's limit: 30 lookups a minute, the phone's and their own.
		refused := 0
		for range 35 {
			if r := start(agent.Email); r.status == 429 {
				refused++
			} else if r.status != 200 {
				t.Fatalf("a started call: %d %s", r.status, r.body)
			}
		}
		if refused == 0 {
			t.Fatalf("36 started calls in a minute for one agent: none refused")
		}
		if n := lookups(agent.ID); n != 36-refused {
			t.Errorf("%d lookups audited for %d answered", n, 36-refused)
		}
		must(t, start(agent.Email), 429)
		must(t, start(other.Email), 200)

		// Twilio's completed call with its recording.
		twPath := "/api/v1/o/acme/calls/twilio?agent=" + url.QueryEscape(agent.Email)
		params := url.Values{"CallSid": {"CA900"}, "From": {"+81312349999"}, "CallStatus": {"completed"}, "CallDuration": {"42"},
			"RecordingUrl": {"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE900"}}
		sig := phone.TwilioSignature(twilioToken, "http://127.0.0.1"+twPath, params)
		must(t, cl.do("POST", twPath, strings.NewReader(params.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded", phone.TwilioHeader: sig}), 201)
		d, err := e.st.CallDrafts(ctx, e.actor(kasuhara.RoleEmployee))
		if err != nil || len(d) != 1 || d[0].RecordingURL != params.Get("RecordingUrl") || d[0].DurationSeconds != 42 || d[0].Source != "twilio" {
			t.Fatalf("the Twilio draft = %+v, %v", d, err)
		}
		must(t, e.signedIn(kasuhara.RoleEmployee).get("/reports"), 200, `id="call-drafts"`, "録音あり")
	})
}

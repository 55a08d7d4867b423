package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestSwappedEvidence copies another case's ciphertext over an evidence
// file (finding 7 of issue 16: it decrypted with the same key and was served
// and packed as genuine). The download stops before the client has the
// whole file, the package is refused naming the record, and both are
// logged without the file's name and audited.
func TestSwappedEvidence(t *testing.T) {
	for _, eng := range testdb.Engines {
		t.Run(string(eng), func(t *testing.T) {
			e := newEnv(t, eng)
			emp, desk := e.api(kasuhara.RoleEmployee), e.api(kasuhara.RoleDesk)
			deskV := kasuhara.Actor{UserID: e.users[kasuhara.RoleDesk].ID, OrgID: e.org.ID, Role: kasuhara.RoleDesk}
			upload := func(name string, data []byte) (caseID string, ev kasuhara.Evidence) {
				t.Helper()
				id := decode(t, emp.call("POST", "/api/v1/reports", validReport()).body)["id"].(string)
				body, ct := multipartBody(t, nil, map[string][]byte{name: data})
				must(t, emp.c.do("POST", "/api/v1/cases/"+id+"/evidence", body, map[string]string{"Authorization": "Bearer " + emp.tok, "Content-Type": ct}), 201)
				es, err := e.st.EvidenceList(ctx, deskV, id)
				if err != nil || len(es) != 1 {
					t.Fatalf("evidence = %v, %v", es, err)
				}
				return id, es[0]
			}
			mine := pngBytes(t, 300, 200)
			caseA, evA := upload("被害写真.png", mine)
			_, evB := upload("other.png", pngBytes(t, 310, 200))
			get := func(path string, hdr map[string]string) (int, []byte, error) {
				t.Helper()
				req, _ := http.NewRequest("GET", e.url+path, nil)
				req.Header.Set("Authorization", "Bearer "+desk.tok)
				for k, v := range hdr {
					req.Header.Set(k, v)
				}
				// A fresh connection each time: a client retries a GET
				// whose reused connection closed without an answer.
				hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
				res, err := hc.Do(req)
				if err != nil {
					// The server ended the response before its header.
					return 0, nil, err
				}
				defer res.Body.Close()
				b, err := io.ReadAll(res.Body)
				return res.StatusCode, b, err
			}
			download := "/api/v1/cases/" + caseA + "/evidence/" + evA.ID
			if status, b, err := get(download, nil); status != 200 || err != nil || !bytes.Equal(b, mine) {
				t.Fatalf("untouched download: %d, %d bytes, %v", status, len(b), err)
			}

			blobs := filepath.Join(e.data, "evidence")
			other, err := os.ReadFile(filepath.Join(blobs, evB.BlobID[:2], evB.BlobID))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(blobs, evA.BlobID[:2], evA.BlobID), other, 0o600); err != nil {
				t.Fatal(err)
			}

			status, b, err := get(download, nil)
			if err == nil {
				t.Fatalf("the swapped file was served whole: %d, %d bytes", status, len(b))
			}
			if len(b) >= len(other) {
				t.Fatalf("the client received %d bytes of the %d-byte swapped file", len(b), len(other))
			}
			if status, b, _ := get(download, map[string]string{"Range": "bytes=0-99"}); status != http.StatusConflict || !strings.Contains(string(b), evA.ID) {
				t.Fatalf("range of the swapped file: %d %.300s", status, b)
			}

			r := desk.call("GET", "/api/v1/cases/"+caseA+"/package?lang=en", nil)
			if r.status != http.StatusConflict || r.header.Get("Content-Type") == "application/zip" {
				t.Fatalf("package with the swapped file: %d %s", r.status, r.header.Get("Content-Type"))
			}
			var apiErr struct {
				Error struct {
					Fields map[string]string `json:"fields"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(r.body), &apiErr); err != nil || !strings.Contains(apiErr.Error.Fields["evidence"], evA.ID) {
				t.Fatalf("package error does not name the evidence record: %s", r.body)
			}

			entries, err := e.st.AuditEntries(ctx, kasuhara.AuditFilter{ObjectType: "case", ObjectID: caseA})
			if err != nil {
				t.Fatal(err)
			}
			during := map[string]int{}
			for _, a := range entries {
				if a.Action == "evidence.mismatch" && strings.Contains(a.Detail, evA.ID) {
					var d map[string]string
					json.Unmarshal([]byte(a.Detail), &d)
					during[d["during"]]++
				}
			}
			if during["download"] != 2 || during["package"] != 1 {
				t.Fatalf("audited mismatches = %v, want 2 downloads and 1 package", during)
			}
			logs := e.logs.String()
			if !strings.Contains(logs, "evidence does not match its recorded hash") || !strings.Contains(logs, evA.ID) {
				t.Fatalf("the mismatch is not logged:\n%s", logs)
			}
			if strings.Contains(logs, "被害写真") {
				t.Fatal("the log names the file")
			}
		})
	}
}

package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestNoAnsweredReportIsLostOnKill files reports through the API from 16
// clients and kills the server (SIGKILL) in the middle. Every report that
// was answered 201 must be in the database afterwards, the audit chain must
// verify, and the server must start again on the same data.
func TestNoAnsweredReportIsLostOnKill(t *testing.T) {
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		dbURL := ""
		if e == sqldb.Postgres {
			dbURL = testdb.NewPostgresDatabase(t)
		}
		killDuringIntake(t, dbURL)
	})
}

func killDuringIntake(t *testing.T, dbURL string) {
	srv := startServerOn(t, t.TempDir(), dbURL, true)
	addUser(t, srv, "clerk@example.jp", "店員 花子", "employee", "")
	token := apiToken(t, srv, "clerk@example.jp")

	var mu sync.Mutex
	var answered []string
	refused := 0
	// enough is closed once a good number of reports were answered.
	const killAfter = 150
	enough := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				body, _ := json.Marshal(map[string]any{"occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "channel": "phone",
					"subtypes": []string{"insult", "long_contact"}, "conduct": fmt.Sprintf("クライアント%dの%d件目: 長時間怒鳴られた", i, n),
					"customer": map[string]string{"phone": fmt.Sprintf("090-%04d-%04d", i, n%10000)}})
				req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/api/v1/reports", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				var got struct {
					ID string `json:"id"`
				}
				json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				mu.Lock()
				if resp.StatusCode == http.StatusCreated && got.ID != "" {
					answered = append(answered, got.ID)
					if len(answered) == killAfter {
						close(enough)
					}
				} else {
					refused++
				}
				mu.Unlock()
			}
		}()
	}
	// Kill once a good number of reports were answered, or after 20s.
	select {
	case <-enough:
	case <-time.After(20 * time.Second):
	}
	srv.kill(t)
	cancel()
	wg.Wait()
	if len(answered) < 50 {
		t.Fatalf("only %d reports were answered before the kill (%d refused): the test proves little", len(answered), refused)
	}
	if refused > 0 {
		t.Errorf("%d reports were refused under load", refused)
	}
	t.Logf("%d reports answered 201 before SIGKILL", len(answered))

	// Every answered report is in the database.
	db, err := sqldb.Open(context.Background(), dbURL, srv.data)
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, id := range answered {
		var one int
		if err := db.Read.QueryRow("SELECT 1 FROM cases WHERE id = $1", id).Scan(&one); err == sql.ErrNoRows {
			missing++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if missing > 0 {
		t.Fatalf("%d of %d reports answered 201 are not in the database", missing, len(answered))
	}
	// The audit chain verifies.
	verify := exec.Command(binary, "audit", "verify", "--data", srv.data)
	verify.Env = srv.env(t.TempDir())
	if out, err := verify.CombinedOutput(); err != nil {
		t.Fatalf("audit verify after SIGKILL: %v\n%s", err, out)
	}
	// And the server starts again on the same data.
	again := startServerOn(t, srv.data, dbURL, false)
	resp, err := http.Get(again.URL + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("restart: %v %v", err, resp)
	}
	resp.Body.Close()
}

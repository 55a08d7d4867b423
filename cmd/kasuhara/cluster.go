package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
)

// ThrottleKeyFile is where, under the data directory, the key of the
// throttles' HMACs lives: beside the evidence key, which several servers
// on one database share already, and never in the database, so that the
// database alone does not let anyone test an address against the rows of
// the shared throttles (docs/operations.md#several-servers).
const ThrottleKeyFile = "keys/throttle.key"

// sharedThrottles returns, on PostgreSQL, the store's throttles (shared by
// every server on the database) and their HMAC key, which is also the
// anonymous channel's client key; on SQLite (one server) nil, nil: the
// limiters stay in the process, where a check costs a quarter of a
// microsecond instead of a tenth of a millisecond
// (store.BenchmarkThrottleFail), and the client key in memory only.
func sharedThrottles(db *sqldb.DB, st *store.Store, data string) (*store.Throttles, []byte, error) {
	if db.Engine != sqldb.Postgres {
		return nil, nil, nil
	}
	key, err := loadThrottleKey(data)
	if err != nil {
		return nil, nil, err
	}
	th, err := st.Throttles(key)
	if err != nil {
		return nil, nil, err
	}
	return th, key, nil
}

// loadThrottleKey reads DATA/keys/throttle.key, making it (32 random
// bytes, hex, mode 0600) on the first start.
func loadThrottleKey(data string) ([]byte, error) {
	path := filepath.Join(data, ThrottleKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("throttle key: %w", err)
		}
		key := make([]byte, 32)
		rand.Read(key)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return loadThrottleKey(data) // another server on the same directory made it first
		}
		if err != nil {
			return nil, fmt.Errorf("throttle key: %w", err)
		}
		_, err = f.WriteString(hex.EncodeToString(key) + "\n")
		if err := errors.Join(err, f.Sync(), f.Close()); err != nil {
			return nil, fmt.Errorf("throttle key: %w", err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("throttle key: %w", err)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("throttle key %s is accessible to group or others (mode %v): chmod 600 it", path, info.Mode().Perm())
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("throttle key %s is not 32 bytes in hex: delete it and start again (the throttles' counts are forgotten)", path)
	}
	return key, nil
}

// pinger is an evidence store that can tell whether it is reachable (a
// bucket); the local directory needs no such check.
type pinger interface {
	Ping(ctx context.Context) error
}

// readiness is /readyz's check: the database answers, it was not migrated
// by a newer release since this server started (a rolling upgrade takes the
// old servers out of the load balancer), and the evidence store answers
// when it can say so.
func readiness(db *sqldb.DB, blobs any) func(context.Context) error {
	p, _ := blobs.(pinger)
	return func(ctx context.Context) error {
		if err := db.Ping(ctx); err != nil {
			return fmt.Errorf("database: %w", err)
		}
		if err := db.CheckSchema(ctx); err != nil {
			return err
		}
		if p != nil {
			if err := p.Ping(ctx); err != nil {
				return fmt.Errorf("evidence store: %w", err)
			}
		}
		return nil
	}
}

// holdOnNewerSchema is the job queue's Hold: true once a newer release has
// migrated the database (looked at every few seconds), so that this
// server's old code runs no job on the new schema and leaves them to the
// upgraded servers. It logs the reason when the hold begins.
func holdOnNewerSchema(db *sqldb.DB, logger *slog.Logger) func(context.Context) bool {
	var mu sync.Mutex
	var checked time.Time
	held := false
	return func(ctx context.Context) bool {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(checked) < 5*time.Second {
			return held
		}
		checked = time.Now()
		err := db.CheckSchema(ctx)
		var newer *sqldb.NewerSchemaError
		was := held
		held = errors.As(err, &newer)
		if held && !was {
			logger.Warn("job queue held", "err", err)
		}
		return held
	}
}

// jobLease is the job queue's lease: how long one run of a job may take
// (KASUHARA_JOB_TIMEOUT) and how long after that its server still holds
// it (KASUHARA_JOB_LEASE_GRACE). When a server dies holding jobs, another
// takes them over once both have passed since the claim.
type jobLease struct {
	Timeout, Grace time.Duration
}

// Bounds of the job lease's two parts (said in jobLeaseFromEnv's error).
const (
	minJobLease = time.Second
	maxJobLease = time.Hour
)

// jobLeaseFromEnv reads the job lease from the environment: by default
// one minute each (jobs.Options' defaults). A value that is not a duration
// from 1s to 1h is a usage error (exit status 2) that names the variable.
func jobLeaseFromEnv(getenv func(string) string) (jobLease, error) {
	l := jobLease{Timeout: time.Minute, Grace: time.Minute}
	for _, v := range []struct {
		name string
		to   *time.Duration
	}{{"KASUHARA_JOB_TIMEOUT", &l.Timeout}, {"KASUHARA_JOB_LEASE_GRACE", &l.Grace}} {
		s := strings.TrimSpace(getenv(v.name))
		if s == "" {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < minJobLease || d > maxJobLease {
			return jobLease{}, usagef("serve: %s=%q: a duration from 1s to 1h, such as 30s or 2m", v.name, s)
		}
		*v.to = d
	}
	return l, nil
}

// schemaGate refuses the requests that may change something (every method
// but GET, HEAD and OPTIONS) with 503 and Retry-After once a newer release
// has migrated the database (a rolling upgrade): an old server then writes
// nothing on a schema it does not know from within a second of the
// migration, instead of until the load balancer's health checks take it
// out. Reading pages goes on until then. It asks the database at most once
// a second (every), at whichever request that may write comes first, and
// one check at a time: the requests that come while a check is under way
// take the last answer instead of waiting for it. A check that fails for
// another reason (the database away) changes nothing, and the request
// fails or succeeds on its own. The refusal is web's (refuse): the API's
// JSON error, SCIM's, or the product's error page.
type schemaGate struct {
	next   http.Handler
	refuse func(http.ResponseWriter, *http.Request, time.Duration) // web.Server.Unavailable
	check  func(context.Context) error                             // sqldb.DB.CheckSchema
	every  time.Duration
	logger *slog.Logger

	mu       sync.Mutex
	checked  time.Time
	checking bool  // a check is under way
	newer    error // the *sqldb.NewerSchemaError, while there is one
}

// schemaRetryAfter is the Retry-After of a refused request: by then the
// load balancer has sent the client to an upgraded server.
const schemaRetryAfter = 10 * time.Second

func newSchemaGate(next http.Handler, db *sqldb.DB, refuse func(http.ResponseWriter, *http.Request, time.Duration), logger *slog.Logger) *schemaGate {
	return &schemaGate{next: next, refuse: refuse, check: db.CheckSchema, every: time.Second, logger: logger}
}

func (g *schemaGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		g.next.ServeHTTP(w, r)
		return
	}
	if g.newerSchema(r.Context()) == nil {
		g.next.ServeHTTP(w, r)
		return
	}
	g.refuse(w, r, schemaRetryAfter)
}

// newerSchema is the NewerSchemaError while the database is newer than
// this server. When the last answer is older than every and no check is
// under way, this request asks the database, without holding the lock;
// otherwise it takes the last answer.
func (g *schemaGate) newerSchema(ctx context.Context) error {
	g.mu.Lock()
	if g.checking || !g.checked.IsZero() && time.Since(g.checked) < g.every {
		newer := g.newer
		g.mu.Unlock()
		return newer
	}
	g.checking = true
	g.mu.Unlock()
	err := g.ask(ctx)

	g.mu.Lock()
	defer g.mu.Unlock()
	var newer *sqldb.NewerSchemaError
	switch {
	case errors.As(err, &newer):
		if g.newer == nil {
			g.logger.Warn("refusing writes", "err", err)
		}
		g.newer = err
	case err == nil:
		g.newer = nil
	}
	// A check that failed otherwise leaves the answer as it was, for a
	// second too: while the database is away, writes must not each wait
	// for a check of their own.
	g.checking, g.checked = false, time.Now()
	return g.newer
}

// ask is one check of the database, within a second.
func (g *schemaGate) ask(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return g.check(ctx)
}

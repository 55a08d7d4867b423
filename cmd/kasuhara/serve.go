package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/audit"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/i18n"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/mailbox"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/starter"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/throttle"
	"github.com/kasuhara/kasuhara/internal/web"
)

// serveGCPercent is the garbage collector's target for the server unless
// GOGC says otherwise. The server's live heap is small (tens of MiB), so at
// Go's default of 100 it collected after every few pages of cases: 13 % of
// the CPU of the desk's queue under load, and a third fewer pages a second
// (docs/performance.md). At 400 the server stayed under 140 MiB resident in
// the load runs at a million cases.
const serveGCPercent = 400

// tuneGC sets serveGCPercent unless the operator set GOGC, and returns the
// percentage in force.
func tuneGC(getenv func(string) string) int {
	if getenv("GOGC") != "" {
		old := debug.SetGCPercent(100)
		debug.SetGCPercent(old)
		return old
	}
	debug.SetGCPercent(serveGCPercent)
	return serveGCPercent
}

func serve(ctx context.Context, e env, args []string) error {
	cfg, _, err := parse(e, "serve", config.Storage|config.Server, args, nil)
	if err != nil {
		return err
	}
	lease, err := jobLeaseFromEnv(e.getenv)
	if err != nil {
		return err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	logger := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	tuneGC(e.getenv)

	db, st, err := openOrCreateStore(ctx, cfg)
	if err != nil {
		return err
	}
	st.WebhookAllow = cfg.WebhookAllow
	defer db.Close()
	// Chat webhook addresses are kept sealed with a key beside the
	// evidence key, made on the first start.
	_, keyErr := os.Stat(filepath.Join(cfg.Data, credential.SecretsKeyFile))
	if st.Secrets, err = credential.LoadSealer(cfg.Data); err != nil {
		return err
	}
	if errors.Is(keyErr, fs.ErrNotExist) {
		// A restore without the key: the destinations sealed with the old
		// one cannot be opened and must be entered again (their pages say
		// so); the server runs on.
		var sealed int
		if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM chat_destinations").Scan(&sealed); err == nil && sealed > 0 {
			logger.Warn("a new secrets key was made, but chat destinations were sealed with another: restore keys/secrets.key from the backup, or have them entered again",
				"destinations", sealed)
		}
	}
	logger.Info("database ready", "engine", string(db.Engine))

	ln, err := listen(cfg)
	if err != nil {
		return err
	}
	defer ln.Close()
	if err := firstRun(ctx, e.stdout, cfg, st); err != nil {
		return err
	}
	// A new edition of the built-in policies becomes a draft for the
	// organisations that never changed the old one; a failure here must not
	// keep the server from starting.
	if n, err := starter.OfferDrafts(ctx, st, time.Now()); err != nil {
		logger.Error("offering the new edition of the built-in policies", "err", err)
	} else if n > 0 {
		logger.Info("offered the new edition of the built-in policies as drafts", "edition", starter.Edition, "drafts", n)
	}

	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	defer blobs.Close()
	logger.Info("evidence store", "location", blobs.Location())
	st.DirectorySecrets = blobs // the OpenID client secrets are sealed with the evidence key

	// Several servers on one PostgreSQL database count sign-in failures,
	// wrong receipts and anonymous reports together (issue 24).
	throttles, clientKey, err := sharedThrottles(db, st, cfg.Data)
	if err != nil {
		return err
	}
	hs, err := newHTTPServer(cfg, db, st, blobs, throttles, clientKey, logger)
	if err != nil {
		return err
	}
	if cfg.SMTPListen != "" {
		mb, err := startMailbox(ctx, cfg, st, blobs, logger)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "The desk's mailbox is listening on %s\n", mb)
	}
	fmt.Fprintf(e.stdout, "Kasuhara is listening on http://%s (open %s)\n", ln.Addr(), cfg.BaseURL)
	logger.Info("listening", "addr", ln.Addr().String())

	go sweep(ctx, st.Sessions(), throttles, logger)
	queueDone, err := startJobs(ctx, cfg, db, st, blobs, lease, logger)
	if err != nil {
		return err
	}
	// The queue puts running jobs back and stops before the database closes.
	defer func() { <-queueDone }()
	return runHTTP(ctx, e, hs, ln, logger)
}

// runHTTP serves on ln until ctx ends, then shuts the server down, giving
// requests under way 15 seconds.
func runHTTP(ctx context.Context, e env, hs *http.Server, ln net.Listener, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	// KASUHARA_PPROF=127.0.0.1:6060 serves Go's profiler on a separate
	// listener for performance work; it is never on by default.
	if addr := e.getenv("KASUHARA_PPROF"); addr != "" {
		pl, err := serveProfiler(addr, logger)
		if err != nil {
			return fmt.Errorf("KASUHARA_PPROF: %w", err)
		}
		defer pl.Close()
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// listen listens on cfg.Addr. The default base URL then names the address
// actually listened on (with --addr …:0 the port is chosen now).
func listen(cfg *config.Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another server running? choose another --addr)", cfg.Addr, err)
	}
	if cfg.BaseURL == "http://"+cfg.Addr {
		cfg.BaseURL = "http://" + ln.Addr().String()
	}
	return ln, nil
}

// firstRun creates the first organisation and its administrator on an
// empty database, and prints the administrator's one-time password.
func firstRun(ctx context.Context, stdout io.Writer, cfg *config.Config, st *store.Store) error {
	first, err := st.Bootstrap(ctx, kasuhara.NewOrg{Slug: cfg.FirstOrgSlug, Name: cfg.FirstOrgName}, cfg.FirstAdminEmail, "Administrator")
	if err != nil {
		return fmt.Errorf("first run: %w", err)
	}
	if first != nil {
		// Printed once, to the operator's terminal; never logged.
		fmt.Fprintf(stdout, "\nFirst start: created the organisation %q (%s) and its administrator.\n", first.Org.Name, first.Org.Slug)
		fmt.Fprintf(stdout, "  e-mail:             %s\n  one-time password:  %s\n", first.Admin.Email, first.Password)
		fmt.Fprintf(stdout, "This password is shown only now. Sign in at %s/login and choose your own.\n\n", cfg.BaseURL)
	}
	return nil
}

// newHTTPServer wires the web server to the store and the evidence files,
// and to the shared throttles when there are (nil: in the process).
func newHTTPServer(cfg *config.Config, db *sqldb.DB, st *store.Store, blobs *blob.Store, throttles *store.Throttles, clientKey []byte, logger *slog.Logger) (*http.Server, error) {
	catalog, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	var shared throttle.Factory // nil: in the process
	if throttles != nil {
		shared = throttles
	}
	srv, err := web.NewServer(web.Deps{
		Orgs: st, Users: st, Tokens: st, Audit: st, Cases: st, Messages: st, Checkins: st, Cooperation: st, Anonymous: st, Settings: st, Customers: st, Letters: st, Referrals: st, Posts: st, Policies: st, Training: st, Insight: st, Compliance: st, Retention: st, TwoFactor: st, Idempotency: st, Notifications: st, Directory: st, Provisioning: st, Intake: st, Calls: st, Chat: st, ChatLineWorks: cfg.LineWorks.Enabled(), Calendar: st, Blobs: blobs, Sessions: st.Sessions(), Ready: readiness(db, blobs),
		Throttles: shared, ClientKey: clientKey,
		OnBehalf: st, CaseImports: st,
		MaxUpload: int64(cfg.MaxUploadMB) << 20, AnonymousBudget: cfg.AnonymousBudget, MailConfigured: cfg.SMTP != "",
		Catalog: catalog, Logger: logger, BaseURL: cfg.BaseURL,
		SessionIdle: cfg.SessionIdle, SessionLifetime: cfg.SessionLifetime, Version: buildVersion(),
		TrustedProxies: cfg.TrustedProxies,
	})
	if err != nil {
		return nil, err
	}
	return &http.Server{
		// A rolling upgrade: once a newer release migrated the database,
		// this server refuses writes (schemaGate).
		Handler:           newSchemaGate(srv, db, srv.Unavailable, logger),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // evidence uploads from slow phones
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}, nil
}

// startJobs schedules the daily jobs and starts the durable queue on the
// database, which runs the outbox entry that the store enqueues with each
// event (its fan-out into in-app notifications, mail and webhook jobs),
// those jobs, and the clock jobs, each claim held for lease. The returned
// channel is closed when the queue has stopped, after ctx is done.
func startJobs(ctx context.Context, cfg *config.Config, db *sqldb.DB, st *store.Store, blobs *blob.Store, lease jobLease, logger *slog.Logger) (<-chan struct{}, error) {
	mailer, err := notify.NewMailer(cfg.SMTP, cfg.MailFrom)
	if err != nil {
		return nil, fmt.Errorf("mail: %w (check --smtp and --mail-from)", err)
	}
	lineWorks, err := loadLineWorks(cfg.LineWorks)
	if err != nil {
		return nil, err
	}
	queue := jobs.New(db, map[string]jobs.Handler{
		notify.KindEvent:   notify.FanoutHandler(st),
		notify.KindMail:    notify.MailHandler(mailer, cfg.BaseURL),
		notify.KindWebhook: notify.WebhookHandler(notify.NewWebhookClient(15*time.Second, cfg.WebhookAllow...), cfg.BaseURL, st.Webhook),
		// Chat messages to Slack, Teams and LINE WORKS, retried no sooner
		// than a service's Retry-After; the outcome shows on the settings.
		notify.KindChat: notify.ChatHandler(notify.NewWebhookClient(15*time.Second, cfg.WebhookAllow...), lineWorks, cfg.BaseURL,
			st.ChatTarget, st.RecordChatResult),
		store.KindClock:   st.ClockHandler,
		store.KindPostDue: st.PostDueHandler,
		// The desk's replies to mail received at its mailbox.
		store.KindIntakeReply: st.IntakeReplyHandler(mailer),
		// Training reminders run once a day at 09:00 in Japan; the first
		// run after a start catches up on a day the server was down.
		notify.KindTrainingMail: notify.TrainingMailHandler(mailer, cfg.BaseURL),
		// The second person on grants of desk and legal: legal is told,
		// the person gets the link to set their password.
		notify.KindGrantMail:        notify.GrantMailHandler(mailer, cfg.BaseURL),
		notify.KindPasswordLinkMail: notify.PasswordLinkMailHandler(mailer, cfg.BaseURL, st.MintPasswordLink),
		notify.KindAccountMail:      notify.AccountMailHandler(mailer, cfg.BaseURL),
		store.KindTrainingReminders: st.TrainingRemindersHandler,
		// The daily digest, for those who chose it, at 08:00 in Japan.
		notify.KindDigestMail: notify.DigestMailHandler(mailer, cfg.BaseURL),
		store.KindDigest:      st.DigestHandler,
		// Named reporters are asked, on the organisation's days after their
		// report, whether they have been treated disadvantageously since:
		// daily at 10:00 in Japan, and once at the start to catch up.
		store.KindCheckins: st.CheckinsHandler,
		// Handlers of cooperation requests between employers are reminded
		// of deadlines near or past: daily at 09:00 in Japan, and once at
		// the start to catch up.
		store.KindCooperation: st.CooperationHandler,
		// Retention purges expired cases once a day at 03:00 in Japan.
		store.KindRetention: st.RetentionHandler(blobs.Delete),
		// The signed head of the audit chain, daily at 04:00 in Japan.
		store.KindAuditAnchor: st.AuditAnchorHandler(anchorDelivery(cfg, st)),
		// …also mailed to the auditors and POSTed to a webhook.
		notify.KindAnchorMail:    notify.AnchorMailHandler(mailer, cfg.AuditAnchorMail),
		notify.KindAnchorWebhook: notify.AnchorWebhookHandler(notify.NewWebhookClient(15*time.Second, cfg.WebhookAllow...), cfg.AuditAnchorWebhook),
	}, jobs.Options{Logger: logger, Hold: holdOnNewerSchema(db, logger), JobTimeout: lease.Timeout, LockGrace: lease.Grace,
		// The work inside the product has a worker of its own, so that the
		// desk's in-app notifications and the clocks do not wait behind
		// mail, webhooks and chat while another server answers slowly.
		Reserved: []string{notify.KindEvent, store.KindClock, store.KindPostDue, store.KindTrainingReminders,
			store.KindDigest, store.KindCheckins, store.KindCooperation, store.KindRetention, store.KindAuditAnchor}})
	if err := st.ScheduleTrainingReminders(ctx, time.Now(), true); err != nil {
		return nil, fmt.Errorf("schedule training reminders: %w", err)
	}
	if err := st.ScheduleDigest(ctx, time.Now()); err != nil {
		return nil, fmt.Errorf("schedule digest: %w", err)
	}
	if err := st.ScheduleCheckins(ctx, time.Now(), true); err != nil {
		return nil, fmt.Errorf("schedule check-ins: %w", err)
	}
	if err := st.ScheduleCooperation(ctx, time.Now(), true); err != nil {
		return nil, fmt.Errorf("schedule cooperation reminders: %w", err)
	}
	if err := st.ScheduleRetention(ctx, time.Now(), true); err != nil {
		return nil, fmt.Errorf("schedule retention: %w", err)
	}
	if cfg.AuditAnchor != "" || len(cfg.AuditAnchorMail) > 0 || cfg.AuditAnchorWebhook != "" {
		// The key is made on the first start, not at the first anchor.
		if _, err := audit.LoadAnchorKey(cfg.Data, true); err != nil {
			return nil, err
		}
		if err := st.ScheduleAuditAnchor(ctx, time.Now(), true); err != nil {
			return nil, fmt.Errorf("schedule audit anchor: %w", err)
		}
	}
	if err := st.EnsureStats(ctx); err != nil {
		return nil, fmt.Errorf("statistics: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := queue.Run(ctx); err != nil && ctx.Err() == nil {
			logger.Error("job queue stopped", "err", err)
		}
	}()
	return done, nil
}

// startMailbox starts the desk's mailbox (an SMTP listener) on
// --smtp-listen until ctx ends, and returns the address it listens on.
func startMailbox(ctx context.Context, cfg *config.Config, st *store.Store, blobs *blob.Store, logger *slog.Logger) (string, error) {
	desks := map[string]string{}
	for addr, slug := range cfg.SMTPDesks {
		org, err := st.OrgBySlug(ctx, slug)
		if err != nil {
			return "", fmt.Errorf("--smtp-desk: %s: no organisation %q", addr, slug)
		}
		desks[addr] = org.ID
	}
	mc := mailbox.Config{Desks: desks, Hostname: mailHostname(cfg), MaxBytes: int64(cfg.SMTPMaxMB) << 20,
		MaxAttachmentBytes: int64(cfg.MaxUploadMB) << 20, Gateway: cfg.SMTPGateway, GatewayNetworks: cfg.SMTPGatewayNetworks, Logger: logger}
	if cfg.SMTPTLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.SMTPTLSCert, cfg.SMTPTLSKey)
		if err != nil {
			return "", fmt.Errorf("--smtp-tls-cert, --smtp-tls-key: %w", err)
		}
		mc.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", cfg.SMTPListen)
	if err != nil {
		return "", fmt.Errorf("--smtp-listen %s: %w", cfg.SMTPListen, err)
	}
	srv := mailbox.New(mc, st, blobs)
	go func() {
		if err := srv.Serve(ln); err != nil && ctx.Err() == nil {
			logger.Error("the desk's mailbox stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
	}()
	logger.Info("mailbox listening", "addr", ln.Addr().String(), "starttls", mc.TLS != nil)
	return ln.Addr().String(), nil
}

// mailHostname is the name the mailbox greets with: the host of the base
// URL.
func mailHostname(cfg *config.Config) string {
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "localhost"
}

// loadLineWorks is the operator's LINE WORKS bot, or nil when none is
// configured.
func loadLineWorks(c config.LineWorks) (*notify.LineWorks, error) {
	if !c.Enabled() {
		return nil, nil
	}
	info, err := os.Stat(c.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("--lineworks-private-key: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("--lineworks-private-key: %s is accessible to group or others (mode %v): chmod 600 it", c.PrivateKeyFile, info.Mode().Perm())
	}
	b, err := os.ReadFile(c.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("--lineworks-private-key: %w", err)
	}
	key, err := notify.ParseLineWorksKey(b)
	if err != nil {
		return nil, fmt.Errorf("--lineworks-private-key: %w", err)
	}
	return &notify.LineWorks{ClientID: c.ClientID, ClientSecret: c.ClientSecret, ServiceAccount: c.ServiceAccount, BotID: c.BotID, Key: key}, nil
}

// serveProfiler serves Go's profiler on addr until the returned listener
// is closed.
func serveProfiler(addr string, logger *slog.Logger) (net.Listener, error) {
	pl, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	pm := http.NewServeMux()
	pm.HandleFunc("/debug/pprof/", pprof.Index)
	pm.HandleFunc("/debug/pprof/profile", pprof.Profile)
	pm.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go (&http.Server{Handler: pm, ReadHeaderTimeout: 5 * time.Second}).Serve(pl)
	logger.Warn("profiler listening", "addr", pl.Addr().String())
	return pl, nil
}

// sweep deletes expired sessions, and the shared throttles' rows that left
// their windows (when there are), every few minutes. Every server does it;
// done twice it changes nothing.
func sweep(ctx context.Context, ss interface {
	DeleteExpired(context.Context) (int64, error)
}, throttles *store.Throttles, logger *slog.Logger) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := ss.DeleteExpired(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("session sweep", "err", err)
			}
			if throttles == nil {
				continue
			}
			if _, err := throttles.Sweep(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("throttle sweep", "err", err)
			}
		}
	}
}

// Package config turns flags and environment variables into one validated
// Config. Every flag --name has the variable KASUHARA_NAME (upper case,
// hyphens as underscores); a flag given on the command line wins.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultFirstOrgName names the first organisation until its administrator
// sets the name on Settings (the setup checklist asks for it): in Japanese,
// as the pages people read, and saying what to do.
const DefaultFirstOrgName = "（組織名を設定してください）"

// Config is the validated configuration of one command.
type Config struct {
	Addr     string // listen address of serve
	Data     string // data directory: SQLite database, evidence, keys
	Database string // "" for SQLite in Data, or a postgres:// URL
	// PGCommitters is how many batches of changes run at once on
	// PostgreSQL (sqldb.Options.Committers); SQLite has one writer.
	PGCommitters int
	// Blob is where evidence files are kept: "" for Data/evidence, another
	// directory, or s3://bucket/prefix (--blob) with S3Endpoint, S3Region,
	// S3PathStyle and the credentials of AWS_ACCESS_KEY_ID and
	// AWS_SECRET_ACCESS_KEY (environment only: never on a command line).
	Blob        string
	S3Endpoint  string
	S3Region    string
	S3PathStyle bool
	S3AccessKey string
	S3SecretKey string
	BaseURL     string // the address people open, for links in mail
	SMTP        string // smtp://user:pass@host:port, "" for no mail
	MailFrom    string

	SessionIdle     time.Duration // sign out after this long without a request
	SessionLifetime time.Duration // sign out this long after sign-in, whatever happens
	LogLevel        string        // debug, info, warn, error
	FirstOrgSlug    string        // slug of the organisation serve creates on an empty database
	FirstOrgName    string
	FirstAdminEmail string
	MaxUploadMB     int // largest evidence file, in MiB
	// WebhookAllow are the private, loopback or link-local networks that
	// webhooks may be sent to (--webhook-allow); public addresses need none.
	WebhookAllow []netip.Prefix
	webhookAllow string
	// AuditAnchor is the file to which the signed head of the audit chain is
	// appended every day and at each start (--audit-anchor), best on another
	// volume; "" writes none.
	AuditAnchor string
	// AuditAnchorMail are the auditors' addresses to which the same signed
	// head is mailed (--audit-anchor-mail, comma-separated; needs --smtp).
	AuditAnchorMail []string
	auditAnchorMail string
	// AuditAnchorWebhook is a URL to which it is POSTed as JSON
	// (--audit-anchor-webhook; private addresses as --webhook-allow allows).
	AuditAnchorWebhook string
	// LineWorks is the operator's LINE WORKS bot for chat notifications
	// (--lineworks-*): all five set, or none.
	LineWorks LineWorks
	// TrustedProxies are the reverse proxies whose X-Forwarded-For or
	// Forwarded header names the client (--trusted-proxies); none by default.
	TrustedProxies []netip.Prefix
	trustedProxies string
	// AnonymousBudget is how many anonymous reports an hour, from all
	// addresses together, are filed at once; beyond it they wait for the
	// desk's review (--anonymous-budget, web.Deps.AnonymousBudget).
	AnonymousBudget int
	// SMTPListen is the address of the desk's mailbox, an SMTP listener
	// (--smtp-listen, such as :2525); "" runs none.
	SMTPListen string
	// SMTPDesks maps each desk address (lower case) to its organisation's
	// slug (--smtp-desk soudan@example.co.jp=acme,…).
	SMTPDesks map[string]string
	smtpDesk  string
	// SMTPTLSCert and SMTPTLSKey are the PEM files of the listener's
	// certificate, offered with STARTTLS.
	SMTPTLSCert, SMTPTLSKey string
	// SMTPMaxMB limits a message, in MiB.
	SMTPMaxMB int
	// SMTPGateway is the authserv-id of the operator's mail gateway and
	// SMTPGatewayNetworks where it connects from: only its
	// Authentication-Results header is believed.
	SMTPGateway         string
	SMTPGatewayNetworks []netip.Prefix
	smtpGatewayNetworks string

	set     Set
	envErrs []error
}

// Set says which groups of flags a command takes.
type Set int

// Flag groups.
const (
	Storage Set = 1 << iota // --data, --database
	Server                  // --addr, --base-url, --smtp, --mail-from, sessions, first run
)

// Register defines the flags of the groups in set on fs, with defaults from
// getenv, and returns the Config they fill.
func Register(fs *flag.FlagSet, set Set, getenv func(string) string) *Config {
	c := &Config{}
	str := func(p *string, name, def, usage string) {
		if v := getenv(EnvName(name)); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage+" (env "+EnvName(name)+")")
	}
	dur := func(p *time.Duration, name string, def time.Duration, usage string) {
		*p = def
		fs.Func(name, fmt.Sprintf("%s (default %s, env %s)", usage, def, EnvName(name)), func(s string) error {
			d, err := time.ParseDuration(s)
			if err != nil {
				return fmt.Errorf("a duration such as 30m or 12h")
			}
			*p = d
			return nil
		})
		if v := getenv(EnvName(name)); v != "" {
			if err := fs.Set(name, v); err != nil {
				c.envErrs = append(c.envErrs, fmt.Errorf("%s=%q: %w", EnvName(name), v, err))
			}
		}
	}
	whole := func(p *int, name string, def, lo, hi int, unit, usage string) {
		*p = def
		fs.Func(name, fmt.Sprintf("%s (default %d, env %s)", usage, def, EnvName(name)), func(v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < lo || n > hi {
				return fmt.Errorf("a whole number of %s between %d and %d", unit, lo, hi)
			}
			*p = n
			return nil
		})
		if v := getenv(EnvName(name)); v != "" {
			if err := fs.Set(name, v); err != nil {
				c.envErrs = append(c.envErrs, fmt.Errorf("%s=%q: %w", EnvName(name), v, err))
			}
		}
	}
	if set&Storage != 0 {
		str(&c.Data, "data", "./kasuhara-data", "data directory: SQLite database, evidence files, keys")
		str(&c.Database, "database", "", "empty for SQLite in the data directory, or a postgres:// URL")
		whole(&c.PGCommitters, "pg-committers", 1, 1, 64, "committers",
			"on PostgreSQL: how many batches of changes are written at once, each on a connection of its own (SQLite has one writer)")
		str(&c.Blob, "blob", "", "where evidence files are kept: empty for DATA/evidence, a directory, or s3://bucket/prefix")
		str(&c.S3Endpoint, "s3-endpoint", "", "S3-compatible server for --blob s3://…, https://host[:port]; empty for Amazon S3")
		str(&c.S3Region, "s3-region", "", "region of the --blob bucket")
		c.S3PathStyle = getenv(EnvName("s3-path-style")) == "true"
		fs.BoolVar(&c.S3PathStyle, "s3-path-style", c.S3PathStyle, "address the bucket as host/bucket (most on-premises servers) (env "+EnvName("s3-path-style")+"=true)")
		c.S3AccessKey, c.S3SecretKey = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	}
	if set&Server != 0 {
		str(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
		str(&c.BaseURL, "base-url", "", "the address people open, e.g. https://kasuhara.example.jp (default http://ADDR)")
		str(&c.SMTP, "smtp", "", "mail server, smtp://user:pass@host:port; empty sends no mail")
		str(&c.MailFrom, "mail-from", "", "sender address of mail")
		str(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
		dur(&c.SessionIdle, "session-idle", 30*time.Minute, "sign out after this long without activity")
		dur(&c.SessionLifetime, "session-lifetime", 12*time.Hour, "sign out this long after signing in")
		whole(&c.MaxUploadMB, "max-upload-mb", 100, 1, 4096, "MiB", "largest evidence file in MiB")
		// The default is web.DefaultAnonymousBudget.
		whole(&c.AnonymousBudget, "anonymous-budget", 100, 1, 1000000, "anonymous reports an hour",
			"anonymous reports an hour, from all addresses together, filed at once; beyond it they wait for the desk's review")
		str(&c.SMTPListen, "smtp-listen", "", "address of the desk's mailbox (an SMTP listener), e.g. :2525; empty runs none")
		str(&c.smtpDesk, "smtp-desk", "", "desk addresses of the mailbox and their organisations' slugs, e.g. soudan@example.co.jp=acme,soudan@sub.example.co.jp=sub")
		str(&c.SMTPTLSCert, "smtp-tls-cert", "", "PEM certificate (chain) the mailbox offers with STARTTLS")
		str(&c.SMTPTLSKey, "smtp-tls-key", "", "PEM private key of --smtp-tls-cert")
		whole(&c.SMTPMaxMB, "smtp-max-mb", 25, 1, 1024, "MiB", "largest mail the mailbox takes, in MiB")
		str(&c.SMTPGateway, "smtp-gateway", "", "authserv-id of your mail gateway: its Authentication-Results header (SPF, DKIM, DMARC) is recorded")
		str(&c.smtpGatewayNetworks, "smtp-gateway-networks", "", "addresses the mail gateway connects from, comma-separated CIDRs or addresses")
		str(&c.webhookAllow, "webhook-allow", "", "private networks webhooks may reach, comma-separated CIDRs or addresses, e.g. 10.20.0.0/16")
		str(&c.AuditAnchor, "audit-anchor", "", "file on another volume to which the signed head of the audit chain is appended daily (audit verify --anchor checks it)")
		str(&c.auditAnchorMail, "audit-anchor-mail", "", "auditors' e-mail addresses, comma-separated, to which the signed head of the audit chain is mailed daily (needs --smtp)")
		str(&c.AuditAnchorWebhook, "audit-anchor-webhook", "", "https:// address to which the signed head of the audit chain is POSTed daily as JSON")
		str(&c.LineWorks.ClientID, "lineworks-client-id", "", "LINE WORKS bot for chat notifications: the app's Client ID (Developer Console)")
		str(&c.LineWorks.ClientSecret, "lineworks-client-secret", "", "LINE WORKS: the app's Client Secret (best given as env KASUHARA_LINEWORKS_CLIENT_SECRET)")
		str(&c.LineWorks.ServiceAccount, "lineworks-service-account", "", "LINE WORKS: the app's Service Account (…serviceaccount@…)")
		str(&c.LineWorks.PrivateKeyFile, "lineworks-private-key", "", "LINE WORKS: file of the Service Account's private key (PEM), readable by the owner only")
		str(&c.LineWorks.BotID, "lineworks-bot-id", "", "LINE WORKS: the bot's Bot ID")
		str(&c.trustedProxies, "trusted-proxies", "", "reverse proxies whose X-Forwarded-For names the client, comma-separated CIDRs or addresses, e.g. 127.0.0.1")
		str(&c.FirstOrgSlug, "first-org-slug", "default", "on an empty database: slug of the first organisation")
		str(&c.FirstOrgName, "first-org-name", DefaultFirstOrgName, "on an empty database: name of the first organisation")
		str(&c.FirstAdminEmail, "first-admin-email", "admin@localhost.localdomain", "on an empty database: e-mail address of the first admin")
	}
	c.set = set
	return c
}

// EnvName is the environment variable of a flag.
func EnvName(flag string) string {
	return "KASUHARA_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// Validate checks the values and fills derived defaults.
func (c *Config) Validate() error {
	errs := append([]error(nil), c.envErrs...)
	if c.set&Storage != 0 {
		if c.Database == "" && strings.TrimSpace(c.Data) == "" {
			errs = append(errs, errors.New("--data: must name a directory when --database is empty"))
		}
		if c.Database != "" && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") {
			errs = append(errs, errors.New("--database: must be empty (SQLite in the data directory) or a postgres:// URL"))
		}
		if strings.HasPrefix(c.Blob, "s3://") {
			if u, err := url.Parse(c.Blob); err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" {
				errs = append(errs, errors.New("--blob: must be s3://bucket/prefix, a directory, or empty"))
			}
			if c.S3Endpoint != "" {
				if u, err := url.Parse(c.S3Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					errs = append(errs, errors.New("--s3-endpoint: must be https://host[:port] (or http:// on the same host)"))
				}
			}
			if (c.S3AccessKey == "") != (c.S3SecretKey == "") {
				errs = append(errs, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: set both or neither"))
			}
		} else if strings.Contains(c.Blob, "://") {
			errs = append(errs, errors.New("--blob: must be s3://bucket/prefix, a directory, or empty"))
		}
	}
	if c.set&Server != 0 {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("--addr: must be host:port such as 127.0.0.1:8080"))
		}
		if c.BaseURL == "" {
			c.BaseURL = "http://" + c.Addr
		}
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, errors.New("--base-url: must be an http:// or https:// address"))
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
		if c.SMTP != "" {
			if u, err := url.Parse(c.SMTP); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
				errs = append(errs, errors.New("--smtp: must be smtp://user:pass@host:port or smtps://…"))
			}
			if c.MailFrom == "" {
				errs = append(errs, errors.New("--mail-from: is required when --smtp is set"))
			}
		}
		switch c.LogLevel {
		case "debug", "info", "warn", "error":
		default:
			errs = append(errs, errors.New("--log-level: must be debug, info, warn or error"))
		}
		if c.SessionIdle < time.Minute || c.SessionLifetime < c.SessionIdle {
			errs = append(errs, errors.New("--session-idle: must be at least 1m and at most --session-lifetime"))
		}
		allow, err := ParseNetworks(c.webhookAllow)
		if err != nil {
			errs = append(errs, fmt.Errorf("--webhook-allow: %w", err))
		}
		c.WebhookAllow = allow
		proxies, err := ParseNetworks(c.trustedProxies)
		if err != nil {
			errs = append(errs, fmt.Errorf("--trusted-proxies: %w", err))
		}
		c.TrustedProxies = proxies
		c.AuditAnchorMail = nil
		for _, a := range strings.Split(c.auditAnchorMail, ",") {
			if a = strings.TrimSpace(a); a == "" {
				continue
			}
			if m, err := mail.ParseAddress(a); err != nil || m.Address != a {
				errs = append(errs, fmt.Errorf("--audit-anchor-mail: %q is not an e-mail address such as audit@example.jp", a))
			}
			c.AuditAnchorMail = append(c.AuditAnchorMail, a)
		}
		if len(c.AuditAnchorMail) > 0 && c.SMTP == "" {
			errs = append(errs, errors.New("--audit-anchor-mail: needs --smtp"))
		}
		errs = append(errs, c.validateMailbox()...)
		if lw := c.LineWorks; lw != (LineWorks{}) && (lw.ClientID == "" || lw.ClientSecret == "" || lw.ServiceAccount == "" || lw.PrivateKeyFile == "" || lw.BotID == "") {
			errs = append(errs, errors.New("--lineworks-client-id, --lineworks-client-secret, --lineworks-service-account, --lineworks-private-key and --lineworks-bot-id: set all five, or none"))
		}
		if c.AuditAnchorWebhook != "" {
			if u, err := url.Parse(c.AuditAnchorWebhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, errors.New("--audit-anchor-webhook: must be an http:// or https:// address"))
			}
		}
	}
	return errors.Join(errs...)
}

// validateMailbox checks the desk's mailbox flags.
func (c *Config) validateMailbox() []error {
	var errs []error
	c.SMTPDesks = map[string]string{}
	for _, pair := range strings.Split(c.smtpDesk, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		addr, slug, ok := strings.Cut(pair, "=")
		addr, slug = strings.ToLower(strings.TrimSpace(addr)), strings.TrimSpace(slug)
		if m, err := mail.ParseAddress(addr); !ok || slug == "" || err != nil || m.Address != addr {
			errs = append(errs, fmt.Errorf("--smtp-desk: %q is not address=slug such as soudan@example.co.jp=acme", pair))
			continue
		}
		c.SMTPDesks[addr] = slug
	}
	if c.SMTPListen == "" {
		return errs
	}
	if _, _, err := net.SplitHostPort(c.SMTPListen); err != nil {
		errs = append(errs, errors.New("--smtp-listen: must be host:port such as :2525"))
	}
	if len(c.SMTPDesks) == 0 {
		errs = append(errs, errors.New("--smtp-desk: names no desk address; the mailbox needs at least one"))
	}
	if (c.SMTPTLSCert == "") != (c.SMTPTLSKey == "") {
		errs = append(errs, errors.New("--smtp-tls-cert and --smtp-tls-key: give both or neither"))
	}
	nets, err := ParseNetworks(c.smtpGatewayNetworks)
	if err != nil {
		errs = append(errs, fmt.Errorf("--smtp-gateway-networks: %w", err))
	}
	c.SMTPGatewayNetworks = nets
	if c.SMTPGateway != "" && len(nets) == 0 {
		errs = append(errs, errors.New("--smtp-gateway: needs --smtp-gateway-networks, the addresses it connects from"))
	}
	return errs
}

// ParseNetworks reads a comma-separated list of CIDR prefixes (10.0.0.0/8)
// and addresses (192.168.1.5, taken as one host); "" is none.
func ParseNetworks(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range strings.Split(s, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if a, err := netip.ParseAddr(v); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return nil, fmt.Errorf("%q is not a network such as 10.20.0.0/16 or an address", v)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// LineWorks is the operator's LINE WORKS bot (API 2.0): the app's client
// id and secret, its service account and the file of that account's
// private key, and the bot's id.
type LineWorks struct {
	ClientID       string
	ClientSecret   string
	ServiceAccount string
	PrivateKeyFile string
	BotID          string
}

// Enabled reports whether the bot is configured.
func (l LineWorks) Enabled() bool { return l.ClientID != "" }

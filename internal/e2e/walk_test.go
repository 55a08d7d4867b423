package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// walkTimeout bounds one role's walk through every page it may open.
const walkTimeout = 8 * time.Minute

// screen is one width the walk checks every page at.
type screen struct {
	name          string
	width, height int64
	phone         bool
}

var walkScreens = []screen{
	{"320", 320, 568, true},
	{"390", 390, 844, true},
	{"1366", 1366, 900, false},
}

// emulate sets the browser's screen to s.
func (b *browser) emulate(s screen) {
	b.t.Helper()
	if s.phone {
		b.run("emulate "+s.name, chromedp.EmulateViewport(s.width, s.height, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
		return
	}
	b.run("emulate "+s.name, chromedp.EmulateViewport(s.width, s.height))
}

// demoPasswords runs `kasuhara demo` on the running server's data and
// returns each demo user's password by e-mail address.
func demoPasswords(t *testing.T, srv *server) map[string]string {
	t.Helper()
	cmd := exec.Command(binary, "demo", "--data", srv.data)
	cmd.Env = srv.env(t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kasuhara demo: %v\n%s", err, out)
	}
	pws := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 4 && strings.HasSuffix(f[0], "@demo.example") {
			pws[f[0]] = f[3]
			srv.secret("a demo user's password", f[3])
		}
	}
	if len(pws) < 8 {
		t.Fatalf("kasuhara demo printed %d passwords, want the demo's users:\n%s", len(pws), out)
	}
	return pws
}

// pageRoute is one GET route of routes.go, matched against the paths of
// links.
type pageRoute struct {
	pattern string // "GET /cases/{id}"
	re      *regexp.Regexp
	params  int // wildcards in the path
}

// getRoutes reads every GET route that routes.go registers (HTML pages and
// downloads alike: the walk asks the server which ones are pages).
func getRoutes(t *testing.T) []pageRoute {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "internal", "web", "routes.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []pageRoute
	for _, m := range regexp.MustCompile(`(?m)^\s*handle\("(GET (/[^"]*))"`).FindAllStringSubmatch(string(src), -1) {
		path, expr, params := m[2], "^", 0
		for _, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
			switch {
			case seg == "{$}":
				expr += "/"
			case strings.HasPrefix(seg, "{"):
				expr += "/[^/]+"
				params++
			default:
				expr += "/" + regexp.QuoteMeta(seg)
			}
		}
		out = append(out, pageRoute{pattern: m[1], re: regexp.MustCompile(expr + "$"), params: params})
	}
	if len(out) < 40 {
		t.Fatalf("found only %d GET routes in routes.go", len(out))
	}
	return out
}

// routeOf returns the route a path is served by: a literal route before one
// with wildcards, fewer wildcards first, as net/http's most specific rule.
func routeOf(routes []pageRoute, path string) (pageRoute, bool) {
	best, found := pageRoute{}, false
	for _, r := range routes {
		if r.re.MatchString(path) && (!found || r.params < best.params) {
			best, found = r, true
		}
	}
	return best, found
}

// notPages are the GET routes that are not pages a person reads.
var notPages = map[string]bool{
	"GET /healthz": true, "GET /readyz": true, "GET /metrics": true,
	"GET /static/{name}": true, "GET /favicon.ico": true,
	// Downloads (files, PDF, ZIP), reached by forms or from pages not in
	// the demo; the walk asks the server for the kind of every route it
	// reaches, so a page listed here by mistake is not hidden.
	"GET /cases/{id}/package": true, "GET /cases/{id}/evidence/{evidence}": true,
	"GET /online-posts/{id}/files/{file}": true, "GET /online-posts/{id}/removal-request": true,
	"GET /training/images/{id}": true, "GET /cooperation/{id}/shares/{share}": true,
	"GET /intake/{id}/files/{attachment}": true,
	// The calendar feed (text/calendar) that calendar apps fetch; its
	// address is shown once on the notifications page, never linked.
	"GET /calendar/{file}": true,
}

// notWalked are GET routes the walk leaves alone, with the reason: the
// pickers' suggestions are fragments that htmx puts into a page (their
// page is walked), and the audit export is a download that records an
// audit entry each time it is asked for, even by HEAD.
var notWalked = map[string]string{
	"GET /pick/cases":         "a fragment of the picker, put into its page by htmx",
	"GET /pick/customers":     "a fragment of the picker, put into its page by htmx",
	"GET /admin/audit.csv":    "a download that is itself audited",
	"GET /login/sso/callback": "the provider's answer; without a sign-in it started it refuses (TestSSOSignIn walks it)",
}

// unreachedInDemo are the pages the demo data has no link to, with the
// reason; any other page that no role reaches fails the walk.
var unreachedInDemo = map[string]string{
	"GET /training/certificates/{id}":     "no demo user has passed the course",
	"GET /training/case-studies/{id}":     "the demo publishes no case study",
	"GET /online-posts/{id}":              "the demo records no online post",
	"GET /account/setup/{token}":          "reached only from the one-time link of an invitation mail",
	"GET /o/{org}/receipt":                "shown once after an anonymous report is filed (TestAnonymousReceiptIsKept checks it at 320 px)",
	"GET /online-posts/{id}/files/{file}": "the demo records no online post",
	"GET /cooperation/{id}/share":         "the preview of a shared summary, reached by the share form's GET (TestCooperationPages)",
	"GET /import/cases/{id}":              "the demo uploads no ledger (TestImportLedger checks it at every width)",
	"GET /recorded/{id}":                  "the demo records no report on behalf (TestReportTakenOnBehalf checks it at every width)",
	"GET /intake/{id}/files/{attachment}": "the demo's mail has no attachment (TestIntakePages downloads one)",
}

// walker is one person's walk: their browser, the routes, and what has been
// checked.
type walker struct {
	t       *testing.T
	b       *browser
	who     string
	routes  []pageRoute
	kinds   *kindCache
	visited map[string]bool // patterns checked
	errPage bool            // an error page was checked already
	queue   []string
}

// walk opens start and every page linked from the pages it reaches, one
// path per route, and checks each at every width. It returns the routes it
// checked.
func (w *walker) walk(start []string) map[string]bool {
	w.queue = append(w.queue, start...)
	for len(w.queue) > 0 {
		p := w.queue[0]
		w.queue = w.queue[1:]
		r, ok := routeOf(w.routes, p)
		if !ok || w.visited[r.pattern] {
			continue
		}
		if _, ok := notWalked[r.pattern]; ok {
			w.visited[r.pattern] = true
			continue
		}
		if notPages[r.pattern] {
			if w.kind(r, p) == "html" {
				w.t.Errorf("%s answers a page (%s) but notPages says it is none: it is not checked", r.pattern, p)
			}
			w.visited[r.pattern] = true
			continue
		}
		if w.kind(r, p) != "html" {
			w.visited[r.pattern] = true
			continue
		}
		resp := w.b.open(p)
		if resp.Status >= 400 {
			if w.errPage {
				w.visited[r.pattern] = true
				continue
			}
			w.errPage = true
		}
		w.visited[r.pattern] = true
		w.check(p)
		for _, link := range eval[[]string](w.b, `Array.from(document.querySelectorAll("a[href]"), a => a.getAttribute("href"))`) {
			u, err := url.Parse(link)
			if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
				continue
			}
			w.queue = append(w.queue, u.Path)
		}
	}
	return w.visited
}

// kindCache is what each route answers (pattern → "html" or the content
// type), shared by the roles' walks.
type kindCache struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *kindCache) get(pattern string) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[pattern]
	return k, ok
}

func (c *kindCache) set(pattern, k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[pattern] = k
}

// kind asks the server (HEAD) what the route answers: "html" for a page,
// else its content type. Downloads are not opened in the browser.
func (w *walker) kind(r pageRoute, p string) string {
	if k, ok := w.kinds.get(r.pattern); ok {
		return k
	}
	got := eval[string](w.b, fmt.Sprintf(`fetch(%q, {method: "HEAD"}).then(r => r.status + "|" + r.headers.get("content-type") + "|" + (r.headers.get("content-disposition") || ""))`, p), chromedp.EvalAwaitPromise)
	status, got, _ := strings.Cut(got, "|")
	k := got
	if strings.HasPrefix(got, "text/html") && !strings.Contains(got, "attachment") {
		k = "html"
	}
	// What a route answers someone refused (an error page) is not what it
	// answers someone allowed (a PDF, say): only a success is remembered
	// for the other roles.
	if len(status) == 3 && status < "400" {
		w.kinds.set(r.pattern, k)
	}
	return k
}

// uuidPattern is an internal id as the product makes them (UUIDv7 text).
var uuidPattern = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// visibleText is what a person reads on the page: its text, and what the
// fields they can see hold or suggest.
const visibleText = `(() => {
	const parts = [document.title, document.body.innerText];
	for (const e of document.querySelectorAll("input:not([type=hidden]), textarea, select")) {
		if (e.offsetParent === null) continue;
		if (e.tagName === "SELECT") {
			// What a select shows is its options' text, not their values.
			parts.push(Array.from(e.options, o => o.text).join("\n"));
			continue;
		}
		if (e.type === "checkbox" || e.type === "radio") continue;
		parts.push(e.value || "", e.placeholder || "");
	}
	return parts.join("\n");
})()`

// axeViolation is one serious or critical finding of axe-core.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// check measures the page at every width, runs axe-core on it at the
// narrowest and the widest, and looks for internal ids in what it shows on
// a phone.
func (w *walker) check(p string) {
	w.t.Helper()
	for _, s := range walkScreens {
		w.b.emulate(s)
		if dir := os.Getenv("KASUHARA_SCREENSHOTS"); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				w.t.Fatal(err)
			}
			name := strings.NewReplacer("/", "_", " ", "-").Replace(w.who + p + "-" + s.name)
			w.b.screenshot(dir, name)
		}
		if f := measureFit(w.b); f.Width > f.Screen {
			w.t.Errorf("%s, %s at %spx: the page is %vpx wide on a %vpx screen: it scrolls sideways; sticking out: %v", w.who, p, s.name, f.Width, f.Screen, f.Culprits)
		}
		if s.name == "390" {
			// What a person reads on a phone holds no internal id.
			if ids := uuidPattern.FindAllString(eval[string](w.b, visibleText), 3); len(ids) > 0 {
				w.t.Errorf("%s reads internal ids on %s: %v", w.who, uuidPattern.ReplaceAllString(p, "{id}"), ids)
			}
			continue
		}
		for _, v := range axe(w.b) {
			w.t.Errorf("%s, %s at %spx: axe-core %s (%s): %s\n\t%s", w.who, p, s.name, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
		}
	}
}

// axeSource is axe-core, vendored for the tests only (testdata/axe).
func axeSource(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// injectAxe makes every page the browser opens load axe-core. Scripts of
// the DevTools protocol are not subject to the page's Content-Security-Policy,
// and nothing of axe-core reaches the server or the binary.
func (b *browser) injectAxe(src string) {
	b.t.Helper()
	b.run("inject axe-core", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return err
	}))
}

// axe runs axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules on the page and
// returns the serious and critical violations.
func axe(b *browser) []axeViolation {
	b.t.Helper()
	return eval[[]axeViolation](b, `(async () => {
		if (!window.axe) { return [{ID: "axe-missing", Impact: "critical", Help: "axe-core was not injected", Nodes: []}]; }
		const r = await window.axe.run(document, {
			runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
			resultTypes: ["violations"],
		});
		return r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({
			ID: v.id, Impact: v.impact, Help: v.help,
			Nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\s+/g, " ")),
		}));
	})()`, chromedp.EvalAwaitPromise)
}

// TestEveryPageFitsAndIsAccessible signs in as each role of the demo (and
// as nobody), walks every page that person may open (the GET routes of
// routes.go, with real ids taken from the links of the pages), and fails
// when a page scrolls sideways at 320, 390 or 1366px, when axe-core
// finds a serious or critical WCAG 2.2 A/AA violation, or when the page's
// visible text or a visible field holds an internal id (a UUID). On a
// phone the report button is on the first screen of an employee's home.
func TestEveryPageFitsAndIsAccessible(t *testing.T) {
	srv := startServer(t)
	pws := demoPasswords(t, srv)
	routes := getRoutes(t)
	src := axeSource(t)
	var pages []string // the routes that answer HTML
	reached := map[string][]string{}
	people := []struct{ who, email string }{
		{"nobody", ""},
		{"employee", "clerk@demo.example"},
		{"supervisor", "boss@demo.example"},
		{"desk", "desk@demo.example"},
		{"legal", "legal@demo.example"},
		{"analyst", "retail-analyst@demo.example"},
		{"admin", "retail-admin@demo.example"},
		{"group admin", "admin@demo.example"},
	}
	kinds := &kindCache{m: map[string]string{}}
	var mu sync.Mutex // reached
	// The roles walk two at a time: a walk mostly waits for the browser.
	slots := make(chan struct{}, 2)
	t.Run("roles", func(t *testing.T) {
		for _, p := range people {
			t.Run(p.who, func(t *testing.T) {
				t.Parallel()
				slots <- struct{}{}
				defer func() { <-slots }()
				b := newBrowserWithin(t, srv, walkTimeout)
				b.injectAxe(src)
				w := &walker{t: t, b: b, who: p.who, routes: routes, kinds: kinds, visited: map[string]bool{}}
				var start []string
				if p.email == "" {
					start = []string{"/login", "/o/demo-retail/report", "/o/demo-retail/status", "/o/demo-retail/policy"}
					b.open("/login") // the walk asks the server from its origin
					axeFindsAViolation(t, b)
				} else {
					wantStatus(t, signIn(t, b, p.email, pws[p.email]), http.StatusOK, p.who+" signs in")
					for _, r := range routes {
						if r.params == 0 {
							start = append(start, strings.TrimSuffix(strings.TrimPrefix(r.pattern, "GET "), "{$}"))
						}
					}
					if p.who == "employee" {
						reportOnFirstScreen(t, b)
					}
				}
				visited := w.walk(start)
				mu.Lock()
				defer mu.Unlock()
				for pattern := range visited {
					reached[pattern] = append(reached[pattern], p.who)
				}
			})
		}
	})
	for pattern, k := range kinds.m {
		if k == "html" {
			pages = append(pages, pattern)
		}
	}
	sort.Strings(pages)
	t.Logf("%d pages checked at %d widths with axe-core", len(pages), len(walkScreens))
	for _, r := range routes {
		if _, ok := notWalked[r.pattern]; ok || notPages[r.pattern] || len(reached[r.pattern]) > 0 {
			continue
		}
		if why, ok := unreachedInDemo[r.pattern]; ok {
			t.Logf("not walked: %s (%s)", r.pattern, why)
			continue
		}
		t.Errorf("no role reached %s: link it from a page, or say in unreachedInDemo why the demo cannot", r.pattern)
	}
	for pattern := range unreachedInDemo {
		if len(reached[pattern]) > 0 && kinds.m[pattern] == "html" {
			t.Errorf("%s is reached now (by %v): remove it from unreachedInDemo", pattern, reached[pattern])
		}
		if !slices.ContainsFunc(routes, func(r pageRoute) bool { return r.pattern == pattern }) {
			t.Errorf("unreachedInDemo names %s, which routes.go does not register", pattern)
		}
	}
}

// reportOnFirstScreen checks that an employee's home shows the report
// button without scrolling on a 390×844 and a 320×568 phone.
func reportOnFirstScreen(t *testing.T, b *browser) {
	t.Helper()
	b.open("/")
	for _, s := range walkScreens[:2] {
		b.emulate(s)
		type box struct{ Top, Bottom, Left, Right, Header float64 }
		r := eval[box](b, `(() => {
			const e = document.getElementById("topbar-report"), r = e ? e.getBoundingClientRect() : {top: 1e9, bottom: 1e9, left: 0, right: 0};
			return {Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right,
				Header: document.querySelector("header.topbar").getBoundingClientRect().height};
		})()`)
		if r.Bottom > float64(s.height) || r.Top < 0 || r.Right > float64(s.width) || r.Left < 0 {
			t.Errorf("the report button is not on the first screen of an employee's home at %d×%d: %+v", s.width, s.height, r)
		}
		if r.Header > 0.15*float64(s.height) {
			t.Errorf("the header takes %.0fpx of a %dpx-high phone (%.0f%%)", r.Header, s.height, 100*r.Header/float64(s.height))
		}
	}
}

// axeFindsAViolation proves that the check can fail: a field without a
// label, added to the sign-in page, is a critical violation for axe-core.
func axeFindsAViolation(t *testing.T, b *browser) {
	t.Helper()
	if vs := axe(b); len(vs) > 0 {
		t.Errorf("the sign-in page has violations: %+v", vs)
	}
	eval[bool](b, `document.querySelector("main").insertAdjacentHTML("beforeend", '<input type="text" id="axe-probe">'), true`)
	vs := axe(b)
	if !slices.ContainsFunc(vs, func(v axeViolation) bool {
		return v.ID == "label" && strings.Contains(strings.Join(v.Nodes, " "), "#axe-probe")
	}) {
		t.Errorf("axe-core did not report the field without a label: %+v", vs)
	}
}

package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/kasuhara/kasuhara/internal/i18n"
	"github.com/kasuhara/kasuhara/internal/testserver"
)

// stepTimeout bounds one browser step; testTimeout bounds a whole test, so
// that a hanging browser or server cannot hang the run.
const (
	stepTimeout = 20 * time.Second
	testTimeout = 100 * time.Second
)

// sessionCookie is the name of the server's session cookie.
const sessionCookie = "kasuhara_session"

// browserRequired reports whether a missing browser fails the tests.
func browserRequired() bool { return os.Getenv("KASUHARA_REQUIRE_BROWSER") == "1" }

// skipOrFail skips the test for a missing browser, or fails it when the
// browser is required.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if browserRequired() {
		t.Fatalf("the browser is required (KASUHARA_REQUIRE_BROWSER=1): %s", msg)
	}
	t.Skipf("browser not available: %s (install Debian's chromium; KASUHARA_REQUIRE_BROWSER=1 makes this fail)", msg)
}

// chromiumPath finds Debian's chromium.
func chromiumPath() (string, error) {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	return exec.LookPath("chromium")
}

// browser is one headless chromium with one tab, talking to one server.
type browser struct {
	t   *testing.T
	ctx context.Context // the tab's context
	srv *server
}

// newBrowser starts chromium with a fresh profile for the test. It asks for
// Japanese, as a browser in Japan does (see setAcceptLanguage).
func newBrowser(t *testing.T, srv *server) *browser {
	t.Helper()
	return newBrowserWithin(t, srv, testTimeout)
}

// newBrowserWithin is newBrowser for a test that may take up to limit.
func newBrowserWithin(t *testing.T, srv *server, limit time.Duration) *browser {
	t.Helper()
	path, err := chromiumPath()
	if err != nil {
		skipOrFail(t, "no /usr/bin/chromium and no chromium on PATH")
	}
	profile := t.TempDir() // removed after the browser has stopped (cleanups run last-in first-out)
	var chromeOut testserver.Buffer
	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // we run as root
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&chromeOut),
	)
	root, cancelRoot := context.WithTimeout(context.Background(), limit)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(root, allocOpts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit
		cancelRoot()
	})
	// The first Do starts the browser; it must not have a shorter timeout
	// than the browser's life.
	if err := chromedp.Do(ctx); err != nil {
		skipOrFail(t, "chromedp could not start %s: %v\n%s", path, err, chromeOut.String())
	}
	b := &browser{t: t, ctx: ctx, srv: srv}
	b.setAcceptLanguage("ja")
	return b
}

// run runs actions with a step timeout, failing the test on an error.
func (b *browser) run(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (page %s)", step, err, b.safeLocation())
	}
}

// value runs one action that returns a value.
func value[T any](b *browser, step string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v (page %s)", step, err, b.safeLocation())
	}
	return v
}

func (b *browser) safeLocation() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return loc
}

// setAcceptLanguage makes the browser send Accept-Language: v ("" sends the
// browser's own).
func (b *browser) setAcceptLanguage(v string) {
	b.t.Helper()
	headers := network.Headers{}
	if v != "" {
		headers["Accept-Language"] = v
	}
	b.run("set Accept-Language", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: headers})
		return err
	}))
}

// open navigates to path on the server and returns the response of the page
// it ends on (after redirects).
func (b *browser) open(path string) *network.Response {
	b.t.Helper()
	resp := value(b, "open "+path, chromedp.NavigateResponse(b.srv.URL+path))
	if resp == nil {
		b.t.Fatalf("open %s: no response", path)
	}
	return resp
}

// submit clicks the button sel and waits for the page it leads to.
func (b *browser) submit(sel string) *network.Response {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("click %s: %v (page %s)", sel, err, b.safeLocation())
	}
	if resp == nil {
		b.t.Fatalf("click %s: no response", sel)
	}
	return resp
}

// fill types v into the empty field sel, as a person would.
func (b *browser) fill(sel, v string) {
	b.t.Helper()
	b.run("fill "+sel, chromedp.SendKeys(chromedp.CSS(sel), v, chromedp.NodeVisible))
	if got := value(b, "read "+sel, chromedp.Value(chromedp.CSS(sel))); got != v {
		b.t.Fatalf("field %s holds %q after typing %q", sel, got, v)
	}
}

// choose selects the option v of the select sel.
func (b *browser) choose(sel, v string) {
	b.t.Helper()
	b.run("choose "+v+" in "+sel, chromedp.SetValue(chromedp.CSS(sel), v))
	if got := value(b, "read "+sel, chromedp.Value(chromedp.CSS(sel))); got != v {
		b.t.Fatalf("select %s holds %q after choosing %q (no such option?)", sel, got, v)
	}
}

// text returns the visible text of the element sel, trimmed.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(value(b, "text of "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	return value(b, "evaluate "+expr, chromedp.Evaluate[T](expr, opts...))
}

// has reports whether an element matches the CSS selector sel now.
func (b *browser) has(sel string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf("document.querySelector(%q) !== null", sel))
}

// path returns the path of the page's URL.
func (b *browser) path() string {
	b.t.Helper()
	loc := value(b, "location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatalf("location %q: %v", loc, err)
	}
	return u.Path
}

// lang returns the lang attribute of <html>.
func (b *browser) lang() string {
	b.t.Helper()
	return eval[string](b, "document.documentElement.lang")
}

// cookies returns the browser's cookies for the server.
func (b *browser) cookies() map[string]*network.Cookie {
	b.t.Helper()
	res := value(b, "get cookies", func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{b.srv.URL + "/"}})
	})
	out := map[string]*network.Cookie{}
	for _, c := range res.Cookies {
		out[c.Name] = c
	}
	return out
}

// session returns the value of the session cookie ("" for none) and
// registers it as a secret that the server must not log.
func (b *browser) session() string {
	b.t.Helper()
	c := b.cookies()[sessionCookie]
	if c == nil {
		return ""
	}
	b.srv.secret("a session cookie", c.Value)
	return c.Value
}

// clearCookies forgets every cookie, as a new browser would.
func (b *browser) clearCookies() {
	b.t.Helper()
	b.run("clear cookies", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.ClearBrowserCookies, cdp.Empty{})
		return err
	}))
}

// screenshot saves a PNG of the viewport as dir/name.png and returns its path.
func (b *browser) screenshot(dir, name string) string {
	b.t.Helper()
	png := value(b, "screenshot "+name, chromedp.CaptureScreenshot())
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return p
}

// fullScreenshot saves a PNG of the whole page.
func (b *browser) fullScreenshot(dir, name string) string {
	b.t.Helper()
	png := value(b, "screenshot "+name, chromedp.FullScreenshot(100))
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return p
}

var catalog = sync.OnceValues(i18n.Load)

// msg returns the message id in lang, as the server's catalogue has it.
// wantText fails unless the text of sel on b's page is want; what names
// it in the failure.
func wantText(t *testing.T, b *browser, sel, want, what string) {
	t.Helper()
	if got := b.text(sel); got != want {
		t.Errorf("%s %q, want %q", what, got, want)
	}
}

// wantFlash fails unless the page's flash says the Japanese text of key
// and, when kind is not "", is of that kind (ok, error).
func wantFlash(t *testing.T, b *browser, key, kind string) {
	t.Helper()
	if got, want := b.text("#flash"), msg(t, "ja", key); got != want {
		t.Errorf("flash %q, want %q", got, want)
	}
	if kind != "" && !b.has("#flash.flash-"+kind) {
		t.Errorf("the flash is not of kind %s", kind)
	}
}

func msg(t *testing.T, lang, id string) string {
	t.Helper()
	c, err := catalog()
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Localizer(lang).Translate(id, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openMenu opens the navigation menu when it is folded (on a phone, the
// menu of layout.html is a closed <details>); on a wide screen, or on a
// page without the menu, it does nothing.
func (b *browser) openMenu() {
	b.t.Helper()
	folded := eval[bool](b, `(() => {
		const m = document.getElementById("nav-menu"), s = document.getElementById("nav-toggle");
		return !!(m && s && !m.open && s.checkVisibility());
	})()`)
	if folded {
		b.run("open the menu", chromedp.Click(chromedp.CSS("#nav-toggle"), chromedp.NodeVisible))
	}
}

package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// uuidPattern is an internal id as the product makes them (UUIDv7 text).
var uuidPattern = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// idWalkPeople are the demo's people of every role whose pages the walk
// reads.
var idWalkPeople = []struct{ who, email string }{
	{"employee", "clerk@demo.example"},
	{"supervisor", "boss@demo.example"},
	{"desk", "desk@demo.example"},
	{"legal", "legal@demo.example"},
	{"analyst", "retail-analyst@demo.example"},
	{"admin", "retail-admin@demo.example"},
	{"group admin", "admin@demo.example"},
}

// seedDemo runs `kasuhara demo` on the data directory before a server
// starts on it (a server running meanwhile would wait for the demo's
// writes), and returns each demo user's password by e-mail address.
func seedDemo(t *testing.T, data string) map[string]string {
	t.Helper()
	cmd := exec.Command(binary, "demo", "--data", data)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TZ=UTC"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kasuhara demo: %v\n%s", err, out)
	}
	pws := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) == 4 && strings.HasSuffix(f[0], "@demo.example") {
			pws[f[0]] = f[3]
		}
	}
	if len(pws) < len(idWalkPeople) {
		t.Fatalf("kasuhara demo printed %d passwords:\n%s", len(pws), out)
	}
	return pws
}

// startPaths are the GET routes of routes.go without a wildcard: where a
// walk starts, besides the links it finds.
func startPaths(t *testing.T) []string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "internal", "web", "routes.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^\s*handle\("GET (/[^"{]*)"`).FindAllStringSubmatch(string(src), -1) {
		out = append(out, m[1])
	}
	if len(out) < 30 {
		t.Fatalf("found only %d GET routes in routes.go", len(out))
	}
	return out
}

// pageKey is a path with its ids replaced, so that the walk reads one
// page of each kind (one case, one customer) and not all of them.
func pageKey(p string) string {
	return uuidPattern.ReplaceAllString(p, "{id}")
}

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

// TestNoInternalIDOnAnyPage signs in as each role of the demo, walks every
// page that person reaches (the GET routes of routes.go and every link of
// the pages, one page per kind), and fails when a page's visible text or
// a visible field holds an internal id (a UUID), naming the page.
func TestNoInternalIDOnAnyPage(t *testing.T) {
	data := t.TempDir()
	pws := seedDemo(t, data)
	srv := startServerIn(t, data, false)
	for _, pw := range pws {
		srv.secret("a demo user's password", pw)
	}
	starts := startPaths(t)
	total := 0
	for _, p := range idWalkPeople {
		t.Run(p.who, func(t *testing.T) {
			b := newBrowser(t, srv)
			b.run("a phone's screen", chromedp.EmulateViewport(390, 844))
			wantStatus(t, signIn(t, b, p.email, pws[p.email]), http.StatusOK, p.who+" signs in")
			deadline := time.Now().Add(70 * time.Second) // within the browser's testTimeout
			seen := map[string]bool{}
			queue := append([]string{}, starts...)
			for len(queue) > 0 && time.Now().Before(deadline) {
				path := queue[0]
				queue = queue[1:]
				if seen[pageKey(path)] || strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, "/api/") ||
					path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/favicon.ico" {
					continue
				}
				seen[pageKey(path)] = true
				if !isPage(b, path) {
					continue
				}
				b.open(path)
				total++
				if ids := uuidPattern.FindAllString(eval[string](b, visibleText), 3); len(ids) > 0 {
					t.Errorf("%s reads internal ids on %s: %v", p.who, pageKey(path), ids)
				}
				for _, link := range eval[[]string](b, `Array.from(document.querySelectorAll("a[href]"), a => a.getAttribute("href"))`) {
					u, err := url.Parse(link)
					if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
						continue
					}
					queue = append(queue, u.Path)
				}
			}
			if len(queue) > 0 {
				t.Logf("%s: %d links not followed before the deadline", p.who, len(queue))
			}
		})
	}
	t.Logf("%d pages read", total)
}

// isPage asks the server (HEAD) whether path answers a page rather than a
// download, so that the walk opens only pages in the browser.
func isPage(b *browser, path string) bool {
	got := eval[string](b, fmt.Sprintf(`fetch(%q, {method: "HEAD"}).then(r => r.headers.get("content-type") + "|" + (r.headers.get("content-disposition") || ""))`, path),
		chromedp.EvalAwaitPromise)
	return strings.HasPrefix(got, "text/html") && !strings.Contains(got, "attachment")
}

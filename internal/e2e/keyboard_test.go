package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// focused describes the element that has the focus: its id (or tag and
// name), whether a person can see it, whether its focus is drawn (an
// outline or a shadow), and its place in the document's order.
type focused struct {
	Name    string `json:"name"`
	Visible bool   `json:"visible"`
	Ring    bool   `json:"ring"`
	Why     string `json:"why"`
	Index   int    `json:"index"`
	InMain  bool   `json:"inMain"`
	InMenu  bool   `json:"inMenu"`
}

const focusedJS = `(() => {
	const e = document.activeElement;
	if (!e || e === document.body) { return {name: "body", visible: true, ring: true, index: -1}; }
	const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
	const ring = (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2) || (cs.boxShadow && cs.boxShadow !== "none");
	const all = Array.from(document.querySelectorAll("*"));
	return {
		name: e.id || (e.tagName.toLowerCase() + (e.name ? "[" + e.name + "]" : "")),
		visible: r.width > 1 && r.height > 1 && e.checkVisibility({visibilityProperty: true, opacityProperty: true}),
		ring: !!ring, why: cs.outlineStyle + " " + cs.outlineWidth + " " + cs.boxShadow,
		index: all.indexOf(e),
		inMain: !!e.closest("main"),
		inMenu: !!e.closest("#nav-menu .nav-panel"),
	};
})()`

// tab presses Tab and returns what has the focus then.
func (b *browser) tab() focused {
	b.t.Helper()
	b.run("press Tab", chromedp.KeyEvent(kb.Tab))
	return eval[focused](b, focusedJS)
}

// tabTo presses Tab until the element with the id has the focus, and
// returns everything focused on the way (at most max presses).
func (b *browser) tabTo(id string, max int) []focused {
	b.t.Helper()
	var seen []focused
	for range max {
		f := b.tab()
		seen = append(seen, f)
		if f.Name == id {
			return seen
		}
	}
	b.t.Fatalf("%d presses of Tab did not reach #%s; the focus went %s", max, id, focusNames(seen))
	return nil
}

func focusNames(fs []focused) string {
	var names []string
	for _, f := range fs {
		names = append(names, f.Name)
	}
	return strings.Join(names, " → ")
}

// TestKeyboardOnly is issue 18's accessibility check that axe cannot make:
// a person who uses only the keyboard, on a phone-sized screen, signs in,
// skips to the content, opens and closes the menu, and goes through the
// report form. The focus follows the reading order (it never jumps back),
// never lands on something hidden, and is always drawn.
func TestKeyboardOnly(t *testing.T) {
	srv := startServer(t)
	pw := addUser(t, srv, "clerk@example.jp", "店員 花子", "employee", "新宿店")
	b := newBrowser(t, srv)
	b.run("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))

	// Sign in without the mouse: the e-mail, then the password, then the
	// button, in that order.
	// The e-mail field has the focus when the page opens (autofocus).
	b.open("/login")
	if got := activeID(b); got != "email" {
		t.Errorf("the sign-in page opens with the focus on %q, want the e-mail", got)
	}
	path := b.tabTo("login-submit", 20)
	if order := focusNames(path); !strings.HasPrefix(order, "password") {
		t.Errorf("the sign-in form's focus goes email → %s, want the password next", order)
	}
	checkFocusPath(t, "the sign-in page", path)
	b.open("/login")
	// The keys go where the focus is: wait for autofocus to have put it
	// in the e-mail field (a loaded machine applied it after the first
	// key, which was lost: "lerk@example.jp").
	b.run("wait for the focus in the e-mail", chromedp.Poll[chromedp.Void](`document.activeElement && document.activeElement.id === "email"`))
	b.run("type the e-mail", chromedp.KeyEvent("clerk@example.jp"))
	b.tabTo("password", 5)
	b.run("type the password", chromedp.KeyEvent(pw))
	if got := eval[string](b, `document.getElementById("email").value + "|" + document.getElementById("password").value.length`); got != "clerk@example.jp|"+strconv.Itoa(len(pw)) {
		t.Errorf("typed %q", got)
	}
	b.run("press Enter", chromedp.KeyEvent(kb.Enter))
	b.run("wait for home", chromedp.WaitVisible(chromedp.CSS("#nav-toggle")))
	wantPath(t, b, "/", "signing in with the keyboard")

	// The first Tab is the skip link, shown while it has the focus; it
	// leads into the content.
	b.open("/")
	first := b.tab()
	if first.Name != "a" || !first.Visible || !first.Ring {
		t.Errorf("the first Tab focuses %+v, want the skip link, visible and outlined", first)
	}
	if got := b.text(":focus"); got != msg(t, "ja", "nav.skip") {
		t.Errorf("the first Tab focuses %q, want the skip link", got)
	}
	b.run("follow the skip link", chromedp.KeyEvent(kb.Enter))
	if next := b.tab(); !next.InMain {
		t.Errorf("after the skip link the next Tab goes to %s, outside the content", next.Name)
	}

	// The menu opens with Enter, its links come next, and Escape closes it
	// and gives the focus back to the button that opened it.
	b.open("/")
	checkFocusPath(t, "the top bar", b.tabTo("nav-toggle", 10))
	b.run("open the menu", chromedp.KeyEvent(kb.Enter))
	if !eval[bool](b, `document.getElementById("nav-menu").open`) {
		t.Fatalf("Enter on the menu button does not open the menu")
	}
	if f := b.tab(); !f.InMenu || !f.Visible {
		t.Errorf("the Tab after opening the menu goes to %+v, want the menu's first link", f)
	}
	b.run("press Escape", chromedp.KeyEvent(kb.Escape))
	if eval[bool](b, `document.getElementById("nav-menu").open`) {
		t.Errorf("Escape leaves the menu open")
	}
	if got := activeID(b); got != "nav-toggle" {
		t.Errorf("after Escape the focus is on %q, want the menu button", got)
	}

	// The report form, from the top to the send button.
	b.open("/report")
	b.run("no draft", chromedp.Evaluate[chromedp.Void](`localStorage.clear()`))
	b.open("/report")
	path = b.tabTo("report-submit", 120)
	checkFocusPath(t, "the report form", path)
	inForm := 0
	for _, f := range path {
		if f.InMain {
			inForm++
		}
	}
	if inForm < 8 {
		t.Errorf("only %d stops in the report form before the send button: %s", inForm, focusNames(path))
	}

	// The anonymous form, which shares the report form, the same way.
	anon := newBrowser(t, srv)
	anon.run("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	anon.open("/o/default/report")
	checkFocusPath(t, "the anonymous form", anon.tabTo("report-submit", 120))
}

// checkFocusPath fails on a focus that goes back up the page, lands on
// something a person cannot see, or is not drawn.
func checkFocusPath(t *testing.T, page string, path []focused) {
	t.Helper()
	last := -1
	for _, f := range path {
		if !f.Visible {
			t.Errorf("%s: the focus lands on %s, which cannot be seen", page, f.Name)
		}
		if !f.Ring {
			t.Errorf("%s: the focus on %s is not drawn (%s)", page, f.Name, f.Why)
		}
		// A date and time field takes several presses (year, month, day,
		// hour, minute): the same element again is not a jump.
		if f.Index < last {
			t.Errorf("%s: the focus jumps back to %s (%s)", page, f.Name, focusNames(path))
		}
		last = f.Index
	}
}

// TestFiveWOneHOutline (issue 22): the report form offers the 5W1H outline
// with the customer's words in 「」; the button puts it into an empty
// narrative and after what was typed otherwise, never over it.
func TestFiveWOneHOutline(t *testing.T) {
	srv := startServer(t)
	pw := addUser(t, srv, "clerk@example.jp", "店員 花子", "employee", "新宿店")
	b := newBrowser(t, srv)
	signIn(t, b, "clerk@example.jp", pw)
	b.open("/report")
	b.run("no draft", chromedp.Evaluate[chromedp.Void](`localStorage.clear(); document.querySelector("#conduct").value = ""`))
	b.click("#conduct-5w1h > summary")
	b.click("#conduct-5w1h-fill")
	got := eval[string](b, `document.querySelector("#conduct").value`)
	if !strings.HasPrefix(got, "いつ：") || !strings.Contains(got, "お客様の言葉（聞いたとおりに）：「」") {
		t.Fatalf("the outline put in the narrative reads %q", got)
	}
	b.run("type something else", chromedp.Evaluate[chromedp.Void](`document.querySelector("#conduct").value = "電話で怒鳴られた"`))
	b.click("#conduct-5w1h-fill")
	if got := eval[string](b, `document.querySelector("#conduct").value`); !strings.HasPrefix(got, "電話で怒鳴られた\n\nいつ：") {
		t.Errorf("the outline replaced what was typed: %q", got)
	}
}

package e2e

import (
	"fmt"
	"time"

	"github.com/chromedp/chromedp"
)

// openSection opens the case page's action section name (section-name) as
// a person would, by its summary, unless it is open.
func (b *browser) openSection(name string) {
	b.t.Helper()
	sel := "#section-" + name
	if !b.has(sel) {
		b.t.Fatalf("the case page has no section %s", sel)
	}
	if !eval[bool](b, fmt.Sprintf("document.querySelector(%q).open", sel)) {
		b.click(sel + " > summary")
	}
}

// act opens the section name, clicks the button sel in it and waits until
// htmx has put the section back with its message or its problems. The page
// must not load again: a marker set in the page before the click must
// survive. It returns the text of the message ("" when the section came
// back with problems instead) and the problems.
func (b *browser) act(name, sel string) (flash, problems string) {
	b.t.Helper()
	b.openSection(name)
	sec := "#section-" + name
	b.run("mark the page", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { window.kasuharaMarker = "still here";
		document.querySelectorAll(%q).forEach(e => e.remove()); })()`, sec+" #flash, "+sec+" #problems, #problems")))
	b.click(sec + " " + sel)
	b.run("wait for the section "+name, chromedp.WaitVisible(chromedp.CSS(sec+" #flash, "+sec+" #problems")))
	// htmx settles the swap 20 ms later, and then the page moves the focus
	// to the section's message (app.js, htmx:afterSettle). Typing into
	// another field before that would lose the keys to the message, so the
	// step ends when the focus is there.
	b.run("wait for the focus on the message of "+name, chromedp.Poll[chromedp.Void](fmt.Sprintf(
		`(() => { const a = document.activeElement; return !!a && !!a.closest(%q) && a.matches("#flash, #problems"); })()`, sec),
		chromedp.WithPollingInterval(10*time.Millisecond)))
	if m := eval[string](b, `window.kasuharaMarker || ""`); m != "still here" {
		b.t.Fatalf("%s in %s loaded the page again (the marker is gone)", sel, sec)
	}
	if b.has(sec + " #flash") {
		flash = b.text(sec + " #flash")
	}
	if b.has(sec + " #problems") {
		problems = b.text(sec + " #problems")
	}
	return flash, problems
}

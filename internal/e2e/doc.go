// Package e2e holds the browser tests: each test builds nothing itself but
// starts the real kasuhara binary (built once by TestMain) on an empty data
// directory, reads the first-run administrator password from its output, and
// drives Debian's chromium through chromedp against it.
//
// Without chromium the tests are skipped, unless KASUHARA_REQUIRE_BROWSER=1
// (set by .ci/run), which makes them fail. KASUHARA_SCREENSHOTS=DIR saves
// screenshots of the main pages in both languages to DIR for a human to look at.
package e2e

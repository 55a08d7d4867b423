package identity

import (
	"net/url"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Account returns the key of a customer, member or contract number: NFKC
// (full-width letters and digits become ASCII), upper case, and without
// spaces and hyphens, so that ｍｅｍ－００１２ ３４ and MEM-001234 match. The
// long-vowel mark ー is removed as a hyphen too, since a Japanese input
// method types it for "-" in kana mode. Control characters go too. It
// returns "" when nothing remains.
func Account(s string) string {
	s = strings.ToUpper(norm.NFKC.String(s))
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) || isHyphen(r) || isInvisible(r) {
			return -1
		}
		return r
	}, s)
	// A combining mark that followed a dropped space composes with the
	// letter before it, so that the key is the key of itself.
	return norm.NFC.String(s)
}

func isHyphen(r rune) bool {
	switch r {
	case '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', 'ー':
		return true
	}
	return false
}

// handleHosts are the sites whose profile address has the handle as its first
// path segment (x.com/taro, instagram.com/taro, tiktok.com/@taro), with
// "www.", "m." and "mobile." removed.
var handleHosts = map[string]bool{
	"x.com": true, "twitter.com": true, "instagram.com": true, "threads.net": true,
	"threads.com": true, "tiktok.com": true, "facebook.com": true, "youtube.com": true,
	"note.com": true, "github.com": true, "bsky.app": true,
}

// notHandles are first path segments of those sites that are pages, not
// accounts (x.com/i/…, instagram.com/p/…).
var notHandles = map[string]bool{
	"i": true, "intent": true, "share": true, "home": true, "search": true, "hashtag": true,
	"explore": true, "p": true, "reel": true, "reels": true, "stories": true, "watch": true,
	"channel": true, "c": true, "shorts": true, "profile.php": true, "people": true,
	"groups": true, "pages": true, "video": true, "tag": true,
}

// Handle returns the key of a social-media handle: trimmed, NFKC (＠ becomes
// @), lower-case, without a leading @, and without the address of the profile
// page when a URL was pasted: https://x.com/Taro_Y, twitter.com/taro_y,
// https://www.instagram.com/taro_y/?hl=ja, tiktok.com/@taro_y and @TARO_Y all
// give taro_y. A pasted URL of another site, or of a page that is not a
// profile, keeps its host and path (example.com/u/taro), which still matches
// the same URL pasted again. The key does not say which platform the handle
// is on; Similar weighs it accordingly.
func Handle(s string) string {
	s = norm.NFKC.String(strings.ToLower(strings.TrimSpace(norm.NFKC.String(s))))
	// The @ goes first, so that a key that looks like an address is read as
	// one again (@x.com/taro and x.com/taro give one key).
	// Every leading @ and space, so that "@ @" is "" as "@" is.
	s = strings.TrimSpace(strings.TrimLeftFunc(s, func(r rune) bool { return r == '@' || unicode.IsSpace(r) }))
	if u, ok := profileURL(s); ok {
		return handleFromURL(u)
	}
	return s
}

// profileURL parses s as a web address when it has an http(s) scheme or
// begins with a host name followed by a path (x.com/taro). A plain handle
// with dots (taro.yamada) is not an address, nor is one whose "host" has an
// empty label (./, .x/, a..b/).
func profileURL(s string) (*url.URL, bool) {
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		host, _, ok := strings.Cut(s, "/")
		if !ok || !isHostName(host) {
			return nil, false
		}
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil, false
	}
	return u, true
}

// isHostName reports whether host is two or more dot-separated labels, none
// of them empty.
func isHostName(host string) bool {
	labels := strings.Split(host, ".")
	return len(labels) > 1 && !slices.Contains(labels, "")
}

func handleFromURL(u *url.URL) string {
	host := u.Hostname()
	for _, p := range []string{"www.", "mobile.", "m."} {
		host = strings.TrimPrefix(host, p)
	}
	path := strings.Trim(u.Path, "/")
	segs := strings.Split(path, "/")
	if handleHosts[host] {
		seg := segs[0]
		if host == "bsky.app" && seg == "profile" && len(segs) > 1 {
			seg = segs[1]
		}
		// A space typed around the handle is not part of it (tiktok.com/ x
		// is x, as " x" is).
		if seg = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(seg), "@")); seg != "" && !notHandles[seg] {
			return seg
		}
	}
	if path == "" {
		// A bare site address names no account.
		return ""
	}
	key := host + "/" + path
	if id := u.Query().Get("id"); id != "" {
		// facebook.com/profile.php?id=100… is a profile by number.
		key += "?id=" + id
	}
	return key
}

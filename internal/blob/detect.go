package blob

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
)

// sniffLen is how many leading bytes decide the type. It equals the
// mimetype library's default read limit; every signature on the allowlist
// lies well within it.
const sniffLen = 4096

// format is one accepted kind of content.
type format struct {
	mediaType string // stored in Blob.MediaType and served as Content-Type
	ext       string // file name extension for downloads
}

// accepted maps the types that mimetype detects to what is stored. Several
// detected types collapse into one stored type (an M4A is audio/mp4, an APNG
// is a PNG). A type not listed here is refused.
var accepted = map[string]format{
	"image/jpeg":          {"image/jpeg", ".jpg"},
	"image/png":           {"image/png", ".png"},
	"image/apng":          {"image/png", ".png"},
	"image/gif":           {"image/gif", ".gif"},
	"image/webp":          {"image/webp", ".webp"},
	"image/heic":          {"image/heic", ".heic"},
	"image/heic-sequence": {"image/heic-sequence", ".heics"},
	"image/heif":          {"image/heif", ".heif"},
	"image/heif-sequence": {"image/heif-sequence", ".heifs"},
	"image/bmp":           {"image/bmp", ".bmp"},

	"audio/mpeg":  {"audio/mpeg", ".mp3"},
	"audio/mp4":   {"audio/mp4", ".m4a"},
	"audio/x-m4a": {"audio/mp4", ".m4a"},
	"audio/aac":   {"audio/aac", ".aac"},
	"audio/wav":   {"audio/wav", ".wav"},
	"audio/ogg":   {"audio/ogg", ".ogg"},
	"audio/amr":   {"audio/amr", ".amr"},
	"audio/flac":  {"audio/flac", ".flac"},
	"video/3gpp":  {"video/3gpp", ".3gp"},
	"video/3gpp2": {"video/3gpp2", ".3g2"},

	"video/mp4":       {"video/mp4", ".mp4"},
	"video/x-m4v":     {"video/mp4", ".mp4"},
	"video/quicktime": {"video/quicktime", ".mov"},
	"video/webm":      {"video/webm", ".webm"},
	"video/matroska":  {"video/x-matroska", ".mkv"},

	"application/pdf": {"application/pdf", ".pdf"},
}

// textLike are the types mimetype reports for text that is data rather than
// markup or code: they are accepted and stored as text/plain, because a
// memo that happens to have commas on every line or starts with
// "Subject: " is still a memo. Markup (HTML, SVG, XML, RTF) and programs
// (shell, Python, JavaScript, PHP, …) are not in this list.
var textLike = map[string]bool{
	"text/plain":                true,
	"text/csv":                  true,
	"text/tab-separated-values": true,
	"message/rfc822":            true,
	"application/json":          true,
	"application/x-ndjson":      true,
	"application/x-subrip":      true,
	"text/vtt":                  true,
}

// Extension returns the file name extension (with the dot) for a media type
// that Put returns, or ".bin" for any other. Use it to name downloads
// instead of the uploader's file name, so that a stored file never comes
// back as "invoice.exe".
func Extension(mediaType string) string {
	base, _, _ := strings.Cut(mediaType, ";")
	base = strings.TrimSpace(strings.ToLower(base))
	if base == "text/plain" {
		return ".txt"
	}
	for _, f := range accepted {
		if f.mediaType == base {
			return f.ext
		}
	}
	return ".bin"
}

// kind is the result of classifying the head of an input.
type kind struct {
	mediaType string // for non-text
	// text, for text, has checked the head; it checks the rest as it is
	// written and decides the charset at the end.
	text *textCheck
}

// classify decides from the first bytes whether the content is accepted.
func classify(head []byte) (kind, error) {
	detected := mimetype.Detect(head)
	full := detected.String()
	base, _, _ := strings.Cut(full, ";")
	if f, ok := accepted[base]; ok {
		return kind{mediaType: f.mediaType}, nil
	}
	if !textLike[base] {
		return kind{}, &UnsupportedTypeError{Detected: full}
	}
	// mimetype recognises only the first tag of a markup file and only
	// known interpreters after "#!"; refuse anything that starts like a tag
	// or a script.
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n\f")
	if bytes.HasPrefix(trimmed, []byte("#!")) {
		return kind{}, &UnsupportedTypeError{Detected: "text/x-script (starts with #!)"}
	}
	if len(trimmed) >= 2 && trimmed[0] == '<' && isTagStart(trimmed[1]) {
		return kind{}, &UnsupportedTypeError{Detected: "text/markup (starts with a tag)"}
	}
	text := &textCheck{}
	if _, err := text.Write(head); err != nil {
		return kind{}, &UnsupportedTypeError{Detected: full}
	}
	return kind{text: text}, nil
}

func isTagStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '!' || c == '?' || c == '/'
}

// binaryByte marks the bytes that never occur in text (the WHATWG MIME
// sniffing standard's "binary data bytes"): C0 controls other than TAB, LF,
// FF, CR and ESC.
var binaryByte = func() (t [256]bool) {
	for b := 0x00; b <= 0x1F; b++ {
		t[b] = true
	}
	for _, b := range []byte{'\t', '\n', '\f', '\r', 0x1B} {
		t[b] = false
	}
	return t
}()

// textCheck validates a stream as text in UTF-8 or Shift_JIS (CP932),
// tracking both at once because the first non-ASCII byte may come late.
// It fails as soon as the input is neither, so a text head followed by
// binary data is refused without reading the rest.
type textCheck struct {
	n       int64 // bytes seen
	notUTF8 bool
	notSJIS bool
	carry   []byte // an incomplete UTF-8 sequence at the end of the last write
	buf     []byte // carry + the current write, reused
	sjisLed bool   // the last byte was a Shift_JIS lead byte
}

// Write implements io.Writer; it fails with an UnsupportedTypeError.
func (c *textCheck) Write(p []byte) (int, error) {
	for i, b := range p {
		if binaryByte[b] {
			return 0, &UnsupportedTypeError{Detected: fmt.Sprintf("binary data (byte 0x%02x at offset %d after text)", b, c.n+int64(i))}
		}
	}
	if !c.notUTF8 {
		c.checkUTF8(p)
	}
	if !c.notSJIS {
		c.checkSJIS(p)
	}
	if c.notUTF8 && c.notSJIS {
		return 0, c.invalid()
	}
	c.n += int64(len(p))
	return len(p), nil
}

func (c *textCheck) checkUTF8(p []byte) {
	c.buf = append(append(c.buf[:0], c.carry...), p...)
	cut := len(c.buf)
	// Hold back a sequence that the next write may complete.
	for i := len(c.buf) - 1; i >= 0 && i >= len(c.buf)-3; i-- {
		if utf8.RuneStart(c.buf[i]) {
			if !utf8.FullRune(c.buf[i:]) {
				cut = i
			}
			break
		}
	}
	if !utf8.Valid(c.buf[:cut]) {
		c.notUTF8 = true
		return
	}
	c.carry = append(c.carry[:0], c.buf[cut:]...)
}

// checkSJIS checks the byte structure of Shift_JIS as Windows writes it
// (CP932): ASCII, half-width katakana 0xA1–0xDF, and two-byte characters
// with a lead byte 0x81–0x9F or 0xE0–0xFC and a trail byte 0x40–0x7E or
// 0x80–0xFC. Unassigned code points are not checked.
func (c *textCheck) checkSJIS(p []byte) {
	for _, b := range p {
		if c.sjisLed {
			if b < 0x40 || b == 0x7F || b > 0xFC {
				c.notSJIS = true
				return
			}
			c.sjisLed = false
			continue
		}
		switch {
		case b < 0x80, 0xA1 <= b && b <= 0xDF:
		case 0x81 <= b && b <= 0x9F, 0xE0 <= b && b <= 0xFC:
			c.sjisLed = true
		default:
			c.notSJIS = true
			return
		}
	}
}

// finish returns the charset of the whole stream: "utf-8" if it is valid
// UTF-8 (which includes ASCII), else "shift_jis".
func (c *textCheck) finish() (string, error) {
	if !c.notUTF8 && len(c.carry) == 0 {
		return "utf-8", nil
	}
	if !c.notSJIS && !c.sjisLed {
		return "shift_jis", nil
	}
	return "", c.invalid()
}

func (c *textCheck) invalid() error {
	return &UnsupportedTypeError{Detected: "text/plain in an encoding other than UTF-8 or Shift_JIS"}
}

// AcceptedTypes lists the media types a browser may name for a file that
// Put accepts (the detected types and what they are stored as, and the
// text types), sorted, so that a form can refuse another type before it
// uploads it. The content decides in Put; a browser that names no type
// leaves the decision to it.
func AcceptedTypes() []string {
	set := map[string]bool{}
	for k, f := range accepted {
		set[k], set[f.mediaType] = true, true
	}
	for k := range textLike {
		set[k] = true
	}
	return slices.Sorted(maps.Keys(set))
}

package pdf

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/signintech/gopdf"
)

// fontData is IPAex Gothic, a TrueType font with the JIS X 0208/0213 kanji,
// kana and Latin glyphs a Japanese business document needs. See
// fonts/README.md for its version and fonts/LICENSE-IPAex.txt for its licence.
//
//go:embed fonts/ipaexg.ttf
var fontData []byte

// fontFamily is the name under which the font is registered. The six
// capitals and the plus sign are the PDF subset tag (ISO 32000-1, 9.6.4):
// gopdf embeds only the glyphs a document uses, and readers such as pdffonts
// recognise a subset by this prefix.
const fontFamily = "KSHPDF+IPAexGothic"

// parsedFont parses the 6 MB font once per process; every document then
// takes a copy with its own glyph subset.
var parsedFont = sync.OnceValues(func() (*gopdf.FontContainer, error) {
	fc := &gopdf.FontContainer{}
	if err := fc.AddTTFFontData(fontFamily, fontData); err != nil {
		return nil, fmt.Errorf("pdf: parse embedded font: %w", err)
	}
	return fc, nil
})

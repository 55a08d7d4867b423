package blob

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// marker is a byte string that must never appear in an encrypted file.
const marker = "KASUHARA-PLAINTEXT-MARKER-7f3a9c"

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for x := range 16 {
		for y := range 8 {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 32), 0x80, 0xFF})
		}
	}
	return img
}

// encoded is the test image as encode writes it.
func encoded(t testing.TB, encode func(io.Writer, image.Image) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := encode(&buf, testImage()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pngFile(t testing.TB) []byte { return encoded(t, png.Encode) }

func jpegFile(t testing.TB) []byte {
	return encoded(t, func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) })
}

func gifFile(t testing.TB) []byte {
	return encoded(t, func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) })
}

// wavHeader returns a 44-byte PCM header (8 kHz, 16-bit mono, as phone
// recordings are) for dataLen bytes of samples.
func wavHeader(dataLen int) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	b.Write(le.AppendUint32(nil, uint32(36+dataLen)))
	b.WriteString("WAVEfmt ")
	b.Write(le.AppendUint32(nil, 16))    // fmt chunk size
	b.Write(le.AppendUint16(nil, 1))     // PCM
	b.Write(le.AppendUint16(nil, 1))     // mono
	b.Write(le.AppendUint32(nil, 8000))  // sample rate
	b.Write(le.AppendUint32(nil, 16000)) // byte rate
	b.Write(le.AppendUint16(nil, 2))     // block align
	b.Write(le.AppendUint16(nil, 16))    // bits per sample
	b.WriteString("data")
	b.Write(le.AppendUint32(nil, uint32(dataLen)))
	return b.Bytes()
}

// sample returns the audio-like byte at position i of generated samples.
func sample(i int64) byte {
	return byte(i*31) ^ byte(i>>9) ^ byte(i>>17)
}

// wavFile returns a WAV file with dataLen bytes of samples and the marker in
// the middle.
func wavFile(dataLen int) []byte {
	out := wavHeader(dataLen)
	for i := range dataLen {
		out = append(out, sample(int64(i)))
	}
	copy(out[44+dataLen/2:], marker)
	return out
}

// box returns an ISO base media file format box.
func box(typ string, payload []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(8+len(payload)))
	out = append(out, typ...)
	return append(out, payload...)
}

// ftypFile returns a minimal ISO-BMFF file with the given major brand: an
// ftyp box and an mdat box.
func ftypFile(brand string) []byte {
	ftyp := []byte(brand)
	ftyp = binary.BigEndian.AppendUint32(ftyp, 0x200)
	ftyp = append(ftyp, brand+"isommp41"...)
	mdat := bytes.Repeat([]byte{0x00, 0x00, 0x01, 0xB3}, 256)
	mdat = append(mdat, marker...)
	return append(box("ftyp", ftyp), box("mdat", mdat)...)
}

func pdfFile() []byte {
	return []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
		"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n% " + marker + "\n" +
		"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

const japaneseMemo = "2025年4月1日 14時05分、店舗にて顧客から大声で「責任者を出せ」と30分にわたり怒鳴られた。\n" +
	"対応者：受付担当。録音あり。\n"

func utf8Text() []byte {
	return []byte(japaneseMemo + marker + "\n")
}

func sjisText(t testing.TB) []byte {
	t.Helper()
	s, err := japanese.ShiftJIS.NewEncoder().String(japaneseMemo + marker + "\n")
	if err != nil {
		t.Fatal(err)
	}
	return []byte(s)
}

// mp3File has an ID3v2.4 tag followed by MPEG-1 Layer III frame headers.
func mp3File() []byte {
	out := []byte("ID3\x04\x00\x00\x00\x00\x00\x0A")
	out = append(out, "TIT2\x00\x00\x00\x00\x00\x00"...) // an empty frame fills the 10-byte tag
	for range 8 {
		frame := make([]byte, 417) // 128 kbit/s at 44.1 kHz
		copy(frame, []byte{0xFF, 0xFB, 0x90, 0x64})
		out = append(out, frame...)
	}
	return append(out, marker...)
}

// oggOpusFile has an Ogg page whose packet is an Opus identification header.
func oggOpusFile() []byte {
	page := []byte("OggS\x00\x02")
	page = append(page, make([]byte, 8+4+4+4)...) // granule, serial, sequence, CRC
	page = append(page, 1, 19)                    // one segment of 19 bytes
	page = append(page, "OpusHead\x01\x01\x38\x01\x80\xBB\x00\x00\x00\x00\x00"...)
	return append(page, marker...)
}

// webmFile has an EBML header with DocType "webm".
func webmFile() []byte {
	out := []byte{0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0xF7, 0x81, 0x01,
		0x42, 0xF2, 0x81, 0x04, 0x42, 0xF3, 0x81, 0x08, 0x42, 0x82, 0x84}
	out = append(out, "webm"...)
	out = append(out, 0x42, 0x87, 0x81, 0x04, 0x42, 0x85, 0x81, 0x02)
	return append(out, marker...)
}

func amrFile() []byte {
	out := []byte("#!AMR\n")
	for range 50 {
		out = append(out, 0x3C) // mode 7 frame header
		out = append(out, make([]byte, 31)...)
	}
	return append(out, marker...)
}

func flacFile() []byte {
	out := []byte("fLaC\x00\x00\x00\x22")
	out = append(out, make([]byte, 34)...)
	return append(out, marker...)
}

func webpFile() []byte {
	payload := []byte("WEBPVP8 ")
	payload = binary.LittleEndian.AppendUint32(payload, 32)
	payload = append(payload, make([]byte, 32)...)
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
	return append(out, payload...)
}

func bmpFile() []byte {
	out := []byte("BM")
	out = binary.LittleEndian.AppendUint32(out, 70)
	out = append(out, 0, 0, 0, 0)
	out = binary.LittleEndian.AppendUint32(out, 54) // pixel data offset
	out = binary.LittleEndian.AppendUint32(out, 40) // BITMAPINFOHEADER
	out = binary.LittleEndian.AppendUint32(out, 2)
	out = binary.LittleEndian.AppendUint32(out, 2)
	out = binary.LittleEndian.AppendUint16(out, 1)
	out = binary.LittleEndian.AppendUint16(out, 24)
	return append(out, make([]byte, 70-len(out))...)
}

// elfFile is the header of a 64-bit x86-64 executable followed by code.
func elfFile() []byte {
	out := []byte{0x7F, 'E', 'L', 'F', 2, 1, 1, 0}
	out = append(out, make([]byte, 8)...)
	out = binary.LittleEndian.AppendUint16(out, 2)    // ET_EXEC
	out = binary.LittleEndian.AppendUint16(out, 0x3E) // x86-64
	out = append(out, make([]byte, 200)...)
	return out
}

// peFile is a DOS stub pointing at a PE header, as every Windows .exe has.
func peFile() []byte {
	out := make([]byte, 256)
	copy(out, "MZ")
	binary.LittleEndian.PutUint32(out[0x3C:], 0x80)
	copy(out[0x80:], "PE\x00\x00")
	copy(out[0x4E:], "This program cannot be run in DOS mode.")
	return out
}

func zipFile(t testing.TB, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("<xml/>"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

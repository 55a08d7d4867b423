package blob

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestClassifyAccepts(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string // media type; for text, after the whole input is checked
	}{
		{"png", pngFile(t), "image/png"},
		{"jpeg", jpegFile(t), "image/jpeg"},
		{"gif", gifFile(t), "image/gif"},
		{"webp", webpFile(), "image/webp"},
		{"heic", ftypFile("heic"), "image/heic"},
		{"heif", ftypFile("mif1"), "image/heif"},
		{"bmp", bmpFile(), "image/bmp"},
		{"wav", wavFile(1000), "audio/wav"},
		{"mp3", mp3File(), "audio/mpeg"},
		{"m4a", ftypFile("M4A "), "audio/mp4"},
		{"ogg opus", oggOpusFile(), "audio/ogg"},
		{"amr starts with #! but is audio", amrFile(), "audio/amr"},
		{"flac", flacFile(), "audio/flac"},
		{"3gp", ftypFile("3gp4"), "video/3gpp"},
		{"3g2 from a KDDI phone", ftypFile("3g2a"), "video/3gpp2"},
		{"mp4", ftypFile("isom"), "video/mp4"},
		{"mp4 mp42", ftypFile("mp42"), "video/mp4"},
		{"mov", ftypFile("qt  "), "video/quicktime"},
		{"webm", webmFile(), "video/webm"},
		{"pdf", pdfFile(), "application/pdf"},
		{"utf-8 japanese", utf8Text(), "text/plain; charset=utf-8"},
		{"utf-8 with BOM", append([]byte("\xEF\xBB\xBF"), utf8Text()...), "text/plain; charset=utf-8"},
		{"ascii", []byte("Customer shouted for 30 minutes.\n"), "text/plain; charset=utf-8"},
		{"shift_jis japanese", sjisText(t), "text/plain; charset=shift_jis"},
		{"memo with commas is text, not csv", []byte("called, shouted, hung up\ncalled, again, angry\nvisited, store, left\n"), "text/plain; charset=utf-8"},
		{"pasted mail headers are text", []byte("From: someone@example.com\nSubject: 苦情\n\n本文\n"), "text/plain; charset=utf-8"},
		{"angle bracket before kanji is text", []byte("<重要> 顧客対応メモ\n"), "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := classify(tt.in[:min(len(tt.in), sniffLen)])
			if err != nil {
				t.Fatalf("classify: %v", err)
			}
			got := k.mediaType
			if k.text != nil {
				if len(tt.in) > sniffLen {
					t.Fatal("test input too long")
				}
				got, err = k.text.finish()
				if err != nil {
					t.Fatalf("finish: %v", err)
				}
				got = "text/plain; charset=" + got
			}
			if got != tt.want {
				t.Errorf("media type = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClassifyRefuses(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	selfHead := make([]byte, sniffLen)
	f, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Read(selfHead); err != nil {
		t.Fatal(err)
	}
	f.Close()

	tests := []struct {
		name string
		in   []byte
	}{
		{"this test binary (ELF)", selfHead},
		{"elf header", elfFile()},
		{"windows exe (MZ/PE)", peFile()},
		{"bare MZ", []byte("MZ\x90\x00\x03\x00\x00\x00")},
		{"mach-o", []byte{0xCF, 0xFA, 0xED, 0xFE, 0x07, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00}},
		{"html doctype", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")},
		{"html lower case with whitespace", []byte("\n\n  <html lang=\"ja\"><script>alert(1)</script>")},
		{"html after BOM", []byte("\xEF\xBB\xBF<html><script>alert(1)</script>")},
		{"html starting with an unlisted tag", []byte("<meta charset=utf-8><script>alert(1)</script>")},
		{"script tag", []byte("<script>alert(1)</script>")},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>`)},
		{"svg with xml declaration", []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><circle r=\"4\"/></svg>")},
		{"xml", []byte("<?xml version=\"1.0\"?>\n<root><a/></root>")},
		{"php", []byte("<?php system($_GET['c']); ?>")},
		{"shell script", []byte("#!/bin/sh\nrm -rf ~\n")},
		{"python script", []byte("#!/usr/bin/env python3\nimport os\n")},
		{"script for an unknown interpreter", []byte("#!/opt/fish/bin/fish\necho hi\n")},
		{"rtf", []byte(`{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}\f0\pard Hello\par}`)},
		{"zip", zipFile(t, "a.txt")},
		{"docx", zipFile(t, "[Content_Types].xml")},
		{"gzip", []byte{0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03}},
		{"avif (not on the list)", ftypFile("avif")},
		{"tiff (not on the list)", []byte("II*\x00\x08\x00\x00\x00\x00\x00")},
		{"utf-16 text", []byte("\xFF\xFEH\x00i\x00\n\x00")},
		{"latin-1 text", []byte("caf\xE9 au lait, cr\xE8me br\xFBl\xE9e\n")},
		{"random binary", bytes.Repeat([]byte{0x00, 0x13, 0x37, 0xC0, 0xDE}, 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := classify(tt.in[:min(len(tt.in), sniffLen)])
			if err == nil && k.text != nil {
				_, err = k.text.finish()
			}
			if !errors.Is(err, ErrUnsupportedType) {
				t.Fatalf("classify = %+v, %v; want ErrUnsupportedType", k, err)
			}
			var te *UnsupportedTypeError
			if !errors.As(err, &te) || te.Detected == "" {
				t.Errorf("error %v does not name the detected type", err)
			}
		})
	}
}

func TestTextCheckAcrossWrites(t *testing.T) {
	whole := []byte(strings.Repeat(japaneseMemo, 50))
	// Every split point, so that multi-byte characters are cut at every
	// position.
	for cut := range 12 {
		c := &textCheck{}
		for p := whole; len(p) > 0; {
			n := min(len(p), 7+cut)
			if _, err := c.Write(p[:n]); err != nil {
				t.Fatalf("cut %d: %v", cut, err)
			}
			p = p[n:]
		}
		if got, err := c.finish(); err != nil || got != "utf-8" {
			t.Fatalf("cut %d: finish = %q, %v; want utf-8", cut, got, err)
		}
	}

	c := &textCheck{}
	if _, err := c.Write([]byte("ok\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("\x00\x01\x02")); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("binary after text: err = %v, want ErrUnsupportedType", err)
	}

	c = &textCheck{}
	c.Write([]byte("あいう"[:7])) // also a dangling Shift_JIS lead byte
	if _, err := c.finish(); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("truncated UTF-8 at end: err = %v, want ErrUnsupportedType", err)
	}
}

func TestExtension(t *testing.T) {
	tests := []struct{ in, want string }{
		{"image/jpeg", ".jpg"},
		{"audio/mp4", ".m4a"},
		{"video/quicktime", ".mov"},
		{"video/x-matroska", ".mkv"},
		{"application/pdf", ".pdf"},
		{"text/plain; charset=shift_jis", ".txt"},
		{"application/x-msdownload", ".bin"},
		{"", ".bin"},
	}
	for _, tt := range tests {
		if got := Extension(tt.in); got != tt.want {
			t.Errorf("Extension(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

package casepackage

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"
	"time"
)

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func sample(t *testing.T) ([]byte, map[string][]byte) {
	t.Helper()
	files := map[string][]byte{"録音.m4a": bytes.Repeat([]byte("audio"), 1000), "photo.png": []byte("\x89PNG fake"), "../../etc/passwd": []byte("x")}
	p := Package{Record: Record{CaseID: "c1", CaseRef: "K-2026-00001", CreatedBy: "窓口 一郎", CreatedAt: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), For: "新宿警察署"},
		Summary: []byte("%PDF-1.7 summary"), Timeline: []string{"reported"}, Audit: []string{"case.read"}}
	for _, name := range []string{"録音.m4a", "photo.png", "../../etc/passwd"} {
		data := files[name]
		p.Files = append(p.Files, File{Name: name, SHA256: sum(data), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }})
	}
	var buf bytes.Buffer
	m, err := Write(&buf, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 6 {
		t.Fatalf("manifest lists %d files, want 6", len(m.Files))
	}
	return buf.Bytes(), files
}

func TestWriteAndVerify(t *testing.T) {
	zipped, files := sample(t)
	res, err := Verify(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil || !res.OK() || res.Checked != 6 {
		t.Fatalf("verify = %+v, %v", res, err)
	}
	zr, _ := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if strings.Contains(f.Name, "..") {
			t.Fatalf("unsafe path %q in the package", f.Name)
		}
	}
	joined := strings.Join(names, ",")
	for _, want := range []string{"summary.pdf", "timeline.json", "audit.json", "evidence/01-録音.m4a", "evidence/02-photo.png", "evidence/03-passwd", "manifest.json"} {
		if !strings.Contains(joined, want) {
			t.Errorf("package lacks %s: %s", want, joined)
		}
	}
	_ = files
}

// rewrite copies a package, changing or dropping or adding entries.
func rewrite(t *testing.T, zipped []byte, change func(name string, data []byte) ([]byte, bool), extra map[string][]byte) []byte {
	t.Helper()
	zr, _ := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		data, keep := change(f.Name, data)
		if !keep {
			continue
		}
		w, _ := zw.Create(f.Name)
		w.Write(data)
	}
	for name, data := range extra {
		w, _ := zw.Create(name)
		w.Write(data)
	}
	zw.Close()
	return out.Bytes()
}

func TestVerifyFindsTampering(t *testing.T) {
	zipped, _ := sample(t)
	tests := []struct {
		name   string
		change func(string, []byte) ([]byte, bool)
		extra  map[string][]byte
		want   string
	}{
		{"changed evidence", func(n string, d []byte) ([]byte, bool) {
			if n == "evidence/02-photo.png" {
				d = append(d, '!')
			}
			return d, true
		}, nil, "evidence/02-photo.png"},
		{"same size, other bytes", func(n string, d []byte) ([]byte, bool) {
			if n == "summary.pdf" {
				d = bytes.ToUpper(d)
			}
			return d, true
		}, nil, "summary.pdf: SHA-256"},
		{"missing file", func(n string, d []byte) ([]byte, bool) { return d, n != "evidence/01-録音.m4a" }, nil, "evidence/01-録音.m4a: missing"},
		{"added file", func(n string, d []byte) ([]byte, bool) { return d, true }, map[string][]byte{"evidence/04-planted.png": []byte("x")}, "planted.png: not in the manifest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := rewrite(t, zipped, tt.change, tt.extra)
			res, err := Verify(bytes.NewReader(bad), int64(len(bad)))
			if err != nil {
				t.Fatal(err)
			}
			if res.OK() || !strings.Contains(strings.Join(res.Problems, "\n"), tt.want) {
				t.Fatalf("problems = %v, want one about %q", res.Problems, tt.want)
			}
		})
	}
	if _, err := Verify(bytes.NewReader([]byte("not a zip")), 9); err == nil {
		t.Fatal("garbage verified")
	}
	noManifest := rewrite(t, zipped, func(n string, d []byte) ([]byte, bool) { return d, n != ManifestName }, nil)
	if _, err := Verify(bytes.NewReader(noManifest), int64(len(noManifest))); err == nil {
		t.Fatal("a ZIP without manifest verified")
	}
}

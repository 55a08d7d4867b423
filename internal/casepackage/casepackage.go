// Package casepackage writes and verifies the evidence package of a case: a
// ZIP that a police officer or a lawyer can take away, with a PDF summary,
// the timeline and audit entries as JSON, every evidence file as received,
// and manifest.json listing each file's SHA-256 and size and the package's
// own creation record.
//
// Files are streamed into the ZIP; nothing is held whole in memory.
package casepackage

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"
)

// Format names the manifest's layout.
const Format = "kasuhara-case-package/1"

// ManifestName is the manifest's path in the ZIP.
const ManifestName = "manifest.json"

// Record says who made the package, when, and for whom.
type Record struct {
	CaseID    string    `json:"case_id"`
	CaseRef   string    `json:"case_ref"`
	CreatedBy string    `json:"created_by"` // the user's name and e-mail address
	CreatedAt time.Time `json:"created_at"`
	For       string    `json:"for"` // e.g. "新宿警察署 生活安全課"
	// CareReason is why legal included the employee's care record, which
	// a package leaves out otherwise; empty when it is left out.
	CareReason string `json:"care_reason,omitempty"`
	Generator  string `json:"generator"`
}

// Entry is one file of the package.
type Entry struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Recorded is the SHA-256 recorded when an evidence file was received,
	// for comparison with SHA256; empty for the package's own files.
	Recorded string `json:"recorded_sha256,omitempty"`
}

// Manifest is manifest.json.
type Manifest struct {
	Format  string  `json:"format"`
	Created Record  `json:"created"`
	Files   []Entry `json:"files"`
}

// File is an evidence file to include, opened when it is written.
type File struct {
	Name     string // the original file name
	SHA256   string // as recorded at receipt
	Open     func() (io.ReadCloser, error)
	Modified time.Time
}

// Package is what goes into the ZIP.
type Package struct {
	Record   Record
	Summary  []byte // summary.pdf
	Timeline any    // timeline.json
	Audit    any    // audit.json
	Files    []File // evidence/…
}

// Write writes the package as a ZIP to w and returns its manifest.
func Write(w io.Writer, p Package) (*Manifest, error) {
	zw := zip.NewWriter(w)
	m := &Manifest{Format: Format, Created: p.Record}
	add := func(name string, modified time.Time, r io.Reader, recorded string) error {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return err
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(fw, h), r)
		if err != nil {
			return fmt.Errorf("casepackage: %s: %w", name, err)
		}
		m.Files = append(m.Files, Entry{Path: name, SHA256: hex.EncodeToString(h.Sum(nil)), Size: n, Recorded: recorded})
		return nil
	}
	at := p.Record.CreatedAt
	if err := add("summary.pdf", at, strings.NewReader(string(p.Summary)), ""); err != nil {
		return nil, err
	}
	for name, v := range map[string]any{"timeline.json": p.Timeline, "audit.json": p.Audit} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("casepackage: %s: %w", name, err)
		}
		if err := add(name, at, strings.NewReader(string(b)), ""); err != nil {
			return nil, err
		}
	}
	used := map[string]bool{}
	for i, f := range p.Files {
		name := uniqueName(used, i, f.Name)
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("casepackage: open %s: %w", name, err)
		}
		err = add(name, f.Modified, rc, f.SHA256)
		rc.Close()
		if err != nil {
			return nil, err
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: ManifestName, Method: zip.Deflate, Modified: at})
	if err != nil {
		return nil, err
	}
	if _, err := fw.Write(b); err != nil {
		return nil, err
	}
	return m, zw.Close()
}

// uniqueName is evidence/NN-name with the name made safe for every file
// system and unique in the package.
func uniqueName(used map[string]bool, i int, name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, name)
	if name == "" || name == "." || name == ".." {
		name = "file"
	}
	p := fmt.Sprintf("evidence/%02d-%s", i+1, name)
	for used[p] {
		p += "_"
	}
	used[p] = true
	return p
}

// Result is what Verify found.
type Result struct {
	Manifest *Manifest
	Checked  int
	Problems []string // empty when the package is intact
}

// OK reports whether the package verified.
func (r *Result) OK() bool { return len(r.Problems) == 0 }

// Verify checks a package against its manifest: every listed file present
// with its size and SHA-256, evidence matching the hash recorded at
// receipt, and no file that the manifest does not list.
func Verify(r io.ReaderAt, size int64) (*Result, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("casepackage: not a ZIP file: %w", err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	mf, ok := files[ManifestName]
	if !ok {
		return nil, errors.New("casepackage: no manifest.json: not a Kasuhara case package")
	}
	rc, err := mf.Open()
	if err != nil {
		return nil, err
	}
	var m Manifest
	err = json.NewDecoder(rc).Decode(&m)
	rc.Close()
	if err != nil || m.Format != Format {
		return nil, fmt.Errorf("casepackage: manifest.json is not a %s manifest", Format)
	}
	res := &Result{Manifest: &m}
	listed := map[string]bool{ManifestName: true}
	for _, e := range m.Files {
		listed[e.Path] = true
		f, ok := files[e.Path]
		if !ok {
			res.Problems = append(res.Problems, e.Path+": missing")
			continue
		}
		rc, err := f.Open()
		if err != nil {
			res.Problems = append(res.Problems, e.Path+": unreadable: "+err.Error())
			continue
		}
		h := sha256.New()
		n, err := io.Copy(h, rc)
		rc.Close()
		sum := hex.EncodeToString(h.Sum(nil))
		switch {
		case err != nil:
			res.Problems = append(res.Problems, e.Path+": unreadable: "+err.Error())
		case n != e.Size:
			res.Problems = append(res.Problems, fmt.Sprintf("%s: %d bytes, the manifest says %d", e.Path, n, e.Size))
		case sum != e.SHA256:
			res.Problems = append(res.Problems, e.Path+": SHA-256 differs from the manifest: changed")
		case e.Recorded != "" && sum != e.Recorded:
			res.Problems = append(res.Problems, e.Path+": SHA-256 differs from the hash recorded when it was received")
		}
		res.Checked++
	}
	var extra []string
	for name := range files {
		if !listed[name] {
			extra = append(extra, name+": not in the manifest")
		}
	}
	slices.Sort(extra)
	res.Problems = append(res.Problems, extra...)
	return res, nil
}

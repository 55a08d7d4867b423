package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
	"github.com/xuri/excelize/v2"
)

// TestImportCasesSavedMapping: kasuhara import cases --mapping NAME takes
// the columns and reviewed words of a mapping the desk saved on the import
// page, for that organisation only; an unknown name is refused by name,
// and --map given as well overrides one column of it.
func TestImportCasesSavedMapping(t *testing.T) {
	testdb.Each(t, func(t *testing.T, eng sqldb.Engine) {
		ctx := context.Background()
		c := newCLI(t, eng)
		c.ok("", "migrate")
		c.seedAcme()
		c.ok("", "org", "create", "--slug", "other", "--name", "Other")
		// Headers no guess maps: without the saved mapping nothing fits.
		f := excelize.NewFile()
		for i, row := range [][]any{{"いつ", "なにが", "しゅるい", "じょうきょう", "メモ"},
			{"2024/5/2", "名刺を何十枚も要求された", "謎の行為", "完了", "メモ1"},
			{"令和6年5月3日", "「役立たず」と怒鳴られた", "暴言", "完了", "メモ2"}} {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			f.SetSheetRow("Sheet1", cell, &row)
		}
		path := filepath.Join(t.TempDir(), "記録簿.xlsx")
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		st := c.store()
		u, err := st.UserByEmail(ctx, "b@acme.example")
		if err != nil {
			t.Fatal(err)
		}
		org, err := st.OrgBySlug(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		desk := kasuhara.Actor{UserID: u.ID, OrgID: org.ID, Role: kasuhara.RoleDesk}
		saved := kasuhara.CaseImportMapping{Columns: map[string]string{"occurred_at": "いつ", "conduct": "メモ", "categories": "しゅるい", "state": "じょうきょう"},
			Values: map[string]string{"謎の行為": "out_of_scope_demand"}}
		if err := st.SaveImportMapping(ctx, desk, "本社の記録簿", saved); err != nil {
			t.Fatal(err)
		}

		if out, _, err := c.run("", "import", "cases", path, "--org", "acme", "--dry-run"); err == nil {
			t.Fatalf("without the mapping the guess fits: %s", out)
		}
		if _, _, err := c.run("", "import", "cases", path, "--org", "acme", "--mapping", "ない", "--dry-run"); err == nil || !strings.Contains(err.Error(), `no mapping named "ない"`) {
			t.Errorf("an unknown mapping: %v", err)
		}
		// Another organisation's desk saved it: not there.
		if _, _, err := c.run("", "import", "cases", path, "--org", "other", "--mapping", "本社の記録簿", "--dry-run"); err == nil || !strings.Contains(err.Error(), "no mapping named") {
			t.Errorf("another organisation's mapping: %v", err)
		}
		// The saved mapping, with --map moving the text to its right column.
		out := c.ok("", "import", "cases", path, "--org", "acme", "--mapping", "本社の記録簿", "--map", "conduct=なにが")
		if !strings.Contains(out, "Imported 2 cases") {
			t.Fatalf("import with the saved mapping: %s", out)
		}
		var conducts []string
		cases, _, err := st.Cases(ctx, desk, kasuhara.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range cases {
			full, err := st.CaseByID(ctx, desk, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			conducts = append(conducts, full.Report.Conduct)
			if !full.Imported || len(full.Report.Subtypes)+len(full.Report.Categories) == 0 {
				t.Errorf("imported case %s: %+v", full.Ref, full.Report)
			}
		}
		if got := strings.Join(conducts, "|"); !strings.Contains(got, "名刺を何十枚も") || strings.Contains(got, "メモ") {
			t.Errorf("the cases' texts %q: --map did not override the saved column", got)
		}
	})
}

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// sizes are the three widths every new page is checked at.
var intakeSizes = []struct {
	name string
	w, h int64
}{{"desktop", 1366, 900}, {"phone", 390, 844}, {"small-phone", 320, 640}}

func (b *browser) emulateSize(name string, w, h int64) {
	emulate := chromedp.EmulateViewport(w, h)
	if w < 1000 {
		emulate = chromedp.EmulateViewport(w, h, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	b.run("emulate "+name, emulate)
}

// TestReportTakenOnBehalf (issue 25): on a phone, the supervisor of a shop
// records a consultation an operator of the call centre brought by
// telephone, naming her by name; a wrong name is refused naming the field
// and keeps what was typed. The supervisor then reads their copy (and not
// the case), the operator finds the report among hers with who recorded it
// and how, corrects it, and says she did not make it; the desk sees the
// correction and the word. Every page fits at 1366, 390 and 320 px and shows
// no internal id.
func TestReportTakenOnBehalf(t *testing.T) {
	srv := startServer(t)
	bossPW := addUser(t, srv, "boss@example.jp", "店長 次郎", "supervisor", "新宿店")
	opPW := addUser(t, srv, "op@example.jp", "電話 花子", "employee", "コールセンター")
	deskPW := addUser(t, srv, "desk@example.jp", "相談 一郎", "desk", "")

	boss := signedIn(t, srv, "boss@example.jp", bossPW)
	boss.emulateSize("phone", 390, 844)
	boss.open("/recorded")
	checkFits(t, boss, "the recorded list, empty")
	// submit waits for the page the link opens (click does not: on a
	// loaded machine the location was read before the navigation).
	wantStatus(t, boss.submit("#onbehalf-link"), http.StatusOK, "the on-behalf link")
	if boss.path() != "/report/on-behalf" {
		t.Fatalf("the link leads to %s", boss.path())
	}
	checkFits(t, boss, "the form")
	boss.fill("#employee", "電話 太郎") // nobody of that name
	boss.click(`input[name=received_via][value=phone]`)
	boss.click(`input[name=channel][value=phone]`)
	boss.fill("#conduct", "電話で聞き取り：客に「お前を辞めさせてやる」と30分怒鳴られた")
	boss.click(`details.kind:nth-of-type(1) > summary`)
	boss.click("#subtype-shouting")
	wantStatus(t, boss.submit("#report-submit"), http.StatusUnprocessableEntity, "a name nobody has")
	if !strings.Contains(boss.text("main"), msg(t, "ja", "field.no_match")) || !boss.has("#employee[aria-invalid=true]") && !boss.has(".has-error #employee") {
		t.Errorf("the refusal does not name the employee field: %s", boss.text("main"))
	}
	if got := eval[string](boss, `document.querySelector("#conduct").value`); !strings.Contains(got, "辞めさせて") {
		t.Errorf("the refused form lost the narrative: %q", got)
	}
	checkFits(t, boss, "the refused form")
	boss.run("clear the employee", chromedp.Evaluate[chromedp.Void](`document.querySelector("#employee").value = ""`))
	boss.fill("#employee", "電話花子") // without the space of the directory's name
	wantStatus(t, boss.submit("#report-submit"), http.StatusOK, "record the consultation")
	if !strings.HasPrefix(boss.path(), "/recorded/") {
		t.Fatalf("after recording, the page is %s", boss.path())
	}
	copyPath := boss.path()
	ref := boss.text("#recorded-ref")
	if !strings.HasPrefix(ref, "K-") || boss.text("#recorded-employee") != "電話 花子" || boss.text("#recorded-via") != "電話" {
		t.Fatalf("the recorder's copy: ref %q employee %q via %q", ref, boss.text("#recorded-employee"), boss.text("#recorded-via"))
	}
	if boss.has("#recorded-case-link") {
		t.Error("a supervisor of another department is offered the case")
	}
	boss.open("/recorded")
	if n := eval[int](boss, `document.querySelectorAll("#recorded-reports tbody tr").length`); n != 1 {
		t.Errorf("the recorder lists %d reports, want 1", n)
	}
	// The case itself is not the recorder's: not found.
	caseID := strings.TrimPrefix(copyPath, "/recorded/")
	if resp := boss.open("/cases/" + caseID); resp.Status != http.StatusNotFound {
		t.Errorf("the recorder opens the case: %d", resp.Status)
	}

	// The operator finds it among her reports and works with it.
	op := signedIn(t, srv, "op@example.jp", opPW)
	op.emulateSize("small-phone", 320, 640)
	op.open("/reports")
	if !strings.Contains(op.text("#my-reports"), ref) {
		t.Fatalf("the operator's reports lack %s: %s", ref, op.text("main"))
	}
	op.open("/cases/" + caseID)
	if got := op.text("#recorded-by"); !strings.Contains(got, "店長 次郎") || !strings.Contains(got, "電話") {
		t.Errorf("the case does not say who recorded it and how: %q", got)
	}
	checkFits(t, op, "the employee's case page")
	noUUID(t, op, "the employee's case page")
	op.openSection("reporter")
	op.fill("#correct-body", "訂正：怒鳴られたのは1時間でした")
	if flash, problems := op.act("reporter", "#correct-submit"); flash != msg(t, "ja", "case.correction_added") {
		t.Errorf("correcting says %q (problems %q)", flash, problems)
	}
	op.open("/cases/" + caseID)
	if !strings.Contains(op.text("#corrections"), "1時間") {
		t.Errorf("the correction is not shown: %s", op.text("#report"))
	}
	op.openSection("reporter")
	op.fill("#disown-body", "この日は休みでした")
	if flash, problems := op.act("reporter", "#disown-submit"); flash != msg(t, "ja", "case.disown_sent") {
		t.Errorf("saying I did not make it says %q (problems %q)", flash, problems)
	}
	op.open("/cases/" + caseID)
	if !op.has("#disowned") || op.has("#disown-form") {
		t.Errorf("after saying so, the page shows the form again or not the word")
	}

	// The desk sees who recorded it, the correction and the word.
	desk := signedIn(t, srv, "desk@example.jp", deskPW)
	shots := os.Getenv("KASUHARA_SCREENSHOTS")
	for _, size := range intakeSizes {
		desk.emulateSize(size.name, size.w, size.h)
		boss.emulateSize(size.name, size.w, size.h)
		desk.open("/cases/" + caseID)
		for _, sel := range []string{"#recorded-by", "#corrections", "#disowned"} {
			if !desk.has(sel) {
				t.Errorf("the desk's case page lacks %s", sel)
			}
		}
		checkFits(t, desk, "the desk's case page ("+size.name+")")
		noUUID(t, desk, "the desk's case page")
		for i, p := range []string{"/recorded", copyPath, "/report/on-behalf"} {
			boss.open(p)
			checkFits(t, boss, p+" ("+size.name+")")
			noUUID(t, boss, p)
			if shots != "" {
				boss.fullScreenshot(shots, fmt.Sprintf("onbehalf-%d-%s", i, size.name))
			}
		}
	}
	// The recorder's copy holds none of the employee's correction.
	boss.open(copyPath)
	if strings.Contains(boss.text("main"), "1時間") || strings.Contains(boss.text("main"), "休み") {
		t.Errorf("the recorder's copy shows what the employee added: %s", boss.text("main"))
	}
}

// writeLedger writes an old ledger as a company's Excel would hold it.
func writeLedger(t *testing.T, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "カスハラ記録簿.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportLedger (issue 25): the desk uploads the old ledger on a phone,
// corrects the guessed mapping, runs the dry run, which names every problem
// by row and column and lists the unmatched word; gives the year and
// reviews the word, saves the mapping, and imports all rows at once. The
// cases are marked imported on their page. A workbook with a formula is
// refused naming its cell. Every page fits at 1366, 390 and 320 px and
// shows no internal id.
func TestImportLedger(t *testing.T) {
	srv := startServer(t)
	addUser(t, srv, "boss@example.jp", "店長 次郎", "supervisor", "新宿店")
	deskPW := addUser(t, srv, "desk@example.jp", "相談 一郎", "desk", "")
	path := writeLedger(t, [][]any{
		{"No.", "発生日", "店舗", "分類", "お客様の言動", "備考", "対応状況"},
		{1, "5月2日", "新宿店", "名刺要求", "名刺を何十枚も要求された", "", "対応中"},
		{2, "令和6年5月3日", "新宿店", "暴言、長時間", "「役立たず」と1時間怒鳴られた", "", "完了"},
	})
	desk := signedIn(t, srv, "desk@example.jp", deskPW)
	desk.emulateSize("phone", 390, 844)
	desk.open("/import/cases")
	checkFits(t, desk, "the upload page")
	desk.run("choose the file", chromedp.SetUploadFiles("#files", []string{path}))
	wantStatus(t, desk.submit("#import-upload"), http.StatusOK, "upload the ledger")
	if !strings.HasPrefix(desk.path(), "/import/cases/") {
		t.Fatalf("after the upload the page is %s: %s", desk.path(), desk.text("main"))
	}
	upload := desk.path()
	// The guess: the date and the kinds; the narrative's heading is not a
	// common one, so the person maps it.
	if got := eval[string](desk, `document.querySelector("#m-occurred_at").value`); got != "発生日" {
		t.Errorf("the guessed date column is %q", got)
	}
	desk.choose("#m-conduct", "お客様の言動")
	checkFits(t, desk, "the mapping")
	noUUID(t, desk, "the mapping")
	wantStatus(t, desk.submit("#import-check"), http.StatusOK, "check")
	problems := desk.text("#import-problems")
	for _, want := range []string{"2", "発生日", msg(t, "ja", "field.needs_year"), "分類", "名刺要求"} {
		if !strings.Contains(problems, want) {
			t.Errorf("the dry run's problems lack %q: %s", want, problems)
		}
	}
	if desk.has("#import-run") {
		t.Error("the import is offered with problems left")
	}
	checkFits(t, desk, "the dry run with problems")
	// The year and the review; the mapping is saved for next time.
	desk.fill("#year", "2024")
	desk.choose(".import-value", "out_of_scope_demand")
	wantStatus(t, desk.submit("#import-check"), http.StatusOK, "check again")
	if !desk.has("#import-ready") || desk.has("#import-problems") {
		t.Fatalf("after the review the dry run says: %s", desk.text("#import-result"))
	}
	desk.fill("#mapping_name", "本社の記録簿")
	wantStatus(t, desk.submit("#import-save"), http.StatusOK, "save the mapping")
	if !desk.has("#saved-mapping") || !desk.has("#import-run") {
		t.Fatalf("after saving the page lacks the saved mapping or the import: %s", desk.text("main"))
	}
	shots := os.Getenv("KASUHARA_SCREENSHOTS")
	checked := eval[string](desk, `location.pathname + location.search`)
	for _, size := range intakeSizes {
		desk.emulateSize(size.name, size.w, size.h)
		for i, p := range []string{"/import/cases", checked} {
			desk.open(p)
			checkFits(t, desk, p+" ("+size.name+")")
			noUUID(t, desk, p)
			if shots != "" {
				desk.fullScreenshot(shots, fmt.Sprintf("import-%d-%s", i, size.name))
			}
		}
	}
	desk.emulateSize("small-phone", 320, 640)
	desk.open(checked)
	wantStatus(t, desk.submit("#import-run"), http.StatusOK, "import")
	if !desk.has("#import-done") || !strings.Contains(desk.text("#import-done"), "2") {
		t.Fatalf("after the import: %s", desk.text("main"))
	}
	checkFits(t, desk, "the imported upload")
	// Nothing more on a reload of the import's page; the cases are marked.
	desk.open(upload)
	desk.open("/cases")
	list := desk.text("main")
	if !strings.Contains(list, "K-2024-") {
		t.Fatalf("the queue lacks the imported cases: %s", list)
	}
	desk.open(eval[string](desk, `document.querySelector("a.case-ref").getAttribute("href")`))
	if !desk.has("#imported") {
		t.Errorf("the case page does not say the case was imported: %s", desk.text("#report"))
	}
	// A formula is refused, naming its cell.
	formula := filepath.Join(t.TempDir(), "数式あり.xlsx")
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"発生日", "内容"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"2024/5/1", "x"})
	f.SetCellFormula("Sheet1", "B2", `CONCATENATE("a","b")`)
	if err := f.SaveAs(formula); err != nil {
		t.Fatal(err)
	}
	desk.open("/import/cases")
	desk.run("choose the file", chromedp.SetUploadFiles("#files", []string{formula}))
	wantStatus(t, desk.submit("#import-upload"), http.StatusUnprocessableEntity, "a formula")
	if !strings.Contains(desk.text("main"), "B2") {
		t.Errorf("the refusal does not name the cell: %s", desk.text("main"))
	}
	checkFits(t, desk, "the refused upload")
}

package e2e

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestInsightDashboard files three reports as an employee and opens the
// statistics as an analyst: the vendored Chart.js draws under the
// Content-Security-Policy, the figures show, and no narrative appears.
func TestInsightDashboard(t *testing.T) {
	srv := startServer(t)
	clerkPW := addUser(t, srv, "clerk@example.jp", "店員 花子", "employee", "新宿店")
	analystPW := addUser(t, srv, "analyst@example.jp", "分析 太郎", "analyst", "")
	emp := signedIn(t, srv, "clerk@example.jp", clerkPW)
	for range 3 {
		emp.open("/report")
		fillReport(emp, "統計に出てはならない叙述")
		wantStatus(t, emp.submit("#report-submit"), http.StatusOK, "file a report")
	}
	an := signedIn(t, srv, "analyst@example.jp", analystPW)
	an.submit("#nav-insight")
	wantPath(t, an, "/insight", "the statistics link")
	if got := an.text("#fig-total"); got != "3" {
		t.Errorf("total %q, want 3", got)
	}
	an.run("wait for the chart", chromedp.WaitVisible(chromedp.CSS("#chart-month")))
	drawn := eval[bool](an, `!!(window.Chart && window.Chart.getChart(document.getElementById("chart-month")))`)
	if !drawn {
		t.Fatal("Chart.js did not draw the chart (blocked by the CSP, or not loaded)")
	}
	if strings.Contains(eval[string](an, "document.body.innerText"), "叙述") {
		t.Error("a narrative appears on the statistics page")
	}
	// By department: the shop's 3 are shown.
	an.choose("#group_by", "department")
	wantStatus(t, an.submit("#insight-submit"), http.StatusOK, "group by department")
	if !strings.Contains(an.text("#stats-table"), "新宿店") {
		t.Errorf("the table: %q", an.text("#stats-table"))
	}
	if eval[bool](an, `!window.Chart.getChart(document.getElementById("chart-group"))`) {
		t.Error("the chart by department was not drawn")
	}
	if shots := os.Getenv("KASUHARA_SCREENSHOTS"); shots != "" {
		an.fullScreenshot(shots, "insight-ja")
	}
}

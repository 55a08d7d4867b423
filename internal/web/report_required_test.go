package web_test

import (
	"testing"

	"github.com/kasuhara/kasuhara"
)

// Every field the report form needs is marked 必須 (issue 18): the date, how
// it happened, the conduct, and a kind of conduct or "I want to consult".
func TestReportFormMarksRequired(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.signedIn(kasuhara.RoleEmployee)
	must(t, c.get("/report"), 200,
		`<label for="occurred_at">いつ起きましたか <span class="badge">必須</span>`,
		`<legend id="kinds-legend">どのような言動でしたか <span class="badge">必須</span>`)
}

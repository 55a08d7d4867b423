package web

import (
	"bytes"
	"context"
	"html/template"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/i18n"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestQueueRowsUnchanged: the queue's rows, their texts made in Go
// (queueRow), read exactly as the template wrote them before
// (testdata/queue_rows_before.html, the rows as they were, its texts made
// by the template's functions from the cases), in Japanese and English,
// for rows that reach every branch: held, imported, a consultation, several
// kinds, a department known and unknown, each state, assigned to a known
// person, to someone unknown and to nobody, no deadline, one to come and
// one passed, urgent, with and without a verdict, and names that need
// escaping.
func TestQueueRowsUnchanged(t *testing.T) {
	s, list, names, depNames, now, before := queueFixture(t)
	for _, lang := range i18n.Languages {
		t.Run(lang, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/cases", nil)
			r = r.WithContext(context.WithValue(r.Context(), keyLang, lang))
			rows, err := s.queueRows(r, list, names, depNames)
			if err != nil {
				t.Fatal(err)
			}
			labels, err := newQueueLabels(s.Catalog.Localizer(lang))
			if err != nil {
				t.Fatal(err)
			}
			tpl, old := rowsBefore(t, s, lang, before, list, rows, now)
			var got, want bytes.Buffer
			if err := tpl.ExecuteTemplate(&want, "queue-rows-before", map[string]any{"Rows": old, "Names": names, "DepNames": depNames}); err != nil {
				t.Fatal(err)
			}
			if err := tpl.ExecuteTemplate(&got, "queue-rows", map[string]any{"Rows": rows, "L": labels}); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("the rows changed:\ngot  %s\nwant %s", got.String(), want.String())
			}
			// What the rows must show, so that the comparison compares
			// something: each case, an escaped name, a passed deadline.
			for _, must := range []string{`data-ref="2026-000127"`, "窓口 &lt;一郎&gt; &amp; Co", "本店 &#34;売り場&#34;", `class="overdue"`,
				"badge badge-held", "badge-urgent"} {
				if !bytes.Contains(got.Bytes(), []byte(must)) {
					t.Errorf("the rows lack %s", must)
				}
			}
		})
	}
}

// rowBefore is a row of the queue as it was: the case, its deadline,
// overdue or not, and the time left (made in Go then as now).
type rowBefore struct {
	kasuhara.Case
	Deadline  time.Time
	Overdue   bool
	Remaining string
}

// rowsBefore is the queue's template of lang with the rows as they were
// added, and list's rows as they were.
func rowsBefore(t testing.TB, s *Server, lang string, before []byte, list []kasuhara.Case, rows []queueRow, now time.Time) (*template.Template, []rowBefore) {
	var old []rowBefore
	for i, c := range list {
		old = append(old, rowBefore{Case: c, Deadline: c.NextDeadline(), Overdue: c.Overdue(now), Remaining: rows[i].Remaining})
	}
	tpl, err := s.templates[lang]["queue"].Clone()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tpl.New("before").Parse(string(before)); err != nil {
		t.Fatal(err)
	}
	return tpl, old
}

// queueFixture is a server and cases of every kind of row.
func queueFixture(t testing.TB) (s *Server, list []kasuhara.Case, names, depNames map[string]string, now time.Time, before []byte) {
	db := testdb.Open(t, sqldb.SQLite)
	st := store.New(db)
	org, err := st.CreateOrg(context.Background(), kasuhara.CLIActor, kasuhara.NewOrg{Slug: "acme", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	now = time.Date(2026, 12, 7, 1, 30, 0, 0, time.UTC) // a Monday, 10:30 in Japan
	s, err = NewServer(Deps{Settings: st, Catalog: cat, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	before, err = os.ReadFile("testdata/queue_rows_before.html")
	if err != nil {
		t.Fatal(err)
	}
	names = map[string]string{"u-desk": "窓口 <一郎> & Co", "u-legal": "Legal Person"}
	depNames = map[string]string{"d-store": "本店 \"売り場\"", "d-area": "関東エリア"}
	for i, state := range []kasuhara.CaseState{kasuhara.StateNew, kasuhara.StateAcknowledged, kasuhara.StateInProgress,
		kasuhara.StateResolved, kasuhara.StateClosed, kasuhara.StateNew, kasuhara.StateInProgress, kasuhara.StateAcknowledged} {
		c := kasuhara.Case{ID: "01J-case-" + string(rune('a'+i)), OrgID: org.ID, Ref: "2026-00012" + string(rune('0'+i)), State: state,
			Urgent: i%3 == 0, HeldForReview: i == 2, Imported: i == 4 || i == 7,
			AcknowledgeBy: now.Add(time.Duration(i-3) * 26 * time.Hour), FeedbackBy: now.Add(time.Duration(5-2*i) * 7 * time.Hour)}
		c.Report.OccurredAt = now.Add(-time.Duration(i) * 49 * time.Hour)
		c.Report.Consultation = i%2 == 1
		c.Report.Categories = [][]kasuhara.Category{{kasuhara.CatViolenceAbuse}, {kasuhara.CatViolenceAbuse, kasuhara.Categories[1]},
			nil, kasuhara.Categories}[i%4]
		c.Report.DepartmentID = []string{"d-store", "d-area", "", "d-gone"}[i%4]
		c.AssigneeID = []string{"u-desk", "", "u-legal", "u-gone"}[i%4]
		if i%2 == 0 {
			c.Verdict = kasuhara.Verdicts[i%len(kasuhara.Verdicts)]
		}
		list = append(list, c)
	}
	return s, list, names, depNames, now, before
}

// BenchmarkQueueRows is the queue's 50 rows written by the template as it
// was and as it is, each in Japanese.
func BenchmarkQueueRows(b *testing.B) {
	s, list, names, depNames, now, before := queueFixture(b)
	for len(list) < 50 {
		list = append(list, list...)
	}
	list = list[:50]
	r := httptest.NewRequest("GET", "/cases", nil)
	r = r.WithContext(context.WithValue(r.Context(), keyLang, "ja"))
	rows, err := s.queueRows(r, list, names, depNames)
	if err != nil {
		b.Fatal(err)
	}
	tpl, old := rowsBefore(b, s, "ja", before, list, rows, now)
	var buf bytes.Buffer
	b.Run("before", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			if err := tpl.ExecuteTemplate(&buf, "queue-rows-before", map[string]any{"Rows": old, "Names": names, "DepNames": depNames}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("after", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			rows, err := s.queueRows(r, list, names, depNames)
			if err != nil {
				b.Fatal(err)
			}
			labels, err := newQueueLabels(s.Catalog.Localizer("ja"))
			if err != nil {
				b.Fatal(err)
			}
			if err := tpl.ExecuteTemplate(&buf, "queue-rows", map[string]any{"Rows": rows, "L": labels}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

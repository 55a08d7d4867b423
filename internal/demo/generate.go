// Package demo fills a database with a realistic demo company group, and
// generates cases in bulk for load and scale tests (kasuhara demo).
package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/store"
)

// Org is what the generator needs to know of an organisation.
type Org struct {
	ID          string
	Departments []string
	Reporters   []kasuhara.Member // employees and supervisors
	Handlers    []string          // desk and legal user ids
}

// Generator makes cases spread over the three years up to Now, in Japanese
// (about 70%) and English, with repeat customers: a tenth of the customers
// bring half of the cases.
type Generator struct {
	Org       Org
	Now       time.Time
	Customers []store.BulkCustomer
	// Total is how many cases the generator will make: they are then
	// spread evenly over the three years in the order they are made, as
	// reports arrive in a real system (search results, in the order of
	// filing, are then also in the order of dates). Zero: random dates.
	Total int
	made  int
	rng   *rand.Rand
}

// NewGenerator seeds a generator; the same seed gives the same cases.
func NewGenerator(org Org, now time.Time, seed uint64, customers int) *Generator {
	g := &Generator{Org: org, Now: now, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for i := range customers {
		name := familyNames[g.rng.IntN(len(familyNames))] + " " + givenNames[g.rng.IntN(len(givenNames))]
		g.Customers = append(g.Customers, store.BulkCustomer{ID: uuid.Must(uuid.NewV7()).String(), OrgID: org.ID, Name: name,
			Phone: fmt.Sprintf("090-%04d-%04d", (i/10000)%10000, i%10000)})
	}
	return g
}

var (
	familyNames = []string{"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木", "山口", "松本"}
	givenNames  = []string{"太郎", "次郎", "花子", "一郎", "健", "誠", "美咲", "陽子", "大輔", "翔太", "直子", "学"}
	places      = []string{"レジ前", "売場", "電話", "窓口", "駐車場", "受付カウンター", "メール", "SNS"}
	jaConduct   = []string{
		"「責任者を出せ」と大声で怒鳴り、%d分間カウンターから離れなかった。",
		"「土下座して謝れ」と要求し、スマートフォンで従業員を撮影した。",
		"同じ内容の問い合わせを%d回繰り返し、「お前の名前をネットに晒す」と言った。",
		"商品代金の%d倍の補償を要求し、断ると机を叩いて威嚇した。",
		"「辞めさせろ」と担当者の解雇を求め、%d分にわたり電話を切らなかった。",
		"暴言を吐き、「次に来たら覚えておけ」と脅した。",
	}
	enConduct = []string{
		"Shouted \"get me your manager\" and stayed at the counter for %d minutes.",
		"Demanded that the clerk kneel and apologise, and filmed her with a phone.",
		"Called %d times with the same question and threatened to post the clerk's name online.",
		"Demanded %d times the price in compensation and banged on the desk when refused.",
		"Demanded that the clerk be fired and would not hang up for %d minutes.",
		"Swore at the staff and said \"you'll regret it next time\".",
	}
	jaRequest = []string{"返金", "商品の交換", "謝罪", "担当者の変更", "慰謝料", "店長の謝罪"}
	enRequest = []string{"a refund", "an exchange", "an apology", "another clerk", "compensation", "the manager's apology"}
	channels  = []string{"phone", "in_person", "email", "chat", "letter", "social_media"}
)

// Next makes n cases, numbered from firstRef in their years (the caller
// reserves numbers per year with store.NextCaseNumbers; see Batch).
func (g *Generator) next() store.BulkCase {
	r := g.rng
	const span = 3 * 365 * 24 * time.Hour
	age := time.Duration(r.Int64N(int64(span)))
	if g.Total > 0 {
		slot := span / time.Duration(g.Total)
		age = span - time.Duration(min(g.made, g.Total-1))*slot - time.Duration(r.Int64N(int64(max(slot, 1))))
		g.made++
	}
	created := g.Now.Add(-age)
	sub := kasuhara.Subtypes[r.IntN(len(kasuhara.Subtypes))]
	subs := []string{sub}
	if r.IntN(3) == 0 {
		if s2 := kasuhara.Subtypes[r.IntN(len(kasuhara.Subtypes))]; s2 != sub {
			subs = append(subs, s2)
		}
	}
	rep := kasuhara.Report{OccurredAt: created.Add(-time.Duration(r.IntN(48*60)) * time.Minute), DurationMinutes: 5 + r.IntN(90),
		Channel: channels[r.IntN(len(channels))], Location: places[r.IntN(len(places))], Subtypes: subs}
	n := 2 + r.IntN(40)
	if r.IntN(10) < 7 {
		rep.Conduct = fmt.Sprintf(jaConduct[r.IntN(len(jaConduct))], n)
		rep.RequestContent = jaRequest[r.IntN(len(jaRequest))]
		rep.Harm = "業務が中断し、担当者が強い不安を感じている。"
	} else {
		rep.Conduct = strings.Replace(enConduct[r.IntN(len(enConduct))], "%d", fmt.Sprint(n), 1)
		rep.RequestContent = enRequest[r.IntN(len(enRequest))]
		rep.Harm = "Work stopped; the clerk was shaken."
	}
	rep.Conduct = strings.Replace(rep.Conduct, "%d", fmt.Sprint(n), 1)
	if len(g.Org.Departments) > 0 {
		rep.DepartmentID = g.Org.Departments[r.IntN(len(g.Org.Departments))]
	}
	rep.Normalize()
	c := kasuhara.Case{ID: uuid.Must(uuid.NewV7()).String(), OrgID: g.Org.ID, Report: rep, CreatedAt: created,
		AcknowledgeBy: created.Add(7 * 24 * time.Hour), FeedbackBy: created.Add(90 * 24 * time.Hour), State: kasuhara.StateNew}
	c.Urgent = c.Report.Urgent()
	if len(g.Org.Reporters) > 0 {
		m := g.Org.Reporters[r.IntN(len(g.Org.Reporters))]
		c.ReporterID = m.User.ID
		if m.DepartmentID != "" {
			c.Report.DepartmentID = m.DepartmentID
		}
	} else {
		c.Anonymous = true
	}
	b := store.BulkCase{Case: c}
	// Older cases have moved further on.
	days := age.Hours() / 24
	switch {
	case days > 200 || (days > 30 && r.IntN(3) > 0):
		b.Case.State = []kasuhara.CaseState{kasuhara.StateClosed, kasuhara.StateClosed, kasuhara.StateResolved}[r.IntN(3)]
	case days > 7:
		b.Case.State = []kasuhara.CaseState{kasuhara.StateAcknowledged, kasuhara.StateInProgress, kasuhara.StateResolved}[r.IntN(3)]
	case days > 1 && r.IntN(2) == 0:
		b.Case.State = kasuhara.StateAcknowledged
	}
	cs := &b.Case
	if cs.State != kasuhara.StateNew {
		cs.AcknowledgedAt = created.Add(time.Duration(10+r.IntN(5*24*60)) * time.Minute)
	}
	if cs.State == kasuhara.StateInProgress || cs.State == kasuhara.StateResolved || cs.State == kasuhara.StateClosed {
		if len(g.Org.Handlers) > 1 {
			cs.AssigneeID = g.Org.Handlers[r.IntN(len(g.Org.Handlers))]
			cs.SecondID = g.Org.Handlers[r.IntN(len(g.Org.Handlers))]
		}
		verdict := kasuhara.Verdicts[r.IntN(len(kasuhara.Verdicts))]
		a := &kasuhara.Assessment{Request: "not_valid", Manner: "inappropriate", MannerReasons: []string{"insult"}, EnvironmentImpaired: true,
			EnvironmentHow: "業務に支障", Verdict: verdict, Rationale: "録音と証言による", CreatedAt: cs.AcknowledgedAt.Add(time.Hour), AssessorID: cs.AssigneeID}
		if verdict == "legitimate_complaint" {
			a.Request, a.Manner, a.MannerReasons, a.EnvironmentImpaired, a.EnvironmentHow = "valid", "appropriate", nil, false, ""
		}
		if a.AssessorID != "" {
			b.Assessment = a
			cs.Verdict = verdict
		}
	}
	if cs.State == kasuhara.StateResolved || cs.State == kasuhara.StateClosed {
		cs.ResolvedAt = cs.AcknowledgedAt.Add(time.Duration(1+r.IntN(60*24)) * time.Hour)
	}
	if cs.State == kasuhara.StateClosed {
		cs.ClosedAt = cs.ResolvedAt.Add(time.Duration(1+r.IntN(14*24)) * time.Hour)
	}
	cs.UpdatedAt = maxTime(created, cs.AcknowledgedAt, cs.ResolvedAt, cs.ClosedAt)
	// Half of the cases come from a tenth of the customers.
	if len(g.Customers) > 0 && r.IntN(5) > 0 {
		k := r.IntN(len(g.Customers))
		if r.IntN(2) == 0 {
			k = r.IntN(max(1, len(g.Customers)/10))
		}
		b.CustomerID = g.Customers[k].ID
		cs.Report.Customer = kasuhara.CustomerDetails{Name: g.Customers[k].Name, Phone: g.Customers[k].Phone}
	}
	if r.IntN(4) == 0 {
		b.Evidence = []kasuhara.Evidence{{BlobID: "demo" + strings.ReplaceAll(uuid.NewString(), "-", ""), Filename: "recording.m4a", MediaType: "audio/mp4",
			Size: int64(100_000 + r.IntN(5_000_000)), SHA256: fmt.Sprintf("%064x", r.Uint64()), UploadedBy: cs.ReporterID, UploadedAt: created}}
	}
	return b
}

// Batch makes n cases with references reserved from next (a function that
// reserves k numbers of a year and returns the first).
func (g *Generator) Batch(n int, next func(year, k int) (int, error)) ([]store.BulkCase, error) {
	out := make([]store.BulkCase, n)
	byYear := map[int][]int{}
	for i := range out {
		out[i] = g.next()
		y := out[i].Case.CreatedAt.In(calendar.JST).Year()
		byYear[y] = append(byYear[y], i)
	}
	for y, idx := range byYear {
		first, err := next(y, len(idx))
		if err != nil {
			return nil, err
		}
		for j, i := range idx {
			out[i].Case.Ref = fmt.Sprintf("K-%d-%05d", y, first+j)
		}
	}
	return out, nil
}

func maxTime(ts ...time.Time) time.Time {
	var m time.Time
	for _, t := range ts {
		if t.After(m) {
			m = t
		}
	}
	return m
}

package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/starter"
	"github.com/kasuhara/kasuhara/internal/store"
)

// ParentSlug is the demo group's parent organisation.
const ParentSlug = "demo"

// person is a demo user.
type person struct {
	email, name string
	role        kasuhara.Role
	org, dept   string
}

var people = []person{
	{"admin@demo.example", "管理 花子", kasuhara.RoleAdmin, "demo", ""},
	{"analyst@demo.example", "分析 健", kasuhara.RoleAnalyst, "demo", ""},
	{"legal@demo.example", "法務 誠", kasuhara.RoleLegal, "demo-retail", ""},
	{"desk@demo.example", "窓口 美咲", kasuhara.RoleDesk, "demo-retail", ""},
	{"desk2@demo.example", "窓口 大輔", kasuhara.RoleDesk, "demo-retail", ""},
	{"boss@demo.example", "店長 直子", kasuhara.RoleSupervisor, "demo-retail", "新宿店"},
	{"clerk@demo.example", "店員 陽子", kasuhara.RoleEmployee, "demo-retail", "新宿店"},
	{"clerk2@demo.example", "店員 翔太", kasuhara.RoleEmployee, "demo-retail", "渋谷店"},
	{"clerk3@demo.example", "店員 学", kasuhara.RoleEmployee, "demo-retail", "横浜店"},
	{"retail-admin@demo.example", "管理 次郎", kasuhara.RoleAdmin, "demo-retail", ""},
	{"retail-analyst@demo.example", "分析 直美", kasuhara.RoleAnalyst, "demo-retail", ""},
	{"operator@demo.example", "オペレーター 一郎", kasuhara.RoleEmployee, "demo-call", "第1センター"},
	{"call-desk@demo.example", "窓口 太郎", kasuhara.RoleDesk, "demo-call", ""},
	{"call-legal@demo.example", "法務 花子", kasuhara.RoleLegal, "demo-call", ""},
}

// Seed creates the demo group unless it exists: a parent with two
// subsidiaries, departments, a user of every role (their passwords are
// written to out once), the policy and the course published and assigned,
// and cases in every state with customers at every measure level, all
// through the services, so everything is audited.
func Seed(ctx context.Context, st *store.Store, out io.Writer) error {
	if _, err := st.OrgBySlug(ctx, ParentSlug); err == nil {
		fmt.Fprintln(out, "The demo group exists already; not seeded again.")
		return nil
	}
	a := kasuhara.CLIActor
	orgs := map[string]*kasuhara.Org{}
	for _, o := range []kasuhara.NewOrg{{Slug: "demo", Name: "デモホールディングス株式会社"},
		{Slug: "demo-retail", Name: "デモ小売株式会社", ParentSlug: "demo"}, {Slug: "demo-call", Name: "デモコールセンター株式会社", ParentSlug: "demo"}} {
		org, err := st.CreateOrg(ctx, a, o)
		if err != nil {
			return err
		}
		orgs[o.Slug] = org
	}
	// The demo signs in with passwords alone, so that a person can look
	// at every role at once; a company's organisation asks desk, legal and
	// admin for a second factor by default (issue 23).
	for _, org := range orgs {
		rules, err := st.SignInSettings(ctx, org.ID)
		if err != nil {
			return err
		}
		rules.TwoFactorRoles = nil
		if err := st.SaveSignInSettings(ctx, a, org.ID, *rules); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "Two-step verification is not required in the demo organisations (kasuhara org update --org demo --two-factor-roles desk,legal,admin requires it).")
	depts := map[string]string{}
	for _, d := range [][2]string{{"demo-retail", "新宿店"}, {"demo-retail", "渋谷店"}, {"demo-retail", "横浜店"}, {"demo-call", "第1センター"}} {
		dep, err := st.CreateDepartment(ctx, a, orgs[d[0]].ID, d[1])
		if err != nil {
			return err
		}
		depts[d[1]] = dep.ID
	}
	viewers := map[string]kasuhara.Actor{}
	fmt.Fprintln(out, "Demo users (passwords shown only now):")
	for _, p := range people {
		pw := credential.GeneratePassword()
		u, err := st.CreateUser(ctx, a, kasuhara.NewUser{Email: p.email, Name: p.name, Password: pw, OrgID: orgs[p.org].ID, Role: p.role, DepartmentID: depts[p.dept]})
		if err != nil {
			return err
		}
		viewers[p.email] = kasuhara.Actor{UserID: u.ID, OrgID: orgs[p.org].ID, Role: p.role, DepartmentID: depts[p.dept]}
		fmt.Fprintf(out, "  %-28s %-10s %-12s %s\n", p.email, p.role, p.org, pw)
	}
	// Policy and training, group-wide from the parent.
	admin := kasuhara.Actor{UserID: viewers["admin@demo.example"].UserID, OrgID: orgs["demo"].ID, Role: kasuhara.RoleAdmin}
	// Company sign-in set up but not required (the demo signs in with
	// passwords): a provider that does not exist, and two groups mapped.
	if err := st.SaveSSO(ctx, admin, kasuhara.SSOSettings{OrgID: orgs["demo"].ID, Issuer: "https://login.example.com/demo/v2.0",
		ClientID: "kasuhara-demo", Domains: []string{"demo.example"}, GroupsClaim: "groups"}); err != nil {
		return err
	}
	for _, g := range []kasuhara.GroupRole{
		{OrgID: orgs["demo"].ID, Group: "全従業員", TargetOrgID: orgs["demo-retail"].ID, Role: kasuhara.RoleEmployee},
		{OrgID: orgs["demo"].ID, Group: "新宿店", TargetOrgID: orgs["demo-retail"].ID, Role: kasuhara.RoleEmployee, DepartmentID: depts["新宿店"]},
		{OrgID: orgs["demo"].ID, Group: "店長", TargetOrgID: orgs["demo-retail"].ID, Role: kasuhara.RoleSupervisor},
	} {
		if _, err := st.AddGroupRole(ctx, admin, g); err != nil {
			return err
		}
	}
	demoSettings, err := st.Settings(ctx, orgs["demo"].ID)
	if err != nil {
		return err
	}
	for _, kind := range []string{"basic_policy", "procedure"} {
		k := kasuhara.PolicyBasic
		if kind == "procedure" {
			k = kasuhara.PolicyInternal
		}
		d, err := st.CreatePolicy(ctx, admin, k, true, starter.Policy(kind, starter.For(*demoSettings, time.Now())))
		if err != nil {
			return err
		}
		if _, err := st.Publish(ctx, admin, d.ID); err != nil {
			return err
		}
	}
	retailAdmin := kasuhara.Actor{UserID: viewers["retail-admin@demo.example"].UserID, OrgID: orgs["demo-retail"].ID, Role: kasuhara.RoleAdmin}
	retailSettings, err := st.Settings(ctx, orgs["demo-retail"].ID)
	if err != nil {
		return err
	}
	course, err := st.SaveCourse(ctx, retailAdmin, starter.Course(starter.For(*retailSettings, time.Now())))
	if err != nil {
		return err
	}
	if err := st.PublishCourse(ctx, retailAdmin, course.ID, true); err != nil {
		return err
	}
	due := time.Now().AddDate(0, 2, 0).Format(kasuhara.DateLayout)
	if _, err := st.AssignCourse(ctx, retailAdmin, kasuhara.Assignment{CourseID: course.ID, FirstDue: due, EveryMonths: 12}); err != nil {
		return err
	}
	// Cases in every state, and customers at every measure level.
	clerk, desk, legal := viewers["clerk@demo.example"], viewers["desk@demo.example"], viewers["legal@demo.example"]
	second := viewers["desk2@demo.example"]
	var coopCase *kasuhara.Case // a case another employer asks about
	for i, lvl := range append([]string{""}, kasuhara.MeasureLevels...) {
		for j, state := range kasuhara.CaseStates {
			rep := kasuhara.Report{OccurredAt: time.Now().Add(-time.Duration(i*24+j+1) * time.Hour), Channel: channels[(i+j)%len(channels)], DurationMinutes: 20 + 5*j,
				Subtypes: []string{kasuhara.Subtypes[(i*5+j)%len(kasuhara.Subtypes)]}, RequestContent: jaRequest[j%len(jaRequest)],
				Conduct: fmt.Sprintf(jaConduct[(i+j)%len(jaConduct)], 10+j), Customer: kasuhara.CustomerDetails{Name: familyNames[i] + " " + givenNames[i],
					Phone: fmt.Sprintf("03-5555-%04d", i)}}
			c, err := st.FileReport(ctx, clerk, rep)
			if err != nil {
				return fmt.Errorf("demo case: %w", err)
			}
			if err := advance(ctx, st, desk, second, c, state); err != nil {
				return err
			}
			if coopCase == nil && state == kasuhara.StateInProgress {
				coopCase = c
			}
		}
		if lvl == "" {
			continue
		}
		cs, err := st.Customers(ctx, desk, fmt.Sprintf("03-5555-%04d", i))
		if err != nil || len(cs) == 0 {
			return fmt.Errorf("demo customer %d: %v", i, err)
		}
		m, err := st.ProposeMeasure(ctx, desk, cs[0].ID, kasuhara.NewMeasure{Level: lvl, Reason: "繰り返しの暴言と長時間の拘束のため", ReviewAt: time.Now().AddDate(0, 6, 0),
			Premises: "新宿店", // a ban names its premises; other levels keep none
			Checks: kasuhara.MeasureChecks{Axes: "返金の要求には理由があるが、暴言を繰り返し長時間拘束する態様は相当な範囲を超える",
				Accommodation: "合理的配慮の申出はない", DutyToServe: "法令上の提供義務があるサービスではない"}})
		if err != nil {
			return fmt.Errorf("demo measure: %w", err)
		}
		if m.Status == kasuhara.MeasureProposed {
			if _, err := st.ApproveMeasure(ctx, legal, cs[0].ID, m.ID, ""); err != nil {
				return fmt.Errorf("demo approve: %w", err)
			}
		}
	}
	// Cooperation between employers: a request received about a case, one
	// sent, past its deadline.
	if _, err := st.CreateCooperationRequest(ctx, desk, kasuhara.CooperationRequest{Direction: kasuhara.CooperationReceived,
		Employer: "デモ運輸株式会社", ContactPerson: "総務部 担当者", ContactPhone: "03-5555-9999", CaseID: coopCase.ID,
		Asked: "同じ顧客から当社の配送員も暴言を受けています。事実確認と再発防止のため、差し支えない範囲で情報を共有いただけますか。"}); err != nil {
		return fmt.Errorf("demo cooperation: %w", err)
	}
	if _, err := st.CreateCooperationRequest(ctx, desk, kasuhara.CooperationRequest{Direction: kasuhara.CooperationSent,
		Employer: "デモ警備株式会社", Asked: "店舗での暴言について、警備員の方が見聞きしたことを教えていただけますか。",
		RequestedAt: time.Now().AddDate(0, 0, -20), DueAt: time.Now().AddDate(0, 0, -6)}); err != nil {
		return fmt.Errorf("demo cooperation: %w", err)
	}
	// Mail at the desk's mailbox (/intake): one from an employee, one from
	// outside, waiting for the desk's decision.
	for _, m := range []kasuhara.InboundMail{
		{FromAddress: "clerk@demo.example", FromName: "店員 陽子", Subject: "昨日の電話の件でご相談です", MessageID: "demo-1@demo.example",
			Body: "昨日の夕方、お客様から電話で1時間以上同じ要求を繰り返され、最後は「名前を覚えたからな」と言われました。\nどう対応すればよいか相談させてください。",
			Auth: kasuhara.MailAuth{SPF: "pass", DKIM: "pass", DMARC: "pass"}},
		{FromAddress: "partner@example.com", Subject: "貴社店舗での出来事について", MessageID: "demo-2@example.com",
			Body: "取引先の者です。先日、貴社新宿店で従業員の方が客に大声で怒鳴られているのを見かけましたのでお知らせします。"},
	} {
		if _, err := st.ReceiveMail(ctx, kasuhara.SystemActor, orgs["demo-retail"].ID, m); err != nil {
			return fmt.Errorf("demo mail: %w", err)
		}
	}
	// A call from the phone system waiting for its agent's report
	// (/reports).
	if _, _, err := st.CallEnded(ctx, kasuhara.SystemActor, orgs["demo-retail"].ID, kasuhara.CallEvent{Source: kasuhara.CallSourceSIP,
		CallID: "demo-call-1", Caller: "03-5555-0001", AgentEmail: "clerk@demo.example", StartedAt: time.Now().Add(-2 * time.Hour),
		DurationSeconds: 1500, RecordingURL: "https://pbx.demo.example/rec/1.wav"}); err != nil {
		return fmt.Errorf("demo call: %w", err)
	}
	// A retaliation alarm for legal to handle (/retaliation).
	if _, err := st.FlagRetaliation(ctx, clerk, coopCase.ID, "報告してから、シフトを一方的に減らされました。"); err != nil {
		return fmt.Errorf("demo retaliation alarm: %w", err)
	}
	fmt.Fprintf(out, "Seeded the demo group %q with policy, training, %d cases and measures at every level.\n", ParentSlug,
		len(kasuhara.CaseStates)*(len(kasuhara.MeasureLevels)+1))
	return nil
}

// advance takes a new case to state through the desk's actions.
func advance(ctx context.Context, st *store.Store, desk, second kasuhara.Actor, c *kasuhara.Case, state kasuhara.CaseState) error {
	if state == kasuhara.StateNew {
		return nil
	}
	if _, err := st.Transition(ctx, desk, c.ID, kasuhara.StateAcknowledged, ""); err != nil {
		return err
	}
	if state == kasuhara.StateAcknowledged {
		return nil
	}
	if _, err := st.Assign(ctx, desk, c.ID, desk.UserID, second.UserID); err != nil {
		return err
	}
	if _, err := st.Transition(ctx, desk, c.ID, kasuhara.StateInProgress, "対応開始"); err != nil {
		return err
	}
	if _, err := st.Assess(ctx, desk, c.ID, kasuhara.Assessment{Request: "not_valid", Manner: "inappropriate", MannerReasons: []string{"insult"},
		EnvironmentImpaired: true, EnvironmentHow: "担当者が業務を続けられなかった", Verdict: "harassment", Rationale: "録音で確認"}); err != nil {
		return err
	}
	for _, s := range []kasuhara.CaseState{kasuhara.StateResolved, kasuhara.StateClosed} {
		if state == kasuhara.StateInProgress {
			return nil
		}
		if _, err := st.Transition(ctx, desk, c.ID, s, ""); err != nil {
			return err
		}
		if s == state {
			return nil
		}
	}
	return nil
}

// Cases adds n generated cases to the organisation slug in batches,
// reporting progress to out, and then refreshes the planner's statistics.
func Cases(ctx context.Context, st *store.Store, slug string, n int, seed uint64, out io.Writer) error {
	if err := Grow(ctx, st, slug, n, seed, out); err != nil {
		return err
	}
	return st.Analyze(ctx)
}

// Grow adds n generated cases to the organisation slug as Cases does, but
// leaves the planner's statistics as they were: an organisation that grew
// after the last ANALYZE, as every organisation in real use does.
func Grow(ctx context.Context, st *store.Store, slug string, n int, seed uint64, out io.Writer) error {
	org, err := st.OrgBySlug(ctx, slug)
	if err != nil {
		return err
	}
	members, err := st.Members(ctx, org.ID)
	if err != nil {
		return err
	}
	deps, err := st.Departments(ctx, org.ID)
	if err != nil {
		return err
	}
	o := Org{ID: org.ID}
	for _, d := range deps {
		o.Departments = append(o.Departments, d.ID)
	}
	for _, m := range members {
		switch m.Role {
		case kasuhara.RoleEmployee, kasuhara.RoleSupervisor:
			o.Reporters = append(o.Reporters, m)
		case kasuhara.RoleDesk, kasuhara.RoleLegal:
			o.Handlers = append(o.Handlers, m.User.ID)
		}
	}
	g := NewGenerator(o, time.Now(), seed, max(10, n/3))
	g.Total = n
	if err := st.BulkCustomers(ctx, g.Customers); err != nil {
		return err
	}
	actor := kasuhara.CLIActor
	start := time.Now()
	const batch = 2000
	for done := 0; done < n; {
		k := min(batch, n-done)
		cs, err := g.Batch(k, func(year, k int) (int, error) { return st.NextCaseNumbers(ctx, org.ID, year, k) })
		if err != nil {
			return err
		}
		if err := st.BulkCases(ctx, actor, org.ID, cs); err != nil {
			return err
		}
		done += k
		if done%50000 == 0 || done == n {
			el := time.Since(start)
			fmt.Fprintf(out, "  %d cases (%.0f/s)\n", done, float64(done)/el.Seconds())
		}
	}
	return nil
}

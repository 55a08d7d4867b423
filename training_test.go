package kasuhara

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

const sampleCourse = `## 定義
二つの軸で判断します。

## 行動
- 一人で対応しない

Q: 一人で対応してよいですか。
- [ ] はい
- [x] いいえ
> 必ず上司を呼びます。

Q: 正しいものをすべて選んでください。
- [x] 安全第一
- [ ] 怒鳴り返す
- [x] 記録する
`

func TestParseCourse(t *testing.T) {
	c, err := ParseCourse(sampleCourse)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Lessons) != 2 || c.Lessons[0].Title != "定義" || c.Lessons[1].Body != "- 一人で対応しない" {
		t.Fatalf("lessons = %+v", c.Lessons)
	}
	if len(c.Questions) != 2 || c.Questions[0].Multiple() || !c.Questions[1].Multiple() || c.Questions[0].Explanation != "必ず上司を呼びます。" {
		t.Fatalf("questions = %+v", c.Questions)
	}
}

func TestParseCourseAsJapaneseKeyboardsType(t *testing.T) {
	src := "\ufeff## 定義\r\n```\r\n## not a lesson\r\nQ: not a question\r\n```\r\n\r\nQ：全角のコロン\r\n- [x] はい\r\n- [ ] いいえ\r\n\r\nＱ:空白なし\r\n- [ ] はい\r\n- [x] いいえ"
	c, err := ParseCourse(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Lessons) != 1 || !strings.Contains(c.Lessons[0].Body, "## not a lesson") || len(c.Questions) != 2 ||
		c.Questions[0].Text != "全角のコロン" || c.Questions[1].Text != "空白なし" {
		t.Fatalf("parsed %+v", c)
	}
}

func TestParseCourseErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		code      FieldCode
	}{
		{"no lesson", "text first\n## L\nx\nQ: q\n- [x] a\n- [ ] b", 1, FieldCourseNoLesson},
		{"question first", "Q: q\n- [x] a\n- [ ] b", 1, FieldCourseNoLesson},
		{"no question", "## L\nbody", 2, FieldCourseNoQuestion},
		{"one choice", "## L\nx\n\nQ: q\n- [x] a\n", 4, FieldCourseChoices},
		{"no correct", "## L\nx\nQ: q\n- [ ] a\n- [ ] b\n", 3, FieldCourseChoices},
		{"seven choices", "## L\nx\nQ: q\n- [x] 1\n- [ ] 2\n- [ ] 3\n- [ ] 4\n- [ ] 5\n- [ ] 6\n- [ ] 7\n", 3, FieldCourseChoices},
		{"lesson after quiz", "## L\nx\nQ: q\n- [x] a\n- [ ] b\n\n## Late\n", 7, FieldCourseOrder},
		{"stray line", "## L\nx\nQ: q\n- [x] a\nsomething\n", 5, FieldCourseStray},
		{"empty choice", "## L\nx\nQ: q\n- [x] \n- [ ] b\n", 4, FieldCourseChoices},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCourse(tc.src)
			var ce *CourseError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a CourseError", err)
			}
			if ce.Line != tc.line || ce.Code != tc.code {
				t.Fatalf("got line %d %q, want line %d %q", ce.Line, ce.Code, tc.line, tc.code)
			}
		})
	}
}

func TestScore(t *testing.T) {
	c, _ := ParseCourse(sampleCourse)
	for _, tc := range []struct {
		answers [][]int
		score   int
		wrong   []int
	}{
		{[][]int{{1}, {0, 2}}, 100, nil},
		{[][]int{{0}, {0, 2}}, 50, []int{0}},
		{[][]int{{1}, {0}}, 50, []int{1}},       // half of a multiple choice is wrong
		{[][]int{{1}, {0, 1, 2}}, 50, []int{1}}, // ticking everything is wrong
		{[][]int{{0, 1}, {0, 2}}, 50, []int{0}}, // two ticks on a single choice
		{[][]int{{0}, {1}}, 0, []int{0, 1}},
	} {
		score, wrong, err := c.Score(tc.answers)
		if err != nil || score != tc.score || !slices.Equal(wrong, tc.wrong) {
			t.Errorf("Score(%v) = %d %v %v, want %d %v", tc.answers, score, wrong, err, tc.score, tc.wrong)
		}
	}
	for _, bad := range [][][]int{nil, {{1}}, {{1}, {}}, {{1}, {3}}, {{-1}, {0}}} {
		if _, _, err := c.Score(bad); ErrorCode(err) != EINVALID || ErrorFields(err)["answers"].Code != FieldAnswers {
			t.Errorf("Score(%v) err = %v, want EINVALID on answers", bad, err)
		}
	}
}

func TestCourseValidateChecksBothLanguagesAgree(t *testing.T) {
	en := "## Definition\nTwo axes.\n\nQ: Alone?\n- [ ] Yes\n- [x] No\n\nQ: All that apply\n- [x] Safety\n- [ ] Shout\n- [x] Record\n"
	c := Course{TitleJa: "基礎", TitleEn: "Basics", SourceJa: sampleCourse, SourceEn: en, PassMark: 80}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.SourceEn = "## Definition\nTwo axes.\n\nQ: Alone?\n- [x] Yes\n- [ ] No\n\nQ: All that apply\n- [x] Safety\n- [ ] Shout\n- [x] Record\n"
	if ErrorFields(c.Validate())["source_en"].Code != FieldCourseMismatch {
		t.Fatalf("a different answer key in English: %v", c.Validate())
	}
	c.SourceEn, c.TitleEn = "", ""
	if err := c.Validate(); err != nil {
		t.Fatalf("a course in Japanese only: %v", err)
	}
	c.PassMark, c.SourceJa = 0, "## x"
	fields := ErrorFields(c.Validate())
	if fields["pass_mark"].Code == "" || fields["source_ja"].String() != "needs at least one question: a line starting with Q: and its choices (line 1)" {
		t.Fatalf("fields = %v", fields)
	}
	if c.Title("en") != "基礎" || c.Lang("en") != "ja" {
		t.Fatal("a course without English is not shown in Japanese to English readers")
	}
}

func jstTime(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, JST)
	if err != nil {
		panic(err)
	}
	return t
}

func TestProgressOnce(t *testing.T) {
	a := Assignment{FirstDue: "2027-03-31"}
	for _, tc := range []struct {
		now    string
		passes []string
		want   string
	}{
		{"2027-03-01 10:00", nil, TrainingDue},
		{"2027-03-31 23:59", nil, TrainingDue},
		{"2027-04-01 00:00", nil, TrainingOverdue},
		{"2027-04-02 10:00", []string{"2027-04-02 09:00"}, TrainingComplete},
		{"2030-01-01 10:00", []string{"2026-01-01 09:00"}, TrainingComplete}, // once is enough, even before assignment
	} {
		var ps []time.Time
		for _, p := range tc.passes {
			ps = append(ps, jstTime(p))
		}
		got := a.Progress(jstTime(tc.now), ps, time.Time{})
		if got.Status != tc.want || got.Due != "2027-03-31" {
			t.Errorf("at %s with %v: %+v, want %s", tc.now, tc.passes, got, tc.want)
		}
	}
}

func TestProgressYearly(t *testing.T) {
	a := Assignment{FirstDue: "2027-03-31", EveryMonths: 12}
	for _, tc := range []struct {
		name    string
		now     string
		passes  []string
		status  string
		due     string
		pending bool
	}{
		{"before the first due date", "2027-01-10 10:00", nil, TrainingDue, "2027-03-31", true},
		{"passed in the first period", "2027-02-01 10:00", []string{"2027-01-15 10:00"}, TrainingComplete, "2028-03-31", false},
		{"a pass from long ago does not count", "2027-02-01 10:00", []string{"2025-01-15 10:00"}, TrainingDue, "2027-03-31", true},
		{"a pass within a year before the first due date counts", "2027-02-01 10:00", []string{"2026-05-01 10:00"}, TrainingComplete, "2028-03-31", false},
		{"missed the first due date", "2027-04-05 10:00", nil, TrainingOverdue, "2027-03-31", true},
		{"a late pass makes up for the missed date", "2027-06-01 10:00", []string{"2027-05-20 10:00"}, TrainingComplete, "2028-03-31", true},
		{"and the next year is done on time", "2028-03-01 10:00", []string{"2027-05-20 10:00", "2028-02-01 10:00"}, TrainingComplete, "2029-03-31", false},
		{"one late pass makes up for several missed years", "2030-06-01 10:00", []string{"2030-05-01 10:00"}, TrainingComplete, "2031-03-31", true},
		{"last year's pass: up to date, this year's pending", "2028-03-01 10:00", []string{"2027-03-01 10:00"}, TrainingComplete, "2028-03-31", true},
		{"last year's pass, this year missed", "2028-04-02 10:00", []string{"2027-03-01 10:00"}, TrainingOverdue, "2028-03-31", true},
		{"a year missed entirely is overdue since its date", "2029-04-02 10:00", []string{"2027-03-01 10:00"}, TrainingOverdue, "2028-03-31", true},
		{"a pass in the future of now does not count", "2027-02-01 10:00", []string{"2027-03-01 10:00"}, TrainingDue, "2027-03-31", true},
		{"pass on the due date itself", "2028-03-31 23:00", []string{"2027-03-01 10:00", "2028-03-31 22:00"}, TrainingComplete, "2029-03-31", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ps []time.Time
			for _, p := range tc.passes {
				ps = append(ps, jstTime(p))
			}
			got := a.Progress(jstTime(tc.now), ps, time.Time{})
			if got.Status != tc.status || got.Due != tc.due {
				t.Fatalf("got %s due %s, want %s due %s", got.Status, got.Due, tc.status, tc.due)
			}
			// Pending: whether the period ending on Due still needs a pass.
			if got.Pending != tc.pending {
				t.Fatalf("pending = %v, want %v", got.Pending, tc.pending)
			}
		})
	}
}

func TestProgressFirstDueFarAhead(t *testing.T) {
	a := Assignment{FirstDue: "2030-03-31", EveryMonths: 12, CreatedAt: jstTime("2027-01-10 09:00")}
	got := a.Progress(jstTime("2027-02-01 10:00"), []time.Time{jstTime("2027-01-20 10:00")}, time.Time{})
	if got.Status != TrainingComplete || got.Due != "2031-03-31" || got.Pending {
		t.Fatalf("a pass made after the assignment does not count: %+v", got)
	}
	got = a.Progress(jstTime("2027-02-01 10:00"), []time.Time{jstTime("2025-01-20 10:00")}, time.Time{})
	if got.Status != TrainingDue || got.Due != "2030-03-31" {
		t.Fatalf("a pass two years before the assignment counts: %+v", got)
	}
}

func TestDueDatesAtMonthEnds(t *testing.T) {
	monthly := Assignment{FirstDue: "2027-01-31", EveryMonths: 1}
	var got []string
	for k := range 5 {
		got = append(got, monthly.dueDate(k).Format(DateLayout))
	}
	if want := []string{"2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31"}; !slices.Equal(got, want) {
		t.Errorf("monthly from 31 January: %v, want %v", got, want)
	}
	leap := Assignment{FirstDue: "2028-02-29", EveryMonths: 12}
	if got := leap.dueDate(1).Format(DateLayout); got != "2029-02-28" {
		t.Errorf("yearly from 29 February: %s", got)
	}
	if got := leap.dueDate(4).Format(DateLayout); got != "2032-02-29" {
		t.Errorf("four years on: %s", got)
	}
}

func TestProgressOfNewcomers(t *testing.T) {
	yearly := Assignment{FirstDue: "2027-03-31", EveryMonths: 12, CreatedAt: jstTime("2026-10-01 09:00")}
	for _, tc := range []struct {
		name, now, joined string
		passes            []string
		status, due       string
	}{
		{"joined long before: as everyone", "2027-04-05 10:00", "2020-01-01 09:00", nil, TrainingOverdue, "2027-03-31"},
		{"joined a week before the due date", "2027-04-05 10:00", "2027-03-24 09:00", nil, TrainingDue, "2028-03-31"},
		{"joined after the due date", "2027-06-01 10:00", "2027-05-01 09:00", nil, TrainingDue, "2028-03-31"},
		{"a newcomer's early pass counts", "2027-04-05 10:00", "2027-03-24 09:00", []string{"2027-03-26 10:00"}, TrainingComplete, "2029-03-31"},
		{"a newcomer who missed their first date", "2028-04-05 10:00", "2027-03-24 09:00", nil, TrainingOverdue, "2028-03-31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ps []time.Time
			for _, p := range tc.passes {
				ps = append(ps, jstTime(p))
			}
			got := yearly.Progress(jstTime(tc.now), ps, jstTime(tc.joined))
			if got.Status != tc.status || got.Due != tc.due {
				t.Fatalf("got %s due %s, want %s due %s", got.Status, got.Due, tc.status, tc.due)
			}
		})
	}
	once := Assignment{FirstDue: "2027-03-31"}
	got := once.Progress(jstTime("2027-05-10 10:00"), nil, jstTime("2027-05-01 09:00"))
	if got.Status != TrainingDue || got.Due != "2027-05-31" {
		t.Fatalf("once, joined after the due date: %+v", got)
	}
	if got := once.Progress(jstTime("2027-06-02 10:00"), nil, jstTime("2027-05-01 09:00")); got.Status != TrainingOverdue {
		t.Fatalf("once, grace over: %+v", got)
	}
}

func TestAssignmentValidateAndApplies(t *testing.T) {
	if ErrorFields(Assignment{CourseID: "c", FirstDue: "0202-03-31"}.Validate())["due"].Code == "" {
		t.Error("a due date in the year 202 is accepted")
	}
	err := Assignment{Role: "boss", FirstDue: "31/03/2027", EveryMonths: 121}.Validate()
	for _, f := range []string{"course", "role", "due", "every_months"} {
		if ErrorFields(err)[f].Code == "" {
			t.Errorf("no error for %s: %v", f, err)
		}
	}
	a := Assignment{Role: RoleEmployee, DepartmentID: "shop"}
	if !a.Applies(RoleEmployee, "shop") || a.Applies(RoleDesk, "shop") || a.Applies(RoleEmployee, "call") {
		t.Fatal("Applies is wrong")
	}
	if !(Assignment{}).Applies(RoleAdmin, "") {
		t.Fatal("an assignment to everyone does not apply to the admin")
	}
}

func TestAttemptNumber(t *testing.T) {
	a := Attempt{ID: "01938a7e-5c2b-7d41-9f3a-2b6c8d0e1f47"}
	if got := a.Number(); got != "C-2B6C8D0E1F47" {
		t.Errorf("Number = %q", got)
	}
	if strings.Contains(a.Number(), a.ID) || strings.Contains(strings.ToLower(a.Number()), "01938a7e") {
		t.Errorf("the number shows the internal id: %q", a.Number())
	}
}

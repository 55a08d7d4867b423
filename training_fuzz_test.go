package kasuhara

import (
	"slices"
	"strings"
	"testing"
)

// FuzzParseCourse checks the course parser on any text: it fails only with
// a *CourseError on a line of the text with a course code; what it accepts
// has a lesson, questions of 2 to 6 non-empty choices with one correct at
// least, scores 100 for the right answers, and reads back the same when its
// questions are written out again.
func FuzzParseCourse(f *testing.F) {
	for _, s := range []string{
		"## はじめに\nカスハラとは…\n\nQ: 正しいものは？\n- [x] 一人で対応しない\n- [ ] その場で謝罪する\n> 組織で対応します。\n",
		"\ufeff## A\r\nbody\r\n\r\nQ: q\r\n- [X] a\r\n- [ ] b\r\n",
		"## L\n```\nQ: not a question\n- [x] in a fence\n```\nQ：全角\n- [x] a\n- [x] b\n\nＱ: two\n- [ ] a\n- [x] b\n",
		"Q: before a lesson\n- [x] a\n- [ ] b\n",
		"## L\n\nQ: q\n- [x] a\n\n## late lesson\n",
		"## L\nQ: q\n- [x] a\n- [ ] b\n> e\n- [ ] c\n",
		"## L\nQ: q\n- [ ]\n",
		"## \n",
		"",
		"## L\n~~~\n## inside\n~~~\nQ: q\n- [x] a\n- [ ] b\n- [ ] c\n- [ ] d\n- [ ] e\n- [ ] f\n- [ ] g\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := ParseCourse(src)
		if err != nil {
			ce, ok := err.(*CourseError)
			lines := strings.Count(src, "\n") + 1
			if !ok || ce.Line < 1 || ce.Line > lines || !slices.Contains(FieldCodes(), ce.Code) || !strings.HasPrefix(string(ce.Code), "course_") {
				t.Fatalf("ParseCourse(%q) = %#v", src, err)
			}
			return
		}
		if len(c.Lessons) == 0 || len(c.Questions) == 0 {
			t.Fatalf("ParseCourse(%q) accepted %d lessons, %d questions", src, len(c.Lessons), len(c.Questions))
		}
		answers := make([][]int, len(c.Questions))
		for i, q := range c.Questions {
			if strings.TrimSpace(q.Text) == "" || len(q.Choices) < 2 || len(q.Choices) > 6 {
				t.Fatalf("ParseCourse(%q): question %d is %+v", src, i, q)
			}
			for j, ch := range q.Choices {
				if strings.TrimSpace(ch.Text) == "" {
					t.Fatalf("ParseCourse(%q): question %d has an empty choice", src, i)
				}
				if ch.Correct {
					answers[i] = append(answers[i], j)
				}
			}
			if len(answers[i]) == 0 {
				t.Fatalf("ParseCourse(%q): question %d has no correct choice", src, i)
			}
		}
		for i, l := range c.Lessons {
			if strings.TrimSpace(l.Title) == "" {
				t.Fatalf("ParseCourse(%q): lesson %d has no title", src, i)
			}
		}
		if score, wrong, err := c.Score(answers); err != nil || score != 100 || len(wrong) != 0 {
			t.Fatalf("ParseCourse(%q): the right answers score %d, wrong %v, %v", src, score, wrong, err)
		}
		if !c.SameKey(c) {
			t.Fatalf("ParseCourse(%q): SameKey(itself) is false", src)
		}
		// The questions written out again read back the same.
		var b strings.Builder
		b.WriteString("## L\nx\n\n")
		for _, q := range c.Questions {
			b.WriteString("Q: " + q.Text + "\n")
			for _, ch := range q.Choices {
				mark := " "
				if ch.Correct {
					mark = "x"
				}
				b.WriteString("- [" + mark + "] " + ch.Text + "\n")
			}
			if q.Explanation != "" {
				b.WriteString("> " + q.Explanation + "\n")
			}
			b.WriteString("\n")
		}
		again, err := ParseCourse(b.String())
		if err != nil {
			t.Fatalf("ParseCourse(%q) gave questions that do not read back: %v\n%s", src, err, b.String())
		}
		if !slices.EqualFunc(c.Questions, again.Questions, func(a, b Question) bool {
			return a.Text == b.Text && a.Explanation == b.Explanation && slices.Equal(a.Choices, b.Choices)
		}) {
			t.Fatalf("ParseCourse(%q): questions %+v read back as %+v", src, c.Questions, again.Questions)
		}
	})
}

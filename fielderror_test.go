package kasuhara

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFieldCodesHaveTexts parses the package and fails on a FieldCode
// constant without an English text, so that FieldCodes, which the catalogue
// test walks, lists every code.
func TestFieldCodesHaveTexts(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	codes := FieldCodes()
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "FieldCode" {
					continue
				}
				for i, name := range vs.Names {
					n++
					code := FieldCode(strings.Trim(vs.Values[i].(*ast.BasicLit).Value, `"`))
					if !slices.Contains(codes, code) || code.English() == "" {
						t.Errorf("%s (%q) has no English text in fieldEnglish", name.Name, code)
					}
				}
			}
		}
	}
	if n != len(codes) {
		t.Errorf("%d FieldCode constants, %d codes with a text", n, len(codes))
	}
}

func TestFieldErrorString(t *testing.T) {
	for _, tt := range []struct {
		e    FieldError
		want string
	}{
		{FieldError{Code: FieldRequired}, "is required"},
		{TooShort(12), "must be at least 12 characters"},
		{OneOf(RoleEmployee, RoleAdmin), "must be one of employee, admin"},
		{Between(FieldRangeMinutes, 5, 240), "must be between 5 and 240 minutes"},
		{AtLine(FieldCourseOrder, 7), "has a lesson after the questions: lessons come first (line 7)"},
		{FieldError{Code: "no_such_code"}, "no_such_code"},
	} {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.e, got, tt.want)
		}
	}
	err := Invalid(FieldErrors{"slug": {Code: FieldTaken}, "password": TooShort(12)})
	if got, want := err.Error(), "invalid: invalid password, slug [password: must be at least 12 characters] [slug: is taken]"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

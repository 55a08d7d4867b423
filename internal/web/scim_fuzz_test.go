package web

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// FuzzSCIMPatch checks the reading of a SCIM PATCH (what Entra ID and Okta
// send) on any bytes: it is taken, with each operation applied to a user
// and to a group's member paths, or refused with a SCIM error of status
// 400; never a panic or another error.
func FuzzSCIMPatch(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"a@b.jp"},{"op":"Replace","path":"name.familyName","value":"x"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"id\"]"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"x"}]}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"name","value":7}]}`,
		`{"Operations":[]}`, `[]`, ``, `{"schemas":"x"}`, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[null]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("PATCH", "/scim/v2/Users/x", strings.NewReader(body))
		ops, err := readPatch(r)
		if err != nil {
			var se *scimError
			if !errors.As(err, &se) || se.status != 400 {
				t.Fatalf("readPatch(%q) = %v, want a SCIM 400", body, err)
			}
			return
		}
		if len(ops) == 0 {
			t.Fatalf("readPatch(%q) took no operation", body)
		}
		u := kasuhara.SCIMUser{UserName: "a@b.jp", Email: "a@b.jp", Active: true}
		for _, op := range ops {
			if op.Op != "add" && op.Op != "replace" && op.Op != "remove" {
				t.Fatalf("op %q taken", op.Op)
			}
			if op.Path == "" {
				continue
			}
			if err := setUserAttr(&u, op.Path, op.Value, op.Op == "remove"); err != nil {
				var se *scimError
				if !errors.As(err, &se) || se.status != 400 {
					t.Fatalf("setUserAttr(%q) = %v, want a SCIM 400", op.Path, err)
				}
			}
			_ = memberPathPattern.MatchString(op.Path)
		}
	})
}

// FuzzSCIMFilter checks the reading of a list's filter, startIndex and
// count: taken within the limits, or refused with a SCIM 400.
func FuzzSCIMFilter(f *testing.F) {
	for _, s := range []string{`userName eq "a@b.jp"`, `externalId eq "x\"y"`, `displayName eq ""`, `userName co "x"`, `userName eq "x`, `eq`, ``} {
		f.Add(s, "1", "100")
	}
	f.Fuzz(func(t *testing.T, filter, start, count string) {
		q := url.Values{"filter": {filter}, "startIndex": {start}, "count": {count}}
		r := httptest.NewRequest("GET", "/scim/v2/Users?"+q.Encode(), nil)
		fl, st, n, err := scimQuery(r)
		if err != nil {
			var se *scimError
			if !errors.As(err, &se) || se.status != 400 {
				t.Fatalf("scimQuery(%q) = %v, want a SCIM 400", filter, err)
			}
			return
		}
		if st < 1 || n < 0 || n > kasuhara.MaxSCIMPage {
			t.Fatalf("startIndex %d, count %d out of range", st, n)
		}
		if filter != "" && fl.Attr == "" {
			t.Fatalf("filter %q taken without an attribute", filter)
		}
	})
}

package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// scimCall sends a SCIM request with an organisation's token and returns
// the status and the decoded answer.
func scimCall(t *testing.T, e *env, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+"/scim/v2"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(b) > 0 {
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
			t.Fatalf("%s %s: Content-Type %q", method, path, ct)
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, path, b)
		}
	}
	return res.StatusCode, m
}

func wantSCIM(t *testing.T, status int, m map[string]any, want int) {
	t.Helper()
	if status != want {
		t.Fatalf("status %d, want %d: %v", status, want, m)
	}
	if status >= 400 {
		schemas, _ := m["schemas"].([]any)
		if len(schemas) != 1 || schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" || m["status"] != strconv.Itoa(want) {
			t.Fatalf("not a SCIM error: %v", m)
		}
	}
}

// scimOrg sets up SCIM for the env's organisation with the groups mapped
// and returns the token.
func scimOrg(t *testing.T, e *env) string {
	t.Helper()
	admin := e.actor(kasuhara.RoleAdmin)
	for _, g := range []kasuhara.GroupRole{
		{OrgID: e.org.ID, Group: "Kasuhara users", TargetOrgID: e.sub.ID, Role: kasuhara.RoleEmployee},
		{OrgID: e.org.ID, Group: "Test SCIMv2", TargetOrgID: e.sub.ID, Role: kasuhara.RoleSupervisor},
	} {
		if _, err := e.st.AddGroupRole(ctx, admin, g); err != nil {
			t.Fatal(err)
		}
	}
	_, secret, err := e.st.CreateSCIMToken(ctx, admin, e.org.ID, "Entra ID")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// TestSCIMEntraSequence replays the requests of Microsoft's "Tutorial:
// Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID"
// (its request and response examples), in order.
func TestSCIMEntraSequence(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tok := scimOrg(t, e)
		// Create User.
		st, u := scimCall(t, e, tok, "POST", "/Users", `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
			"userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
			"active": true,
			"emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],
			"meta": {"resourceType": "User"},
			"name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
			"roles": []}`)
		wantSCIM(t, st, u, 201)
		id, _ := u["id"].(string)
		if id == "" || u["userName"] != "test_user_ab6490ee-1e48-479e-a20b-2d77186b5dd1" || u["externalId"] != "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef" || u["active"] != true {
			t.Fatalf("created %v", u)
		}
		if meta, _ := u["meta"].(map[string]any); meta["resourceType"] != "User" || !strings.HasSuffix(meta["location"].(string), "/scim/v2/Users/"+id) {
			t.Fatalf("meta %v", u["meta"])
		}
		// Get User; Get User by query; by query with zero results.
		st, got := scimCall(t, e, tok, "GET", "/Users/"+id, "")
		wantSCIM(t, st, got, 200)
		st, list := scimCall(t, e, tok, "GET", `/Users?filter=userName+eq+%22Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1%22`, "")
		wantSCIM(t, st, list, 200)
		if list["totalResults"] != float64(1) || len(list["Resources"].([]any)) != 1 {
			t.Fatalf("by userName: %v", list)
		}
		st, list = scimCall(t, e, tok, "GET", `/Users?filter=userName+eq+%22non-existent%20user%22`, "")
		wantSCIM(t, st, list, 200)
		if list["totalResults"] != float64(0) {
			t.Fatalf("zero results: %v", list)
		}
		// Update User [Multi-valued properties], [Single-valued properties].
		st, got = scimCall(t, e, tok, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
				{"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"}]}`)
		wantSCIM(t, st, got, 200)
		if emails := got["emails"].([]any); emails[0].(map[string]any)["value"] != "updatedemail@microsoft.com" || got["name"].(map[string]any)["familyName"] != "updatedFamilyName" {
			t.Fatalf("after the multi-valued update: %v", got)
		}
		st, got = scimCall(t, e, tok, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Replace", "path": "userName", "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}]}`)
		wantSCIM(t, st, got, 200)
		if got["userName"] != "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com" {
			t.Fatalf("after the userName update: %v", got)
		}

		// Groups: Create Group, Get Group, Get Group by displayName.
		st, g := scimCall(t, e, tok, "POST", "/Groups", `{"externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "id": "c4a9c1b6-5c52-4b5e-9d6e-0a2f2b3f4f7a",
			"displayName": "displayName", "meta": {"resourceType": "Group"},
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"]}`)
		wantSCIM(t, st, g, 201)
		gid := g["id"].(string)
		if gid == "c4a9c1b6-5c52-4b5e-9d6e-0a2f2b3f4f7a" || g["displayName"] != "displayName" {
			t.Fatalf("group %v: the client chose the id", g)
		}
		st, got = scimCall(t, e, tok, "GET", "/Groups/"+gid+"?excludedAttributes=members", "")
		wantSCIM(t, st, got, 200)
		if _, has := got["members"]; has {
			t.Fatalf("members not excluded: %v", got)
		}
		st, list = scimCall(t, e, tok, "GET", `/Groups?excludedAttributes=members&filter=displayName+eq+%22displayName%22`, "")
		wantSCIM(t, st, list, 200)
		if list["totalResults"] != float64(1) {
			t.Fatalf("group by name: %v", list)
		}
		// Update Group [Non-member attributes]: the name that maps.
		st, got = scimCall(t, e, tok, "PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Replace", "path": "displayName", "value": "Kasuhara users"}]}`)
		wantSCIM(t, st, got, 204)
		// Update Group [Add Members]: the member gets the mapped role.
		st, got = scimCall(t, e, tok, "PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "`+id+`"}]}]}`)
		wantSCIM(t, st, got, 204)
		ms, _ := e.st.Memberships(ctx, id)
		if len(ms) != 1 || ms[0].OrgID != e.sub.ID || ms[0].Role != kasuhara.RoleEmployee {
			t.Fatalf("memberships after joining the group: %+v", ms)
		}
		// An API token of the person...
		_, apiTok, err := e.st.CreateToken(ctx, kasuhara.CLIActor, id, "phone")
		if err != nil {
			t.Fatal(err)
		}
		// Disable User, as Entra ID sends it (capitalised op, a string boolean).
		st, got = scimCall(t, e, tok, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}`)
		wantSCIM(t, st, got, 200)
		if got["active"] != false {
			t.Fatalf("still active: %v", got)
		}
		req, _ := http.NewRequest("GET", e.url+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+apiTok)
		if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the API token outlived the deactivation: %v %v", res.StatusCode, err)
		}
		// And back, with a real boolean.
		st, got = scimCall(t, e, tok, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Replace", "path": "active", "value": true}]}`)
		wantSCIM(t, st, got, 200)
		// Update Group [Remove Members]: no group maps, no membership.
		st, got = scimCall(t, e, tok, "PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "`+id+`"}]}]}`)
		wantSCIM(t, st, got, 204)
		if ms, _ := e.st.Memberships(ctx, id); len(ms) != 0 {
			t.Fatalf("memberships after leaving the group: %+v", ms)
		}
		// Delete Group, Delete User.
		st, got = scimCall(t, e, tok, "DELETE", "/Groups/"+gid, "")
		wantSCIM(t, st, got, 204)
		st, got = scimCall(t, e, tok, "DELETE", "/Users/"+id, "")
		wantSCIM(t, st, got, 204)
		st, got = scimCall(t, e, tok, "GET", "/Users/"+id, "")
		wantSCIM(t, st, got, 404)
		// Everything the directory did is in the trail as the directory's.
		var n int
		if err := e.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE actor_label = 'directory'").Scan(&n); err != nil || n < 10 {
			t.Fatalf("%d directory entries (%v)", n, err)
		}
	})
}

// TestSCIMOktaSequence replays the requests of Okta's SCIM 2.0 protocol
// reference (the SCIM 2.0 request examples), in order.
func TestSCIMOktaSequence(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tok := scimOrg(t, e)
		st, list := scimCall(t, e, tok, "GET", `/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100`, "")
		wantSCIM(t, st, list, 200)
		if list["totalResults"] != float64(0) {
			t.Fatalf("before: %v", list)
		}
		st, u := scimCall(t, e, tok, "POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
			"userName": "test.user@okta.local", "name": {"givenName": "Test", "familyName": "User"},
			"emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
			"displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7", "groups": [],
			"password": "1mz050nq", "active": true}`)
		wantSCIM(t, st, u, 201)
		id := u["id"].(string)
		st, got := scimCall(t, e, tok, "GET", "/Users/"+id, "")
		wantSCIM(t, st, got, 200)
		// The password Okta sends is not kept: it does not sign in.
		if res := e.client().signIn("test.user@okta.local", "1mz050nq"); res.status == http.StatusSeeOther {
			t.Fatal("Okta's password signed in")
		}
		st, got = scimCall(t, e, tok, "PUT", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
			"id": "`+id+`", "userName": "test.user@okta.local", "name": {"givenName": "Another", "familyName": "User"},
			"emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
			"displayName": "Another User", "active": true, "groups": [], "meta": {"resourceType": "User"}}`)
		wantSCIM(t, st, got, 200)
		if got["displayName"] != "Another User" || got["name"].(map[string]any)["givenName"] != "Another" {
			t.Fatalf("after PUT: %v", got)
		}
		// Groups.
		st, g := scimCall(t, e, tok, "POST", "/Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Test SCIMv2", "members": []}`)
		wantSCIM(t, st, g, 201)
		gid := g["id"].(string)
		st, list = scimCall(t, e, tok, "GET", "/Groups?startIndex=1&count=100", "")
		wantSCIM(t, st, list, 200)
		if list["totalResults"] != float64(1) {
			t.Fatalf("groups: %v", list)
		}
		st, got = scimCall(t, e, tok, "PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "add", "path": "members", "value": [{"value": "`+id+`", "display": "test.user@okta.local"}]}]}`)
		wantSCIM(t, st, got, 204)
		ms, _ := e.st.Memberships(ctx, id)
		if len(ms) != 1 || ms[0].Role != kasuhara.RoleSupervisor {
			t.Fatalf("memberships: %+v", ms)
		}
		st, got = scimCall(t, e, tok, "PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "replace", "value": {"id": "`+gid+`", "displayName": "Test SCIMv2 renamed"}}]}`)
		wantSCIM(t, st, got, 204)
		if ms, _ := e.st.Memberships(ctx, id); len(ms) != 0 {
			t.Fatalf("the renamed group maps nowhere, yet: %+v", ms)
		}
		st, got = scimCall(t, e, tok, "PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "remove", "path": "members[value eq \"`+id+`\"]"}]}`)
		wantSCIM(t, st, got, 204)
		st, got = scimCall(t, e, tok, "GET", "/Groups/"+gid, "")
		wantSCIM(t, st, got, 200)
		if len(got["members"].([]any)) != 0 {
			t.Fatalf("members left: %v", got)
		}
		// Deactivate, as Okta sends it.
		st, got = scimCall(t, e, tok, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "replace", "value": {"active": false}}]}`)
		wantSCIM(t, st, got, 200)
		if got["active"] != false {
			t.Fatalf("still active: %v", got)
		}
		if du, _ := e.st.UserByID(ctx, id); !du.Disabled {
			t.Fatal("the user is not disabled")
		}
		st, got = scimCall(t, e, tok, "DELETE", "/Groups/"+gid, "")
		wantSCIM(t, st, got, 204)
	})
}

// otherSCIMToken makes an organisation outside the env's group and
// returns its SCIM token.
func otherSCIMToken(t *testing.T, e *env) string {
	t.Helper()
	other, err := e.st.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "other", Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := e.st.CreateSCIMToken(ctx, kasuhara.CLIActor, other.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// scimRequest is a method and body sent to a SCIM resource.
type scimRequest struct{ method, body string }

// wantNoneForOther checks that another organisation's token gets 404 for
// each of reqs sent to /kind/id and lists no resource of the kind.
func wantNoneForOther(t *testing.T, e *env, otherTok, kind, id string, reqs []scimRequest) {
	t.Helper()
	for _, c := range reqs {
		st, m := scimCall(t, e, otherTok, c.method, "/"+kind+"/"+id, c.body)
		wantSCIM(t, st, m, 404)
	}
	st, list := scimCall(t, e, otherTok, "GET", "/"+kind, "")
	wantSCIM(t, st, list, 200)
	if list["totalResults"] != float64(0) {
		t.Fatalf("another organisation lists our %s: %v", kind, list)
	}
}

// TestSCIMRefusals: bad tokens, another organisation's token, bodies that
// are not SCIM, and the discovery endpoints.
func TestSCIMRefusals(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tok := scimOrg(t, e)
		st, u := scimCall(t, e, tok, "POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "hanako@acme.example", "active": true}`)
		wantSCIM(t, st, u, 201)
		id := u["id"].(string)

		st, m := scimCall(t, e, "ksh_not-a-token", "GET", "/Users", "")
		wantSCIM(t, st, m, 401)
		// An API token is not a SCIM token.
		_, apiTok, _ := e.st.CreateToken(ctx, kasuhara.CLIActor, e.users[kasuhara.RoleAdmin].ID, "x")
		st, m = scimCall(t, e, apiTok, "GET", "/Users", "")
		wantSCIM(t, st, m, 401)

		// Another organisation's token: 404, nothing changed.
		wantNoneForOther(t, e, otherSCIMToken(t, e), "Users", id, []scimRequest{
			{"GET", ""},
			{"PATCH", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": false}]}`},
			{"PUT", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "evil@other.example", "active": false}`},
			{"DELETE", ""},
		})
		if got, _ := e.st.UserByID(ctx, id); got.Disabled || got.Email != "hanako@acme.example" {
			t.Fatalf("changed by another organisation: %+v", got)
		}

		// Bodies that are not SCIM.
		for _, c := range []struct{ method, path, body, scimType string }{
			{"POST", "/Users", `{"userName": "x@acme.example"}`, "invalidSyntax"},
			{"POST", "/Users", `not json`, "invalidSyntax"},
			{"POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "x"}`, "invalidSyntax"},
			{"PATCH", "/Users/" + id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}`, "invalidSyntax"},
			{"PATCH", "/Users/" + id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "frobnicate", "path": "active", "value": true}]}`, "invalidSyntax"},
			{"PATCH", "/Users/" + id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": "maybe"}]}`, "invalidValue"},
			{"POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "no-address", "active": true}`, "invalidValue"},
			{"GET", "/Users?filter=userName%20co%20%22x%22", "", "invalidFilter"},
			// A NUL, which PostgreSQL cannot keep in text (a 500 before).
			{"POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "nul@acme.example", "name": {"familyName": "山\u0000田"}, "active": true}`, "invalidValue"},
			{"PATCH", "/Users/" + id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "displayName", "value": "x\u0000"}]}`, "invalidValue"},
		} {
			st, m = scimCall(t, e, tok, c.method, c.path, c.body)
			wantSCIM(t, st, m, 400)
			if m["scimType"] != c.scimType {
				t.Errorf("%s %s %s: scimType %v, want %s", c.method, c.path, c.body, m["scimType"], c.scimType)
			}
		}
		st, m = scimCall(t, e, tok, "POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "hanako@acme.example", "active": true}`)
		wantSCIM(t, st, m, 409)
		if m["scimType"] != "uniqueness" {
			t.Fatalf("conflict: %v", m)
		}
		// Another content type is refused.
		req, _ := http.NewRequest("POST", e.url+"/scim/v2/Users", strings.NewReader("userName=x"))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnsupportedMediaType {
			t.Fatalf("form body: %v %v", res.StatusCode, err)
		}
		// Discovery.
		for _, p := range []string{"/ServiceProviderConfig", "/ResourceTypes", "/ResourceTypes/User", "/Schemas", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"} {
			st, m = scimCall(t, e, tok, "GET", p, "")
			wantSCIM(t, st, m, 200)
		}
		st, m = scimCall(t, e, tok, "GET", "/Bulk", "")
		wantSCIM(t, st, m, 404)
	})
}

// TestSCIMDeactivationEndsSessions: a member whom the directory takes
// over and then deactivates loses the session they are signed in with at
// their next request, and their API token at once.
func TestSCIMDeactivationEndsSessions(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tok := scimOrg(t, e)
		c := e.signedIn(kasuhara.RoleEmployee)
		must(t, c.get("/"), http.StatusOK)
		st, u := scimCall(t, e, tok, "POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "`+e.users[kasuhara.RoleEmployee].Email+`", "active": true}`)
		wantSCIM(t, st, u, 201)
		if u["id"] != e.users[kasuhara.RoleEmployee].ID {
			t.Fatalf("the member was not linked: %v", u)
		}
		must(t, c.get("/"), http.StatusOK)
		st, u = scimCall(t, e, tok, "PATCH", "/Users/"+e.users[kasuhara.RoleEmployee].ID, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}`)
		wantSCIM(t, st, u, 200)
		res := c.get("/")
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
			t.Fatalf("the session outlived the deactivation: %d %s", res.status, res.header.Get("Location"))
		}
		if res := e.client().signIn(e.users[kasuhara.RoleEmployee].Email, password); res.status == http.StatusSeeOther {
			t.Fatal("the deactivated member signed in with the password")
		}
	})
}

// TestSCIMDiscovery: the discovery resources say what RFC 7643 (sections
// 5 to 7) asks of them and what Kasuhara does: patch and filter
// supported, bulk, sort, etag and password change not; the User and Group
// resource types at /Users and /Groups with their core schemas; the
// schemas' attributes.
func TestSCIMDiscovery(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tok := scimOrg(t, e)
		supported := func(m map[string]any, key string) any {
			t.Helper()
			v, ok := m[key].(map[string]any)
			if !ok {
				t.Fatalf("%s missing: %v", key, m)
			}
			return v["supported"]
		}
		schemasOf := func(m map[string]any) []any { s, _ := m["schemas"].([]any); return s }

		st, spc := scimCall(t, e, tok, "GET", "/ServiceProviderConfig", "")
		wantSCIM(t, st, spc, 200)
		if s := schemasOf(spc); len(s) != 1 || s[0] != "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig" {
			t.Fatalf("ServiceProviderConfig schemas %v", s)
		}
		for key, want := range map[string]bool{"patch": true, "filter": true, "bulk": false, "changePassword": false, "sort": false, "etag": false} {
			if got := supported(spc, key); got != want {
				t.Errorf("%s.supported = %v, want %v", key, got, want)
			}
		}
		if f := spc["filter"].(map[string]any); f["maxResults"] != float64(kasuhara.MaxSCIMPage) {
			t.Errorf("filter.maxResults = %v", f["maxResults"])
		}
		auth, _ := spc["authenticationSchemes"].([]any)
		if len(auth) != 1 || auth[0].(map[string]any)["type"] != "oauthbearertoken" {
			t.Errorf("authenticationSchemes %v", auth)
		}
		if meta, _ := spc["meta"].(map[string]any); meta["resourceType"] != "ServiceProviderConfig" {
			t.Errorf("meta %v", spc["meta"])
		}

		st, rts := scimCall(t, e, tok, "GET", "/ResourceTypes", "")
		wantSCIM(t, st, rts, 200)
		if s := schemasOf(rts); len(s) != 1 || s[0] != "urn:ietf:params:scim:api:messages:2.0:ListResponse" || rts["totalResults"] != float64(2) {
			t.Fatalf("ResourceTypes %v", rts)
		}
		want := map[string][2]string{
			"User":  {"/Users", "urn:ietf:params:scim:schemas:core:2.0:User"},
			"Group": {"/Groups", "urn:ietf:params:scim:schemas:core:2.0:Group"},
		}
		for _, r := range rts["Resources"].([]any) {
			rt := r.(map[string]any)
			w, ok := want[rt["id"].(string)]
			if !ok || rt["name"] != rt["id"] || rt["endpoint"] != w[0] || rt["schema"] != w[1] {
				t.Errorf("resource type %v", rt)
			}
			if s := schemasOf(rt); len(s) != 1 || s[0] != "urn:ietf:params:scim:schemas:core:2.0:ResourceType" {
				t.Errorf("resource type schemas %v", s)
			}
			delete(want, rt["id"].(string))
		}
		if len(want) != 0 {
			t.Errorf("resource types missing: %v", want)
		}
		st, one := scimCall(t, e, tok, "GET", "/ResourceTypes/Group", "")
		wantSCIM(t, st, one, 200)
		if one["endpoint"] != "/Groups" {
			t.Errorf("/ResourceTypes/Group = %v", one)
		}
		st, one = scimCall(t, e, tok, "GET", "/ResourceTypes/Printer", "")
		wantSCIM(t, st, one, 404)

		st, scs := scimCall(t, e, tok, "GET", "/Schemas", "")
		wantSCIM(t, st, scs, 200)
		if scs["totalResults"] != float64(2) {
			t.Fatalf("Schemas %v", scs)
		}
		attrs := map[string]map[string]map[string]any{}
		for _, r := range scs["Resources"].([]any) {
			sc := r.(map[string]any)
			if s := schemasOf(sc); len(s) != 1 || s[0] != "urn:ietf:params:scim:schemas:core:2.0:Schema" {
				t.Errorf("schema schemas %v", s)
			}
			byName := map[string]map[string]any{}
			for _, a := range sc["attributes"].([]any) {
				byName[a.(map[string]any)["name"].(string)] = a.(map[string]any)
			}
			attrs[sc["id"].(string)] = byName
		}
		user, group := attrs["urn:ietf:params:scim:schemas:core:2.0:User"], attrs["urn:ietf:params:scim:schemas:core:2.0:Group"]
		if a := user["userName"]; a["required"] != true || a["uniqueness"] != "server" || a["type"] != "string" {
			t.Errorf("User.userName %v", a)
		}
		if a := user["active"]; a["type"] != "boolean" {
			t.Errorf("User.active %v", a)
		}
		if a := user["emails"]; a["multiValued"] != true || a["type"] != "complex" {
			t.Errorf("User.emails %v", a)
		}
		if a := user["groups"]; a["mutability"] != "readOnly" {
			t.Errorf("User.groups %v", a)
		}
		if a := group["displayName"]; a["required"] != true {
			t.Errorf("Group.displayName %v", a)
		}
		if a := group["members"]; a["multiValued"] != true {
			t.Errorf("Group.members %v", a)
		}
		if _, has := user["password"]; has {
			t.Error("the User schema offers a password")
		}
		st, one = scimCall(t, e, tok, "GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group", "")
		wantSCIM(t, st, one, 200)
		if one["name"] != "Group" {
			t.Errorf("the Group schema: %v", one)
		}
		st, one = scimCall(t, e, tok, "GET", "/Schemas/urn:example:nothing", "")
		wantSCIM(t, st, one, 404)
	})
}

// TestSCIMFilterByExternalID: Entra ID and Okta look people up by
// externalId; the filter finds that person only.
func TestSCIMFilterByExternalID(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tok := scimOrg(t, e)
		ids := map[string]string{}
		for _, x := range []string{"00u-taro", "00u-hanako"} {
			st, u := scimCall(t, e, tok, "POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "`+x+`@acme.example", "externalId": "`+x+`", "active": true}`)
			wantSCIM(t, st, u, 201)
			ids[x] = u["id"].(string)
		}
		st, list := scimCall(t, e, tok, "GET", `/Users?filter=externalId+eq+%2200u-hanako%22`, "")
		wantSCIM(t, st, list, 200)
		rs, _ := list["Resources"].([]any)
		if list["totalResults"] != float64(1) || len(rs) != 1 || rs[0].(map[string]any)["id"] != ids["00u-hanako"] || rs[0].(map[string]any)["externalId"] != "00u-hanako" {
			t.Fatalf("by externalId: %v", list)
		}
		st, list = scimCall(t, e, tok, "GET", `/Users?filter=externalId+eq+%2200u-nobody%22`, "")
		wantSCIM(t, st, list, 200)
		if list["totalResults"] != float64(0) {
			t.Fatalf("an unknown externalId: %v", list)
		}
		// Another organisation's token does not find them by externalId.
		st, list = scimCall(t, e, otherSCIMToken(t, e), "GET", `/Users?filter=externalId+eq+%2200u-hanako%22`, "")
		wantSCIM(t, st, list, 200)
		if list["totalResults"] != float64(0) {
			t.Fatalf("another organisation's token: %v", list)
		}
	})
}

// TestSCIMGroupsOfAnotherOrganisation: another organisation's token gets
// 404 for a group, whatever the method, and changes nothing.
func TestSCIMGroupsOfAnotherOrganisation(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tok := scimOrg(t, e)
		st, u := scimCall(t, e, tok, "POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "hanako@acme.example", "active": true}`)
		wantSCIM(t, st, u, 201)
		id := u["id"].(string)
		st, g := scimCall(t, e, tok, "POST", "/Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Kasuhara users",
			"members": [{"value": "`+id+`"}]}`)
		wantSCIM(t, st, g, 201)
		gid := g["id"].(string)
		wantNoneForOther(t, e, otherSCIMToken(t, e), "Groups", gid, []scimRequest{
			{"GET", ""},
			{"PATCH", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "members[value eq \"` + id + `\"]"}]}`},
			{"PATCH", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "displayName", "value": "Renamed"}]}`},
			{"PUT", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Renamed", "members": []}`},
			{"DELETE", ""},
		})
		st, got := scimCall(t, e, tok, "GET", "/Groups/"+gid, "")
		wantSCIM(t, st, got, 200)
		if ms, _ := got["members"].([]any); got["displayName"] != "Kasuhara users" || len(ms) != 1 || ms[0].(map[string]any)["value"] != id {
			t.Fatalf("the group after another organisation's requests: %v", got)
		}
		if ms, _ := e.st.Memberships(ctx, id); len(ms) != 1 || ms[0].OrgID != e.sub.ID || ms[0].Role != kasuhara.RoleEmployee {
			t.Fatalf("the member's memberships: %+v", ms)
		}
	})
}

// TestSCIMReactivationDoesNotReviveSessions: a session from before a
// deactivation stays ended after the reactivation, though no request came
// in between to notice the deactivation.
func TestSCIMReactivationDoesNotReviveSessions(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tok := scimOrg(t, e)
		emp := e.users[kasuhara.RoleEmployee]
		c := e.signedIn(kasuhara.RoleEmployee)
		must(t, c.get("/"), http.StatusOK)
		st, u := scimCall(t, e, tok, "POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "`+emp.Email+`", "active": true}`)
		wantSCIM(t, st, u, 201)
		for _, active := range []string{"false", "true"} {
			st, u = scimCall(t, e, tok, "PATCH", "/Users/"+emp.ID, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
				"Operations": [{"op": "replace", "path": "active", "value": `+active+`}]}`)
			wantSCIM(t, st, u, 200)
		}
		if u["active"] != true {
			t.Fatalf("not reactivated: %v", u)
		}
		res := c.get("/")
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
			t.Fatalf("the old session works after the reactivation: %d %s", res.status, res.header.Get("Location"))
		}
		// The person signs in afresh.
		must(t, e.client().signIn(emp.Email, password), http.StatusSeeOther)
	})
}

// TestSCIMRefusesWhatIsNotItsOwn: with company sign-in domains set, a new
// person's address must be of them (400 invalidValue naming userName);
// the address of a person who also belongs to an organisation outside the
// group is not the directory's to change (409 with a detail that says so).
func TestSCIMRefusesWhatIsNotItsOwn(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tok := scimOrg(t, e)
		if err := e.st.SaveSSO(ctx, kasuhara.CLIActor, kasuhara.SSOSettings{OrgID: e.org.ID, Issuer: "https://idp.example.com", ClientID: "k",
			Domains: []string{"acme.example"}, GroupsClaim: "groups"}); err != nil {
			t.Fatal(err)
		}
		st, m := scimCall(t, e, tok, "POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ceo@rival.example", "active": true}`)
		wantSCIM(t, st, m, 400)
		if m["scimType"] != "invalidValue" || !strings.Contains(m["detail"].(string), "userName") {
			t.Fatalf("a foreign address: %v", m)
		}
		if _, err := e.st.UserByEmail(ctx, "ceo@rival.example"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("the foreign address was reserved: %v", err)
		}

		emp := e.users[kasuhara.RoleEmployee]
		st, u := scimCall(t, e, tok, "POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "`+emp.Email+`", "active": true}`)
		wantSCIM(t, st, u, 201)
		other, err := e.st.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "other", Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.st.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: emp.ID, OrgID: other.ID, Role: kasuhara.RoleEmployee}); err != nil {
			t.Fatal(err)
		}
		st, m = scimCall(t, e, tok, "PATCH", "/Users/"+emp.ID, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations": [{"op": "replace", "path": "userName", "value": "new.address@acme.example"}]}`)
		wantSCIM(t, st, m, 409)
		if m["scimType"] == "uniqueness" || !strings.Contains(m["detail"].(string), "outside this directory's company group") {
			t.Fatalf("changing a shared person's address: %v", m)
		}
		if got, _ := e.st.UserByID(ctx, emp.ID); got.Email != emp.Email {
			t.Fatalf("the address became %s", got.Email)
		}
	})
}

// TestSCIMRefusesNULNamingTheAttribute: a NUL anywhere in a SCIM body is
// 400 invalidValue whose detail names the attribute that holds it, in a
// user's attribute, in a PATCH value (with a path, and in a pathless
// object), and in a group's displayName; nothing is stored.
func TestSCIMRefusesNULNamingTheAttribute(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tok := scimOrg(t, e)
		st, u := scimCall(t, e, tok, "POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "hanako@acme.example", "displayName": "Hanako", "active": true}`)
		wantSCIM(t, st, u, 201)
		uid := u["id"].(string)
		st, g := scimCall(t, e, tok, "POST", "/Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Kasuhara users"}`)
		wantSCIM(t, st, g, 201)
		gid := g["id"].(string)

		const user, patch, group = "urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:api:messages:2.0:PatchOp", "urn:ietf:params:scim:schemas:core:2.0:Group"
		for _, c := range []struct{ method, path, body, attr string }{
			{"POST", "/Users", `{"schemas": ["` + user + `"], "userName": "nul\u0000@acme.example", "active": true}`, "userName"},
			{"POST", "/Users", `{"schemas": ["` + user + `"], "userName": "nul@acme.example", "name": {"familyName": "山\u0000田"}, "active": true}`, "name.familyName"},
			{"PUT", "/Users/" + uid, `{"schemas": ["` + user + `"], "userName": "hanako@acme.example", "displayName": "x\u0000", "active": true}`, "displayName"},
			{"PATCH", "/Users/" + uid, `{"schemas": ["` + patch + `"], "Operations": [{"op": "replace", "path": "displayName", "value": "x\u0000"}]}`, "displayName"},
			{"PATCH", "/Users/" + uid, `{"schemas": ["` + patch + `"], "Operations": [{"op": "replace", "path": "active", "value": false}, {"op": "replace", "value": {"name": {"givenName": "x\u0000"}}}]}`, "name.givenName"},
			{"PATCH", "/Users/" + uid, `{"schemas": ["` + patch + `"], "Operations": [{"op": "replace", "path": "emails", "value": [{"value": "a\u0000@acme.example"}]}]}`, "emails.value"},
			{"POST", "/Groups", `{"schemas": ["` + group + `"], "displayName": "Kasuhara\u0000 users"}`, "displayName"},
			{"PATCH", "/Groups/" + gid, `{"schemas": ["` + patch + `"], "Operations": [{"op": "replace", "path": "displayName", "value": "x\u0000"}]}`, "displayName"},
			{"PATCH", "/Groups/" + gid, `{"schemas": ["` + patch + `"], "Operations": [{"op": "replace", "value": {"displayName": "x\u0000"}}]}`, "displayName"},
		} {
			st, m := scimCall(t, e, tok, c.method, c.path, c.body)
			wantSCIM(t, st, m, 400)
			detail, _ := m["detail"].(string)
			if m["scimType"] != "invalidValue" || !strings.HasPrefix(detail, c.attr+": ") || !strings.Contains(detail, "NUL") {
				t.Errorf("%s %s %s: %v, want invalidValue naming %s", c.method, c.path, c.body, m, c.attr)
			}
		}

		// Nothing was stored.
		st, list := scimCall(t, e, tok, "GET", "/Users", "")
		wantSCIM(t, st, list, 200)
		if list["totalResults"] != float64(1) {
			t.Errorf("users: %v", list)
		}
		st, u = scimCall(t, e, tok, "GET", "/Users/"+uid, "")
		wantSCIM(t, st, u, 200)
		if u["displayName"] != "Hanako" || u["active"] != true {
			t.Errorf("the user changed: %v", u)
		}
		st, list = scimCall(t, e, tok, "GET", "/Groups", "")
		wantSCIM(t, st, list, 200)
		if list["totalResults"] != float64(1) {
			t.Errorf("groups: %v", list)
		}
		st, g = scimCall(t, e, tok, "GET", "/Groups/"+gid, "")
		wantSCIM(t, st, g, 200)
		if g["displayName"] != "Kasuhara users" {
			t.Errorf("the group changed: %v", g)
		}
	})
}

package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
)

// SCIM 2.0 (RFC 7643, 7644) at /scim/v2, as Entra ID and Okta speak it:
// a bearer token per organisation, JSON in application/scim+json (or
// application/json), errors in SCIM's error message. The handler is its own
// small mux: its answers and errors are SCIM's, not the API's.

const (
	scimUserSchema  = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimGroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
	scimListSchema  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimPatchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimContentType = "application/scim+json"
)

// scimError is an error answered in SCIM's format.
type scimError struct {
	status   int
	scimType string
	detail   string
}

func (e *scimError) Error() string {
	return fmt.Sprintf("scim: %d %s: %s", e.status, e.scimType, e.detail)
}

func scimBad(scimType, format string, args ...any) error {
	return &scimError{status: http.StatusBadRequest, scimType: scimType, detail: fmt.Sprintf(format, args...)}
}

type scimHandler func(w http.ResponseWriter, r *http.Request, orgID string) error

// scim returns the handler of /scim/v2/.
func (s *Server) scim() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, f scimHandler) {
		s.apiPatterns = append(s.apiPatterns, pattern) // documented in openapi.json
		mux.Handle(pattern, s.scimRoute(f))
	}
	h("GET /scim/v2/ServiceProviderConfig", s.scimServiceProviderConfig)
	h("GET /scim/v2/ResourceTypes", s.scimResourceTypes)
	h("GET /scim/v2/ResourceTypes/{name}", s.scimResourceTypes)
	h("GET /scim/v2/Schemas", s.scimSchemas)
	h("GET /scim/v2/Schemas/{id}", s.scimSchemas)
	h("GET /scim/v2/Users", s.scimListUsers)
	h("POST /scim/v2/Users", s.scimCreateUser)
	h("GET /scim/v2/Users/{id}", s.scimGetUser)
	h("PUT /scim/v2/Users/{id}", s.scimPutUser)
	h("PATCH /scim/v2/Users/{id}", s.scimPatchUser)
	h("DELETE /scim/v2/Users/{id}", s.scimDeleteUser)
	h("GET /scim/v2/Groups", s.scimListGroups)
	h("POST /scim/v2/Groups", s.scimCreateGroup)
	h("GET /scim/v2/Groups/{id}", s.scimGetGroup)
	h("PUT /scim/v2/Groups/{id}", s.scimPutGroup)
	h("PATCH /scim/v2/Groups/{id}", s.scimPatchGroup)
	h("DELETE /scim/v2/Groups/{id}", s.scimDeleteGroup)
	mux.Handle("/scim/v2/", s.scimRoute(func(http.ResponseWriter, *http.Request, string) error {
		return &scimError{status: http.StatusNotFound, detail: "no such SCIM endpoint"}
	}))
	return http.MaxBytesHandler(mux, MaxJSONBytes)
}

// scimRoute checks the token and the content type, and answers an error
// in SCIM's format.
func (s *Server) scimRoute(f scimHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := func() error {
			if s.Provisioning == nil {
				return &scimError{status: http.StatusNotFound, detail: "SCIM is not available"}
			}
			secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok {
				return &scimError{status: http.StatusUnauthorized, detail: "send the organisation's SCIM token as Authorization: Bearer TOKEN"}
			}
			orgID, err := s.Provisioning.SCIMTokenOrg(r.Context(), strings.TrimSpace(secret))
			if err != nil {
				return err
			}
			if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
				ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
				if ct != scimContentType && ct != "application/json" {
					return &scimError{status: http.StatusUnsupportedMediaType, detail: "send application/scim+json"}
				}
			}
			return f(w, r, orgID)
		}()
		if err != nil {
			s.scimWriteError(w, r, err)
		}
	})
}

func (s *Server) scimWriteError(w http.ResponseWriter, r *http.Request, err error) {
	se := &scimError{}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &se):
	case errors.As(err, &mbe):
		se = &scimError{status: http.StatusRequestEntityTooLarge, detail: "the body is too large"}
	default:
		switch kasuhara.ErrorCode(err) {
		case kasuhara.EINVALID:
			fields := kasuhara.ErrorFields(err)
			names := make([]string, 0, len(fields))
			for k, v := range fields {
				names = append(names, k+": "+v.String())
			}
			slices.Sort(names)
			se = &scimError{status: http.StatusBadRequest, scimType: "invalidValue", detail: strings.Join(names, "; ")}
		case kasuhara.ECONFLICT:
			// uniqueness only for a value taken (RFC 7644 section 3.12);
			// another conflict, such as a person this directory does not
			// own alone, says what it is in the detail.
			se = &scimError{status: http.StatusConflict, detail: kasuhara.ErrorMessage(err)}
			for _, f := range kasuhara.ErrorFields(err) {
				if f.Code == kasuhara.FieldTaken {
					se.scimType = "uniqueness"
				}
			}
		case kasuhara.ENOTFOUND:
			se = &scimError{status: http.StatusNotFound, detail: "resource not found"}
		case kasuhara.EUNAUTH:
			se = &scimError{status: http.StatusUnauthorized, detail: "invalid or revoked SCIM token"}
		case kasuhara.EFORBIDDEN:
			se = &scimError{status: http.StatusForbidden, detail: kasuhara.ErrorMessage(err)}
		default:
			s.Logger.Error("scim", "request_id", requestID(r.Context()), "route", r.Pattern, "err", err)
			se = &scimError{status: http.StatusInternalServerError, detail: "internal error; request id " + requestID(r.Context())}
		}
	}
	body := map[string]any{"schemas": []string{scimErrorSchema}, "status": strconv.Itoa(se.status), "detail": se.detail}
	if se.scimType != "" {
		body["scimType"] = se.scimType
	}
	if se.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
	}
	scimWrite(w, se.status, body)
}

func scimWrite(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", scimContentType+"; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// scimRead decodes a body that must be a SCIM message of one of schemas.
func scimRead(r *http.Request, v any, schema string) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	var head struct {
		Schemas []string `json:"schemas"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return scimBad("invalidSyntax", "the body is not a JSON object")
	}
	if !slices.ContainsFunc(head.Schemas, func(s string) bool { return strings.EqualFold(s, schema) }) {
		return scimBad("invalidSyntax", "schemas must name %s", schema)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return scimBad("invalidSyntax", "the body does not match %s", schema)
	}
	// A NUL is refused as in every other request (nul.go), naming the
	// attribute (400 invalidValue, scimWriteError).
	if attr, ok := nulInJSON(reflect.ValueOf(v), ""); ok {
		return nulError(attr)
	}
	return nil
}

// flexBool is a SCIM boolean as Entra ID sends it too: true, or "True".
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		*b = flexBool(x)
	case string:
		p, err := strconv.ParseBool(strings.ToLower(x))
		if err != nil {
			return fmt.Errorf("not a boolean: %q", x)
		}
		*b = flexBool(p)
	default:
		return fmt.Errorf("not a boolean")
	}
	return nil
}

type scimName struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	Formatted  string `json:"formatted,omitempty"`
}

type scimEmail struct {
	Value   string   `json:"value"`
	Type    string   `json:"type,omitempty"`
	Primary flexBool `json:"primary,omitempty"`
}

type scimRef struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Ref     string `json:"$ref,omitempty"`
}

type scimMeta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Location     string `json:"location,omitempty"`
}

type scimUserJSON struct {
	Schemas     []string    `json:"schemas"`
	ID          string      `json:"id,omitempty"`
	ExternalID  string      `json:"externalId,omitempty"`
	UserName    string      `json:"userName"`
	Name        *scimName   `json:"name,omitempty"`
	DisplayName string      `json:"displayName,omitempty"`
	Emails      []scimEmail `json:"emails,omitempty"`
	Active      *flexBool   `json:"active,omitempty"`
	Groups      []scimRef   `json:"groups,omitempty"`
	Meta        *scimMeta   `json:"meta,omitempty"`
}

func (s *Server) scimBase() string { return strings.TrimRight(s.BaseURL, "/") + "/scim/v2" }

func scimTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Server) scimUserOut(u *kasuhara.SCIMUser) scimUserJSON {
	active := flexBool(u.Active)
	out := scimUserJSON{Schemas: []string{scimUserSchema}, ID: u.ID, ExternalID: u.ExternalID, UserName: u.UserName,
		Name:        &scimName{GivenName: u.GivenName, FamilyName: u.FamilyName, Formatted: u.DisplayName},
		DisplayName: u.DisplayName, Emails: []scimEmail{{Value: u.Email, Type: "work", Primary: true}}, Active: &active,
		Meta: &scimMeta{ResourceType: "User", Created: scimTime(u.Created), LastModified: scimTime(u.Modified), Location: s.scimBase() + "/Users/" + u.ID}}
	for _, g := range u.Groups {
		out.Groups = append(out.Groups, scimRef{Value: g.ID, Display: g.Display, Ref: s.scimBase() + "/Groups/" + g.ID})
	}
	return out
}

// in turns a SCIM user into the service's; userName falls back to the
// primary (or work) e-mail address when it is not one.
func (j scimUserJSON) in() kasuhara.SCIMUser {
	u := kasuhara.SCIMUser{ExternalID: j.ExternalID, UserName: j.UserName, DisplayName: j.DisplayName, Active: true}
	if j.Name != nil {
		u.GivenName, u.FamilyName = j.Name.GivenName, j.Name.FamilyName
		if u.DisplayName == "" {
			u.DisplayName = j.Name.Formatted
		}
	}
	if j.Active != nil {
		u.Active = bool(*j.Active)
	}
	for _, e := range j.Emails {
		if bool(e.Primary) || strings.EqualFold(e.Type, "work") || len(j.Emails) == 1 {
			u.Email = e.Value
			break
		}
	}
	if strings.Contains(u.UserName, "@") {
		// The address they sign in with is the one the directory knows
		// them by (Entra ID's UPN, Okta's login).
		u.Email = u.UserName
	}
	return u
}

func (s *Server) scimList(w http.ResponseWriter, total, start int, resources any, n int) {
	scimWrite(w, http.StatusOK, map[string]any{"schemas": []string{scimListSchema}, "totalResults": total, "startIndex": start,
		"itemsPerPage": n, "Resources": resources})
}

var scimFilterPattern = regexp.MustCompile(`(?i)^\s*([a-z][a-z0-9.]*)\s+eq\s+("(?:[^"\\]|\\.)*")\s*$`)

// scimQuery reads filter, startIndex and count.
func scimQuery(r *http.Request) (kasuhara.SCIMFilter, int, int, error) {
	q := r.URL.Query()
	var f kasuhara.SCIMFilter
	if raw := q.Get("filter"); raw != "" {
		m := scimFilterPattern.FindStringSubmatch(raw)
		if m == nil {
			return f, 0, 0, scimBad("invalidFilter", "only attribute eq \"value\" filters are supported")
		}
		if err := json.Unmarshal([]byte(m[2]), &f.Value); err != nil {
			return f, 0, 0, scimBad("invalidFilter", "the filter's value is not a string")
		}
		f.Attr = m[1]
	}
	start, count := 1, kasuhara.MaxSCIMPage
	var err error
	if v := q.Get("startIndex"); v != "" {
		if start, err = strconv.Atoi(v); err != nil {
			return f, 0, 0, scimBad("invalidValue", "startIndex is not a number")
		}
		start = max(start, 1)
	}
	if v := q.Get("count"); v != "" {
		if count, err = strconv.Atoi(v); err != nil {
			return f, 0, 0, scimBad("invalidValue", "count is not a number")
		}
		count = min(max(count, 0), kasuhara.MaxSCIMPage)
	}
	return f, start, count, nil
}

func (s *Server) scimListUsers(w http.ResponseWriter, r *http.Request, orgID string) error {
	f, start, count, err := scimQuery(r)
	if err != nil {
		return err
	}
	if f.Attr != "" && !slices.Contains([]string{"username", "externalid", "id"}, strings.ToLower(f.Attr)) {
		return scimBad("invalidFilter", "filter on userName or externalId")
	}
	us, total, err := s.Provisioning.SCIMUsers(r.Context(), orgID, f, start, count)
	if err != nil {
		return err
	}
	out := make([]scimUserJSON, len(us))
	for i := range us {
		out[i] = s.scimUserOut(&us[i])
	}
	s.scimList(w, total, start, out, len(out))
	return nil
}

func (s *Server) scimGetUser(w http.ResponseWriter, r *http.Request, orgID string) error {
	u, err := s.Provisioning.SCIMUser(r.Context(), orgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	scimWrite(w, http.StatusOK, s.scimUserOut(u))
	return nil
}

func (s *Server) scimCreateUser(w http.ResponseWriter, r *http.Request, orgID string) error {
	var j scimUserJSON
	if err := scimRead(r, &j, scimUserSchema); err != nil {
		return err
	}
	u, err := s.Provisioning.SCIMCreateUser(r.Context(), orgID, j.in())
	if err != nil {
		return err
	}
	w.Header().Set("Location", s.scimBase()+"/Users/"+u.ID)
	scimWrite(w, http.StatusCreated, s.scimUserOut(u))
	return nil
}

func (s *Server) scimPutUser(w http.ResponseWriter, r *http.Request, orgID string) error {
	var j scimUserJSON
	if err := scimRead(r, &j, scimUserSchema); err != nil {
		return err
	}
	u, err := s.Provisioning.SCIMReplaceUser(r.Context(), orgID, r.PathValue("id"), j.in())
	if err != nil {
		return err
	}
	scimWrite(w, http.StatusOK, s.scimUserOut(u))
	return nil
}

func (s *Server) scimDeleteUser(w http.ResponseWriter, r *http.Request, orgID string) error {
	if err := s.Provisioning.SCIMDeleteUser(r.Context(), orgID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// scimPatch is a PATCH request (RFC 7644 3.5.2).
type scimPatch struct {
	Operations []scimOp `json:"Operations"`
}

type scimOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// nulPath names a NUL in an operation by the attribute it holds: the
// operation's path, and within its value the value's own attributes (an
// operation without a path carries an object of attributes).
func (op scimOp) nulPath(path string) (string, bool) {
	switch {
	case kasuhara.HasNUL(op.Op):
		return join(path, "op"), true
	case kasuhara.HasNUL(op.Path):
		return join(path, "path"), true
	}
	return nulInJSON(reflect.ValueOf(op.Value), op.Path)
}

func readPatch(r *http.Request) ([]scimOp, error) {
	var p scimPatch
	if err := scimRead(r, &p, scimPatchSchema); err != nil {
		return nil, err
	}
	if len(p.Operations) == 0 {
		return nil, scimBad("invalidSyntax", "Operations is empty")
	}
	for i := range p.Operations {
		op := &p.Operations[i]
		op.Op = strings.ToLower(op.Op)
		if op.Op != "add" && op.Op != "replace" && op.Op != "remove" {
			return nil, scimBad("invalidSyntax", "op must be add, replace or remove")
		}
		if op.Op != "remove" && len(op.Value) == 0 {
			return nil, scimBad("invalidValue", "%s needs a value", op.Op)
		}
	}
	return p.Operations, nil
}

// setUserAttr sets one attribute of a user from a PATCH; attributes that
// Kasuhara does not keep (title, addresses, …) are taken and ignored, as
// Entra ID sends them whatever the application keeps.
func setUserAttr(u *kasuhara.SCIMUser, path string, value json.RawMessage, remove bool) error {
	str := func() (string, error) {
		if remove {
			return "", nil
		}
		var v string
		if err := json.Unmarshal(value, &v); err != nil {
			return "", scimBad("invalidValue", "%s must be a string", path)
		}
		return v, nil
	}
	var err error
	switch strings.ToLower(path) {
	case "active":
		if remove {
			return scimBad("mutability", "active cannot be removed")
		}
		var b flexBool
		if json.Unmarshal(value, &b) != nil {
			return scimBad("invalidValue", "active must be a boolean")
		}
		u.Active = bool(b)
	case "username":
		if remove {
			return scimBad("mutability", "userName cannot be removed")
		}
		if u.UserName, err = str(); err == nil && strings.Contains(u.UserName, "@") {
			u.Email = u.UserName
		}
	case "displayname", "name.formatted":
		u.DisplayName, err = str()
	case "externalid":
		u.ExternalID, err = str()
	case `emails[type eq "work"].value`, "emails":
		if strings.EqualFold(path, "emails") {
			var es []scimEmail
			if remove || json.Unmarshal(value, &es) != nil || len(es) == 0 {
				return scimBad("invalidValue", "emails must be a list of addresses")
			}
			if !strings.Contains(u.UserName, "@") {
				u.Email = es[0].Value
			}
			return nil
		}
		var v string
		if v, err = str(); err == nil && !strings.Contains(u.UserName, "@") {
			u.Email = v
		}
	case "name.givenname":
		u.GivenName, err = str()
	case "name.familyname":
		u.FamilyName, err = str()
	case "name":
		var n scimName
		if !remove && json.Unmarshal(value, &n) != nil {
			return scimBad("invalidValue", "name must be an object")
		}
		u.GivenName, u.FamilyName = n.GivenName, n.FamilyName
	}
	return err
}

func (s *Server) scimPatchUser(w http.ResponseWriter, r *http.Request, orgID string) error {
	ops, err := readPatch(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("id")
	u, err := s.Provisioning.SCIMUser(ctx, orgID, id)
	if err != nil {
		return err
	}
	for _, op := range ops {
		if op.Path != "" {
			if err := setUserAttr(u, op.Path, op.Value, op.Op == "remove"); err != nil {
				return err
			}
			continue
		}
		// No path: the value is an object of attributes (Okta's shape).
		var attrs map[string]json.RawMessage
		if op.Op == "remove" || json.Unmarshal(op.Value, &attrs) != nil {
			return scimBad("noTarget", "an operation without a path needs an object value")
		}
		for k, v := range attrs {
			if err := setUserAttr(u, k, v, false); err != nil {
				return err
			}
		}
	}
	u, err = s.Provisioning.SCIMReplaceUser(ctx, orgID, id, *u)
	if err != nil {
		return err
	}
	scimWrite(w, http.StatusOK, s.scimUserOut(u))
	return nil
}

type scimGroupJSON struct {
	Schemas     []string   `json:"schemas"`
	ID          string     `json:"id,omitempty"`
	ExternalID  string     `json:"externalId,omitempty"`
	DisplayName string     `json:"displayName"`
	Members     *[]scimRef `json:"members,omitempty"` // nil: not sent (input), excluded (output)
	Meta        *scimMeta  `json:"meta,omitempty"`
}

func (s *Server) scimGroupOut(g *kasuhara.SCIMGroup, members bool) scimGroupJSON {
	out := scimGroupJSON{Schemas: []string{scimGroupSchema}, ID: g.ID, ExternalID: g.ExternalID, DisplayName: g.DisplayName,
		Meta: &scimMeta{ResourceType: "Group", Created: scimTime(g.Created), LastModified: scimTime(g.Modified), Location: s.scimBase() + "/Groups/" + g.ID}}
	if members {
		refs := []scimRef{}
		for _, m := range g.Members {
			refs = append(refs, scimRef{Value: m.ID, Display: m.Display, Ref: s.scimBase() + "/Users/" + m.ID})
		}
		out.Members = &refs
	}
	return out
}

func wantMembers(r *http.Request) bool {
	ex := strings.ToLower(r.URL.Query().Get("excludedAttributes"))
	return !strings.Contains(ex, "members")
}

func (s *Server) scimListGroups(w http.ResponseWriter, r *http.Request, orgID string) error {
	f, start, count, err := scimQuery(r)
	if err != nil {
		return err
	}
	if f.Attr != "" && !slices.Contains([]string{"displayname", "externalid", "id"}, strings.ToLower(f.Attr)) {
		return scimBad("invalidFilter", "filter on displayName or externalId")
	}
	gs, total, err := s.Provisioning.SCIMGroups(r.Context(), orgID, f, start, count)
	if err != nil {
		return err
	}
	out := make([]scimGroupJSON, len(gs))
	for i := range gs {
		out[i] = s.scimGroupOut(&gs[i], wantMembers(r))
	}
	s.scimList(w, total, start, out, len(out))
	return nil
}

func (s *Server) scimGetGroup(w http.ResponseWriter, r *http.Request, orgID string) error {
	g, err := s.Provisioning.SCIMGroup(r.Context(), orgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	scimWrite(w, http.StatusOK, s.scimGroupOut(g, wantMembers(r)))
	return nil
}

func refIDs(refs []scimRef) []string {
	out := make([]string, 0, len(refs))
	for _, m := range refs {
		out = append(out, m.Value)
	}
	return out
}

func (s *Server) scimCreateGroup(w http.ResponseWriter, r *http.Request, orgID string) error {
	var j scimGroupJSON
	if err := scimRead(r, &j, scimGroupSchema); err != nil {
		return err
	}
	g := kasuhara.SCIMGroup{ExternalID: j.ExternalID, DisplayName: j.DisplayName}
	if j.Members != nil {
		for _, id := range refIDs(*j.Members) {
			g.Members = append(g.Members, kasuhara.SCIMMember{ID: id})
		}
	}
	out, err := s.Provisioning.SCIMCreateGroup(r.Context(), orgID, g)
	if err != nil {
		return err
	}
	w.Header().Set("Location", s.scimBase()+"/Groups/"+out.ID)
	scimWrite(w, http.StatusCreated, s.scimGroupOut(out, true))
	return nil
}

func (s *Server) scimPutGroup(w http.ResponseWriter, r *http.Request, orgID string) error {
	var j scimGroupJSON
	if err := scimRead(r, &j, scimGroupSchema); err != nil {
		return err
	}
	var members []string
	if j.Members != nil {
		members = refIDs(*j.Members)
	}
	out, err := s.Provisioning.SCIMReplaceGroup(r.Context(), orgID, r.PathValue("id"), kasuhara.SCIMGroup{ExternalID: j.ExternalID, DisplayName: j.DisplayName}, members)
	if err != nil {
		return err
	}
	scimWrite(w, http.StatusOK, s.scimGroupOut(out, true))
	return nil
}

var memberPathPattern = regexp.MustCompile(`(?i)^members\[\s*value\s+eq\s+("(?:[^"\\]|\\.)*")\s*\]$`)

func (s *Server) scimPatchGroup(w http.ResponseWriter, r *http.Request, orgID string) error {
	ops, err := readPatch(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("id")
	g, err := s.Provisioning.SCIMGroup(ctx, orgID, id)
	if err != nil {
		return err
	}
	name, ext := g.DisplayName, g.ExternalID
	var add, remove, replace []string
	replaced := false
	for _, op := range ops {
		path := strings.ToLower(op.Path)
		switch {
		case path == "members":
			var refs []scimRef
			if len(op.Value) > 0 && json.Unmarshal(op.Value, &refs) != nil {
				return scimBad("invalidValue", "members must be a list of {\"value\": id}")
			}
			switch op.Op {
			case "add":
				add = append(add, refIDs(refs)...)
			case "remove":
				if len(op.Value) == 0 {
					replaced, replace = true, []string{}
				} else {
					remove = append(remove, refIDs(refs)...)
				}
			case "replace":
				replaced, replace = true, refIDs(refs)
			}
		case memberPathPattern.MatchString(op.Path):
			var v string
			_ = json.Unmarshal([]byte(memberPathPattern.FindStringSubmatch(op.Path)[1]), &v)
			if op.Op != "remove" {
				return scimBad("invalidPath", "only remove takes a member by value")
			}
			remove = append(remove, v)
		case path == "displayname" || path == "externalid":
			var v string
			if op.Op == "remove" || json.Unmarshal(op.Value, &v) != nil {
				return scimBad("invalidValue", "%s must be a string", op.Path)
			}
			if path == "displayname" {
				name = v
			} else {
				ext = v
			}
		case path == "":
			var attrs struct {
				DisplayName *string    `json:"displayName"`
				ExternalID  *string    `json:"externalId"`
				Members     *[]scimRef `json:"members,omitempty"` // nil: not sent (input), excluded (output)
			}
			if op.Op == "remove" || json.Unmarshal(op.Value, &attrs) != nil {
				return scimBad("noTarget", "an operation without a path needs an object value")
			}
			if attrs.DisplayName != nil {
				name = *attrs.DisplayName
			}
			if attrs.ExternalID != nil {
				ext = *attrs.ExternalID
			}
			if attrs.Members != nil {
				if op.Op == "add" {
					add = append(add, refIDs(*attrs.Members)...)
				} else {
					replaced, replace = true, refIDs(*attrs.Members)
				}
			}
		default:
			return scimBad("invalidPath", "unknown path %q", op.Path)
		}
	}
	if name != g.DisplayName || ext != g.ExternalID || replaced {
		var members []string
		if replaced {
			members = replace
		}
		if _, err := s.Provisioning.SCIMReplaceGroup(ctx, orgID, id, kasuhara.SCIMGroup{DisplayName: name, ExternalID: ext}, members); err != nil {
			return err
		}
	}
	if len(add) > 0 || len(remove) > 0 {
		if err := s.Provisioning.SCIMChangeMembers(ctx, orgID, id, add, remove); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) scimDeleteGroup(w http.ResponseWriter, r *http.Request, orgID string) error {
	if err := s.Provisioning.SCIMDeleteGroup(r.Context(), orgID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) scimServiceProviderConfig(w http.ResponseWriter, r *http.Request, _ string) error {
	scimWrite(w, http.StatusOK, map[string]any{
		"schemas":          []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"documentationUri": "https://github.com/kasuhara/kasuhara/blob/main/docs/sso.md",
		"patch":            map[string]bool{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": kasuhara.MaxSCIMPage},
		"changePassword":   map[string]bool{"supported": false},
		"sort":             map[string]bool{"supported": false},
		"etag":             map[string]bool{"supported": false},
		"authenticationSchemes": []map[string]any{{"type": "oauthbearertoken", "name": "Bearer token",
			"description": "The organisation's SCIM token, made by its administrator on /admin/sso", "primary": true}},
		"meta": map[string]string{"resourceType": "ServiceProviderConfig", "location": s.scimBase() + "/ServiceProviderConfig"},
	})
	return nil
}

func (s *Server) scimResourceTypes(w http.ResponseWriter, r *http.Request, _ string) error {
	types := []map[string]any{
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}, "id": "User", "name": "User", "endpoint": "/Users",
			"schema": scimUserSchema, "meta": map[string]string{"resourceType": "ResourceType", "location": s.scimBase() + "/ResourceTypes/User"}},
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}, "id": "Group", "name": "Group", "endpoint": "/Groups",
			"schema": scimGroupSchema, "meta": map[string]string{"resourceType": "ResourceType", "location": s.scimBase() + "/ResourceTypes/Group"}},
	}
	if name := r.PathValue("name"); name != "" {
		for _, t := range types {
			if t["id"] == name {
				scimWrite(w, http.StatusOK, t)
				return nil
			}
		}
		return &scimError{status: http.StatusNotFound, detail: "no such resource type"}
	}
	s.scimList(w, len(types), 1, types, len(types))
	return nil
}

func scimAttr(name, typ string, required bool, extra ...any) map[string]any {
	a := map[string]any{"name": name, "type": typ, "multiValued": false, "required": required, "caseExact": false,
		"mutability": "readWrite", "returned": "default", "uniqueness": "none"}
	for i := 0; i+1 < len(extra); i += 2 {
		a[extra[i].(string)] = extra[i+1]
	}
	return a
}

func (s *Server) scimSchemas(w http.ResponseWriter, r *http.Request, _ string) error {
	schemas := []map[string]any{
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Schema"}, "id": scimUserSchema, "name": "User", "description": "A person who signs in to Kasuhara",
			"attributes": []map[string]any{
				scimAttr("userName", "string", true, "uniqueness", "server", "description", "The e-mail address the person signs in with"),
				scimAttr("externalId", "string", false),
				scimAttr("displayName", "string", false),
				scimAttr("name", "complex", false, "subAttributes", []map[string]any{scimAttr("givenName", "string", false), scimAttr("familyName", "string", false), scimAttr("formatted", "string", false)}),
				scimAttr("emails", "complex", false, "multiValued", true, "subAttributes", []map[string]any{scimAttr("value", "string", false), scimAttr("type", "string", false), scimAttr("primary", "boolean", false)}),
				scimAttr("active", "boolean", false),
				scimAttr("groups", "complex", false, "multiValued", true, "mutability", "readOnly"),
			},
			"meta": map[string]string{"resourceType": "Schema", "location": s.scimBase() + "/Schemas/" + scimUserSchema}},
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Schema"}, "id": scimGroupSchema, "name": "Group", "description": "A group of the directory; it maps to a role",
			"attributes": []map[string]any{
				scimAttr("displayName", "string", true, "uniqueness", "server"),
				scimAttr("externalId", "string", false),
				scimAttr("members", "complex", false, "multiValued", true, "subAttributes", []map[string]any{scimAttr("value", "string", false), scimAttr("display", "string", false)}),
			},
			"meta": map[string]string{"resourceType": "Schema", "location": s.scimBase() + "/Schemas/" + scimGroupSchema}},
	}
	if id := r.PathValue("id"); id != "" {
		for _, sc := range schemas {
			if sc["id"] == id {
				scimWrite(w, http.StatusOK, sc)
				return nil
			}
		}
		return &scimError{status: http.StatusNotFound, detail: "no such schema"}
	}
	s.scimList(w, len(schemas), 1, schemas, len(schemas))
	return nil
}

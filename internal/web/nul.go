package web

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"

	"github.com/kasuhara/kasuhara"
)

// NUL bytes are refused in every text a request carries, once for every
// route, before a handler sees it (issue 16, finding 17): PostgreSQL cannot
// keep a NUL in text (the insert failed with a 500) and SQLite would keep
// one that no export or search handles. JSON strings are checked by
// decodeJSON and scimRead (nulInJSON), form values and the query by
// refuseNUL.

// nulError is EINVALID naming the field that holds a NUL.
func nulError(field string) error {
	return kasuhara.InvalidField(field, kasuhara.FieldNUL)
}

// refuseNUL answers 422 naming the field when the query, or the form of a
// URL-encoded body, has a NUL in a name or value. Multipart bodies are
// the upload routes', which stream them: their text fields are checked by
// the services they reach (a report's text, a file's name).
func (s *Server) refuseNUL(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if field, ok := nulInValues(r.URL.Query()); ok {
			return nulError(field)
		}
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/x-www-form-urlencoded" && r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
			// The body is within the route's limit (route): a larger
			// one is 413 here, as the handler's own parsing would be
			// (a second ParseForm would see the values read so far).
			if err := r.ParseForm(); err != nil {
				if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
					return err
				}
				return &kasuhara.Error{Code: kasuhara.EINVALID, Message: "malformed form", Fields: kasuhara.FieldErrors{"body": {Code: kasuhara.FieldMalformed}}}
			}
			if field, ok := nulInValues(r.PostForm); ok {
				return nulError(field)
			}
		}
		return h(w, r)
	}
}

// nulInValues returns the first field, in name order, whose name or a
// value holds a NUL.
func nulInValues(v url.Values) (string, bool) {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if kasuhara.HasNUL(k) {
			return strings.ReplaceAll(k, "\x00", ""), true
		}
		for _, x := range v[k] {
			if kasuhara.HasNUL(x) {
				return k, true
			}
		}
	}
	return "", false
}

// nulPather is a decoded value that names the path of a NUL in it itself,
// where its JSON path is not the name a client knows the text by: a SCIM
// PATCH operation's value is the attribute that the operation's path names.
type nulPather interface {
	nulPath(path string) (string, bool)
}

var (
	nulPatherType  = reflect.TypeFor[nulPather]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
)

// nulInJSON returns the JSON path ("customer.name", "answers") of the first
// string in v, a decoded value, that holds a NUL: struct fields by their
// JSON names, map keys as they are, list items under their list's name, a
// json.RawMessage's strings as those of the value it holds.
func nulInJSON(v reflect.Value, path string) (string, bool) {
	if !v.IsValid() {
		return "", false
	}
	if k := v.Kind(); k != reflect.Pointer && k != reflect.Interface && v.CanInterface() && v.Type().Implements(nulPatherType) {
		return v.Interface().(nulPather).nulPath(path)
	}
	if v.Type() == rawMessageType {
		var x any
		if json.Unmarshal(v.Bytes(), &x) != nil {
			return "", false // not JSON, so no text: its decoder refuses it
		}
		return nulInJSON(reflect.ValueOf(&x), path)
	}
	switch v.Kind() {
	case reflect.String:
		return path, kasuhara.HasNUL(v.String())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", false
		}
		return nulInJSON(v.Elem(), path)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return "", false // bytes (base64), not text
		}
		for i := range v.Len() {
			if p, ok := nulInJSON(v.Index(i), path); ok {
				return p, true
			}
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			name := join(path, k.String())
			if k.Kind() == reflect.String && kasuhara.HasNUL(k.String()) {
				return join(path, strings.ReplaceAll(k.String(), "\x00", "")), true
			}
			if p, ok := nulInJSON(v.MapIndex(k), name); ok {
				return p, true
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			// An embedded struct's exported fields are decoded even when
			// its type is unexported (reportContent), as encoding/json does.
			if !f.IsExported() && !(f.Anonymous && f.Type.Kind() == reflect.Struct) {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case name == "-":
				continue
			case f.Anonymous && name == "":
				// An embedded struct's fields are the outer object's.
				if p, ok := nulInJSON(v.Field(i), path); ok {
					return p, true
				}
				continue
			case name == "":
				name = f.Name
			}
			if p, ok := nulInJSON(v.Field(i), join(path, name)); ok {
				return p, true
			}
		}
	}
	return "", false
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// Package audit computes and verifies the hash chain of the audit trail.
//
// Each entry's hash is the SHA-256 of the previous entry's hash followed by
// the entry's own fields in a fixed, unambiguous encoding. Changing, removing
// or reordering any entry therefore changes every hash after it, and Verify
// names the first entry that no longer fits.
package audit

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kasuhara/kasuhara"
)

// TimeFormat is how an entry's time enters its hash. Times are truncated to
// microseconds (PostgreSQL's precision) and kept in UTC.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// Normalize truncates t to what every engine stores exactly.
func Normalize(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Hash returns the hex SHA-256 of e chained to e.PrevHash. e.Hash is ignored.
func Hash(e kasuhara.AuditEntry) string {
	h := sha256.New()
	for _, s := range []string{
		"kasuhara-audit-v1",
		e.PrevHash,
		strconv.FormatInt(e.Seq, 10),
		Normalize(e.At).Format(TimeFormat),
		e.OrgID,
		e.ActorID,
		e.ActorLabel,
		e.Action,
		e.ObjectType,
		e.ObjectID,
		e.Detail,
	} {
		// A length prefix keeps field boundaries unambiguous.
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	// Entries written before records were hashed have none, and their
	// hashes stay what they were.
	if e.RecordHash != "" {
		fmt.Fprintf(h, "record:%d:%s;", len(e.RecordHash), e.RecordHash)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RecordState is the state of one record as an audited change left it: the
// group it belongs to (Scope, e.g. "case 0190…"), its kind and id, and the
// hash of its columns (RowHash).
type RecordState struct {
	Scope, Kind, ID, Hash string
}

// RowHash returns the hex SHA-256 of a row's values in a fixed order and an
// unambiguous encoding: NULL, text, whole numbers, truth values and times
// (normalised as in the chain).
func RowHash(values []any) string {
	h := sha256.New()
	for _, v := range values {
		var s string
		switch v := v.(type) {
		case nil:
			h.Write([]byte("n;"))
			continue
		case time.Time:
			s = "t" + Normalize(v).Format(TimeFormat)
		case []byte:
			s = "s" + string(v)
		case string:
			s = "s" + v
		case int64:
			s = "i" + strconv.FormatInt(v, 10)
		case bool:
			s = "b" + strconv.FormatBool(v)
		case float64:
			s = "f" + strconv.FormatFloat(v, 'g', -1, 64)
		default:
			s = fmt.Sprintf("?%v", v)
		}
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ScopeHash returns the hex SHA-256 of the states of the records of one
// group (scope), in a fixed order; a group with no records has one too, so
// that its emptiness (a purged case) is recorded.
func ScopeHash(scope string, states []RecordState) string {
	states = slices.Clone(states)
	slices.SortFunc(states, func(a, b RecordState) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
	})
	h := sha256.New()
	fmt.Fprintf(h, "kasuhara-records-v1;%d:%s;", len(scope), scope)
	for _, st := range states {
		if st.Scope == scope {
			fmt.Fprintf(h, "%d:%s;%d:%s;%s;", len(st.Kind), st.Kind, len(st.ID), st.ID, st.Hash)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RecordsHash returns an entry's RecordHash from the groups its change
// touched, each given as a RecordState with Scope and Hash (ScopeHash).
func RecordsHash(groups []RecordState) string {
	groups = slices.Clone(groups)
	slices.SortFunc(groups, func(a, b RecordState) int { return cmp.Compare(a.Scope, b.Scope) })
	h := sha256.New()
	for _, g := range groups {
		fmt.Fprintf(h, "%d:%s;%s;", len(g.Scope), g.Scope, g.Hash)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Detail encodes v as canonical JSON for AuditEntry.Detail (map keys sorted
// by encoding/json). A nil v gives "".
func Detail(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Details are small maps of strings and numbers built in this code
		// base; failing to encode one is a programming error.
		panic(fmt.Sprintf("audit: detail: %v", err))
	}
	return string(b)
}

// Verifier checks entries one at a time in ascending Seq order.
type Verifier struct {
	n        int64
	prevHash string
}

// Next checks the next entry. It returns a problem naming the entry when the
// entry was edited, or when an entry before it was removed or moved.
func (v *Verifier) Next(e kasuhara.AuditEntry) *kasuhara.AuditProblem {
	want := v.n + 1
	switch {
	case e.Seq != want:
		return &kasuhara.AuditProblem{Seq: e.Seq, Reason: fmt.Sprintf("expected entry %d here: an entry was deleted or moved", want)}
	case e.PrevHash != v.prevHash:
		return &kasuhara.AuditProblem{Seq: e.Seq, Reason: "previous-hash link broken: the entry before it was changed, deleted or moved"}
	case Hash(e) != e.Hash:
		return &kasuhara.AuditProblem{Seq: e.Seq, Reason: "hash mismatch: the entry was edited"}
	}
	v.n, v.prevHash = e.Seq, e.Hash
	return nil
}

// Finish compares the end of the walk with the recorded head (the last seq
// and hash that appends wrote). A mismatch means entries were removed from
// the end or the head was tampered with.
func (v *Verifier) Finish(headSeq int64, headHash string) *kasuhara.AuditProblem {
	if headSeq != v.n || headHash != v.prevHash {
		return &kasuhara.AuditProblem{Seq: v.n + 1, Reason: fmt.Sprintf("the trail ends at entry %d but the head records entry %d: entries were deleted from the end", v.n, headSeq)}
	}
	return nil
}

// Count is the number of entries verified so far.
func (v *Verifier) Count() int64 { return v.n }

package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
)

// Borderline implements kasuhara.CaseService: the thresholds are the
// organisation's settings (the contact limit, and the customer review's
// incidents within a window), so that the desk sees by the same rules why a
// report may be harassment before it assesses it.
func (s *Store) Borderline(ctx context.Context, v kasuhara.Actor, caseID string) ([]kasuhara.BorderlineSignal, error) {
	c, _, err := s.caseFor(ctx, s.db.Read, v, caseID, access.CaseHandler)
	if err != nil {
		return nil, wrap("store.Borderline", err)
	}
	st, err := s.settings(ctx, s.db.Read, c.OrgID)
	if err != nil {
		return nil, err
	}
	var out []kasuhara.BorderlineSignal
	if d := c.Report.DurationMinutes; st.ContactLimitMinutes > 0 && d > st.ContactLimitMinutes {
		out = append(out, kasuhara.BorderlineSignal{Kind: kasuhara.BorderlineLongContact, N: d, Of: st.ContactLimitMinutes})
	}
	// The customer's cases within the review window around this one, this
	// one included.
	since := c.CreatedAt.Add(-time.Duration(st.ReviewWindowDays) * 24 * time.Hour)
	var n int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COALESCE(MAX(k), 0) FROM (SELECT COUNT(DISTINCT o.case_id) AS k
		FROM case_customers me JOIN case_customers o ON o.customer_id = me.customer_id JOIN cases oc ON oc.id = o.case_id
		WHERE me.case_id = $1 AND oc.created_at >= $2 AND oc.created_at <= $3 GROUP BY me.customer_id) t`,
		c.ID, since, c.CreatedAt).Scan(&n); err != nil {
		return nil, wrap("store.Borderline", err)
	}
	if st.ReviewIncidents > 0 && n >= st.ReviewIncidents {
		out = append(out, kasuhara.BorderlineSignal{Kind: kasuhara.BorderlineRepeatCustomer, N: n, Of: st.ReviewWindowDays})
	}
	// An earlier case of the same customer whose request was judged
	// without grounds: the demand refused then comes again.
	var ref string
	err = s.db.Read.QueryRowContext(ctx, `SELECT oc.ref FROM case_customers me JOIN case_customers o ON o.customer_id = me.customer_id
		JOIN cases oc ON oc.id = o.case_id JOIN assessments a ON a.case_id = oc.id
		WHERE me.case_id = $1 AND oc.id <> $1 AND oc.created_at < $2 AND a.request = 'not_valid'
		AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = oc.id AND x.user_id = $3)
		ORDER BY oc.created_at DESC LIMIT 1`, c.ID, c.CreatedAt, v.UserID).Scan(&ref)
	if err == nil {
		out = append(out, kasuhara.BorderlineSignal{Kind: kasuhara.BorderlineRefusedDemand, Ref: ref})
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, wrap("store.Borderline", err)
	}
	return out, nil
}

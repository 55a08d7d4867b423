package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.CalendarService = (*Store)(nil)

// CalendarFeedInfo implements kasuhara.CalendarService.
func (s *Store) CalendarFeedInfo(ctx context.Context, v kasuhara.Actor) (*kasuhara.CalendarFeedInfo, error) {
	var f kasuhara.CalendarFeedInfo
	err := s.db.Read.QueryRowContext(ctx, "SELECT created_at FROM calendar_feeds WHERE user_id = $1", v.UserID).Scan(&f.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store.CalendarFeedInfo: %w", err)
	}
	f.CreatedAt = f.CreatedAt.UTC()
	return &f, nil
}

// RenewCalendarFeed implements kasuhara.CalendarService. The old secret's
// hash is replaced in the same statement, so the old address stops
// working when this commits.
func (s *Store) RenewCalendarFeed(ctx context.Context, v kasuhara.Actor) (string, error) {
	if v.UserID == "" {
		return "", kasuhara.Errorf(kasuhara.EFORBIDDEN, "only a person has a calendar")
	}
	if err := access.Check(v, access.ReadCaseContents); err != nil {
		return "", err
	}
	token := credential.NewCalendarToken()
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
			v.UserID, credential.Digest(token), s.now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("calendar feed: %d rows written", n)
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "calendar.renew", objectType: "user", objectID: v.UserID})
	})
	if err != nil {
		return "", wrap("store.RenewCalendarFeed", err)
	}
	return token, nil
}

// StopCalendarFeed implements kasuhara.CalendarService.
func (s *Store) StopCalendarFeed(ctx context.Context, v kasuhara.Actor) error {
	return wrap("store.StopCalendarFeed", s.tx(ctx, func(tx *sqldb.Tx) error {
		n, err := tx.ExecCount(ctx, "DELETE FROM calendar_feeds WHERE user_id = $1", v.UserID)
		if err != nil || n == 0 {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "calendar.stop", objectType: "user", objectID: v.UserID})
	}))
}

// CalendarDeadlines implements kasuhara.CalendarService: the owner's
// actor is made as a sign-in makes it (the oldest membership), and the
// deadlines are read through the same conditions as their case list.
func (s *Store) CalendarDeadlines(ctx context.Context, token string) (*kasuhara.CalendarFeed, error) {
	const op = "store.CalendarDeadlines"
	if !strings.HasPrefix(token, credential.CalendarTokenPrefix) {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "no such calendar")
	}
	feed := &kasuhara.CalendarFeed{}
	err := s.db.Read.QueryRowContext(ctx, `SELECT u.id, u.language FROM calendar_feeds f JOIN users u ON u.id = f.user_id
		WHERE f.token_hash = $1 AND NOT u.disabled`, credential.Digest(token)).Scan(&feed.UserID, &feed.Lang)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "no such calendar")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	ms, err := s.Memberships(ctx, feed.UserID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if len(ms) == 0 {
		return feed, nil
	}
	v := kasuhara.Actor{UserID: feed.UserID, OrgID: ms[0].OrgID, Role: ms[0].Role, DepartmentID: ms[0].DepartmentID}
	if !access.Can(v.Role, access.ReadCaseContents) {
		return feed, nil // a role that no longer reads cases has no deadlines
	}
	now := s.now()
	from, to := now.Add(-kasuhara.CalendarFeedPast), now.Add(kasuhara.CalendarFeedFuture)
	for _, clk := range []struct{ kind, column, states string }{
		{kasuhara.DeadlineAcknowledge, "c.acknowledge_by", "('new')"},
		{kasuhara.DeadlineFeedback, "c.feedback_by", "('new', 'acknowledged', 'in_progress')"},
	} {
		q := &qb{}
		visible(q, v)
		q.add("c.state IN " + clk.states)
		q.add(clk.column + " >= " + q.arg(from) + " AND " + clk.column + " < " + q.arg(to))
		ds, err := list(ctx, s.db.Read, "calendar deadlines", func(sc scanner) (kasuhara.FeedDeadline, error) {
			d := kasuhara.FeedDeadline{Kind: clk.kind}
			var id string
			err := sc.Scan(&id, &d.Ref, &d.At)
			d.UID, d.Path, d.At = id+"-"+clk.kind, "/cases/"+url.PathEscape(id), d.At.UTC()
			return d, err
		}, "SELECT c.id, c.ref, "+clk.column+" FROM cases c WHERE "+strings.Join(q.where, " AND ")+" ORDER BY "+clk.column+", c.id LIMIT 2000", q.args...)
		if err != nil {
			return nil, err
		}
		feed.Deadlines = append(feed.Deadlines, ds...)
	}
	if access.Can(v.Role, access.ReadCustomers) {
		ds, err := list(ctx, s.db.Read, "calendar reviews", func(sc scanner) (kasuhara.FeedDeadline, error) {
			d := kasuhara.FeedDeadline{Kind: kasuhara.DeadlineReview}
			var m kasuhara.Measure
			err := sc.Scan(&m.ID, &m.CustomerID, &d.At)
			d.UID, d.Ref, d.Path, d.At = m.ID+"-review", m.Ref(), "/customers/"+url.PathEscape(m.CustomerID)+"#measures", d.At.UTC()
			return d, err
		}, `SELECT m.id, m.customer_id, m.review_at FROM measures m JOIN customers cu ON cu.id = m.customer_id
			WHERE m.org_id = $1 AND m.status = 'active' AND m.review_at >= $2 AND m.review_at < $3 AND `+visibleCustomer("$4")+`
			ORDER BY m.review_at, m.id LIMIT 2000`, v.OrgID, from, to, v.UserID)
		if err != nil {
			return nil, err
		}
		feed.Deadlines = append(feed.Deadlines, ds...)
	}
	return feed, nil
}

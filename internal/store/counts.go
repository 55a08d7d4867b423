package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
)

// CaseCounts implements kasuhara.CaseService. One query sums the
// conditions of the queue's filters (openCond, overdueCond, …) over the
// open cases the viewer may see (visible), so that each figure is the
// length of the list its filter gives. Only counts leave: no case is read,
// so nothing is audited.
func (s *Store) CaseCounts(ctx context.Context, v kasuhara.Actor) (*kasuhara.CaseCounts, error) {
	const op = "store.CaseCounts"
	if err := access.Check(v, access.ReadCaseContents); err != nil {
		return nil, err
	}
	q := &qb{}
	visible(q, v)
	now := s.now()
	q.add(openCond(q, v, now))
	sum := func(cond string) string { return "COALESCE(SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END), 0)" }
	cols := []string{"COUNT(*)", sum("c.state = 'new'"), sum(overdueCond(q, v, now)), sum(dueTodayCond(q, v, now)),
		sum(noSecondCond(q, v, now)), sum(awaitingReplyCond(q, v, now))}
	var n kasuhara.CaseCounts
	err := s.db.Read.QueryRowContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM cases c WHERE "+strings.Join(q.where, " AND "), q.args...).
		Scan(&n.Open, &n.New, &n.Overdue, &n.DueToday, &n.NoSecond, &n.AwaitingReply)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if access.Can(v.Role, access.ViewRetaliation) {
		q := &qb{}
		visible(q, v)
		q.add(openCond(q, v, now))
		// The alarms that wait for legal: those handled are done.
		q.where = append(q.where, "f.handled_at IS NULL")
		if err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM retaliation_flags f JOIN cases c ON c.id = f.case_id WHERE "+
			strings.Join(q.where, " AND "), q.args...).Scan(&n.Retaliation); err != nil {
			return nil, fmt.Errorf("%s: retaliation: %w", op, err)
		}
	}
	return &n, nil
}

// CaseIDByRef implements kasuhara.CaseService.
func (s *Store) CaseIDByRef(ctx context.Context, v kasuhara.Actor, ref string) (string, error) {
	q := &qb{}
	visible(q, v)
	q.add("c.ref = " + q.arg(ref))
	var id string
	err := s.db.Read.QueryRowContext(ctx, "SELECT c.id FROM cases c WHERE "+strings.Join(q.where, " AND "), q.args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", kasuhara.Errorf(kasuhara.ENOTFOUND, "no such case")
	}
	if err != nil {
		return "", fmt.Errorf("store.CaseIDByRef: %w", err)
	}
	return id, nil
}

package store

import (
	"context"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
)

// operator reports whether the actor is the server itself or a command run
// on it: they run the installation and pass every role check.
func operator(a kasuhara.Actor) bool {
	return a.UserID == "" && (a.Label == kasuhara.CLIActor.Label || a.Label == kasuhara.SystemActor.Label)
}

// authorize checks that the actor may perform action on orgID: the
// operator may; anyone else needs the action in the matrix and orgID in
// their reach (their organisation or one of its subsidiaries; outside it,
// the organisation is not found).
func (s *Store) authorize(ctx context.Context, a kasuhara.Actor, action access.Action, orgID string) error {
	return s.authorizeAll(ctx, a, action, []string{orgID})
}

// authorizeAll is authorize for each of orgIDs (the figures of a group).
func (s *Store) authorizeAll(ctx context.Context, a kasuhara.Actor, action access.Action, orgIDs []string) error {
	if operator(a) {
		return nil
	}
	if err := access.Check(a, action); err != nil {
		return err
	}
	var tree []kasuhara.Org
	for _, id := range orgIDs {
		if id == a.OrgID {
			continue
		}
		if tree == nil {
			var err error
			if tree, err = s.OrgTree(ctx, a.OrgID); err != nil {
				return err
			}
		}
		if !access.InScope(tree, id) {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "organisation not found")
		}
	}
	return nil
}

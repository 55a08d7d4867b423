package starter

import (
	"context"
	"fmt"
	"time"

	"github.com/kasuhara/kasuhara"
)

// Offerer is what OfferDrafts needs of the store.
type Offerer interface {
	Orgs(ctx context.Context) ([]kasuhara.Org, error)
	Settings(ctx context.Context, orgID string) (*kasuhara.OrgSettings, error)
	Policies(ctx context.Context, orgID string) ([]kasuhara.PolicyDocument, error)
	// OfferPolicyDraft makes t a draft of docID when basedOn is still its
	// newest version, published, and edition was never offered for it; it
	// reports whether it did (store.Store.OfferPolicyDraft).
	OfferPolicyDraft(ctx context.Context, actor kasuhara.Actor, docID, basedOn, edition string, t kasuhara.PolicyText) (bool, error)
}

// OfferDrafts offers this Edition of the built-in policies to every
// organisation whose published document is an earlier edition that nobody
// changed (Previous): it becomes a draft of a new version, filled in from
// the organisation's settings, with the document's first publication as
// the date of enactment and now as the date of revision. It never
// publishes, never touches a document that was adapted or that has a
// draft, and offers an edition once per document (a discarded offer is
// not made again). The server runs it at start-up, after the migrations;
// running it again changes nothing. It returns how many drafts it made.
func OfferDrafts(ctx context.Context, s Offerer, now time.Time) (int, error) {
	orgs, err := s.Orgs(ctx)
	if err != nil {
		return 0, fmt.Errorf("starter: offer drafts: %w", err)
	}
	made := 0
	for _, o := range orgs {
		docs, err := s.Policies(ctx, o.ID)
		if err != nil {
			return made, fmt.Errorf("starter: offer drafts to %s: %w", o.Slug, err)
		}
		var st *kasuhara.OrgSettings
		for _, d := range docs {
			if d.Current == nil || d.Draft != nil {
				continue
			}
			name, ok := Previous(d.Current.BodyJa, d.Current.BodyEn)
			if !ok {
				continue
			}
			if st == nil {
				if st, err = s.Settings(ctx, o.ID); err != nil {
					return made, fmt.Errorf("starter: offer drafts to %s: %w", o.Slug, err)
				}
			}
			p := For(*st, firstPublished(d))
			p.Revised = now
			t := Policy(name, p)
			if d.Current.TitleJa != "" && d.Current.TitleEn != "" {
				t.TitleJa, t.TitleEn = d.Current.TitleJa, d.Current.TitleEn // the organisation's own titles stay
			}
			ok, err := s.OfferPolicyDraft(ctx, kasuhara.SystemActor, d.ID, d.Current.ID, Edition, t)
			if err != nil {
				return made, fmt.Errorf("starter: offer drafts to %s: %w", o.Slug, err)
			}
			if ok {
				made++
			}
		}
	}
	return made, nil
}

// firstPublished is when d was first published: its date of enactment.
func firstPublished(d kasuhara.PolicyDocument) time.Time {
	first := d.Current.PublishedAt
	for _, v := range d.Versions {
		if v.Published() && v.PublishedAt.Before(first) {
			first = v.PublishedAt
		}
	}
	return first
}

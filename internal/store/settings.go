package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/audit"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.SettingsService = (*Store)(nil)

// Settings implements kasuhara.SettingsService.
func (s *Store) Settings(ctx context.Context, orgID string) (*kasuhara.OrgSettings, error) {
	st, err := s.settings(ctx, s.db.Read, orgID)
	if err != nil {
		return nil, err
	}
	if err := s.db.Read.QueryRowContext(ctx, "SELECT name FROM orgs WHERE id = $1", orgID).Scan(&st.OrgName); err != nil && err != sql.ErrNoRows {
		return nil, wrap("store.Settings", err)
	}
	return st, nil
}

func (s *Store) settings(ctx context.Context, q queryer, orgID string) (*kasuhara.OrgSettings, error) {
	st, _, err := s.settingsVersion(ctx, q, orgID)
	return st, err
}

// settingsVersion is settings with the row's version (org_settings.version,
// which every change moves on; 0 when the organisation has saved none).
func (s *Store) settingsVersion(ctx context.Context, q queryer, orgID string) (*kasuhara.OrgSettings, int64, error) {
	st := kasuhara.DefaultSettings(orgID)
	var checkinDays string
	var version int64
	err := q.QueryRowContext(ctx, `SELECT acknowledge, feedback, public_holidays, year_end_closure, contact_limit_minutes, webhook_url, webhook_secret,
		review_incidents, review_window_days, legal_name, address, representative, contact_phone, contact_desk, checkin_days, date_style,
		anonymous_channel, anonymous_chosen, service_duties, contact_hours, version FROM org_settings WHERE org_id = $1`,
		orgID).Scan(&st.Acknowledge, &st.Feedback, &st.PublicHolidays, &st.YearEndClosure,
		&st.ContactLimitMinutes, &st.WebhookURL, &st.WebhookSecret, &st.ReviewIncidents, &st.ReviewWindowDays,
		&st.Sender.LegalName, &st.Sender.Address, &st.Sender.Representative, &st.Sender.Phone, &st.Sender.Desk, &checkinDays, &st.DateStyle,
		&st.AnonymousChannel, &st.AnonymousChosen, &st.ServiceDuties, &st.Sender.Hours, &version)
	if err != nil && err != sql.ErrNoRows {
		return nil, 0, wrap("store.Settings", err)
	}
	if err == nil {
		// Written by SaveSettings, so it reads; a value that does not is
		// kept as none rather than failing every read of the settings.
		st.CheckinDays, _ = kasuhara.ParseCheckinDays(checkinDays)
	}
	return &st, version, nil
}

// A report's settings (issue 21). Every report read its organisation's
// settings for its clocks, a statement of its own. The store keeps the
// settings of each organisation it has filed a report for, with the row's
// version (settingsVersion), and the case's INSERT returns the row's
// version as it is in the report's own transaction (insertCaseReceipt's
// guard), so that a change made by another server on the same PostgreSQL
// database, or by a command on the same SQLite file, is never missed. A
// report whose version differs is undone (errSettingsChanged, the
// function's error) and filed again with the settings read anew, as it was
// before the cache, without a guard. (Not in the INSERT's WHERE: an
// INSERT … SELECT whose SELECT reads cases is materialised by SQLite
// first.) The store's own
// changes of the settings forget its copy after their commit
// (forgetSettings), so that only another server's change costs a report a
// second attempt.

// noGuard is the guard of a case written with settings read just before
// its transaction, as every path but a report's does.
const noGuard = -1

// errSettingsChanged is a guarded case's INSERT that found the
// organisation's settings changed since they were kept.
var errSettingsChanged = errors.New("store: the organisation's settings changed")

// keptSettings are an organisation's settings and their row's version.
type keptSettings struct {
	st      kasuhara.OrgSettings
	version int64
}

// reportSettings returns the settings of orgID and the version to guard
// a report's case with: the kept ones, or, when fresh is set or none are
// kept, those read now (and kept).
func (s *Store) reportSettings(ctx context.Context, orgID string, fresh bool) (*kasuhara.OrgSettings, int64, error) {
	if !fresh {
		if k, ok := s.kept.Load(orgID); ok {
			st := k.(keptSettings).st
			return &st, k.(keptSettings).version, nil
		}
	}
	st, version, err := s.settingsVersion(ctx, s.db.Read, orgID)
	if err != nil {
		return nil, 0, err
	}
	s.kept.Store(orgID, keptSettings{st: *st, version: version})
	return st, version, nil
}

// forgetSettings drops the kept settings of orgID, after a change of them.
func (s *Store) forgetSettings(orgID string) { s.kept.Delete(orgID) }

// guarded files a report: file runs with the settings of orgID and the
// version to guard the case with; when the guard finds the settings
// changed, file runs again with them read anew and no guard.
func (s *Store) guarded(ctx context.Context, orgID string, file func(st *kasuhara.OrgSettings, guard int64) error) error {
	st, version, err := s.reportSettings(ctx, orgID, false)
	if err != nil {
		return err
	}
	err = file(st, version)
	if !errors.Is(err, errSettingsChanged) {
		return err
	}
	if st, _, err = s.reportSettings(ctx, orgID, true); err != nil {
		return err
	}
	return file(st, noGuard)
}

// SetAnonymousChannel implements kasuhara.SettingsService.
func (s *Store) SetAnonymousChannel(ctx context.Context, actor kasuhara.Actor, orgID string, on bool) error {
	if err := s.authorize(ctx, actor, access.ManageSettings, orgID); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		old, err := s.settings(ctx, tx, orgID)
		if err != nil {
			return err
		}
		// The other settings keep their values, or their columns' defaults
		// when none was saved yet.
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_settings (org_id, updated_at, anonymous_channel, anonymous_chosen) VALUES ($1, $2, $3, TRUE)
			ON CONFLICT (org_id) DO UPDATE SET anonymous_channel = excluded.anonymous_channel, anonymous_chosen = TRUE, updated_at = excluded.updated_at`,
			orgID, s.now(), on); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "org.anonymous_channel", objectType: "org", objectID: orgID,
			detail: map[string]any{"on": on, "was": old.AnonymousChannel}})
	})
	s.forgetSettings(orgID)
	return wrap("store.SetAnonymousChannel", err)
}

// SaveSettings implements kasuhara.SettingsService.
func (s *Store) SaveSettings(ctx context.Context, actor kasuhara.Actor, st kasuhara.OrgSettings) error {
	if err := s.authorize(ctx, actor, access.ManageSettings, st.OrgID); err != nil {
		return err
	}
	f := kasuhara.FieldErrors{}
	for field, v := range map[string]string{"acknowledge": st.Acknowledge, "feedback": st.Feedback} {
		if _, err := calendar.ParseDuration(strings.TrimSpace(v)); err != nil {
			f.Add(field, kasuhara.FieldDuration)
		}
	}
	if st.ContactLimitMinutes < 5 || st.ContactLimitMinutes > 240 {
		f.AddError("contact_limit_minutes", kasuhara.Between(kasuhara.FieldRangeMinutes, 5, 240))
	}
	if st.ReviewIncidents == 0 && st.ReviewWindowDays == 0 {
		def := kasuhara.DefaultSettings(st.OrgID)
		st.ReviewIncidents, st.ReviewWindowDays = def.ReviewIncidents, def.ReviewWindowDays
	}
	if st.ReviewIncidents < 2 || st.ReviewIncidents > 100 {
		f.AddError("review_incidents", kasuhara.Between(kasuhara.FieldRange, 2, 100))
	}
	if st.ReviewWindowDays < 7 || st.ReviewWindowDays > 3650 {
		f.AddError("review_window_days", kasuhara.Between(kasuhara.FieldRangeDays, 7, 3650))
	}
	st.WebhookURL = strings.TrimSpace(st.WebhookURL)
	if st.WebhookURL != "" {
		if u, err := url.Parse(st.WebhookURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			f.Add("webhook_url", kasuhara.FieldURL)
		} else if notify.CheckWebhookURL(st.WebhookURL, s.WebhookAllow) != nil {
			f.Add("webhook_url", kasuhara.FieldPrivateAddress)
		}
	}
	if st.DateStyle == "" {
		st.DateStyle = kasuhara.DateStyleWestern
	}
	if !slices.Contains(kasuhara.DateStyles, st.DateStyle) {
		f.AddError("date_style", kasuhara.OneOf(kasuhara.DateStyles...))
	}
	if st.WebhookSecret != "" && len(st.WebhookSecret) < 16 {
		f.AddError("webhook_secret", kasuhara.TooShort(16))
	}
	snd := &st.Sender
	for field, v := range map[string]*string{"legal_name": &snd.LegalName, "address": &snd.Address, "representative": &snd.Representative,
		"contact_phone": &snd.Phone, "contact_desk": &snd.Desk, "contact_hours": &snd.Hours} {
		*v = strings.TrimSpace(*v)
		if utf8.RuneCountInString(*v) > kasuhara.MaxSenderText {
			f.Add(field, kasuhara.FieldTooLong)
		} else if strings.ContainsRune(*v, 0) {
			f.Add(field, kasuhara.FieldMalformed)
		}
	}
	for _, d := range st.CheckinDays {
		if d < 1 || d > kasuhara.MaxCheckinDay {
			f.AddError("checkin_days", kasuhara.Between(kasuhara.FieldRangeDays, 1, kasuhara.MaxCheckinDay))
		}
	}
	if len(st.CheckinDays) > kasuhara.MaxCheckinDays {
		f.AddError("checkin_days", kasuhara.AtMost(kasuhara.MaxCheckinDays))
	}
	if st.ServiceDuties = strings.TrimSpace(st.ServiceDuties); utf8.RuneCountInString(st.ServiceDuties) > kasuhara.MaxLongText {
		f.Add("service_duties", kasuhara.FieldTooLong)
	} else if strings.ContainsRune(st.ServiceDuties, 0) {
		f.Add("service_duties", kasuhara.FieldMalformed)
	}
	if st.OrgName = strings.TrimSpace(st.OrgName); st.OrgName != "" {
		if fe := (kasuhara.NewOrg{Slug: "x", Name: st.OrgName}).Validate(); fe != nil {
			f.Add("org_name", kasuhara.ErrorFields(fe)["name"].Code)
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		renamed := false
		if st.OrgName != "" {
			res, err := tx.ExecContext(ctx, "UPDATE orgs SET name = $1 WHERE id = $2 AND name <> $1", st.OrgName, st.OrgID)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			renamed = n > 0
		}
		old, err := s.settings(ctx, tx, st.OrgID)
		if err != nil {
			return err
		}
		if st.WebhookSecret == "" {
			st.WebhookSecret = old.WebhookSecret
		}
		if st.WebhookURL != "" && st.WebhookSecret == "" {
			return kasuhara.InvalidField("webhook_secret", kasuhara.FieldRequired)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_settings (org_id, acknowledge, feedback, public_holidays, year_end_closure,
			contact_limit_minutes, webhook_url, webhook_secret, updated_at, review_incidents, review_window_days,
			legal_name, address, representative, contact_phone, contact_desk, checkin_days, date_style, service_duties, contact_hours)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
			ON CONFLICT (org_id) DO UPDATE SET acknowledge = excluded.acknowledge, feedback = excluded.feedback,
			public_holidays = excluded.public_holidays, year_end_closure = excluded.year_end_closure,
			contact_limit_minutes = excluded.contact_limit_minutes, webhook_url = excluded.webhook_url,
			webhook_secret = excluded.webhook_secret, updated_at = excluded.updated_at,
			review_incidents = excluded.review_incidents, review_window_days = excluded.review_window_days,
			legal_name = excluded.legal_name, address = excluded.address, representative = excluded.representative,
			contact_phone = excluded.contact_phone, contact_desk = excluded.contact_desk, checkin_days = excluded.checkin_days,
			date_style = excluded.date_style, service_duties = excluded.service_duties,
			contact_hours = excluded.contact_hours`,
			st.OrgID, strings.TrimSpace(st.Acknowledge), strings.TrimSpace(st.Feedback), st.PublicHolidays, st.YearEndClosure,
			st.ContactLimitMinutes, st.WebhookURL, st.WebhookSecret, s.now(), st.ReviewIncidents, st.ReviewWindowDays,
			snd.LegalName, snd.Address, snd.Representative, snd.Phone, snd.Desk, checkinDaysValue(st.CheckinDays), st.DateStyle, st.ServiceDuties, snd.Hours); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: st.OrgID, action: "org.settings", objectType: "org", objectID: st.OrgID,
			detail: map[string]any{"acknowledge": st.Acknowledge, "feedback": st.Feedback, "public_holidays": st.PublicHolidays,
				"year_end_closure": st.YearEndClosure, "contact_limit_minutes": st.ContactLimitMinutes, "webhook": st.WebhookURL != "", "sender": *snd,
				"date_style": st.DateStyle, "renamed": renamed, "checkin_days": st.CheckinDays, "service_duties": st.ServiceDuties != ""}})
	})
	s.forgetSettings(st.OrgID)
	return wrap("store.SaveSettings", err)
}

// checkinDaysValue is days as the column keeps them: "30,90".
func checkinDaysValue(days []int) string {
	return strings.ReplaceAll(kasuhara.FormatCheckinDays(slices.Sorted(slices.Values(days))), " ", "")
}

// calendarOf is the working calendar of the settings.
func calendarOf(st *kasuhara.OrgSettings, around time.Time) calendar.Calendar {
	return calendar.Working(st.PublicHolidays, st.YearEndClosure, around)
}

// deadlines returns when the acknowledge and feedback clocks of a case
// opened at start run out, by the organisation's settings (read once for
// both) and calendar.
func (s *Store) deadlines(ctx context.Context, orgID string, start time.Time) (acknowledge, feedback time.Time, err error) {
	st, err := s.settings(ctx, s.db.Read, orgID)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("settings: %w", err)
	}
	acknowledge, feedback = clocksOf(st, start)
	return acknowledge, feedback, nil
}

// clocksOf returns when the acknowledge and feedback clocks of a case
// opened at start run out under the settings st.
func clocksOf(st *kasuhara.OrgSettings, start time.Time) (acknowledge, feedback time.Time) {
	cal := calendarOf(st, start)
	clock := func(v string, def calendar.Duration) time.Time {
		d, err := calendar.ParseDuration(v)
		if err != nil {
			d = def
		}
		return audit.Normalize(cal.Deadline(start, d))
	}
	return clock(st.Acknowledge, calendar.DefaultAcknowledge), clock(st.Feedback, calendar.DefaultFeedback)
}

// Backup kinds (RecordBackup).
const (
	BackupCopy     = "copy"     // kasuhara backup wrote a copy of the database
	BackupExternal = "external" // an operator took one otherwise (pg_dump)
)

// RecordBackup records that a backup of the installation was taken now.
func (s *Store) RecordBackup(ctx context.Context, kind string) error {
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO backups (at, kind) VALUES ($1, $2)", s.now(), kind)
		return err
	})
	return wrap("store.RecordBackup", err)
}

// LastBackup implements kasuhara.SettingsService.
func (s *Store) LastBackup(ctx context.Context) (time.Time, error) {
	var at sql.NullTime
	if err := s.db.Read.QueryRowContext(ctx, "SELECT at FROM backups ORDER BY at DESC LIMIT 1").Scan(&at); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("store.LastBackup: %w", err)
	}
	return at.Time.UTC(), nil
}

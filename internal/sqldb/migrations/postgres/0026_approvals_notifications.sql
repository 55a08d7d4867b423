-- Issue 19: approvals that reach the approver, notifications that say what
-- changed, and a daily digest by mail.
-- The approver's comment on a measure (a rejection's comment is its
-- lift_reason, the rejecter its lifted_by).
ALTER TABLE measures ADD COLUMN approval_comment TEXT NOT NULL DEFAULT '';
-- What changed, as a code and never a narrative: the new state of a case,
-- the clock that ran out (acknowledge, feedback), a measure's level.
-- For a measure.* notification case_id holds the customer's id and
-- case_ref the measure's reference (M-…).
ALTER TABLE notifications ADD COLUMN detail TEXT NOT NULL DEFAULT '';
CREATE INDEX notifications_user_case ON notifications (user_id, case_id, created_at);
-- A user who chose the daily digest gets one mail a day with their unread
-- notifications instead of a mail per event.
ALTER TABLE users ADD COLUMN mail_digest BOOLEAN NOT NULL DEFAULT FALSE;

-- Issue 21: the count of a person's unread notifications, which every page
-- shows in its menu, walked all of the person's notifications and read each
-- row for its read_at: a desk member of a large organisation receives one
-- for every report, and the desk's queue page spent nine tenths of its time
-- counting them (docs/performance.md). The count now walks the unread ones
-- alone, and at most 100 of them (the menu shows 99+).
CREATE INDEX notifications_unread ON notifications (user_id, read_at) WHERE read_at IS NULL;

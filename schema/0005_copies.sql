-- 0005: events analyze met twice in an hour (the same type and event id:
-- a spool file shipped again under another name, a doubled line) and
-- counted once; the copies are not in any rollup, so they are kept here.
ALTER TABLE analysed_hours
  ADD COLUMN IF NOT EXISTS copies BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER invalid_events;

-- 0006: the judgement over the day (adlog-analyze --day, docs/analyze.md).
-- marks_digest: the digest of the day pass's marks this hour's rows were
-- judged with (the marks of the hour's own day); NULL while the day pass
-- has not run on the hour's day: the hour's figures are provisional
-- (docs/analysts.md, "When an hour's figures are final").  loads: how
-- many times the hour's rows were replaced (1 on the first load).
ALTER TABLE analysed_hours
  ADD COLUMN IF NOT EXISTS marks_digest VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL DEFAULT NULL AFTER analyzer_version,
  ADD COLUMN IF NOT EXISTS loads INT UNSIGNED NOT NULL DEFAULT 1 AFTER marks_digest;

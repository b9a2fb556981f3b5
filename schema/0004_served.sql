-- 0004_served.sql - ads served and renders reported (event format v2): the
-- tag and the iframe ask for an ad ('s', served, never billed) and report
-- when it renders (an impression under the served ad's id).
--
-- served: ads answered to /ad or /f in the row; rendered: the row's
-- impressions that are such render reports (valid or not; /i pixels are
-- impressions but not renders).  served - rendered is the row's ads served
-- but never rendered (a render in the next hour counts there).
ALTER TABLE stats_hourly
  ADD COLUMN IF NOT EXISTS served BIGINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS rendered BIGINT UNSIGNED NOT NULL DEFAULT 0;

ALTER TABLE stats_daily
  ADD COLUMN IF NOT EXISTS served BIGINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS rendered BIGINT UNSIGNED NOT NULL DEFAULT 0;

-- ads served but never rendered, per day, publisher and zone: bots fetch
-- ads, people render them.  unrendered_share is of the served ads.
CREATE OR REPLACE VIEW unrendered_daily AS
SELECT s.day, s.publisher_id, s.zone_id,
       SUM(s.served) AS served,
       SUM(s.rendered) AS rendered,
       CAST(GREATEST(CAST(SUM(s.served) AS SIGNED) - CAST(SUM(s.rendered) AS SIGNED), 0)
            AS UNSIGNED) AS unrendered,
       1 - LEAST(SUM(s.rendered), SUM(s.served)) / NULLIF(SUM(s.served), 0)
           AS unrendered_share
FROM stats_daily s
GROUP BY s.day, s.publisher_id, s.zone_id
HAVING SUM(s.served) > 0;

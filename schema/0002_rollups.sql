-- 0002_rollups.sql - what adlog-analyze writes: statistics per hour and day,
-- invalid events with their reasons, the daily publisher verdict, and the
-- bookkeeping that makes every hour count exactly once.
--
-- Analyze replaces all rows of an hour (stats_hourly, invalid_hourly,
-- analysed_hours) in one transaction, then the rows of its day (stats_daily,
-- publisher_daily, analysed_days).  Rollup rows carry the ids found in the
-- events, so they have no foreign keys: an id unknown to the inventory (or
-- deleted from it later) is still counted.  hour is the UTC start of the
-- hour; day is the UTC date.  Counts and money are BIGINT UNSIGNED; money is
-- micro-units, from valid events only.

-- impressions/clicks: every event of the row; valid_*: those billed.
-- uniques_est: estimated distinct visitors of this row (HyperLogLog), not
-- additive across rows.  spend_micros: what the advertiser pays for the
-- valid events; earnings_micros: the publisher's share of it.
CREATE TABLE IF NOT EXISTS stats_hourly (
  hour DATETIME NOT NULL,
  publisher_id INT UNSIGNED NOT NULL,
  zone_id INT UNSIGNED NOT NULL,
  campaign_id INT UNSIGNED NOT NULL,
  ad_id INT UNSIGNED NOT NULL,
  impressions BIGINT UNSIGNED NOT NULL DEFAULT 0,
  clicks BIGINT UNSIGNED NOT NULL DEFAULT 0,
  valid_impressions BIGINT UNSIGNED NOT NULL DEFAULT 0,
  valid_clicks BIGINT UNSIGNED NOT NULL DEFAULT 0,
  uniques_est BIGINT UNSIGNED NOT NULL DEFAULT 0,
  spend_micros BIGINT UNSIGNED NOT NULL DEFAULT 0,
  earnings_micros BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (hour, publisher_id, zone_id, campaign_id, ad_id),
  KEY stats_hourly_publisher (publisher_id, hour),
  KEY stats_hourly_campaign (campaign_id, hour)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS stats_daily (
  day DATE NOT NULL,
  publisher_id INT UNSIGNED NOT NULL,
  zone_id INT UNSIGNED NOT NULL,
  campaign_id INT UNSIGNED NOT NULL,
  ad_id INT UNSIGNED NOT NULL,
  impressions BIGINT UNSIGNED NOT NULL DEFAULT 0,
  clicks BIGINT UNSIGNED NOT NULL DEFAULT 0,
  valid_impressions BIGINT UNSIGNED NOT NULL DEFAULT 0,
  valid_clicks BIGINT UNSIGNED NOT NULL DEFAULT 0,
  uniques_est BIGINT UNSIGNED NOT NULL DEFAULT 0,
  spend_micros BIGINT UNSIGNED NOT NULL DEFAULT 0,
  earnings_micros BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (day, publisher_id, zone_id, campaign_id, ad_id),
  KEY stats_daily_publisher (publisher_id, day),
  KEY stats_daily_campaign (campaign_id, day)
) ENGINE=InnoDB;

-- one row per hour, zone, ad, event type and reason: events not billed.
-- reason is a short code (docs/rules.md), one per event: the first rule
-- that fired, in the order the rules are documented.
CREATE TABLE IF NOT EXISTS invalid_hourly (
  hour DATETIME NOT NULL,
  publisher_id INT UNSIGNED NOT NULL,
  zone_id INT UNSIGNED NOT NULL,
  campaign_id INT UNSIGNED NOT NULL,
  ad_id INT UNSIGNED NOT NULL,
  type ENUM('impression','click') NOT NULL,
  reason VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  events BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (hour, publisher_id, zone_id, campaign_id, ad_id, type, reason),
  KEY invalid_hourly_reason (reason, hour),
  KEY invalid_hourly_publisher (publisher_id, hour)
) ENGINE=InnoDB;

-- the daily publisher verdict.  fraud_score 0 (clean) .. 1 (certain);
-- flagged = 1 when the score passes the configured threshold.  reasons:
-- comma-separated codes of the publisher rules that fired (docs/rules.md),
-- '' when none; details: free text for a person (figures behind each reason).
CREATE TABLE IF NOT EXISTS publisher_daily (
  day DATE NOT NULL,
  publisher_id INT UNSIGNED NOT NULL,
  impressions BIGINT UNSIGNED NOT NULL DEFAULT 0,
  clicks BIGINT UNSIGNED NOT NULL DEFAULT 0,
  valid_impressions BIGINT UNSIGNED NOT NULL DEFAULT 0,
  valid_clicks BIGINT UNSIGNED NOT NULL DEFAULT 0,
  fraud_score DOUBLE NOT NULL DEFAULT 0,
  flagged TINYINT(1) NOT NULL DEFAULT 0,
  reasons VARCHAR(1024) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  details TEXT NULL,
  PRIMARY KEY (day, publisher_id),
  KEY publisher_daily_publisher (publisher_id, day),
  KEY publisher_daily_score (day, fraud_score)
) ENGINE=InnoDB;

-- which segments each hour was analysed from.  segments_checksum: a digest
-- of the sorted segment names and sizes (hex); a segment added or changed
-- later makes it differ, which is how --pending finds the hour again.
-- segments: the list itself, for a person.  events: events read.
CREATE TABLE IF NOT EXISTS analysed_hours (
  hour DATETIME NOT NULL,
  segments_checksum VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  segments MEDIUMTEXT NOT NULL,
  events BIGINT UNSIGNED NOT NULL DEFAULT 0,
  invalid_events BIGINT UNSIGNED NOT NULL DEFAULT 0,
  analysed_at DATETIME(3) NOT NULL,
  duration_ms INT UNSIGNED NOT NULL DEFAULT 0,
  analyzer_version VARCHAR(32) NOT NULL DEFAULT '',
  PRIMARY KEY (hour),
  KEY analysed_hours_at (analysed_at)
) ENGINE=InnoDB;

-- which hours each day's rows (stats_daily, publisher_daily) were built
-- from: hours_checksum is a digest of the day's analysed_hours checksums.
CREATE TABLE IF NOT EXISTS analysed_days (
  day DATE NOT NULL,
  hours SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  hours_checksum VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  analysed_at DATETIME(3) NOT NULL,
  PRIMARY KEY (day)
) ENGINE=InnoDB;

#!/usr/bin/env bash
# t6005: every ```sql block of docs/analysts.md runs without error, as user
# adlog, against the real schema holding the sample inventory and a small
# set of consistent rollups (yesterday, today, last month).  A block whose
# introduction says "(no rows)" must return none, and must return some once
# a rollup row is made inconsistent (so the check can fail); every other
# block must return rows.  The views' figures are checked by hand too.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/mariadb.sh"
source "$(dirname "$0")/lib/analysts.sh"
A=$BUILD/adlog-admin

start_mariadb
"$A" migrate >/dev/null
"$A" load-sample >/dev/null

# rollups as analyze would leave them: daily rows, invalid rows and the
# bookkeeping all derived from the hourly rows, so the totals agree
sql <<'SQL'
SET time_zone = '+00:00';
SET @d1 = CAST(CURDATE() - INTERVAL 1 DAY AS DATETIME);
SET @lm = CAST(DATE_FORMAT(CURDATE() - INTERVAL 1 MONTH, '%Y-%m-03') AS DATETIME);
CREATE TEMPORARY TABLE fx_hours (hour DATETIME);
INSERT INTO fx_hours VALUES (@d1 + INTERVAL 10 HOUR), (@d1 + INTERVAL 11 HOUR),
  (CAST(CURDATE() AS DATETIME)), (@lm + INTERVAL 12 HOUR);
CREATE TEMPORARY TABLE fx_keys (publisher_id INT, zone_id INT, campaign_id INT,
  ad_id INT, imps INT, clicks INT, vimps INT, vclicks INT);
INSERT INTO fx_keys VALUES
  (1, 1, 1, 1, 1000, 12, 980, 10),
  (1, 2, 2, 4, 800, 9, 790, 8),
  (2, 3, 1, 1, 500, 4, 500, 4),
  (3, 5, 2, 3, 600, 90, 420, 12);
INSERT INTO stats_hourly (hour, publisher_id, zone_id, campaign_id, ad_id,
  impressions, clicks, valid_impressions, valid_clicks, uniques_est,
  spend_micros, earnings_micros, served, rendered)
SELECT h.hour, k.publisher_id, k.zone_id, k.campaign_id, k.ad_id,
  k.imps, k.clicks, k.vimps, k.vclicks, k.vimps DIV 3,
  IF(c.pricing = 'CPM', k.vimps * c.price_micros DIV 1000, k.vclicks * c.price_micros),
  IF(c.pricing = 'CPM', k.vimps * c.price_micros DIV 1000, k.vclicks * c.price_micros)
    * p.revenue_share_bp DIV 10000,
  IF(k.publisher_id = 3, 3 * k.imps, k.imps + 10), k.imps
FROM fx_hours h CROSS JOIN fx_keys k
JOIN campaigns c ON c.id = k.campaign_id JOIN publishers p ON p.id = k.publisher_id;
INSERT INTO invalid_hourly (hour, publisher_id, zone_id, campaign_id, ad_id, type, reason, events)
SELECT hour, publisher_id, zone_id, campaign_id, ad_id, 'impression', 'bot_ua',
  impressions - valid_impressions FROM stats_hourly WHERE impressions > valid_impressions;
INSERT INTO invalid_hourly (hour, publisher_id, zone_id, campaign_id, ad_id, type, reason, events)
SELECT hour, publisher_id, zone_id, campaign_id, ad_id, 'click', 'dup_click',
  clicks - valid_clicks FROM stats_hourly WHERE clicks > valid_clicks;
INSERT INTO stats_daily
SELECT CAST(hour AS DATE), publisher_id, zone_id, campaign_id, ad_id,
  SUM(impressions), SUM(clicks), SUM(valid_impressions), SUM(valid_clicks),
  MAX(uniques_est), SUM(spend_micros), SUM(earnings_micros), SUM(served),
  SUM(rendered)
FROM stats_hourly GROUP BY CAST(hour AS DATE), publisher_id, zone_id, campaign_id, ad_id;
INSERT INTO analysed_hours (hour, segments_checksum, segments, events, invalid_events, analysed_at)
SELECT hour, 'fixture', 'fixture', SUM(impressions + clicks),
  SUM(impressions + clicks - valid_impressions - valid_clicks), NOW(3)
FROM stats_hourly GROUP BY hour;
-- the day pass has judged every day before today: only today provisional
UPDATE analysed_hours SET marks_digest = 'fixture' WHERE hour < CURDATE();
INSERT INTO publisher_daily (day, publisher_id, impressions, clicks, valid_impressions,
  valid_clicks, fraud_score, flagged, reasons, details, evidence, suffered)
SELECT day, publisher_id, SUM(impressions), SUM(clicks), SUM(valid_impressions),
  SUM(valid_clicks), IF(publisher_id = 3, 14.2, 0.05), publisher_id = 3,
  IF(publisher_id = 3, 'ctr_high,click_addr_concentration', ''),
  IF(publisher_id = 3, 'CTR 15 % against 1.1 % for peers', NULL),
  IF(publisher_id = 3, 'ctr_high=14.2,click_addr_concentration=8.1', ''),
  IF(publisher_id = 3, 'givt=120,dup_click=156', '')
FROM stats_daily GROUP BY day, publisher_id;
SQL

n=$(analysts_blocks "$T")
[ "$n" -ge 10 ] || fail "found only $n sql blocks in docs/analysts.md"
analysts_run sql_adlog "$T" || fail "docs/analysts.md has queries that do not hold"

# the views, by hand: campaign 2 yesterday (CPC 0.40): ads 4 and 3, 2 hours
expect_eq "campaign 2 valid clicks yesterday" 40 \
	"$(sql "SELECT valid_clicks FROM campaign_delivery_daily WHERE campaign_id = 2 AND day = CURDATE() - INTERVAL 1 DAY")"
expect_eq "campaign 2 spend yesterday" "16000000	16.000000" \
	"$(sql "SELECT spend_micros, spend FROM campaign_delivery_daily WHERE campaign_id = 2 AND day = CURDATE() - INTERVAL 1 DAY")"
expect_eq "campaign 2 CTR yesterday (40 / 2420)" "0.0165" \
	"$(sql "SELECT ROUND(ctr, 4) FROM campaign_delivery_daily WHERE campaign_id = 2 AND day = CURDATE() - INTERVAL 1 DAY")"
# publisher 1 yesterday, 2 hours, share 70 %: CPM 2.50 x 980 / 1000 = 2.45,
# CPC 0.40 x 8 = 3.20; (2.45 + 3.20) x 0.7 x 2 = 7.91
expect_eq "publisher 1 earnings yesterday" "7910000" \
	"$(sql "SELECT earnings_micros FROM publisher_earnings_daily WHERE publisher_id = 1 AND day = CURDATE() - INTERVAL 1 DAY")"
expect_eq "invalid clicks of publisher 3 yesterday" "click	dup_click	156" \
	"$(sql "SELECT type, reason, events FROM invalid_by_reason_daily WHERE publisher_id = 3 AND type = 'click' AND day = CURDATE() - INTERVAL 1 DAY")"

# publisher 3 yesterday: 600 rendered of 1800 served, 2 hours
expect_eq "unrendered of zone 5 yesterday" "3600	1200	2400	0.6667" \
	"$(sql "SELECT served, rendered, unrendered, ROUND(unrendered_share, 4) FROM unrendered_daily WHERE zone_id = 5 AND day = CURDATE() - INTERVAL 1 DAY")"

# the consistency checks can fail: one hourly row off by one
sql "UPDATE stats_hourly SET impressions = impressions + 1, valid_impressions = valid_impressions + 1 WHERE publisher_id = 2 ORDER BY hour LIMIT 1"
for q in "$T"/q*.sql; do
	[ "$(cat "${q%.sql}.expect")" = none ] || continue
	rows=$(sql_adlog <"$q" | grep -c . || true)
	[ "$rows" -gt 0 ] || fail "check ${q##*/} does not see an inconsistent row"
	pass "${q##*/} sees the inconsistent row"
done
echo "t6005 ok"

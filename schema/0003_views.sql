-- 0003_views.sql - the questions analysts ask every day (docs/analysts.md).
-- Money columns ending in _micros are exact; the DECIMAL ones beside them
-- are the same amount in currency units, for reading.

-- a publisher's traffic and earnings per day
CREATE OR REPLACE VIEW publisher_earnings_daily AS
SELECT s.day, s.publisher_id, p.name AS publisher,
       SUM(s.impressions) AS impressions,
       SUM(s.valid_impressions) AS valid_impressions,
       SUM(s.clicks) AS clicks,
       SUM(s.valid_clicks) AS valid_clicks,
       SUM(s.earnings_micros) AS earnings_micros,
       CAST(SUM(s.earnings_micros) / 1000000 AS DECIMAL(20,6)) AS earnings
FROM stats_daily s
LEFT JOIN publishers p ON p.id = s.publisher_id
GROUP BY s.day, s.publisher_id, p.name;

-- a campaign's delivery per day: valid impressions and clicks, CTR of
-- valid events, what it spent, and the share of its traffic that was invalid
CREATE OR REPLACE VIEW campaign_delivery_daily AS
SELECT s.day, s.campaign_id, c.name AS campaign, c.advertiser_id, c.pricing,
       SUM(s.impressions) AS impressions,
       SUM(s.valid_impressions) AS valid_impressions,
       SUM(s.clicks) AS clicks,
       SUM(s.valid_clicks) AS valid_clicks,
       SUM(s.valid_clicks) / NULLIF(SUM(s.valid_impressions), 0) AS ctr,
       1 - (SUM(s.valid_impressions) + SUM(s.valid_clicks))
           / NULLIF(SUM(s.impressions) + SUM(s.clicks), 0) AS invalid_share,
       SUM(s.spend_micros) AS spend_micros,
       CAST(SUM(s.spend_micros) / 1000000 AS DECIMAL(20,6)) AS spend
FROM stats_daily s
LEFT JOIN campaigns c ON c.id = s.campaign_id
GROUP BY s.day, s.campaign_id, c.name, c.advertiser_id, c.pricing;

-- invalid events per day, publisher, event type and reason
CREATE OR REPLACE VIEW invalid_by_reason_daily AS
SELECT CAST(i.hour AS DATE) AS day, i.publisher_id, i.type, i.reason,
       SUM(i.events) AS events
FROM invalid_hourly i
GROUP BY CAST(i.hour AS DATE), i.publisher_id, i.type, i.reason;

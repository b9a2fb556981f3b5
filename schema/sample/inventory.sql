-- sample/inventory.sql - a small inventory for tests and `make demo`; not a
-- migration.  Load it with `adlog-admin load-sample` (one transaction; safe
-- to run again: rows are upserted by id).  Domains use the reserved
-- .example TLD; URLs point at example.com.
--
--   advertisers 1-3; campaigns 1-5:
--     1 CPM 2.50/1000, 300x250 and 728x90 ads      active, open-ended
--     2 CPC 0.40/click, 300x250 and 728x90 ads     active, open-ended
--     3 CPC 0.10/click, 1x1 pixel ad clickable unsigned (newsletter link)
--     4 CPM 1.00/1000, paused
--     5 CPM 3.00/1000, ended 2021-01-31 (serve checks the dates)
--   publishers 1-4 with domains; zones 1-7 (300x250, 728x90, one 1x1)

INSERT INTO advertisers (id, name) VALUES
  (1, 'Acme Shoes'),
  (2, 'Globex Travel'),
  (3, 'Initech Mail')
ON DUPLICATE KEY UPDATE name = VALUES(name);

INSERT INTO campaigns (id, advertiser_id, name, pricing, price_micros, start_at, end_at, status) VALUES
  (1, 1, 'Acme spring CPM', 'CPM', 2500000, '2020-01-01 00:00:00', NULL, 'active'),
  (2, 2, 'Globex flights CPC', 'CPC', 400000, '2020-01-01 00:00:00', NULL, 'active'),
  (3, 3, 'Initech newsletter CPC', 'CPC', 100000, '2020-01-01 00:00:00', NULL, 'active'),
  (4, 1, 'Acme outlet CPM', 'CPM', 1000000, '2020-01-01 00:00:00', NULL, 'paused'),
  (5, 2, 'Globex winter 2020 CPM', 'CPM', 3000000, '2020-11-01 00:00:00', '2021-01-31 00:00:00', 'active')
ON DUPLICATE KEY UPDATE advertiser_id = VALUES(advertiser_id), name = VALUES(name),
  pricing = VALUES(pricing), price_micros = VALUES(price_micros),
  start_at = VALUES(start_at), end_at = VALUES(end_at), status = VALUES(status);

INSERT INTO ads (id, campaign_id, name, width, height, weight, unsigned_ok, image_url, landing_url) VALUES
  (1, 1, 'Acme box', 300, 250, 3, 0, 'https://cdn.example.com/acme/box-300x250.png', 'https://acme.example.com/spring?src=adlog'),
  (2, 1, 'Acme leaderboard', 728, 90, 1, 0, 'https://cdn.example.com/acme/lb-728x90.png', 'https://acme.example.com/spring?src=adlog'),
  (3, 2, 'Globex box', 300, 250, 2, 0, 'https://cdn.example.com/globex/box-300x250.gif', 'https://globex.example.com/flights'),
  (4, 2, 'Globex leaderboard', 728, 90, 2, 0, 'https://cdn.example.com/globex/lb-728x90.gif', 'https://globex.example.com/flights'),
  (5, 3, 'Initech pixel', 1, 1, 1, 1, 'https://cdn.example.com/initech/pixel.gif', 'https://initech.example.com/offer'),
  (6, 4, 'Acme outlet box', 300, 250, 1, 0, 'https://cdn.example.com/acme/outlet-300x250.png', 'https://acme.example.com/outlet'),
  (7, 5, 'Globex winter box', 300, 250, 1, 0, 'https://cdn.example.com/globex/winter-300x250.gif', 'https://globex.example.com/winter'),
  (8, 2, 'Globex box, retired', 300, 250, 0, 0, 'https://cdn.example.com/globex/old-300x250.gif', 'https://globex.example.com/')
ON DUPLICATE KEY UPDATE campaign_id = VALUES(campaign_id), name = VALUES(name),
  width = VALUES(width), height = VALUES(height), weight = VALUES(weight),
  unsigned_ok = VALUES(unsigned_ok), image_url = VALUES(image_url),
  landing_url = VALUES(landing_url);

INSERT INTO publishers (id, name, revenue_share_bp) VALUES
  (1, 'Daily News', 7000),
  (2, 'Recipe Blog', 6500),
  (3, 'Game Forum', 6000),
  (4, 'Initech Newsletter', 5000)
ON DUPLICATE KEY UPDATE name = VALUES(name), revenue_share_bp = VALUES(revenue_share_bp);

INSERT IGNORE INTO publisher_domains (publisher_id, domain) VALUES
  (1, 'dailynews.example'),
  (1, 'dailynews-cdn.example'),
  (2, 'recipes.example'),
  (3, 'gameforum.example'),
  (4, 'mail.initech.example');

INSERT INTO zones (id, publisher_id, name, width, height) VALUES
  (1, 1, 'news article box', 300, 250),
  (2, 1, 'news top banner', 728, 90),
  (3, 2, 'recipe sidebar', 300, 250),
  (4, 2, 'recipe top banner', 728, 90),
  (5, 3, 'forum sidebar', 300, 250),
  (6, 3, 'forum top banner', 728, 90),
  (7, 4, 'newsletter pixel', 1, 1)
ON DUPLICATE KEY UPDATE publisher_id = VALUES(publisher_id), name = VALUES(name),
  width = VALUES(width), height = VALUES(height);

-- 0001_inventory.sql - what is sold and where: advertisers, their campaigns
-- and ads, publishers with their registered domains, and their zones.
-- adlog-admin export-inventory turns these tables into serve's inventory
-- file.  Ids are 1..4294967295 (the inventory file's range).  Money is
-- BIGINT micro-units of the account currency (1 unit = 1,000,000 micros),
-- never a float.  Times are UTC (adlog sets time_zone = '+00:00').

CREATE TABLE IF NOT EXISTS advertisers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  name VARCHAR(255) NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- pricing CPM: price_micros per 1000 valid impressions; CPC: per valid click.
-- status: active and paused campaigns are exported (serve also checks the
-- dates); archived ones are not.  end_at NULL means open-ended; dates lie
-- before 2100 (serve's limit).
CREATE TABLE IF NOT EXISTS campaigns (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  advertiser_id INT UNSIGNED NOT NULL,
  name VARCHAR(255) NOT NULL,
  pricing ENUM('CPM','CPC') NOT NULL,
  price_micros BIGINT UNSIGNED NOT NULL,
  start_at DATETIME NOT NULL,
  end_at DATETIME NULL,
  status ENUM('active','paused','archived') NOT NULL DEFAULT 'active',
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY campaigns_advertiser (advertiser_id),
  CONSTRAINT campaigns_advertiser_fk FOREIGN KEY (advertiser_id) REFERENCES advertisers (id),
  CONSTRAINT campaigns_dates CHECK (end_at IS NULL OR end_at > start_at),
  CONSTRAINT campaigns_range CHECK (start_at >= '1970-01-02' AND start_at < '2100-01-01'
    AND (end_at IS NULL OR end_at <= '2100-01-01'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- weight 0 keeps an ad out of rotation (at most 10^9).  URLs: http(s), at
-- most 2000 bytes, no space, control byte or quote (serve's limits).  unsigned_ok = 1: a click without a
-- token (a static link, e.g. in a newsletter) is still billable.
CREATE TABLE IF NOT EXISTS ads (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  campaign_id INT UNSIGNED NOT NULL,
  name VARCHAR(255) NOT NULL DEFAULT '',
  width SMALLINT UNSIGNED NOT NULL,
  height SMALLINT UNSIGNED NOT NULL,
  weight INT UNSIGNED NOT NULL DEFAULT 1,
  unsigned_ok TINYINT(1) NOT NULL DEFAULT 0,
  image_url VARCHAR(2000) NOT NULL,
  landing_url VARCHAR(2000) NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY ads_campaign (campaign_id),
  KEY ads_size (width, height),
  CONSTRAINT ads_campaign_fk FOREIGN KEY (campaign_id) REFERENCES campaigns (id),
  CONSTRAINT ads_size_positive CHECK (width > 0 AND height > 0),
  CONSTRAINT ads_weight_range CHECK (weight <= 1000000000),
  CONSTRAINT ads_unsigned_bool CHECK (unsigned_ok IN (0, 1)),
  CONSTRAINT ads_image_url CHECK (image_url REGEXP '^https?://[^[:space:][:cntrl:]"\']+$'),
  CONSTRAINT ads_landing_url CHECK (landing_url REGEXP '^https?://[^[:space:][:cntrl:]"\']+$')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- revenue_share_bp: the publisher's share of spend in basis points
-- (7000 = 70 %).
CREATE TABLE IF NOT EXISTS publishers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  name VARCHAR(255) NOT NULL,
  revenue_share_bp SMALLINT UNSIGNED NOT NULL DEFAULT 7000,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  CONSTRAINT publishers_share CHECK (revenue_share_bp <= 10000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- registered domains, lower case, without "www."; a referer on the domain
-- or any subdomain of it counts as the publisher's own.
CREATE TABLE IF NOT EXISTS publisher_domains (
  publisher_id INT UNSIGNED NOT NULL,
  domain VARCHAR(253) NOT NULL,
  PRIMARY KEY (publisher_id, domain),
  KEY publisher_domains_domain (domain),
  CONSTRAINT publisher_domains_fk FOREIGN KEY (publisher_id) REFERENCES publishers (id) ON DELETE CASCADE,
  CONSTRAINT publisher_domains_syntax CHECK (domain REGEXP '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS zones (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  publisher_id INT UNSIGNED NOT NULL,
  name VARCHAR(255) NOT NULL DEFAULT '',
  width SMALLINT UNSIGNED NOT NULL,
  height SMALLINT UNSIGNED NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY zones_publisher (publisher_id),
  CONSTRAINT zones_publisher_fk FOREIGN KEY (publisher_id) REFERENCES publishers (id),
  CONSTRAINT zones_size_positive CHECK (width > 0 AND height > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

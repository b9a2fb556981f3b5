-- 0007_scores: publisher_daily says what each score rests on.
-- fraud_score is now the strength of the evidence, uncapped: -log10 of the
-- smallest p-value of the publisher tests, Sidak-corrected for the tests
-- run (0 = no evidence; flagged = 1 from -log10 pub_alpha, 6 by default;
-- docs/rules.md "Publisher scores").  The column stays DOUBLE.
-- evidence: the tests the score rests on, "test=evidence" strongest first
-- ("one_shot_clicks=14.2,ctr_high=8.1"), those at 1 or more; '' if none.
-- suffered: traffic the publisher suffers, counted and not scored
-- ("givt=120,imp_flood=199"); '' if none.
ALTER TABLE publisher_daily
  ADD COLUMN IF NOT EXISTS evidence VARCHAR(1024) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '' AFTER details;

ALTER TABLE publisher_daily
  ADD COLUMN IF NOT EXISTS suffered VARCHAR(1024) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '' AFTER evidence;

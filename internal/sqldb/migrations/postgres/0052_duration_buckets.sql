-- Issue 21: statistics over three years read ~80,000 counters at a million
-- cases, nearly all of them the buckets of the times to acknowledge and to
-- resolve (a minute wide below 2 hours, 10 minutes below 2 days, an hour
-- below 30 days, a day beyond). The buckets are now at most 5 % of their
-- lower bound wide from 40 minutes on (kasuhara.DurationBucket; its bounds
-- as of this migration are listed below). Every new bound is on the old
-- grid, so each old bucket lies whole in one new one: its count is added
-- there, and the counters are those a count of the cases would give.
-- Purged cases' counters (case_stats_purged) are re-bucketed the same way.
CREATE TABLE duration_bounds_0052 (lo INTEGER PRIMARY KEY);
INSERT INTO duration_bounds_0052 (lo) VALUES
	(0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11),
	(12), (13), (14), (15), (16), (17), (18), (19), (20), (21), (22), (23),
	(24), (25), (26), (27), (28), (29), (30), (31), (32), (33), (34), (35),
	(36), (37), (38), (39), (40), (42), (44), (46), (48), (50), (52), (54),
	(56), (58), (60), (62), (64), (66), (68), (70), (72), (74), (76), (78),
	(80), (82), (84), (86), (88), (90), (92), (94), (96), (98), (100), (105),
	(110), (115), (120), (130), (140), (150), (160), (170), (180), (190), (200), (210),
	(220), (230), (240), (250), (260), (270), (280), (290), (300), (310), (320), (330),
	(340), (350), (360), (370), (380), (390), (400), (420), (440), (460), (480), (500),
	(520), (540), (560), (580), (600), (630), (660), (690), (720), (750), (780), (810),
	(840), (870), (900), (930), (960), (990), (1020), (1050), (1080), (1110), (1140), (1170),
	(1200), (1260), (1320), (1380), (1440), (1500), (1560), (1620), (1680), (1740), (1800), (1860),
	(1920), (1980), (2040), (2100), (2160), (2220), (2280), (2340), (2400), (2520), (2640), (2760),
	(2880), (3000), (3120), (3240), (3360), (3480), (3600), (3780), (3960), (4140), (4320), (4500),
	(4680), (4860), (5040), (5220), (5400), (5580), (5760), (5940), (6120), (6300), (6480), (6660),
	(6840), (7020), (7200), (7560), (7920), (8280), (8640), (9000), (9360), (9720), (10080), (10440),
	(10800), (11160), (11520), (11880), (12240), (12600), (12960), (13320), (13680), (14040), (14400), (15120),
	(15840), (16560), (17280), (18000), (18720), (19440), (20160), (20880), (21600), (22320), (23040), (23760),
	(24480), (25200), (25920), (26640), (27360), (28080), (28800), (30240), (31680), (33120), (34560), (36000),
	(37440), (38880), (40320), (41760), (43200), (44640), (46080), (47520), (48960), (50400), (51840), (53280),
	(54720), (56160), (57600), (60480), (63360), (66240), (69120), (72000), (74880), (77760), (80640), (83520),
	(86400), (89280), (92160), (95040), (97920), (100800), (103680), (106560), (109440), (112320), (115200), (118080),
	(120960), (123840), (126720), (129600), (132480), (135360), (138240), (141120), (144000), (151200), (158400), (165600),
	(172800), (180000), (187200), (194400), (201600), (208800), (216000), (223200), (230400), (237600), (244800), (252000),
	(259200), (266400), (273600), (280800), (288000), (302400), (316800), (331200), (345600), (360000), (374400), (388800),
	(403200), (417600), (432000), (446400), (460800), (475200), (489600), (504000), (518400), (532800), (547200), (561600),
	(576000), (604800), (633600), (662400), (691200), (720000), (748800), (777600), (806400), (835200), (864000), (907200),
	(950400), (993600), (1036800), (1080000), (1123200), (1166400), (1209600), (1252800), (1296000), (1339200), (1382400), (1425600),
	(1468800), (1512000), (1555200), (1598400), (1641600), (1684800), (1728000), (1814400), (1900800), (1987200), (2073600), (2160000),
	(2246400), (2332800), (2419200), (2505600), (2592000), (2678400), (2764800), (2851200), (2937600), (3024000), (3110400), (3196800),
	(3283200), (3369600), (3456000), (3628800), (3801600), (3974400), (4147200), (4320000), (4492800), (4665600), (4838400), (5011200),
	(5184000);
CREATE TABLE case_stats_0052 (
	org_id TEXT NOT NULL,
	month TEXT NOT NULL,
	dim TEXT NOT NULL,
	key TEXT NOT NULL,
	n INTEGER NOT NULL
);
INSERT INTO case_stats_0052 (org_id, month, dim, key, n)
	SELECT s.org_id, s.month, s.dim,
		(SELECT MAX(b.lo) FROM duration_bounds_0052 b WHERE b.lo <= s.key::integer)::text AS bucket, SUM(s.n)
	FROM case_stats s
	WHERE s.dim IN ('ack_minutes', 'resolve_minutes') AND s.key ~ '^[0-9]{1,9}$'
	GROUP BY s.org_id, s.month, s.dim, bucket
	HAVING SUM(s.n) <> 0;
DELETE FROM case_stats WHERE dim IN ('ack_minutes', 'resolve_minutes') AND key ~ '^[0-9]{1,9}$';
INSERT INTO case_stats (org_id, month, dim, key, n)
	SELECT org_id, month, dim, key, n FROM case_stats_0052 ORDER BY org_id, dim, month, key;
TRUNCATE case_stats_0052;
INSERT INTO case_stats_0052 (org_id, month, dim, key, n)
	SELECT s.org_id, s.month, s.dim,
		(SELECT MAX(b.lo) FROM duration_bounds_0052 b WHERE b.lo <= s.key::integer)::text AS bucket, SUM(s.n)
	FROM case_stats_purged s
	WHERE s.dim IN ('ack_minutes', 'resolve_minutes') AND s.key ~ '^[0-9]{1,9}$'
	GROUP BY s.org_id, s.month, s.dim, bucket
	HAVING SUM(s.n) <> 0;
DELETE FROM case_stats_purged WHERE dim IN ('ack_minutes', 'resolve_minutes') AND key ~ '^[0-9]{1,9}$';
INSERT INTO case_stats_purged (org_id, month, dim, key, n)
	SELECT org_id, month, dim, key, n FROM case_stats_0052;
DROP TABLE case_stats_0052;
DROP TABLE duration_bounds_0052;

#!/usr/bin/env python3
"""flood.py HOUR_START_MS LINES NODE SEED: v1 impression lines with random
ad and zone ids that serve's inventory does not know (flag UNKNOWN, publisher
and campaign 0), as serve writes them for /i?ad=RAND&zone=RAND, spread over
the hour, ids strictly increasing for node NODE.  On stdout."""
import random
import sys

start, n, node, seed = (int(a) for a in sys.argv[1:5])
rnd = random.Random(seed)
epoch = 1577836800000
ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/128.0.0.0 Safari/537.36"
out = sys.stdout
last_ms, seq = -1, 0
for i in range(n):
    ts = start + i * 3_500_000 // n
    seq = seq + 1 if ts == last_ms else 0
    last_ms = ts
    eid = ((ts - epoch) << 22) | (node << 12) | seq
    ip = "198.51.%d.%d" % (rnd.randrange(256), rnd.randrange(1, 255))
    out.write("1\ti\t%d\t%016x\t-\t%s\t-\t80\t%d\t%d\t0\t0\t%s\t-\n" % (
        ts, eid, ip, rnd.randrange(1, 1 << 32), rnd.randrange(1, 1 << 32), ua))

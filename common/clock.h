/* clock.h - the one seam for "now": real time, or a fixed time set by a test
 * (clock_set_fake) or by the environment: ADLOG_FAKE_NOW_MS=T freezes the
 * clock at T (Unix ms); ADLOG_FAKE_NOW_MS=T+ lets it run from T, so a test
 * can watch a running program cross an hour boundary. */
#ifndef ADLOG_CLOCK_H
#define ADLOG_CLOCK_H

#include <stdint.h>

/* Unix epoch milliseconds, UTC. */
int64_t clock_now_ms(void);

/* Unix epoch milliseconds from the system clock, never faked: for comparing
 * with a time another program took from it (nginx's $msec). */
int64_t clock_real_ms(void);

/* Monotonic milliseconds, for durations and rate limits. */
int64_t clock_mono_ms(void);

/* Freeze clock_now_ms at ms; 0 returns to real time. */
void clock_set_fake(int64_t ms);

#endif

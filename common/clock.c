/* clock.c - real or injected time for every program. */
#include "clock.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse.h"

static _Atomic int64_t fake_ms = -1;   /* -1 not read yet, 0 none */
static _Atomic int64_t shift_ms;       /* ADLOG_FAKE_NOW_MS=T+ */

static int64_t ts_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now_ms(void)
{
	int64_t f = atomic_load_explicit(&fake_ms, memory_order_relaxed);

	if (f < 0) {
		const char *env = getenv("ADLOG_FAKE_NOW_MS");
		size_t n = env ? strlen(env) : 0;
		uint64_t v = 0;

		f = 0;
		if (n > 1 && env[n - 1] == '+' && parse_u64(env, n - 1, &v) == 0)
			atomic_store(&shift_ms, (int64_t)v - ts_ms(CLOCK_REALTIME));
		else if (n && parse_u64(env, n, &v) == 0)
			f = (int64_t)v;
		atomic_store(&fake_ms, f);
	}
	return f ? f : ts_ms(CLOCK_REALTIME) +
		       atomic_load_explicit(&shift_ms, memory_order_relaxed);
}

int64_t clock_real_ms(void)
{
	return ts_ms(CLOCK_REALTIME);
}

int64_t clock_mono_ms(void)
{
	return ts_ms(CLOCK_MONOTONIC);
}

void clock_set_fake(int64_t ms)
{
	atomic_store(&fake_ms, ms);
}

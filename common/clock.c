/* clock.c - real or injected time for every program. */
#include "clock.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse.h"

static _Atomic int64_t fake_ms = -1;

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
		uint64_t v = 0;

		f = 0;
		if (env && parse_u64(env, strlen(env), &v) == 0)
			f = (int64_t)v;
		atomic_store(&fake_ms, f);
	}
	return f ? f : ts_ms(CLOCK_REALTIME);
}

int64_t clock_mono_ms(void)
{
	return ts_ms(CLOCK_MONOTONIC);
}

void clock_set_fake(int64_t ms)
{
	atomic_store(&fake_ms, ms);
}

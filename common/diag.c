/* diag.c - formatted, optionally rate-limited error messages on stderr. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "clock.h"

static const char *diag_prog = "adlog";

void diag_init(const char *prog)
{
	diag_prog = prog;
}

static void vemit(const char *fmt, va_list ap, uint64_t suppressed)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s: ", diag_prog);
	int m = vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);

	if (m < 0)
		return;
	n += m;
	if ((size_t)n >= sizeof(buf) - 64)
		n = (int)sizeof(buf) - 64;
	if (suppressed)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			      " (%llu similar suppressed)",
			      (unsigned long long)suppressed);
	buf[n++] = '\n';
	/* one write(2) keeps lines from threads whole */
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}

void diag_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(fmt, ap, 0);
	va_end(ap);
}

void diag_ratelimited(struct ratelimit *rl, const char *fmt, ...)
{
	int64_t now = clock_mono_ms();
	int64_t next = atomic_load(&rl->next_ms);
	va_list ap;

	if (now < next ||
	    !atomic_compare_exchange_strong(&rl->next_ms, &next,
					    now + rl->interval_ms)) {
		atomic_fetch_add(&rl->suppressed, 1);
		return;
	}
	va_start(ap, fmt);
	vemit(fmt, ap, atomic_exchange(&rl->suppressed, 0));
	va_end(ap);
}

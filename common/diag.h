/* diag.h - error messages in one voice: "prog: what failed 'subject'", to
 * stderr, with a rate limit for messages that could repeat per request. */
#ifndef ADLOG_DIAG_H
#define ADLOG_DIAG_H

#include <stdatomic.h>
#include <stdint.h>

/* Name printed before every message; call once from main. */
void diag_init(const char *prog);

/* One message line; a trailing newline is added. */
void diag_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* At most one message per interval_ms per limiter; the next one that passes
 * says how many were suppressed.  Thread-safe. */
struct ratelimit {
	int64_t interval_ms;
	_Atomic int64_t next_ms;
	_Atomic uint64_t suppressed;
};
#define RATELIMIT_INIT(ms) { (ms), 0, 0 }
void diag_ratelimited(struct ratelimit *rl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

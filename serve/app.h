/* app.h - one responder process: its shared state (inventory, writer, keys,
 * id generator, counters) and the request handler that turns a FastCGI
 * request into an event line and a response, independent of libfcgi so
 * tests can drive it directly.
 *
 * Ownership: the caller owns struct serve_app (app_init/app_release) and
 * each struct serve_worker (worker_init/worker_release, one per thread).
 * A request's strings belong to the caller and are only read. */
#ifndef ADLOG_SERVE_APP_H
#define ADLOG_SERVE_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "eventid.h"
#include "hazard.h"
#include "stats.h"
#include "token.h"
#include "writer.h"

#define APP_OUT_MAX 16384     /* one response, headers and body */
#define APP_BATCH_MAX 16      /* requests whose lines share one write(2) */
#define APP_AD_ALT "Advertisement" /* alt text of a creative (tag, /f) */

struct serve_app {
	const struct config *cfg;
	unsigned node;
	size_t nthreads;
	int64_t start_mono_ms;
	struct writer writer;
	struct eventid_gen ids;
	struct token_keys keys;
	struct stats stats;
	struct hazard_set inv_hz;
	_Atomic(void *) inv;              /* struct inventory * */
	_Atomic int64_t inv_loaded_ms;    /* mono ms */
	_Atomic uint64_t inv_reloads, inv_errors;
	dev_t inv_dev;                    /* identity of the file last tried */
	ino_t inv_ino;
	off_t inv_size;
	int64_t inv_mtime_ns;
	char cookie_tail[512];            /* "; Max-Age=..; Path=/; ..\r\n" */
	size_t cookie_tail_len;
	char click_base[CONF_STR_MAX];
};

struct serve_worker {
	struct serve_app *app;
	size_t idx;
	struct token_mac mac;
	uint64_t rng[2];
	uint8_t rnd[480];
	size_t rnd_left;
	char *lines;                      /* lines not yet written (app_flush) */
	size_t lines_len, lines_n;
	int64_t lines_ts;                 /* time of the first of them */
	size_t line_slot[APP_BATCH_MAX];  /* pending line i: its request's slot */
	size_t line_off[APP_BATCH_MAX];   /* and its offset in lines */
	size_t slot;                      /* slot of the request in hand */
	struct writer_at at[APP_BATCH_MAX]; /* where each slot's line landed */
};

/* A request as nginx passes it; absent parameters are NULL. */
struct serve_request {
	const char *method, *uri, *query, *addr;
	const char *cookie, *ua, *referer, *accept_lang, *origin;
	const char *purpose, *sec_purpose, *x_purpose, *x_moz;
};

/* Set up the process state for node (common.node_id + index) with nthreads
 * request threads and load the inventory.  Returns 0 or -1 with err. */
int app_init(struct serve_app *app, const struct config *cfg, unsigned node,
	     size_t nthreads, char *err, size_t errlen);
void app_release(struct serve_app *app);

/* Load the inventory again if force or its file changed (inode, size,
 * mtime).  A broken file is reported and the old table stays.  Returns 1
 * when a new table is in use, 0 when nothing changed, -1 on a bad file. */
int app_reload(struct serve_app *app, bool force);

int worker_init(struct serve_worker *w, struct serve_app *app, size_t idx);
void worker_release(struct serve_worker *w);

/* Handle one request as answer slot (< APP_BATCH_MAX): render its event
 * line (if any) into the worker's pending lines and the whole response
 * (CGI headers and body) into out, which has APP_OUT_MAX bytes.  Returns
 * the length; *status gets the HTTP status.  At most APP_BATCH_MAX
 * requests may be handled before app_flush, and no response may leave
 * before the app_flush that follows it. */
size_t app_handle(struct serve_worker *w, size_t slot,
		  const struct serve_request *r, char *out, int *status);

/* Write the pending lines of the handled requests with one write(2) of
 * whole lines (all or none of them land), and count them on /status as
 * written or dropped.  Handling a request flushes by itself first when its
 * line belongs to another hour than the pending ones. */
void app_flush(struct serve_worker *w);

/* The answer of slot never reached nginx (it had closed the connection:
 * it gave up on the request and may pass it to another responder):
 * retract the line app_flush wrote for it, if any, and count it on
 * /status.  Call before the slot is handled again. */
void app_retract(struct serve_worker *w, size_t slot);

#endif

/* fuzz_event.c - libFuzzer target for event_parse, the first reader of every
 * spool byte.  A parsed line must render back to a line that parses to the
 * same event (the parser accepts only what the renderer can say again). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event ev, ev2;
	size_t off;
	char raw_ua[EVENT_TEXT_MAX], raw_ref[EVENT_TEXT_MAX];
	char line[EVENT_LINE_MAX];
	size_t n, ua_len, ref_len;

	if (event_parse((const char *)data, size, &ev, &off) != EVENT_OK) {
		if (off > size)
			abort();
		return 0;
	}
	ua_len = event_unescape(ev.ua, raw_ua, sizeof(raw_ua));
	ref_len = event_unescape(ev.ref, raw_ref, sizeof(raw_ref));
	if (ua_len == (size_t)-1 || ref_len == (size_t)-1)
		abort();
	ev.ua = (struct span){ raw_ua, ua_len };
	ev.ref = (struct span){ raw_ref, ref_len };
	n = event_render(&ev, line, sizeof(line));
	if (n == 0 || line[n - 1] != '\n')
		abort();
	if (event_parse(line, n - 1, &ev2, &off) != EVENT_OK)
		abort();
	if (ev2.id != ev.id || ev2.ts_ms != ev.ts_ms || ev2.flags != ev.flags ||
	    ev2.imp != ev.imp || memcmp(&ev2.ip, &ev.ip, sizeof(ev.ip)) ||
	    ev2.ad != ev.ad || ev2.zone != ev.zone || ev2.pub != ev.pub ||
	    ev2.camp != ev.camp || ev2.has_uid != ev.has_uid)
		abort();
	return 0;
}

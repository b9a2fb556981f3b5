/* status_lists.c - the lists of ingest's per-event rules on adlog-admin
 * status: how old each is and where it comes from, read from the headers
 * that scripts/update-lists.sh and adlog-update-datacenters write
 * ("# as-of:", "# source:", and bots.txt's "#   NAME VERSION, license"
 * lines), so that an operator sees a list nobody updates. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "parse.h"
#include "status.h"
#include "utchour.h"

/* Unix ms of "YYYY-MM-DDTHH:MM:SSZ", or -1. */
static int64_t iso_ms(const char *s, size_t n)
{
	static const unsigned at[6] = { 0, 5, 8, 11, 14, 17 }, len[6] = { 4, 2, 2, 2, 2, 2 };
	uint64_t v[6];

	if (n != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return -1;
	for (int i = 0; i < 6; i++) {
		const char *p = s + at[i];
		unsigned l = len[i];

		while (l > 1 && *p == '0') {   /* parse_dec takes no leading 0 */
			p++;
			l--;
		}
		if (parse_dec(p, l, 9999, &v[i]))
			return -1;
	}
	if (v[4] > 59 || v[5] > 59)
		return -1;
	int64_t h = hour_start_ms((uint32_t)(v[0] * 1000000 + v[1] * 10000 +
					     v[2] * 100 + v[3]));

	return h < 0 ? -1 : h + (int64_t)(v[4] * 60 + v[5]) * 1000;
}

/* the first "needle" in s[0..n), or NULL */
static const char *find(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(s + i, needle, k))
			return s + i;
	return NULL;
}

static void add_source(struct status_list *l, const char *s, size_t n)
{
	if (l->nsources < STATUS_LIST_SOURCES) {
		if (n >= sizeof(l->sources[0]))
			n = sizeof(l->sources[0]) - 1;
		memcpy(l->sources[l->nsources], s, n);
		l->sources[l->nsources++][n] = '\0';
	}
}

void status_list_parse(const char *text, size_t len, struct status_list *l)
{
	const char *p = text, *end = text + len;

	l->entries = 0;
	l->nsources = 0;
	l->as_of_ms = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *c;
		size_t n = (size_t)(le - p);

		if (n > 9 && !memcmp(p, "# as-of: ", 9)) {
			l->as_of_ms = iso_ms(p + 9, n - 9);
		} else if (n > 10 && !memcmp(p, "# source: ", 10)) {
			/* NAME FORMAT LOCATION key=value...: NAME and the values */
			const char *name = p + 10, *t = name, *sp = NULL;

			for (int field = 0; field < 3 && t; field++) {
				sp = memchr(t, ' ', (size_t)(le - t));
				t = sp ? sp + 1 : NULL;
				if (field == 0)
					c = sp;
			}
			if (c && t) {
				char buf[sizeof(l->sources[0])];
				int k = snprintf(buf, sizeof(buf), "%.*s %.*s",
						 (int)(c - name), name,
						 (int)(le - t), t);

				add_source(l, buf, k < 0 ? 0 : (size_t)k);
			} else {
				add_source(l, name, (size_t)(le - name));
			}
		} else if (n > 4 && !memcmp(p, "#   ", 4) && p[4] != ' ' &&
			   (c = find(p, n, ", license "))) {
			/* bots.txt: "#   NAME VERSION, license L, URL" */
			const char *lic = c + 10, *e = memchr(lic, ',', (size_t)(le - lic));
			char buf[sizeof(l->sources[0])];
			int k = snprintf(buf, sizeof(buf), "%.*s (%.*s)", (int)(c - p - 4),
					 p + 4, (int)((e ? e : le) - lic), lic);

			add_source(l, buf, k < 0 ? 0 : (size_t)k);
		} else if (n && p[0] != '#' && !(p[0] == '[' && le[-1] == ']')) {
			l->entries++;
		}
		p = nl ? nl + 1 : end;
	}
}

static void collect_one(struct status_list *l, const char *name,
			const char *path, int64_t now_ms)
{
	struct stat st;
	size_t len;
	char *text;

	memset(l, 0, sizeof(*l));
	l->as_of_ms = -1;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->path, sizeof(l->path), "%s", path);
	if (!path[0])
		return;
	if (stat(path, &st) || !(text = fs_read_file(path, &len))) {
		l->err = errno ? errno : EIO;
		return;
	}
	status_list_parse(text, len, l);
	free(text);
	l->age_from_mtime = l->as_of_ms < 0;
	if (l->age_from_mtime)
		l->as_of_ms = (int64_t)st.st_mtime * 1000;
	l->age_s = now_ms > l->as_of_ms ? (now_ms - l->as_of_ms) / 1000 : 0;
}

void status_lists_collect(struct status *s, const struct config *cfg)
{
	collect_one(&s->lists[0], "bots", cfg->ingest.bot_patterns, s->now_ms);
	collect_one(&s->lists[1], "bots_local", cfg->ingest.bot_local, s->now_ms);
	collect_one(&s->lists[2], "datacenters", cfg->ingest.datacenter_cidrs,
		    s->now_ms);
}

/* manifest.c - the per-hour list of ingested sources, the ledger analyze
 * and operators check counts against (lines = accepted + rejected). */
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

struct out {
	char *p;
	size_t len, cap;
	bool over;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->over = true;
	else
		o->len += (size_t)n;
}

size_t manifest_format(const struct manifest_entry *e, char *buf, size_t cap)
{
	struct out o = { buf, 0, cap, false };
	const struct ingest_stats *s = e->src;

	put(&o, "source=%s\tsegment=%s\tevents=%llu\tchecksum=%016llx\tflagged=%llu",
	    e->source, e->segment ? e->segment : "-",
	    (unsigned long long)e->events, (unsigned long long)e->checksum,
	    (unsigned long long)e->flagged);
	for (unsigned i = 0; i < SEG_R__COUNT; i++)
		if (e->flag[i])
			put(&o, "\tflag.%s=%llu", seg_reason_name(i),
			    (unsigned long long)e->flag[i]);
	put(&o, "\tlines=%llu\taccepted=%llu\trejected=%llu",
	    (unsigned long long)s->lines, (unsigned long long)s->accepted,
	    (unsigned long long)s->rejected);
	for (unsigned i = 1; i < REJ__COUNT; i++)
		if (s->rej[i])
			put(&o, "\trej.%s=%llu", rej_name(i),
			    (unsigned long long)s->rej[i]);
	put(&o, "\tbytes=%llu\tdamage=%s\tnul_runs=%llu\tnul_bytes=%llu"
	    "\tid_repeats=%llu\n",
	    (unsigned long long)s->bytes, e->damage,
	    (unsigned long long)s->nul_runs, (unsigned long long)s->nul_bytes,
	    (unsigned long long)s->id_repeats);
	return o.over ? 0 : o.len;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool line_of(const char *line, const char *source)
{
	size_t n = strlen(source);

	return !strncmp(line, "source=", 7) && !strncmp(line + 7, source, n) &&
	       line[7 + n] == '\t';
}

bool manifest_lists(const char *text, size_t len, const char *source)
{
	size_t n = strlen(source);
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);

		if (l > 7 + n && !memcmp(p, "source=", 7) &&
		    !memcmp(p + 7, source, n) && p[7 + n] == '\t')
			return true;
		p = nl ? nl + 1 : end;
	}
	return false;
}

int manifest_update(const char *dir, const char *source, const char *line,
		    size_t len)
{
	char path[4096], *old = NULL, *out = NULL, **lines = NULL;
	size_t oldlen = 0, n = 0, cap = 0, outlen = 0;
	struct stat st;
	int fd, e = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST_NAME) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (fstat(fd, &st) || !(old = malloc((size_t)st.st_size + 1))) {
			close(fd);
			return -EIO;
		}
		while (oldlen < (size_t)st.st_size) {
			ssize_t r = read(fd, old + oldlen, (size_t)st.st_size - oldlen);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			oldlen += (size_t)r;
		}
		close(fd);
		old[oldlen] = '\0';
	} else if (errno != ENOENT) {
		return -errno;
	}
	/* split old into lines (NUL-terminated in place), drop ours */
	for (char *p = old; p && p < old + oldlen;) {
		char *nl = memchr(p, '\n', (size_t)(old + oldlen - p));

		if (nl)
			*nl = '\0';
		if (*p && *p != '#' && !line_of(p, source)) {
			if (n == cap) {
				size_t c = cap ? cap * 2 : 64;
				char **l = realloc(lines, c * sizeof(*l));

				if (!l) {
					e = -ENOMEM;
					goto out_free;
				}
				lines = l;
				cap = c;
			}
			lines[n++] = p;
		}
		p = nl ? nl + 1 : old + oldlen;
	}
	out = malloc(oldlen + len + sizeof(MANIFEST_HEADER) + n + 2);
	if (!out) {
		e = -ENOMEM;
		goto out_free;
	}
	if (n == cap) {
		char **l = realloc(lines, (cap + 1) * sizeof(*l));

		if (!l) {
			e = -ENOMEM;
			goto out_free;
		}
		lines = l;
	}
	/* our line, without its LF, sorted with the rest */
	char *mine = malloc(len + 1);

	if (!mine) {
		e = -ENOMEM;
		goto out_free;
	}
	memcpy(mine, line, len);
	mine[len && line[len - 1] == '\n' ? len - 1 : len] = '\0';
	lines[n++] = mine;
	qsort(lines, n, sizeof(*lines), cmp_lines);
	memcpy(out, MANIFEST_HEADER, sizeof(MANIFEST_HEADER) - 1);
	outlen = sizeof(MANIFEST_HEADER) - 1;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(lines[i]);

		memcpy(out + outlen, lines[i], l);
		outlen += l;
		out[outlen++] = '\n';
	}
	e = fs_replace_file(path, out, outlen);
	free(mine);
out_free:
	free(out);
	free(lines);
	free(old);
	return e;
}

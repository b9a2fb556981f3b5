/* manifest.c - DATA/YYYYMMDDHH/manifest.tsv, the per-hour list of
 * ingested sources: its one writer (a line replaced, the file rewritten
 * whole and atomically) and its reader. */
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

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

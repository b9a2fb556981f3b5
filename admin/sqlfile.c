/* sqlfile.c - schema/ .sql files as statements for adlog-admin migrate and
 * load-sample (the splitting rule is documented in schema/README.md). */
#include "sqlfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

int sqlfile_split(const char *text, size_t len, sqlfile_fn fn, void *arg,
		  unsigned int *bad_line)
{
	char *stmt = malloc(len + 1);
	size_t n = 0, pos = 0;
	unsigned int line = 0, start = 0;
	int rc = 0;

	if (!stmt)
		return -ENOMEM;
	while (pos < len) {
		const char *p = text + pos;
		const char *nl = memchr(p, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - p) : len - pos;
		size_t b = 0, e = l;

		pos += l + (nl != NULL);
		line++;
		while (b < l && is_blank((unsigned char)p[b]))
			b++;
		while (e > b && is_blank((unsigned char)p[e - 1]))
			e--;
		if (b == e && n == 0)
			continue;
		if (e - b >= 2 && p[b] == '-' && p[b + 1] == '-')
			continue;
		if (n == 0)
			start = line;
		if (e > b && p[e - 1] == ';') {
			memcpy(stmt + n, p, e - 1);
			n += e - 1;
			while (n > 0 && (is_blank((unsigned char)stmt[n - 1]) ||
					 stmt[n - 1] == '\n'))
				n--;
			stmt[n] = '\0';
			if (n > 0)
				rc = fn(arg, stmt, start);
			n = 0;
			if (rc)
				break;
			continue;
		}
		memcpy(stmt + n, p, l);
		n += l;
		stmt[n++] = '\n';
	}
	if (!rc && n > 0) {
		/* only blank lines pending is fine; text is not */
		for (size_t i = 0; i < n; i++)
			if (!is_blank((unsigned char)stmt[i]) && stmt[i] != '\n') {
				if (bad_line)
					*bad_line = start;
				rc = -EINVAL;
				break;
			}
	}
	free(stmt);
	return rc;
}

int sqlfile_read(const char *path, char **text, size_t *len)
{
	char *buf = fs_read_file(path, len);

	if (!buf)
		return errno ? -errno : -EIO;
	*text = buf;
	return 0;
}

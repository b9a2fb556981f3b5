/* export.c - MySQL inventory tables -> serve's inventory file.  Only what
 * serve needs leaves the database: ids, sizes, weights, dates, status and
 * URLs; names and domains go through a cleaner that keeps the format's TAB
 * and line structure intact. */
#include "export.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "diag.h"
#include "fsutil.h"
#include "inventory.h"

#define EXPORT_MAX (256u << 20)
#define EXPORT_URL_MAX 2000    /* serve's INVENTORY_URL_MAX */

/* Each query's columns are printed as the record's fields, in order.
 * kind: how to check the column (see put_field). */
struct query {
	const char *tag;
	const char *sql;
	const char *kinds;         /* i id, n number, s name, d domains, u url, t status */
	const char *cols[8];       /* the columns' names, for messages */
	char parent;               /* column 1 names a 'p'ub or a 'c'amp, or 0 */
	unsigned int *count;
};

static bool url_ok(const char *p, size_t len)
{
	size_t skip;

	if (len > EXPORT_URL_MAX)
		return false;
	if (len > 7 && !memcmp(p, "http://", 7))
		skip = 7;
	else if (len > 8 && !memcmp(p, "https://", 8))
		skip = 8;
	else
		return false;
	for (size_t i = skip; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= 0x20 || c == 0x7f || c == '"' || c == '\'')
			return false;
	}
	return true;
}

static bool id_ok(const char *p, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9' || (i == 0 && p[i] == '0'))
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	return len > 0;
}

static bool num_ok(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return len > 0 && len <= 20;
}

/* Names: control bytes (TAB, LF ...) become spaces; empty becomes "-". */
static void put_name(FILE *f, const char *p, size_t len)
{
	if (!len) {
		fputc('-', f);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
	}
}

/* Whether serve would take the value p (NULL for SQL NULL) of a column of
 * this kind; names always go (put_name cleans them). */
static bool field_ok(char kind, const char *p, size_t len)
{
	switch (kind) {
	case 'i':
		return p && id_ok(p, len);
	case 'n':
		return p && num_ok(p, len);
	case 'u':
		return p && url_ok(p, len);
	case 't':
		return p && (!strcmp(p, "active") || !strcmp(p, "paused"));
	case 'd':
		for (size_t i = 0; p && i < len; i++)
			if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7f)
				return false;
		return true;
	}
	return true;
}

static void put_field(FILE *f, char kind, const char *p, size_t len)
{
	if (kind == 's')
		put_name(f, p ? p : "", p ? len : 0);
	else if (kind == 'd' && (!p || !len))
		fputc('-', f);
	else
		fwrite(p, 1, len, f);
}

/* Ids of rows left out, whose children go too (a zone of a publisher left
 * out, an ad of a campaign left out, would make serve refuse the file). */
struct left_out {
	char (*ids)[24];
	char *tags;
	size_t n, cap;
};

static bool is_left_out(const struct left_out *lo, char tag, const char *id)
{
	for (size_t i = 0; id && i < lo->n; i++)
		if (lo->tags[i] == tag && !strcmp(lo->ids[i], id))
			return true;
	return false;
}

static int leave_out(struct left_out *lo, char tag, const char *id)
{
	if (lo->n == lo->cap) {
		size_t c = lo->cap ? lo->cap * 2 : 16;
		void *a = realloc(lo->ids, c * sizeof(*lo->ids));

		if (!a)
			return -ENOMEM;
		lo->ids = a;
		if (!(a = realloc(lo->tags, c)))
			return -ENOMEM;
		lo->tags = a;
		lo->cap = c;
	}
	snprintf(lo->ids[lo->n], sizeof(lo->ids[0]), "%s", id ? id : "?");
	lo->tags[lo->n++] = tag;
	return 0;
}

static int run_query(struct db *db, const struct query *q, FILE *f,
		     struct left_out *lo, unsigned int *skipped, char *err,
		     size_t errlen)
{
	struct db_stmt s;
	int rc = db_prepare(db, &s, q->sql, err, errlen);

	if (rc)
		return rc;
	rc = db_execute(&s, NULL, err, errlen);
	while (!rc && (rc = db_fetch(&s, err, errlen)) == 1) {
		const char *row_id = db_col(&s, 0, NULL);
		const char *parent = q->parent ? db_col(&s, 1, NULL) : NULL;
		unsigned int bad = 0;

		rc = 0;
		while (q->kinds[bad]) {
			size_t len = 0;
			const char *p = db_col(&s, bad, &len);

			if (!field_ok(q->kinds[bad], p, len)) {
				diag_err("export-inventory: %s %s left out: its "
					 "%s '%.200s' is a value serve would refuse",
					 q->tag, row_id ? row_id : "?",
					 q->cols[bad], p ? p : "NULL");
				break;
			}
			bad++;
		}
		if (!q->kinds[bad] && q->parent &&
		    is_left_out(lo, q->parent, parent)) {
			diag_err("export-inventory: %s %s left out: its %s %s "
				 "was left out", q->tag, row_id ? row_id : "?",
				 q->parent == 'p' ? "pub" : "camp", parent);
			bad = 0;
		}
		if (q->kinds[bad]) {
			(*skipped)++;
			if (leave_out(lo, q->tag[0], row_id)) {
				snprintf(err, errlen, "export-inventory: out of memory");
				rc = DB_ERR;
			}
			continue;
		}
		fputs(q->tag, f);
		for (unsigned int i = 0; q->kinds[i]; i++) {
			size_t len = 0;
			const char *p = db_col(&s, i, &len);

			fputc('\t', f);
			put_field(f, q->kinds[i], p, len);
		}
		fputc('\n', f);
		(*q->count)++;
	}
	db_stmt_close(&s);
	return rc;
}

/* Render the records (without header and version) into *body. */
static int render(struct db *db, struct export_counts *c, char **body,
		  size_t *len, char *err, size_t errlen)
{
	const struct query qs[] = {
		{ "pub",
		  "SELECT p.id, p.name,"
		  " GROUP_CONCAT(d.domain ORDER BY d.domain SEPARATOR ',')"
		  " FROM publishers p"
		  " LEFT JOIN publisher_domains d ON d.publisher_id = p.id"
		  " GROUP BY p.id, p.name ORDER BY p.id",
		  "isd", { "id", "name", "domains" }, 0, &c->pubs },
		{ "camp",
		  "SELECT id, advertiser_id, UNIX_TIMESTAMP(start_at),"
		  " COALESCE(UNIX_TIMESTAMP(end_at), 0), status"
		  " FROM campaigns WHERE status IN ('active', 'paused')"
		  " ORDER BY id",
		  "iinnt", { "id", "advertiser_id", "start_at", "end_at", "status" },
		  0, &c->camps },
		{ "zone",
		  "SELECT id, publisher_id, width, height FROM zones ORDER BY id",
		  "iinn", { "id", "publisher_id", "width", "height" }, 'p',
		  &c->zones },
		{ "ad",
		  "SELECT a.id, a.campaign_id, a.width, a.height, a.weight,"
		  " a.unsigned_ok, a.image_url, a.landing_url"
		  " FROM ads a JOIN campaigns c ON c.id = a.campaign_id"
		  " WHERE c.status IN ('active', 'paused') ORDER BY a.id",
		  "iinnnnuu", { "id", "campaign_id", "width", "height", "weight",
				"unsigned_ok", "image_url", "landing_url" }, 'c',
		  &c->ads },
	};
	FILE *f = open_memstream(body, len);
	struct left_out lo = { 0 };
	int rc = 0;

	if (!f) {
		snprintf(err, errlen, "export-inventory: out of memory");
		return DB_ERR;
	}
	for (size_t i = 0; !rc && i < sizeof qs / sizeof qs[0]; i++)
		rc = run_query(db, &qs[i], f, &lo, &c->skipped, err, errlen);
	free(lo.ids);
	free(lo.tags);
	if (fclose(f) && !rc) {
		snprintf(err, errlen, "export-inventory: out of memory");
		rc = DB_ERR;
	}
	if (!rc && *len > EXPORT_MAX) {
		snprintf(err, errlen, "export-inventory: inventory over %u MiB",
			 EXPORT_MAX >> 20);
		rc = DB_ERR;
	}
	if (rc) {
		free(*body);
		*body = NULL;
	}
	return rc;
}

static int snapshot_render(struct db *db, struct export_counts *c,
			   char **body, size_t *len, char *err, size_t errlen)
{
	int rc;

	memset(c, 0, sizeof *c);
	/* one consistent read view for all four queries */
	rc = db_exec(db, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
		     err, errlen);
	if (!rc)
		rc = db_exec(db, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
			     err, errlen);
	if (rc)
		return rc;
	rc = render(db, c, body, len, err, errlen);
	db_rollback(db);
	return rc;
}

static bool same_content(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "rb");
	char buf[65536];
	size_t off = 0, n;
	bool same = true;

	if (!f)
		return false;
	while (same && (n = fread(buf, 1, sizeof buf, f)) > 0) {
		if (off + n > len || memcmp(buf, data + off, n))
			same = false;
		off += n;
	}
	fclose(f);
	return same && off == len;
}

/* A temp file of its own next to path (two exports at once cannot mix
 * their bytes), fsync, rename, fsync the folder. */
static int replace_file(const char *path, const char *data, size_t len,
			char *err, size_t errlen)
{
	char tmp[CONF_STR_MAX + 32], dir[CONF_STR_MAX];
	int fd, rc;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp) {
		snprintf(err, errlen, "export-inventory: path too long '%s'", path);
		return DB_ERR;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "export-inventory: cannot create '%s': %s",
			 tmp, strerror(errno));
		return DB_ERR;
	}
	rc = fs_write_all(fd, data, len);
	if (!rc && fchmod(fd, 0644) < 0)
		rc = -errno;
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		snprintf(err, errlen, "export-inventory: cannot write '%s': %s",
			 path, strerror(-rc));
		unlink(tmp);
		return DB_ERR;
	}
	fs_dirname(path, dir, sizeof dir);
	rc = fs_fsync_dir(dir);
	if (rc) {
		snprintf(err, errlen, "export-inventory: cannot fsync '%s': %s",
			 dir, strerror(-rc));
		return DB_ERR;
	}
	return 0;
}

int export_inventory(struct db *db, const char *path,
		     struct export_counts *counts, char *err, size_t errlen)
{
	char *body = NULL, *file = NULL;
	size_t blen = 0, flen = 0;
	FILE *f;
	int rc;

	rc = snapshot_render(db, counts, &body, &blen, err, errlen);
	if (rc)
		return rc;
	snprintf(counts->version, sizeof counts->version, "xxh64-%016llx",
		 (unsigned long long)XXH64(body, blen, 0));
	f = open_memstream(&file, &flen);
	if (!f) {
		free(body);
		snprintf(err, errlen, "export-inventory: out of memory");
		return DB_ERR;
	}
	inventory_write_header(f, counts->version,
			       "written by adlog-admin export-inventory from MySQL; edit the tables, not this file");
	fwrite(body, 1, blen, f);
	free(body);
	if (fclose(f)) {
		free(file);
		snprintf(err, errlen, "export-inventory: out of memory");
		return DB_ERR;
	}
	if (!strcmp(path, "-")) {
		if (fwrite(file, 1, flen, stdout) != flen || fflush(stdout)) {
			snprintf(err, errlen, "export-inventory: cannot write to standard output");
			rc = DB_ERR;
		}
		free(file);
		return rc;
	}
	counts->unchanged = same_content(path, file, flen);
	rc = counts->unchanged ? 0 : replace_file(path, file, flen, err, errlen);
	free(file);
	return rc;
}

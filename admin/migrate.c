/* migrate.c - adlog-admin migrate: bring a database to the newest schema by
 * applying the numbered files of schema/ that schema_migrations does not
 * list yet.  The file contents are fixed SQL text; the only values (version,
 * name, checksum) travel as bound parameters. */
#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "clock.h"
#include "sqlfile.h"

#define MIG_MAX 10000

static const char create_table[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version INT UNSIGNED NOT NULL PRIMARY KEY,"
	" name VARCHAR(255) NOT NULL,"
	" checksum CHAR(16) CHARACTER SET ascii NOT NULL,"
	" applied_at DATETIME(3) NOT NULL,"
	" duration_ms INT UNSIGNED NOT NULL DEFAULT 0"
	") ENGINE=InnoDB";

struct mig {
	unsigned int version;
	char name[256];            /* file name, or the recorded name */
	char path[PATH_MAX];
	char sum[17];              /* checksum of the file */
	bool have_file;
	bool applied;
	char applied_sum[17];
	char applied_at[32];
};

struct mig_list {
	struct mig *v;
	size_t n, cap;
};

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int migrate_schema_dir(const char *opt, char *out, size_t outlen, char *err,
		       size_t errlen)
{
	const char *env = getenv("ADLOG_SCHEMA_DIR");
	char exe[PATH_MAX], cand[3][PATH_MAX + 32];
	ssize_t n;
	size_t nc = 0;

	if (opt && *opt) {
		if (!is_dir(opt)) {
			snprintf(err, errlen, "schema folder '%s' not found", opt);
			return -ENOENT;
		}
		snprintf(out, outlen, "%s", opt);
		return 0;
	}
	if (env && *env) {
		if (!is_dir(env)) {
			snprintf(err, errlen,
				 "schema folder '%s' (ADLOG_SCHEMA_DIR) not found", env);
			return -ENOENT;
		}
		snprintf(out, outlen, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(cand[nc++], sizeof cand[0],
				 "%s/../share/adlog/schema", exe);
			snprintf(cand[nc++], sizeof cand[0], "%s/../schema", exe);
		}
	}
	snprintf(cand[nc++], sizeof cand[0], "schema");
	for (size_t i = 0; i < nc; i++)
		if (is_dir(cand[i])) {
			snprintf(out, outlen, "%s", cand[i]);
			return 0;
		}
	snprintf(err, errlen,
		 "no schema folder (tried %s%s%s); give --schema DIR",
		 cand[0], nc > 1 ? ", " : "", nc > 1 ? cand[1] : "");
	return -ENOENT;
}

/* "0012_add_x.sql" -> 12; -1 when the name is not a migration's. */
static long migration_version(const char *name)
{
	size_t i = 0, len = strlen(name);
	unsigned long v = 0;

	while (i < len && name[i] >= '0' && name[i] <= '9') {
		if (i >= 9)
			return -1;
		v = v * 10 + (unsigned long)(name[i] - '0');
		i++;
	}
	if (i == 0 || i >= len || name[i] != '_' || len < i + 6 ||
	    strcmp(name + len - 4, ".sql"))
		return -1;
	for (i++; i < len - 4; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return -1;
	}
	return (long)v;
}

static struct mig *list_get(struct mig_list *l, unsigned int version)
{
	struct mig *m;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].version == version)
			return &l->v[i];
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		if (cap > MIG_MAX)
			return NULL;
		m = realloc(l->v, cap * sizeof *m);
		if (!m)
			return NULL;
		l->v = m;
		l->cap = cap;
	}
	m = &l->v[l->n++];
	memset(m, 0, sizeof *m);
	m->version = version;
	return m;
}

static int cmp_mig(const void *a, const void *b)
{
	const struct mig *x = a, *y = b;

	return x->version < y->version ? -1 : x->version > y->version;
}

static int file_checksum(const char *path, char sum[17], char *err,
			 size_t errlen)
{
	char *text;
	size_t len;
	int rc = sqlfile_read(path, &text, &len);

	if (rc) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(-rc));
		return DB_ERR;
	}
	snprintf(sum, 17, "%016llx", (unsigned long long)XXH64(text, len, 0));
	free(text);
	return 0;
}

static int scan_dir(const char *dir, struct mig_list *l, char *err,
		    size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		snprintf(err, errlen, "cannot open schema folder '%s': %s", dir,
			 strerror(errno));
		return DB_ERR;
	}
	while ((e = readdir(d))) {
		long v = migration_version(e->d_name);
		struct mig *m;

		if (v < 0)
			continue;
		m = list_get(l, (unsigned int)v);
		if (!m) {
			snprintf(err, errlen, "too many migrations in '%s'", dir);
			rc = DB_ERR;
			break;
		}
		if (m->have_file) {
			snprintf(err, errlen,
				 "two migrations with version %ld in '%s': '%s' and '%s'",
				 v, dir, m->name, e->d_name);
			rc = DB_ERR;
			break;
		}
		m->have_file = true;
		snprintf(m->name, sizeof m->name, "%s", e->d_name);
		snprintf(m->path, sizeof m->path, "%s/%s", dir, e->d_name);
		rc = file_checksum(m->path, m->sum, err, errlen);
		if (rc)
			break;
	}
	closedir(d);
	return rc;
}

/* Merge the recorded versions into l; a missing table means none. */
static int read_applied(struct db *db, struct mig_list *l, char *err,
			size_t errlen)
{
	struct db_stmt s;
	uint64_t v;
	int rc;

	rc = db_prepare(db, &s,
			"SELECT version, name, checksum,"
			" DATE_FORMAT(applied_at, '%Y-%m-%d %H:%i:%s')"
			" FROM schema_migrations ORDER BY version",
			err, errlen);
	if (rc)
		return db->last_errno == 1146 ? 0 : rc;   /* ER_NO_SUCH_TABLE */
	rc = db_execute(&s, NULL, err, errlen);
	while (!rc && (rc = db_fetch(&s, err, errlen)) == 1) {
		struct mig *m;

		rc = 0;
		if (db_col_u64(&s, 0, &v) || v > UINT32_MAX) {
			snprintf(err, errlen, "bad version in schema_migrations");
			rc = DB_ERR;
			break;
		}
		m = list_get(l, (unsigned int)v);
		if (!m) {
			snprintf(err, errlen, "too many migrations recorded");
			rc = DB_ERR;
			break;
		}
		m->applied = true;
		if (!m->have_file)
			snprintf(m->name, sizeof m->name, "%s", db_col(&s, 1, NULL));
		snprintf(m->applied_sum, sizeof m->applied_sum, "%s",
			 db_col(&s, 2, NULL));
		snprintf(m->applied_at, sizeof m->applied_at, "%s",
			 db_col(&s, 3, NULL));
	}
	db_stmt_close(&s);
	return rc;
}

static int load_list(struct db *db, const char *dir, struct mig_list *l,
		     char *err, size_t errlen)
{
	int rc = scan_dir(dir, l, err, errlen);

	if (!rc)
		rc = read_applied(db, l, err, errlen);
	if (!rc)
		qsort(l->v, l->n, sizeof *l->v, cmp_mig);
	return rc;
}

struct run_ctx {
	struct db *db;
	const char *name;
	unsigned int count;
	char *err;
	size_t errlen;
};

static int run_stmt(void *arg, const char *stmt, unsigned int line)
{
	struct run_ctx *c = arg;
	char msg[512];
	int rc = db_exec(c->db, stmt, msg, sizeof msg);

	if (rc) {
		snprintf(c->err, c->errlen, "%s:%u: %s", c->name, line, msg);
		return rc;
	}
	c->count++;
	return 0;
}

static int no_op(void *arg, const char *stmt, unsigned int line)
{
	(void)arg;
	(void)stmt;
	(void)line;
	return 0;
}

/* Split once without running, so a file that ends inside a statement is
 * refused before any of it runs; then run it. */
static int run_text(struct db *db, const char *path, const char *text,
		    size_t len, unsigned int *count, char *err, size_t errlen)
{
	struct run_ctx c = { db, path, 0, err, errlen };
	unsigned int bad = 0;
	int rc = sqlfile_split(text, len, no_op, NULL, &bad);

	if (!rc)
		rc = sqlfile_split(text, len, run_stmt, &c, &bad);

	if (rc == -EINVAL) {
		snprintf(err, errlen,
			 "%s:%u: statement not ended by ';' at the end of a line",
			 path, bad);
		return DB_ERR;
	}
	if (rc == -ENOMEM) {
		snprintf(err, errlen, "out of memory");
		return DB_ERR;
	}
	if (count)
		*count = c.count;
	return rc;
}

static int apply_one(struct db *db, const struct mig *m, FILE *out,
		     char *err, size_t errlen)
{
	struct db_stmt s;
	char *text;
	size_t len;
	unsigned int count = 0;
	int64_t t0 = clock_mono_ms();
	int rc = sqlfile_read(m->path, &text, &len);

	if (rc) {
		snprintf(err, errlen, "cannot read '%s': %s", m->path,
			 strerror(-rc));
		return DB_ERR;
	}
	rc = db_begin(db, err, errlen);
	if (!rc)
		rc = run_text(db, m->path, text, len, &count, err, errlen);
	free(text);
	if (!rc)
		rc = db_prepare(db, &s,
				"INSERT INTO schema_migrations"
				" (version, name, checksum, applied_at, duration_ms)"
				" VALUES (?, ?, ?, NOW(3), ?)", err, errlen);
	if (!rc) {
		db_bind_u64(&s, 0, m->version);
		db_bind_text(&s, 1, m->name, strlen(m->name));
		db_bind_text(&s, 2, m->sum, strlen(m->sum));
		db_bind_u64(&s, 3, (uint64_t)(clock_mono_ms() - t0));
		rc = db_execute(&s, NULL, err, errlen);
		db_stmt_close(&s);
	}
	if (!rc)
		rc = db_commit(db, err, errlen);
	if (rc) {
		db_rollback(db);
		return rc;
	}
	fprintf(out, "applied %s (%u statements, %lld ms)\n", m->name, count,
		(long long)(clock_mono_ms() - t0));
	return 0;
}

static int named_lock(struct db *db, bool take, char *err, size_t errlen)
{
	struct db_stmt s;
	uint64_t got = 0;
	int rc = db_prepare(db, &s, take ? "SELECT GET_LOCK('adlog.migrate', 60)"
				       : "SELECT RELEASE_LOCK('adlog.migrate')",
			    err, errlen);

	if (rc)
		return rc;
	rc = db_execute(&s, NULL, err, errlen);
	if (!rc && (rc = db_fetch(&s, err, errlen)) == 1) {
		rc = 0;
		if (db_col_u64(&s, 0, &got) || (take && got != 1)) {
			snprintf(err, errlen,
				 "another migrate holds lock 'adlog.migrate' for over 60 s");
			rc = DB_ERR;
		}
		while (db_fetch(&s, err, errlen) == 1)
			;
	}
	db_stmt_close(&s);
	return rc;
}

int migrate_apply(struct db *db, const char *dir, FILE *out, char *err,
		  size_t errlen)
{
	struct mig_list l = { 0 };
	unsigned int applied = 0, last = 0;
	int rc;

	rc = db_exec(db, create_table, err, errlen);
	if (rc)
		return rc;
	rc = named_lock(db, true, err, errlen);
	if (rc)
		return rc;
	rc = load_list(db, dir, &l, err, errlen);
	for (size_t i = 0; !rc && i < l.n; i++) {
		struct mig *m = &l.v[i];

		if (m->have_file && m->applied && strcmp(m->sum, m->applied_sum))
			fprintf(out, "warning: %s changed since it was applied; "
				"add a new migration instead\n", m->name);
		if (m->have_file && !m->applied) {
			rc = apply_one(db, m, out, err, errlen);
			applied += !rc;
		}
		if (m->applied || !rc)
			last = m->version;
	}
	if (!rc)
		fprintf(out, "%s: schema at version %04u (%u applied now)\n",
			dir, last, applied);
	named_lock(db, false, NULL, 0);
	free(l.v);
	return rc;
}

int migrate_status(struct db *db, const char *dir, FILE *out,
		   unsigned int *pending, char *err, size_t errlen)
{
	struct mig_list l = { 0 };
	int rc = load_list(db, dir, &l, err, errlen);

	*pending = 0;
	for (size_t i = 0; !rc && i < l.n; i++) {
		const struct mig *m = &l.v[i];

		if (!m->applied) {
			fprintf(out, "%04u\t%s\tpending\n", m->version, m->name);
			(*pending)++;
		} else if (!m->have_file) {
			fprintf(out, "%04u\t%s\tmissing\t%s\n", m->version, m->name,
				m->applied_at);
		} else {
			fprintf(out, "%04u\t%s\t%s\t%s\n", m->version, m->name,
				strcmp(m->sum, m->applied_sum) ? "changed" : "applied",
				m->applied_at);
		}
	}
	free(l.v);
	return rc;
}

struct file_txn {
	const char *path;
	const char *text;
	size_t len;
	unsigned int count;
};

static int file_txn_fn(struct db *db, void *arg, char *err, size_t errlen)
{
	struct file_txn *f = arg;

	return run_text(db, f->path, f->text, f->len, &f->count, err, errlen);
}

int migrate_run_file(struct db *db, const char *path, unsigned int *count,
		     char *err, size_t errlen)
{
	struct file_txn f = { path, NULL, 0, 0 };
	char *text;
	int rc = sqlfile_read(path, &text, &f.len);

	if (rc) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(-rc));
		return DB_ERR;
	}
	f.text = text;
	rc = db_transaction(db, 5, file_txn_fn, &f, err, errlen);
	free(text);
	*count = f.count;
	return rc;
}

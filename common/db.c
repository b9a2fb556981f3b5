/* db.c - MariaDB connection, prepared statements and retried transactions
 * for adlog-admin and adlog-analyze, on the MariaDB Connector/C.  Nothing
 * here builds SQL from values: every value travels as a bound parameter. */
#include "db.h"

#include <errno.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "parse.h"

#define COL_BUF_INIT 256

struct param_val {
	union {
		unsigned long long u;
		long long i;
		double d;
	} v;
	unsigned long len;
	my_bool is_null;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool retryable(unsigned int e)
{
	return e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT;
}

/* Record the connection's error and map it to DB_RETRY or DB_ERR. */
static int conn_fail(struct db *db, const char *what, char *err,
		     size_t errlen)
{
	db->last_errno = mysql_errno(db->conn);
	set_err(err, errlen, "mysql: %s: %s (%u)", what, mysql_error(db->conn),
		db->last_errno);
	return retryable(db->last_errno) ? DB_RETRY : DB_ERR;
}

static int stmt_fail(struct db_stmt *s, const char *what, char *err,
		     size_t errlen)
{
	s->db->last_errno = mysql_stmt_errno(s->st);
	set_err(err, errlen, "mysql: %s: %s (%u)", what,
		mysql_stmt_error(s->st), s->db->last_errno);
	return retryable(s->db->last_errno) ? DB_RETRY : DB_ERR;
}

int db_check_config_mode(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (!path || !*path)
		return 0;
	if (stat(path, &st) < 0) {
		set_err(err, errlen, "cannot stat config '%s': %s", path,
			strerror(errno));
		return DB_ERR;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		set_err(err, errlen,
			"config '%s' is world-%s (mode %04o) and holds the MySQL password; run chmod o-rwx on it",
			path, st.st_mode & S_IROTH ? "readable" : "writable",
			(unsigned int)(st.st_mode & 07777));
		return DB_ERR;
	}
	return 0;
}

int db_connect(struct db *db, const struct config *cfg, char *err,
	       size_t errlen)
{
	const struct config_mysql *m = &cfg->mysql;
	static const char *const session[] = {
		"SET time_zone = '+00:00'",
		"SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
		"SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
	};
	unsigned int timeout = 10, io_timeout = 900;
	int rc;

	db->conn = NULL;
	db->last_errno = 0;
	db->retries = 0;
	rc = db_check_config_mode(cfg->path, err, errlen);
	if (rc)
		return rc;
	db->conn = mysql_init(NULL);
	if (!db->conn) {
		set_err(err, errlen, "mysql: out of memory");
		return DB_ERR;
	}
	mysql_options(db->conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	/* a server that stops answering (not one that stops) fails a call
	 * after 15 minutes instead of hanging a cron job forever */
	mysql_options(db->conn, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
	mysql_options(db->conn, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
	mysql_options(db->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(db->conn, m->host, m->user, m->password,
				m->database, (unsigned int)m->port,
				*m->socket ? m->socket : NULL, 0)) {
		char what[CONF_STR_MAX + 64];

		snprintf(what, sizeof what, "cannot connect to '%s'",
			 *m->socket ? m->socket : m->host);
		rc = conn_fail(db, what, err, errlen);
		db_close(db);
		return rc == DB_RETRY ? DB_ERR : rc;
	}
	for (size_t i = 0; i < sizeof session / sizeof session[0]; i++) {
		rc = db_exec(db, session[i], err, errlen);
		if (rc) {
			db_close(db);
			return rc;
		}
	}
	return 0;
}

void db_close(struct db *db)
{
	if (db->conn)
		mysql_close(db->conn);
	db->conn = NULL;
}

int db_exec(struct db *db, const char *sql, char *err, size_t errlen)
{
	MYSQL_RES *res;

	if (mysql_real_query(db->conn, sql, strlen(sql)))
		return conn_fail(db, "query failed", err, errlen);
	/* a statement that unexpectedly returns rows must not block the next */
	res = mysql_store_result(db->conn);
	if (res)
		mysql_free_result(res);
	db->last_errno = 0;
	return 0;
}

int db_begin(struct db *db, char *err, size_t errlen)
{
	return db_exec(db, "START TRANSACTION", err, errlen);
}

int db_commit(struct db *db, char *err, size_t errlen)
{
	if (mysql_commit(db->conn))
		return conn_fail(db, "commit failed", err, errlen);
	return 0;
}

void db_rollback(struct db *db)
{
	if (db->conn)
		mysql_rollback(db->conn);
}

int db_transaction(struct db *db, int tries, db_txn_fn fn, void *arg,
		   char *err, size_t errlen)
{
	int rc = DB_ERR;

	for (int attempt = 1; attempt <= tries; attempt++) {
		rc = db_begin(db, err, errlen);
		if (!rc)
			rc = fn(db, arg, err, errlen);
		if (!rc)
			rc = db_commit(db, err, errlen);
		if (!rc)
			return 0;
		db_rollback(db);
		if (rc != DB_RETRY)
			return rc;
		if (attempt < tries) {
			/* 50, 100, 200 ... ms, at most 2 s */
			int64_t ms = 50LL << (attempt < 6 ? attempt - 1 : 5);
			struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

			nanosleep(&ts, NULL);
			db->retries++;
		}
	}
	return rc;
}

int db_prepare(struct db *db, struct db_stmt *s, const char *sql,
	       char *err, size_t errlen)
{
	MYSQL_RES *meta;

	memset(s, 0, sizeof *s);
	s->db = db;
	s->st = mysql_stmt_init(db->conn);
	if (!s->st)
		return conn_fail(db, "cannot create statement", err, errlen);
	if (mysql_stmt_prepare(s->st, sql, strlen(sql))) {
		char what[160];

		snprintf(what, sizeof what, "cannot prepare '%.100s'", sql);
		int rc = stmt_fail(s, what, err, errlen);

		db_stmt_close(s);
		return rc;
	}
	s->nparams = (unsigned int)mysql_stmt_param_count(s->st);
	meta = mysql_stmt_result_metadata(s->st);
	if (meta) {
		s->ncols = mysql_num_fields(meta);
		mysql_free_result(meta);
	}
	if (s->nparams) {
		s->params = calloc(s->nparams, sizeof(MYSQL_BIND));
		s->pvals = calloc(s->nparams, sizeof(struct param_val));
	}
	if (s->ncols) {
		s->cols = calloc(s->ncols, sizeof(MYSQL_BIND));
		s->colbuf = calloc(s->ncols, sizeof(char *));
		s->collen = calloc(s->ncols, sizeof(unsigned long));
		s->colnull = calloc(s->ncols, 2);
	}
	if ((s->nparams && (!s->params || !s->pvals)) ||
	    (s->ncols && (!s->cols || !s->colbuf || !s->collen || !s->colnull)))
		goto out_nomem;
	for (unsigned int i = 0; i < s->nparams; i++) {
		struct param_val *pv = (struct param_val *)s->pvals + i;

		pv->is_null = 1;
		s->params[i].buffer_type = MYSQL_TYPE_NULL;
		s->params[i].is_null = &pv->is_null;
	}
	for (unsigned int i = 0; i < s->ncols; i++) {
		s->colbuf[i] = malloc(COL_BUF_INIT);
		if (!s->colbuf[i])
			goto out_nomem;
		s->cols[i].buffer_type = MYSQL_TYPE_STRING;
		s->cols[i].buffer = s->colbuf[i];
		s->cols[i].buffer_length = COL_BUF_INIT - 1;
		s->cols[i].length = &s->collen[i];
		s->cols[i].is_null = (my_bool *)&s->colnull[i];
		s->cols[i].error = (my_bool *)&s->colnull[s->ncols + i];
	}
	return 0;

out_nomem:
	db_stmt_close(s);
	set_err(err, errlen, "mysql: out of memory");
	return DB_ERR;
}

void db_stmt_close(struct db_stmt *s)
{
	if (s->st)
		mysql_stmt_close(s->st);
	for (unsigned int i = 0; s->colbuf && i < s->ncols; i++)
		free(s->colbuf[i]);
	free(s->colbuf);
	free(s->collen);
	free(s->colnull);
	free(s->cols);
	free(s->params);
	free(s->pvals);
	memset(s, 0, sizeof *s);
}

static struct param_val *param(struct db_stmt *s, unsigned int i,
			       enum enum_field_types type)
{
	struct param_val *pv = (struct param_val *)s->pvals + i;
	MYSQL_BIND *b = &s->params[i];

	b->buffer_type = type;
	b->is_null = &pv->is_null;
	b->is_unsigned = 0;
	b->length = NULL;
	b->buffer = &pv->v;
	pv->is_null = 0;
	return pv;
}

void db_bind_u64(struct db_stmt *s, unsigned int i, uint64_t v)
{
	param(s, i, MYSQL_TYPE_LONGLONG)->v.u = v;
	s->params[i].is_unsigned = 1;
}

void db_bind_i64(struct db_stmt *s, unsigned int i, int64_t v)
{
	param(s, i, MYSQL_TYPE_LONGLONG)->v.i = v;
}

void db_bind_double(struct db_stmt *s, unsigned int i, double v)
{
	param(s, i, MYSQL_TYPE_DOUBLE)->v.d = v;
}

void db_bind_text(struct db_stmt *s, unsigned int i, const char *p,
		  size_t len)
{
	struct param_val *pv = param(s, i, MYSQL_TYPE_STRING);

	pv->len = (unsigned long)len;
	s->params[i].buffer = (void *)p;
	s->params[i].buffer_length = (unsigned long)len;
	s->params[i].length = &pv->len;
}

void db_bind_null(struct db_stmt *s, unsigned int i)
{
	param(s, i, MYSQL_TYPE_NULL)->is_null = 1;
}

int db_execute(struct db_stmt *s, uint64_t *affected, char *err,
	       size_t errlen)
{
	if (s->nparams && mysql_stmt_bind_param(s->st, s->params))
		return stmt_fail(s, "cannot bind parameters", err, errlen);
	if (mysql_stmt_execute(s->st))
		return stmt_fail(s, "execute failed", err, errlen);
	if (s->ncols) {
		if (mysql_stmt_bind_result(s->st, s->cols))
			return stmt_fail(s, "cannot bind result", err, errlen);
		if (mysql_stmt_store_result(s->st))
			return stmt_fail(s, "cannot read result", err, errlen);
	}
	if (affected)
		*affected = (uint64_t)mysql_stmt_affected_rows(s->st);
	s->db->last_errno = 0;
	return 0;
}

int db_execute_rows(struct db_stmt *s, const uint64_t *vals,
		    unsigned int nrows, char *err, size_t errlen)
{
	MYSQL_BIND *b;
	unsigned int zero = 0;
	size_t row = s->nparams * sizeof(*vals);
	unsigned long ext = 0;
	int rc = 0;

	if (!nrows || !s->nparams)
		return 0;
	b = calloc(s->nparams, sizeof(*b));
	if (!b) {
		set_err(err, errlen, "mysql: out of memory");
		return DB_ERR;
	}
	for (unsigned int i = 0; i < s->nparams; i++) {
		b[i].buffer_type = MYSQL_TYPE_LONGLONG;
		b[i].is_unsigned = 1;
		b[i].buffer = (void *)(vals + i);
	}
	mariadb_get_infov(s->db->conn,
			  MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &ext);
	if (ext & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32)) {
		/* row-wise arrays: row r's parameter i is vals[r * n + i] */
		if (mysql_stmt_attr_set(s->st, STMT_ATTR_ARRAY_SIZE, &nrows) ||
		    mysql_stmt_attr_set(s->st, STMT_ATTR_ROW_SIZE, &row) ||
		    mysql_stmt_bind_param(s->st, b))
			rc = stmt_fail(s, "cannot bind parameters", err, errlen);
		else if (mysql_stmt_execute(s->st))
			rc = stmt_fail(s, "execute failed", err, errlen);
		mysql_stmt_attr_set(s->st, STMT_ATTR_ARRAY_SIZE, &zero);
	} else {
		/* a server without bulk operations: one execution a row */
		for (unsigned int r = 0; r < nrows && !rc; r++) {
			for (unsigned int i = 0; i < s->nparams; i++)
				b[i].buffer = (void *)(vals + (size_t)r * s->nparams + i);
			if (mysql_stmt_bind_param(s->st, b))
				rc = stmt_fail(s, "cannot bind parameters", err, errlen);
			else if (mysql_stmt_execute(s->st))
				rc = stmt_fail(s, "execute failed", err, errlen);
		}
	}
	free(b);
	if (!rc)
		s->db->last_errno = 0;
	return rc;
}

/* A column longer than its buffer: grow the buffer and fetch it again. */
static int refetch_long(struct db_stmt *s, unsigned int i, char *err,
			size_t errlen)
{
	unsigned long need = s->collen[i] + 1;
	char *p = realloc(s->colbuf[i], need);

	if (!p) {
		set_err(err, errlen, "mysql: out of memory");
		return DB_ERR;
	}
	s->colbuf[i] = p;
	s->cols[i].buffer = p;
	s->cols[i].buffer_length = need - 1;
	if (mysql_stmt_fetch_column(s->st, &s->cols[i], i, 0))
		return stmt_fail(s, "cannot read column", err, errlen);
	if (mysql_stmt_bind_result(s->st, s->cols))
		return stmt_fail(s, "cannot bind result", err, errlen);
	return 0;
}

int db_fetch(struct db_stmt *s, char *err, size_t errlen)
{
	int r;

	if (!s->ncols)
		return 0;
	r = mysql_stmt_fetch(s->st);
	if (r == MYSQL_NO_DATA) {
		mysql_stmt_free_result(s->st);
		return 0;
	}
	if (r == 1)
		return stmt_fail(s, "fetch failed", err, errlen);
	for (unsigned int i = 0; i < s->ncols; i++) {
		if (s->colnull[i])
			continue;
		if (s->collen[i] > s->cols[i].buffer_length) {
			int rc = refetch_long(s, i, err, errlen);

			if (rc)
				return rc;
		}
		s->colbuf[i][s->collen[i]] = '\0';
	}
	return 1;
}

const char *db_col(const struct db_stmt *s, unsigned int i, size_t *len)
{
	if (i >= s->ncols || s->colnull[i])
		return NULL;
	if (len)
		*len = s->collen[i];
	return s->colbuf[i];
}

int db_col_u64(const struct db_stmt *s, unsigned int i, uint64_t *out)
{
	size_t len;
	const char *p = db_col(s, i, &len);

	if (!p || parse_u64(p, len, out))
		return DB_ERR;
	return 0;
}

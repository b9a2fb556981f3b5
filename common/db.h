/* db.h - the one way adlog programs talk to MariaDB: connect from the
 * [mysql] section (refusing a world-readable config file), prepared
 * statements only, transactions retried on deadlock and lock wait timeout.
 *
 * Ownership: the caller owns struct db and struct db_stmt storage; db_close
 * and db_stmt_close free what the library allocated inside them.  Strings
 * bound as parameters must stay valid until the statement is executed.
 * Every int-returning action gives 0, DB_RETRY (deadlock 1213 / lock wait
 * timeout 1205: roll back and run the transaction again) or DB_ERR, with the
 * message in err ("mysql: what failed: server message"). */
#ifndef ADLOG_DB_H
#define ADLOG_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define DB_ERR   (-5)     /* -EIO */
#define DB_RETRY (-11)    /* -EAGAIN */

struct st_mysql;
struct st_mysql_stmt;
struct st_mysql_bind;

struct db {
	struct st_mysql *conn;
	unsigned int last_errno;   /* server error of the last failure, or 0 */
	unsigned int retries;      /* transactions run again by db_transaction */
};

/* Refuse a config file that others may read (mode & 0004) or write
 * (mode & 0002): it holds the MySQL password.  path "" (no file) passes. */
int db_check_config_mode(const char *path, char *err, size_t errlen);

/* db_check_config_mode(cfg->path), then connect with cfg->mysql (host
 * "localhost" uses the socket; 10 s to connect, 15 min per read or write)
 * and set the session: utf8mb4, UTC time zone, strict SQL mode, READ
 * COMMITTED, autocommit on, one statement per query. */
int db_connect(struct db *db, const struct config *cfg, char *err,
	       size_t errlen);
void db_close(struct db *db);

/* One statement without parameters or result rows (DDL, SET, BEGIN...). */
int db_exec(struct db *db, const char *sql, char *err, size_t errlen);

int db_begin(struct db *db, char *err, size_t errlen);
int db_commit(struct db *db, char *err, size_t errlen);
void db_rollback(struct db *db);       /* best effort, never fails */

/* Run fn inside a transaction: begin, fn, commit.  When fn or the commit
 * returns DB_RETRY the transaction is rolled back and run again after a
 * short growing pause, up to tries times in all.  fn must have no effect
 * outside the database.  Any other failure rolls back and is returned. */
typedef int (*db_txn_fn)(struct db *db, void *arg, char *err, size_t errlen);
int db_transaction(struct db *db, int tries, db_txn_fn fn, void *arg,
		   char *err, size_t errlen);

/* A prepared statement.  Parameters are bound by 0-based index and keep
 * their value across executions until bound again.  Result columns are
 * read as text (the server converts), or NULL. */
struct db_stmt {
	struct db *db;
	struct st_mysql_stmt *st;
	unsigned int nparams, ncols;
	struct st_mysql_bind *params;
	struct st_mysql_bind *cols;
	void *pvals;            /* per-parameter value storage */
	char **colbuf;          /* per-column text buffers */
	unsigned long *collen;
	char *colnull;
};

int db_prepare(struct db *db, struct db_stmt *s, const char *sql,
	       char *err, size_t errlen);
void db_stmt_close(struct db_stmt *s);

void db_bind_u64(struct db_stmt *s, unsigned int i, uint64_t v);
void db_bind_i64(struct db_stmt *s, unsigned int i, int64_t v);
void db_bind_double(struct db_stmt *s, unsigned int i, double v);
void db_bind_text(struct db_stmt *s, unsigned int i, const char *p,
		  size_t len);
void db_bind_null(struct db_stmt *s, unsigned int i);

/* Execute with the bound parameters.  affected may be NULL.  A statement
 * with result columns must then be read with db_fetch until it returns 0. */
int db_execute(struct db_stmt *s, uint64_t *affected, char *err,
	       size_t errlen);

/* Execute s once for each of nrows rows in one round trip (MariaDB's bulk
 * execution; one execution a row on a server without it).  Every
 * parameter is a BIGINT UNSIGNED: row r's parameter i is
 * vals[r * nparams + i] (a DATETIME may be given as YYYYMMDDhhmmss).
 * Parameters bound with db_bind_* are not used.  For a statement without
 * result columns; returns as db_execute. */
int db_execute_rows(struct db_stmt *s, const uint64_t *vals,
		    unsigned int nrows, char *err, size_t errlen);

/* Next row: 1 = a row is ready, 0 = no more rows, or DB_ERR / DB_RETRY. */
int db_fetch(struct db_stmt *s, char *err, size_t errlen);

/* Column i of the current row as NUL-terminated text (len may be NULL);
 * NULL for SQL NULL.  Valid until the next db_fetch. */
const char *db_col(const struct db_stmt *s, unsigned int i, size_t *len);

/* Column i as an unsigned decimal; DB_ERR when NULL or not a number. */
int db_col_u64(const struct db_stmt *s, unsigned int i, uint64_t *out);

#endif

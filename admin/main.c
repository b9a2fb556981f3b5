/* adlog-admin - the operator's tool for the MySQL side: schema migrations,
 * the inventory export serve reads, and the sample inventory for tests and
 * the demo.  Credentials come from the [mysql] section of the config file,
 * which must not be readable by others. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "diag.h"
#include "export.h"
#include "migrate.h"
#include "status.h"

struct opts {
	const char *config;
	const char *schema;
	const char *out;
	bool status;
	bool json;
};

static void usage(FILE *f)
{
	fputs("usage: adlog-admin [-c FILE] COMMAND [OPTIONS]\n"
	      "\n"
	      "Commands:\n"
	      "  migrate [--schema DIR]      apply the schema migrations not yet applied\n"
	      "  migrate --status            list migrations: applied, pending, changed\n"
	      "  export-inventory [--out FILE]\n"
	      "                              write serve's inventory file from MySQL\n"
	      "                              (default: [serve] inventory), atomically;\n"
	      "                              --out - prints it instead; rows serve\n"
	      "                              would refuse are left out, named (exit 3)\n"
	      "  load-sample [--schema DIR]  load schema/sample/inventory.sql (tests, demo)\n"
	      "  status [--json]             the pipeline's lag at a glance: closed spool\n"
	      "                              files waiting, segment hours, hours waiting\n"
	      "                              for analyze, MySQL, quarantine, serve's\n"
	      "                              counters, the last run of each cron job;\n"
	      "                              exit 0 all well, 1 something needs\n"
	      "                              attention (MySQL down, a cron job failed,\n"
	      "                              lag above [admin] max_lag), 2 usage/config\n"
	      "\n"
	      "Options:\n"
	      "  -c, --config FILE  config file (default: $ADLOG_CONF, else "
	      CONF_PATH_DEFAULT ")\n"
	      "  --schema DIR       schema folder (default: $ADLOG_SCHEMA_DIR, else\n"
	      "                     BINDIR/../share/adlog/schema, BINDIR/../schema,\n"
	      "                     ./schema: the first that exists)\n"
	      "  -h, --help         this text\n"
	      "  -V, --version      version\n"
	      "\n"
	      "The config file holds the MySQL password: adlog-admin refuses to\n"
	      "connect when others may read it.\n"
	      "Exit status: 0 done, 1 failed (status: needs attention), 2 bad usage\n"
	      "or config, 3 exported with rows left out.\n", f);
}

static int connect_db(const struct opts *o, struct config *cfg,
		      struct db *db)
{
	char err[1024];

	if (config_load(cfg, config_path(o->config), false, err, sizeof err)) {
		diag_err("%s", err);
		return 2;
	}
	if (db_connect(db, cfg, err, sizeof err)) {
		diag_err("%s", err);
		return 1;
	}
	return 0;
}

static int cmd_migrate(const struct opts *o, struct config *cfg,
		       struct db *db)
{
	char dir[4096], err[1024];
	unsigned int pending;
	int rc;

	if (migrate_schema_dir(o->schema, dir, sizeof dir, err, sizeof err)) {
		diag_err("%s", err);
		return 2;
	}
	rc = connect_db(o, cfg, db);
	if (rc)
		return rc;
	if (o->status) {
		rc = migrate_status(db, dir, stdout, &pending, err, sizeof err);
		if (!rc)
			printf("%u pending\n", pending);
	} else {
		rc = migrate_apply(db, dir, stdout, err, sizeof err);
	}
	if (rc) {
		diag_err("migrate failed: %s", err);
		return 1;
	}
	return 0;
}

static int cmd_export(const struct opts *o, struct config *cfg,
		      struct db *db)
{
	struct export_counts c;
	const char *path;
	char err[1024];
	int rc = connect_db(o, cfg, db);

	if (rc)
		return rc;
	path = o->out ? o->out : cfg->serve.inventory;
	if (!*path) {
		diag_err("no inventory path: give --out FILE or set [serve] inventory");
		return 2;
	}
	if (export_inventory(db, path, &c, err, sizeof err)) {
		diag_err("%s", err);
		return 1;
	}
	if (!strcmp(path, "-"))
		return c.skipped ? 3 : 0;
	printf("%s '%s': %u publishers, %u campaigns, %u zones, %u ads, version %s\n",
	       c.unchanged ? "unchanged" : "wrote", path, c.pubs, c.camps,
	       c.zones, c.ads, c.version);
	if (c.skipped) {
		diag_err("export-inventory: %u row%s left out (above); fix them "
			 "in MySQL", c.skipped, c.skipped == 1 ? "" : "s");
		return 3;
	}
	return 0;
}

static int cmd_load_sample(const struct opts *o, struct config *cfg,
			   struct db *db)
{
	char dir[4096], path[4200], err[1024];
	unsigned int n = 0;
	int rc;

	if (migrate_schema_dir(o->schema, dir, sizeof dir, err, sizeof err)) {
		diag_err("%s", err);
		return 2;
	}
	snprintf(path, sizeof path, "%s/sample/inventory.sql", dir);
	rc = connect_db(o, cfg, db);
	if (rc)
		return rc;
	if (migrate_run_file(db, path, &n, err, sizeof err)) {
		diag_err("load-sample failed: %s", err);
		return 1;
	}
	printf("loaded '%s' (%u statements, %u retries)\n", path, n,
	       db->retries);
	return 0;
}

static int cmd_status(const struct opts *o, struct config *cfg,
		      struct db *db)
{
	struct status s;
	char err[1024];
	bool ok;

	(void)db;
	if (config_load(cfg, config_path(o->config), false, err, sizeof err)) {
		diag_err("%s", err);
		return 2;
	}
	status_collect(&s, cfg);
	ok = s.nattention == 0;
	if (o->json)
		status_print_json(&s, cfg, stdout);
	else
		status_print_text(&s, cfg, stdout);
	status_release(&s);
	if (fflush(stdout) || ferror(stdout)) {
		diag_err("cannot write to stdout");
		return 1;
	}
	return ok ? 0 : 1;
}

static const struct command {
	const char *name;
	int (*run)(const struct opts *, struct config *, struct db *);
} commands[] = {
	{ "migrate", cmd_migrate },
	{ "export-inventory", cmd_export },
	{ "load-sample", cmd_load_sample },
	{ "status", cmd_status },
};

/* "--name VALUE" or "--name=VALUE"; advances *i past a separate value. */
static bool opt_value(int argc, char **argv, int *i, const char *name,
		      const char *alt, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (!strncmp(a, name, n) && a[n] == '=') {
		*val = a + n + 1;
		return true;
	}
	if (strcmp(a, name) && !(alt && !strcmp(a, alt)))
		return false;
	if (*i + 1 >= argc) {
		diag_err("option '%s' needs a value", a);
		exit(2);
	}
	*val = argv[++*i];
	return true;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	struct opts o = { 0 };
	const struct command *cmd = NULL;
	struct db db = { 0 };
	int rc;

	diag_init("adlog-admin");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("adlog-admin %s\n", ADLOG_VERSION);
			return 0;
		}
		if (opt_value(argc, argv, &i, "--config", "-c", &o.config) ||
		    opt_value(argc, argv, &i, "--schema", NULL, &o.schema) ||
		    opt_value(argc, argv, &i, "--out", NULL, &o.out))
			continue;
		if (!strcmp(a, "--status")) {
			o.status = true;
			continue;
		}
		if (!strcmp(a, "--json")) {
			o.json = true;
			continue;
		}
		if (a[0] == '-' || cmd) {
			diag_err("unknown argument '%s' (see --help)", a);
			return 2;
		}
		for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
			if (!strcmp(a, commands[k].name))
				cmd = &commands[k];
		if (!cmd) {
			diag_err("unknown command '%s' (see --help)", a);
			return 2;
		}
	}
	if (!cmd) {
		usage(stderr);
		return 2;
	}
	if ((o.status && cmd->run != cmd_migrate) ||
	    (o.out && cmd->run != cmd_export) ||
	    (o.json && cmd->run != cmd_status) ||
	    (o.schema && (cmd->run == cmd_export || cmd->run == cmd_status))) {
		diag_err("option not valid with '%s' (see --help)", cmd->name);
		return 2;
	}
	rc = cmd->run(&o, &cfg, &db);
	db_close(&db);
	return rc;
}

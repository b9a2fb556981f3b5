/* main.c - adlog-ingest: closed spool files (or named files, or stdin) to
 * validated hourly segments under DATA/YYYYMMDDHH/, with a manifest per
 * hour, rejects kept in quarantine, and a summary at the end.
 *
 * Exit status: 0 ok; 1 internal error; 2 usage or configuration; 3 I/O
 * (a file could not be read or committed, or another ingest holds the
 * lock); 4 more lines rejected than --max-reject-ratio allows. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "event.h"
#include "fsutil.h"
#include "job.h"
#include "parse.h"
#include "spool.h"

enum { EXIT_OK = 0, EXIT_INTERNAL = 1, EXIT_USAGE = 2, EXIT_IO = 3,
       EXIT_REJECTS = 4 };

static const char usage_text[] =
	"usage: adlog-ingest [-c FILE] [--spool DIR] [--data DIR] [--jobs N] [--json]\n"
	"                    [--max-reject-ratio R] [FILE...]\n"
	"       adlog-ingest --dump SEGMENT\n"
	"       adlog-ingest --merge-cidrs FILE...\n"
	"\n"
	"Turns closed event files (*.log, *.log.gz in the spool, or the FILEs named,\n"
	"- for stdin) into hourly segments under DATA/YYYYMMDDHH/.\n"
	"\n"
	"  -c FILE                 configuration file (default $ADLOG_CONF, then\n"
	"                          " CONF_PATH_DEFAULT ")\n"
	"  --spool DIR             read closed files from DIR (common.spool_dir)\n"
	"  --data DIR              write segments under DIR (common.data_dir)\n"
	"  --jobs N                files in parallel; 0 = one per core (ingest.jobs)\n"
	"  --json                  print the summary as one JSON object\n"
	"  --max-reject-ratio R    exit 4 when rejected/lines > R (ingest.max_reject_ratio)\n"
	"  --dump SEGMENT          print a segment's events as TSV and exit\n"
	"  --merge-cidrs FILE...   print the smallest CIDR set covering the ranges of\n"
	"                          the FILEs (ingest.datacenter_cidrs format) less\n"
	"                          private, documentation and reserved space, and exit\n"
	"  --help, --version\n"
	"\n"
	"Exit status: 0 ok, 1 internal error, 2 usage or configuration,\n"
	"3 I/O error or another ingest running, 4 reject ratio exceeded.\n";

struct pool {
	const struct ingest_opts *o;
	const struct givt *rules;
	struct job_file *files;
	size_t nfiles;
	_Atomic size_t next;
	_Atomic unsigned running;
	pthread_mutex_t mu;
	struct ingest_stats total;
	int worst;   /* 0, or the first job error */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	struct givt_ctx rc;
	struct ingest_stats st = { 0 };
	int worst = 0;
	size_t i;

	if (givt_ctx_init(&rc, p->rules)) {
		worst = -ENOMEM;
		goto out;
	}
	while ((i = atomic_fetch_add(&p->next, 1)) < p->nfiles) {
		int e = job_run(p->o, &rc, &p->files[i], &st);

		if (e && !worst)
			worst = e;
	}
	givt_ctx_release(&rc);
out:
	pthread_mutex_lock(&p->mu);
	stats_add(&p->total, &st);
	if (worst && !p->worst)
		p->worst = worst;
	pthread_mutex_unlock(&p->mu);
	atomic_fetch_sub(&p->running, 1);
	return NULL;
}

/* ---- --dump ---- */

static int dump_segment(const char *path)
{
	struct segment_reader r;
	struct seg_cursor c = { 0, 0 };
	const struct seg_record *x;
	int e = segment_open(&r, path);

	if (e) {
		diag_err("cannot read segment '%s': %s", path, segment_strerror(e));
		return EXIT_IO;
	}
	printf("#type\tts\tid\timp\tip\tuid\tflags\treasons\tad\tzone\tpub\tcamp\tua\tref\n");
	while ((x = segment_next(&r, &c))) {
		struct event_addr a;
		char ip[64], uid[EVENT_UID_LEN + 1] = "-";
		struct span ua, ref;

		segment_record_addr(x, &a);
		addr_format(&a, ip, sizeof(ip));
		if (x->has_uid) {
			uid_format(x->uid, uid);
			uid[EVENT_UID_LEN] = '\0';
		}
		if (!segment_string_get(&r, x->ua, &ua) ||
		    !segment_string_get(&r, x->ref, &ref)) {
			segment_close(&r);
			return EXIT_IO;
		}
		printf("%c\t%lld\t%016llx\t%016llx\t%s\t%s\t%x\t%x\t%u\t%u\t%u\t%u\t"
		       "%.*s\t%.*s\n", x->type, (long long)x->ts_ms,
		       (unsigned long long)x->id, (unsigned long long)x->imp, ip,
		       uid, x->flags, x->reasons, x->ad, x->zone, x->pub, x->camp,
		       ua.len ? (int)ua.len : 1, ua.len ? ua.ptr : "-",
		       ref.len ? (int)ref.len : 1, ref.len ? ref.ptr : "-");
	}
	segment_close(&r);
	return fflush(stdout) ? EXIT_IO : EXIT_OK;
}

/* ---- the file list ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Closed files of the spool, sorted by name.  -errno on failure. */
static int scan_spool(const char *dir, char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char path[4096];
		struct stat st;

		if (!spool_is_closed(e->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path) || lstat(path, &st))
			continue;
		/* serve writes plain files with plain names: anything else
		 * was put there by someone else and is left for a person */
		if (spool_has_control(e->d_name)) {
			char shown[1024];

			shown[event_escape(e->d_name, strlen(e->d_name), shown,
					   sizeof(shown) - 1)] = '\0';
			diag_err("skipped '%s' in the spool: a control character in its name",
				 shown);
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			diag_err("skipped '%s' in the spool: a symbolic link", e->d_name);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (*n == cap) {
			char **p = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*p));

			if (!p)
				goto out_nomem;
			v = p;
		}
		if (!(v[*n] = strdup(path)))
			goto out_nomem;
		(*n)++;
	}
	closedir(d);
	qsort(v, *n, sizeof(*v), cmp_str);
	*out = v;
	return 0;
out_nomem:
	closedir(d);
	for (size_t i = 0; i < *n; i++)
		free(v[i]);
	free(v);
	return -ENOMEM;
}

/* ---- progress on a terminal ---- */

static void progress(uint64_t done, uint64_t total, double t0)
{
	int pct = total ? (int)(done * 100 / total) : 0, bar = pct / 4;
	double secs = now_s() - t0;

	if (pct > 100)
		pct = 100, bar = 25;
	fprintf(stderr, "\r[%.*s%*s] %3d%% %8.1f MB %6.1f MB/s", bar,
		"#########################", 25 - bar, "", pct, done / 1e6,
		secs > 0 ? done / 1e6 / secs : 0.0);
}

/* --merge-cidrs: the union of the files' ranges, less special-purpose
 * addresses, as the fewest CIDRs on stdout; the data-centre updater (cron/adlog-update-datacenters) builds
 * the list with it, so that ingest's own reader checks every line */
static int merge_cidrs(char **files, int n)
{
	struct cidr_table t;
	char err[512];
	int rc = EXIT_OK;

	cidr_init(&t);
	for (int i = 0; i < n && rc == EXIT_OK; i++)
		if (cidr_load_file(&t, files[i], err, sizeof(err))) {
			diag_err("%s", err);
			rc = EXIT_USAGE;
		}
	if (rc == EXIT_OK) {
		cidr_finish(&t);
		if (cidr_remove_special(&t)) {
			diag_err("out of memory");
			rc = EXIT_INTERNAL;
		} else if (cidr_write(&t, stdout) || fflush(stdout)) {
			diag_err("cannot write the merged ranges: %s", strerror(errno));
			rc = EXIT_IO;
		}
	}
	cidr_release(&t);
	return rc;
}

/* ---- main ---- */

struct args {
	const char *conf, *spool, *data, *jobs, *ratio, *dump;
	bool json, merge_cidrs;
	char **files;
	int nfiles;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char **val = NULL;

		if (!strcmp(s, "--help")) {
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		} else if (!strcmp(s, "--version")) {
			printf("adlog-ingest %s\n", ADLOG_VERSION);
			exit(EXIT_OK);
		} else if (!strcmp(s, "--json")) {
			a->json = true;
			continue;
		} else if (!strcmp(s, "--merge-cidrs")) {
			a->merge_cidrs = true;
			continue;
		} else if (!strcmp(s, "--")) {
			i++;
			break;
		} else if (!strcmp(s, "-c")) {
			val = &a->conf;
		} else if (!strcmp(s, "--spool")) {
			val = &a->spool;
		} else if (!strcmp(s, "--data")) {
			val = &a->data;
		} else if (!strcmp(s, "--jobs")) {
			val = &a->jobs;
		} else if (!strcmp(s, "--max-reject-ratio")) {
			val = &a->ratio;
		} else if (!strcmp(s, "--dump")) {
			val = &a->dump;
		} else if (s[0] == '-' && s[1]) {
			diag_err("unknown option '%s'", s);
			return -1;
		} else {
			break;
		}
		if (i + 1 >= argc) {
			diag_err("option '%s' needs a value", s);
			return -1;
		}
		*val = argv[++i];
	}
	a->files = argv + i;
	a->nfiles = argc - i;
	return 0;
}

static int setup(const struct args *a, struct config *cfg, struct ingest_opts *o)
{
	char err[512];
	bool explicit_conf = a->conf || getenv("ADLOG_CONF");

	if (config_load(cfg, config_path(a->conf), !explicit_conf, err, sizeof(err))) {
		diag_err("%s", err);
		return -1;
	}
	if ((a->spool && config_set(cfg, "common", "spool_dir", a->spool, err, sizeof(err))) ||
	    (a->data && config_set(cfg, "common", "data_dir", a->data, err, sizeof(err))) ||
	    (a->jobs && config_set(cfg, "ingest", "jobs", a->jobs, err, sizeof(err))) ||
	    (a->ratio && config_set(cfg, "ingest", "max_reject_ratio", a->ratio,
				    err, sizeof(err)))) {
		diag_err("%s", err);
		return -1;
	}
	memset(o, 0, sizeof(*o));
	if (!strcmp(cfg->ingest.after, "archive"))
		o->after = AFTER_ARCHIVE;
	else if (!strcmp(cfg->ingest.after, "delete"))
		o->after = AFTER_DELETE;
	else if (!strcmp(cfg->ingest.after, "keep"))
		o->after = AFTER_KEEP;
	else {
		diag_err("bad value '%s' for ingest.after (archive, delete or keep)",
			 cfg->ingest.after);
		return -1;
	}
	o->data_dir = cfg->common.data_dir;
	o->quarantine_dir = cfg->ingest.quarantine_dir;
	o->archive_dir = cfg->ingest.archive_dir;
	o->late_ms = cfg->ingest.late_window * 1000;
	o->skew_ms = cfg->ingest.clock_skew * 1000;
	o->id_skew_ms = cfg->ingest.id_skew * 1000;
	o->quar_max_bytes = (uint64_t)cfg->ingest.quarantine_max_bytes;
	o->quar_max_lines = (uint64_t)cfg->ingest.quarantine_max_lines;
	return 0;
}

/* Fill files[] from the arguments or the spool; stems must be unique. */
static int collect(const struct args *a, const struct config *cfg,
		   struct job_file **files, size_t *n, char ***owned,
		   size_t *nowned)
{
	char **paths = a->files;
	size_t np = (size_t)a->nfiles;
	bool spool = np == 0;
	int e;

	*owned = NULL;
	*nowned = 0;
	if (spool) {
		if ((e = scan_spool(cfg->common.spool_dir, owned, nowned))) {
			diag_err("cannot read spool '%s': %s", cfg->common.spool_dir,
				 strerror(-e));
			return EXIT_IO;
		}
		paths = *owned;
		np = *nowned;
	}
	*files = calloc(np ? np : 1, sizeof(**files));
	if (!*files)
		return EXIT_INTERNAL;
	*n = 0;
	for (size_t i = 0; i < np; i++) {
		struct job_file *f = &(*files)[*n];
		size_t l = strlen(paths[i]);

		if (l > 5 && !strcmp(paths[i] + l - 5, ".open")) {
			diag_err("refusing '%s': serve is still writing it", paths[i]);
			return EXIT_USAGE;
		}
		if (!spool_stem(paths[i], f->stem, sizeof(f->stem))) {
			diag_err("unusable source name '%s'", paths[i]);
			return EXIT_USAGE;
		}
		for (size_t k = 0; k < *n; k++)
			if (!strcmp((*files)[k].stem, f->stem)) {
				diag_err("'%s' and '%s' would write the same segment '%s'",
					 (*files)[k].path, paths[i], f->stem);
				return EXIT_USAGE;
			}
		f->path = paths[i];
		f->spool = spool;
		(*n)++;
	}
	return EXIT_OK;
}

/* Quarantine temporaries of a run that was stopped (kill -9, a crash, a
 * signal): every run writes its own afresh, so under the data lock any
 * left is stale. */
static void clean_quarantine_tmp(const char *dir)
{
	size_t sl = strlen(QUARANTINE_TMP_SUFFIX);
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char path[4096];

		if (e->d_name[0] != '.' || n <= sl + 1 ||
		    strcmp(e->d_name + n - sl, QUARANTINE_TMP_SUFFIX) ||
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path))
			continue;
		if (unlink(path) == 0)
			diag_err("removed '%s', left by a run that was stopped", path);
	}
	closedir(d);
}

static int lock_data(const char *data)
{
	char path[4096];
	int fd, e;

	if ((e = fs_mkdir_p(data))) {
		diag_err("cannot create data directory '%s': %s", data, strerror(-e));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/.ingest.lock", data);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		diag_err("cannot open lock '%s': %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		diag_err("another adlog-ingest is running on '%s'", data);
		close(fd);
		return -1;
	}
	return fd;   /* held until exit */
}

static unsigned job_count(int64_t jobs, size_t nfiles)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = jobs > 0 ? (size_t)jobs : (cores > 0 ? (size_t)cores : 1);

	if (n > nfiles)
		n = nfiles;
	return n ? (unsigned)n : 1;
}

static uint64_t total_size(const struct job_file *f, size_t n)
{
	uint64_t t = 0;
	struct stat st;

	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].path, "-") && !stat(f[i].path, &st))
			t += (uint64_t)st.st_size;
	return t;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	struct args a;
	struct ingest_opts o;
	struct givt rules;
	struct pool p;
	struct job_file *files = NULL;
	char **owned = NULL, err[512];
	size_t nfiles = 0, nowned = 0;
	pthread_t th[256];
	_Atomic uint64_t progress_bytes = 0;
	pthread_mutex_t manifest_mu = PTHREAD_MUTEX_INITIALIZER;
	unsigned njobs, started = 0;
	double t0, load_ms;
	int rc, lockfd;
	bool tty = isatty(2);

	diag_init("adlog-ingest");
	if (parse_args(argc, argv, &a)) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (a.dump)
		return dump_segment(a.dump);
	if (a.merge_cidrs)
		return merge_cidrs(a.files, a.nfiles);
	if (setup(&a, &cfg, &o))
		return EXIT_USAGE;
	t0 = now_s();
	if (givt_load(&rules, cfg.ingest.bot_patterns, cfg.ingest.bot_local,
		       cfg.ingest.datacenter_cidrs, err, sizeof(err))) {
		diag_err("%s", err);
		return EXIT_USAGE;
	}
	load_ms = (now_s() - t0) * 1000;
	if ((rc = collect(&a, &cfg, &files, &nfiles, &owned, &nowned)))
		goto out;
	if ((lockfd = lock_data(o.data_dir)) < 0) {
		rc = EXIT_IO;
		goto out;
	}
	clean_quarantine_tmp(o.quarantine_dir);
	o.manifest_mu = &manifest_mu;
	o.progress = &progress_bytes;
	memset(&p, 0, sizeof(p));
	p.o = &o;
	p.rules = &rules;
	p.files = files;
	p.nfiles = nfiles;
	pthread_mutex_init(&p.mu, NULL);
	njobs = job_count(cfg.ingest.jobs, nfiles);
	uint64_t total = tty ? total_size(files, nfiles) : 0;

	atomic_store(&p.running, njobs);
	for (; started < njobs; started++)
		if (pthread_create(&th[started], NULL, worker, &p)) {
			atomic_fetch_sub(&p.running, njobs - started);
			break;
		}
	while (tty && atomic_load(&p.running)) {
		struct timespec ts = { 0, 200 * 1000000L };

		progress(atomic_load(&progress_bytes), total, t0);
		nanosleep(&ts, NULL);
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (tty) {
		progress(atomic_load(&progress_bytes), total, t0);
		fputc('\n', stderr);
	}
	double secs = now_s() - t0;

	if (a.json)
		stats_print_json(stdout, &p.total, secs, load_ms);
	else
		stats_print_text(stdout, &p.total, secs, load_ms);
	fflush(stdout);
	if (p.total.lines !=
	    p.total.accepted + p.total.rejected + p.total.retracted) {
		diag_err("accounting error: %llu lines != %llu accepted + %llu "
			 "rejected + %llu retracted",
			 (unsigned long long)p.total.lines,
			 (unsigned long long)p.total.accepted,
			 (unsigned long long)p.total.rejected,
			 (unsigned long long)p.total.retracted);
		rc = EXIT_INTERNAL;
	} else if (p.worst == -EPROTO) {
		rc = EXIT_INTERNAL;
	} else if (p.worst || started < njobs) {
		rc = EXIT_IO;
	} else if (p.total.lines &&
		   (double)p.total.rejected / (double)p.total.lines >
		   cfg.ingest.max_reject_ratio) {
		diag_err("rejected %llu of %llu lines, more than the allowed ratio %g",
			 (unsigned long long)p.total.rejected,
			 (unsigned long long)p.total.lines, cfg.ingest.max_reject_ratio);
		rc = EXIT_REJECTS;
	}
	close(lockfd);
out:
	givt_release(&rules);
	for (size_t i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(files);
	return rc;
}

/* main.c - adlog-serve: the FastCGI responder behind nginx.  Request
 * threads (loop.c) each watch the unix socket and their own connections
 * with epoll, with no accept mutex; one thread owns the signals and the
 * periodic checks (inventory changes, end of the hour).  With processes > 1 either run one process per --index
 * (systemd adlog-serve@N), or let one invocation fork and watch them all.
 * See docs/serve.md. */
#include <errno.h>
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "clock.h"
#include "config.h"
#include "diag.h"
#include "inventory.h"
#include "loop.h"
#include "parse.h"

#define STOP_WAIT_MS 1500          /* SIGTERM to exit stays under 2 s */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: adlog-serve [-c FILE] [--index N]\n"
		"       adlog-serve --check-inventory FILE\n"
		"\n"
		"FastCGI responder: /ad, /i, /c and /status behind nginx; every\n"
		"answered event is appended to the spool first (docs/serve.md).\n"
		"\n"
		"  -c, --config FILE   config file (default $ADLOG_CONF or "
		CONF_PATH_DEFAULT ")\n"
		"  -i, --index N       run only responder N of serve.processes\n"
		"                      (socket SOCKET.N, node common.node_id + N);\n"
		"                      without it, one invocation runs them all\n"
		"  --check-inventory FILE  parse an inventory file, report, exit\n"
		"  -h, --help          this text\n"
		"  -V, --version       print the version\n"
		"\n"
		"Signals: TERM stop (in-flight requests finish, files closed),\n"
		"HUP reload the inventory, USR1 close the current event files.\n");
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Stop accepting, let the batches in hand finish, close the files. */
static void stop(struct serve_loop *l, struct serve_app *app)
{
	size_t busy;

	shutdown(l->listen_fd, SHUT_RDWR);
	busy = loop_stop(l, STOP_WAIT_MS);
	if (busy)
		diag_err("%zu thread(s) still busy at exit", busy);
	writer_close(&app->writer);
}

/* The writer retired an hour's file: wake the control thread to close it. */
static void wake_control(void)
{
	kill(getpid(), SIGUSR2);
}

static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);          /* a file-size limit is an error */
}

/* One responder: socket, threads, then signals until SIGTERM. */
static int run_process(const struct config *cfg, unsigned index)
{
	static struct serve_app app;
	static struct serve_loop loop;
	const struct config_serve *s = &cfg->serve;
	char sock[CONF_STR_MAX + 16], err[512];
	unsigned node = (unsigned)cfg->common.node_id + index;
	sigset_t set;
	int listen_fd;
	int64_t check_ms = s->inventory_check_ms;

	block_signals(&set);
	if (s->processes > 1)
		snprintf(sock, sizeof(sock), "%s.%u", s->socket, index);
	else
		snprintf(sock, sizeof(sock), "%s", s->socket);
	if (app_init(&app, cfg, node, (size_t)s->threads, err, sizeof(err))) {
		diag_err("%s", err);
		return 2;   /* bad key, cookie text, spool or inventory */
	}
	app.writer.on_retire = wake_control;
	if (FCGX_Init()) {
		diag_err("cannot initialise libfcgi");
		return 1;
	}
	listen_fd = FCGX_OpenSocket(sock, (int)s->backlog);
	if (listen_fd < 0) {
		diag_err("cannot listen on '%s': %s", sock, strerror(errno));
		return 1;
	}
	chmod(sock, 0660);
	if (loop_start(&loop, &app, listen_fd, (size_t)s->threads)) {
		diag_err("cannot start the request threads: %s", strerror(errno));
		return 1;
	}
	diag_err("node %u listening on '%s' with %zu threads", node, sock, loop.n);
	for (;;) {
		struct timespec to = { check_ms / 1000, (check_ms % 1000) * 1000000 };
		int sig = sigtimedwait(&set, NULL, &to);

		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP) {
			app_reload(&app, true);
		} else if (sig == SIGUSR1) {
			writer_close(&app.writer);
		} else if (sig == SIGUSR2) {
			writer_reap(&app.writer);
		} else if (sig < 0) {
			app_reload(&app, false);
			writer_tick(&app.writer, clock_now_ms());
		}
	}
	stop(&loop, &app);
	unlink(sock);
	diag_err("node %u stopped", node);
	return 0;
}

/* Fork one responder per index and watch them: signals are passed on, a
 * child that dies is started again. */
static int run_all(const struct config *cfg)
{
	size_t n = (size_t)cfg->serve.processes;
	pid_t *kids = calloc(n, sizeof(*kids));
	int64_t *born = calloc(n, sizeof(*born));
	sigset_t set;
	int stopping = 0, rc = 0;

	if (!kids || !born)
		return 1;
	block_signals(&set);
	for (;;) {
		int sig;

		for (size_t i = 0; i < n && !stopping; i++) {
			if (kids[i] > 0)
				continue;
			born[i] = clock_mono_ms();
			kids[i] = fork();
			if (kids[i] == 0)
				_exit(run_process(cfg, (unsigned)i));
			if (kids[i] < 0)
				diag_err("cannot fork: %s", strerror(errno));
		}
		sig = sigwaitinfo(&set, NULL);
		if (sig == SIGCHLD || sig < 0) {
			pid_t pid;
			int st;
			size_t alive = 0;

			while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
				for (size_t i = 0; i < n; i++)
					if (kids[i] == pid) {
						kids[i] = 0;
						if (stopping)
							continue;
						if (WIFEXITED(st) && WEXITSTATUS(st) &&
						    clock_mono_ms() - born[i] < 1000) {
							/* it could not start: retrying
							 * would only repeat the message */
							diag_err("responder %zu failed at start, stopping",
								 i);
							stopping = 1;
							rc = 1;
							for (size_t j = 0; j < n; j++)
								if (kids[j] > 0)
									kill(kids[j], SIGTERM);
							continue;
						}
						diag_err("responder %zu exited (status %d), restarting",
							 i, st);
					}
			for (size_t i = 0; i < n; i++)
				alive += kids[i] > 0;
			if (stopping && !alive)
				return rc;
			if (!stopping)
				sleep_ms(200);   /* no fork storm */
			continue;
		}
		if (sig == SIGTERM || sig == SIGINT)
			stopping = 1;
		for (size_t i = 0; i < n; i++)
			if (kids[i] > 0)
				kill(kids[i], sig == SIGINT ? SIGTERM : sig);
	}
}

static int check_inventory(const char *path)
{
	struct inventory *inv;
	char err[512];

	if (inventory_load(path, &inv, err, sizeof(err))) {
		diag_err("%s", err);
		return 1;
	}
	printf("%s: version '%s': %zu pubs, %zu camps, %zu zones, %zu ads\n",
	       path, inv->version, inv->npubs, inv->ncamps, inv->nzones,
	       inv->nads);
	inventory_free(inv);
	return 0;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	const char *conf = NULL;
	char err[512];
	long index = -1;

	diag_init("adlog-serve");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("adlog-serve %s\n", ADLOG_VERSION);
			return 0;
		} else if ((!strcmp(a, "-c") || !strcmp(a, "--config")) && more) {
			conf = argv[++i];
		} else if ((!strcmp(a, "-i") || !strcmp(a, "--index")) && more) {
			uint64_t v;

			a = argv[++i];
			if (parse_dec(a, strlen(a), 1023, &v)) {
				diag_err("bad index '%s'", a);
				return 2;
			}
			index = (long)v;
		} else if (!strcmp(a, "--check-inventory") && more) {
			return check_inventory(argv[i + 1]);
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (config_load(&cfg, config_path(conf), false, err, sizeof(err))) {
		diag_err("%s", err);
		return 2;
	}
	if (cfg.common.node_id + cfg.serve.processes - 1 > EVENTID_NODE_MAX) {
		diag_err("common.node_id + serve.processes - 1 is above %u",
			 EVENTID_NODE_MAX);
		return 2;
	}
	if (index >= cfg.serve.processes) {
		diag_err("index %ld but serve.processes is %lld", index,
			 (long long)cfg.serve.processes);
		return 2;
	}
	if (index >= 0)
		return run_process(&cfg, (unsigned)index);
	if (cfg.serve.processes == 1)
		return run_process(&cfg, 0);
	return run_all(&cfg);
}

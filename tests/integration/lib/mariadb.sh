# mariadb.sh - a private MariaDB for integration tests: its own datadir and
# unix socket under $T, no networking, no system service.  Source after
# common.sh.
#
#   start_mariadb       first call: create the datadir (copied from a cached
#                       template under $BUILD), start mariadbd, create database
#                       adlog and user adlog, and write $T/adlog.conf (mode
#                       0600; exported as ADLOG_CONF) with [serve] inventory =
#                       $T/inventory and a [mysql] section; when the test wrote
#                       $T/adlog.conf first, only [mysql] is appended.  Later calls
#                       (after stop_mariadb or kill_mariadb) restart the server
#                       on the same datadir.
#   stop_mariadb        clean shutdown; the datadir is kept
#   kill_mariadb        kill -9; the datadir is kept (crash recovery on start)
#   sql [QUERY]         run QUERY (or stdin) as root in database adlog and
#                       print the result as TSV without a header
#   sql_adlog [QUERY]   the same as user adlog
#   mariadb_running     true while the server answers ping
#   start_mariadb_more DIR [OPTION...]
#                       a further server (a replica) on datadir DIR, socket
#                       DIR/sock, the OPTIONs after the defaults; stopped on
#                       exit; its pid in MARIADB_MORE_PID
#
# Variables: MARIADB_DIR, MARIADB_SOCK, MARIADB_PASSWORD (of user adlog),
# ADLOG_CONF (the config file).  Set after sourcing, before the start:
# MARIADB_NET (default --skip-networking; e.g. --bind-address=A --port=P)
# and MARIADB_EXEC, a command prefix (e.g. ip netns exec NS).  Startup is about 0.5 s plus, the first time
# on a machine, about 2 s for mariadb-install-db.

# always under $T: never a file or folder named by the caller's environment
MARIADB_DIR=$T/mariadb
MARIADB_SOCK=$MARIADB_DIR/sock
MARIADB_PASSWORD=pw-$RANDOM$RANDOM$RANDOM
ADLOG_CONF=$T/adlog.conf
export ADLOG_CONF
MARIADB_PID=
MARIADB_NET=(--skip-networking)
MARIADB_EXEC=()
_MARIADB_CLEANUP=

# options for a small, fast test server; durability stays as in production
# except the log flush (the machine does not crash in a test)
_MARIADB_OPTS=(--innodb-buffer-pool-size=64M --innodb-log-file-size=16M
	--skip-log-bin --skip-name-resolve --performance-schema=OFF
	--innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-dump-at-shutdown=OFF
	--innodb-buffer-pool-load-at-startup=OFF --default-time-zone=+00:00)

_mariadb_template() {
	# one template datadir per server version, made once and copied after
	local ver key tpl
	ver=$(mariadbd --version 2>/dev/null) || { echo "mariadbd not found" >&2; return 1; }
	key=$(printf '%s' "$ver" | cksum | cut -d' ' -f1)
	tpl=$BUILD/mariadb-template/$key
	if [ ! -f "$tpl/.done" ]; then
		mkdir -p "$BUILD/mariadb-template"
		(
			flock 9
			if [ ! -f "$tpl/.done" ]; then
				rm -rf "$tpl.tmp"
				mariadb-install-db --no-defaults --datadir="$tpl.tmp" \
					--auth-root-authentication-method=normal --skip-test-db \
					"${_MARIADB_OPTS[@]}" >"$BUILD/mariadb-template/install.log" 2>&1 ||
					{ cat "$BUILD/mariadb-template/install.log" >&2; exit 1; }
				touch "$tpl.tmp/.done"
				rm -rf "$tpl" && mv "$tpl.tmp" "$tpl"
			fi
		) 9>"$BUILD/mariadb-template/.lock" || return 1
	fi
	echo "$tpl"
}

_mariadb_cli() { mariadb --no-defaults --socket="$MARIADB_SOCK" "$@"; }

mariadb_running() { _mariadb_ping "$MARIADB_SOCK"; }
_mariadb_ping() { mariadb-admin --no-defaults --socket="$1" -uroot ping >/dev/null 2>&1; }

# _mariadb_wait_up PID DIR: until the server of DIR answers on DIR/sock
_mariadb_wait_up() {
	local deadline=$((SECONDS + 30))
	until _mariadb_ping "$2/sock"; do
		if ! kill -0 "$1" 2>/dev/null; then
			echo "mariadbd exited during start-up:" >&2
			tail -n 20 "$2/err.log" >&2
			return 1
		fi
		[ $SECONDS -lt $deadline ] || { echo "mariadbd not up after 30 s" >&2; tail -n 20 "$2/err.log" >&2; return 1; }
		sleep 0.05
	done
}

# _mariadb_spawn DIR OPTION...: start mariadbd (after MARIADB_EXEC) on DIR,
# a copy of the template when new, in the background; pid in _MARIADB_SPAWNED
_mariadb_spawn() {
	local dir=$1 tpl
	shift
	if [ ! -d "$dir/mysql" ]; then
		tpl=$(_mariadb_template) || return 1
		mkdir -p "$dir"
		cp -a "$tpl/." "$dir/"
		rm -f "$dir/.done"
	fi
	rm -f "$dir/sock" "$dir/pid"
	"${MARIADB_EXEC[@]}" mariadbd --no-defaults --datadir="$dir" --socket="$dir/sock" \
		--user=root --log-error="$dir/err.log" --pid-file="$dir/pid" \
		"${_MARIADB_OPTS[@]}" "$@" </dev/null >/dev/null 2>&1 &
	_MARIADB_SPAWNED=$!
	disown "$_MARIADB_SPAWNED" 2>/dev/null || true
}

start_mariadb_more() {
	local dir=$1
	shift
	_mariadb_spawn "$dir" "$@" || return 1
	MARIADB_MORE_PID=$_MARIADB_SPAWNED
	at_exit "kill -9 $MARIADB_MORE_PID 2>/dev/null"
	_mariadb_wait_up "$MARIADB_MORE_PID" "$dir"
}

start_mariadb() {
	local first=
	if mariadb_running; then return 0; fi
	[ -d "$MARIADB_DIR/mysql" ] || first=1
	_mariadb_spawn "$MARIADB_DIR" "${MARIADB_NET[@]}" || return 1
	MARIADB_PID=$_MARIADB_SPAWNED
	if [ -z "$_MARIADB_CLEANUP" ]; then
		_MARIADB_CLEANUP=1
		at_exit '_mariadb_kill_quiet'
	fi
	_mariadb_wait_up "$MARIADB_PID" "$MARIADB_DIR" || return 1
	[ -n "$first" ] || return 0
	_mariadb_cli -uroot <<SQL || return 1
CREATE DATABASE IF NOT EXISTS adlog CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS 'adlog'@'localhost' IDENTIFIED BY '$MARIADB_PASSWORD';
GRANT ALL PRIVILEGES ON adlog.* TO 'adlog'@'localhost';
SQL
	# a config the test wrote first keeps its content; [mysql] is appended
	( umask 077
	  if [ ! -e "$ADLOG_CONF" ]; then
		printf '; written by tests/integration/lib/mariadb.sh\n[serve]\ninventory = %s\n' \
			"$T/inventory" >"$ADLOG_CONF"
	  fi
	  cat >>"$ADLOG_CONF" <<CONF

[mysql]
host = localhost
socket = $MARIADB_SOCK
user = adlog
password = $MARIADB_PASSWORD
database = adlog
CONF
	)
	chmod 0600 "$ADLOG_CONF"
}

_mariadb_wait_gone() {
	local deadline=$((SECONDS + 30))
	while kill -0 "$MARIADB_PID" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || { echo "mariadbd did not stop" >&2; return 1; }
		sleep 0.05
	done
}

stop_mariadb() {
	[ -n "$MARIADB_PID" ] || return 0
	# SIGTERM is a clean shutdown; mariadb-admin shutdown polls only once a second
	kill -TERM "$MARIADB_PID" 2>/dev/null || true
	_mariadb_wait_gone
	MARIADB_PID=
}

kill_mariadb() {
	[ -n "$MARIADB_PID" ] || return 0
	kill -9 "$MARIADB_PID" 2>/dev/null || true
	_mariadb_wait_gone
	MARIADB_PID=
}

_mariadb_kill_quiet() { kill_mariadb >/dev/null 2>&1 || true; }

sql() {
	if [ $# -gt 0 ]; then
		_mariadb_cli -uroot -N -B adlog -e "$1"
	else
		_mariadb_cli -uroot -N -B adlog
	fi
}

sql_adlog() {
	if [ $# -gt 0 ]; then
		_mariadb_cli -uadlog -p"$MARIADB_PASSWORD" -N -B adlog -e "$1"
	else
		_mariadb_cli -uadlog -p"$MARIADB_PASSWORD" -N -B adlog
	fi
}

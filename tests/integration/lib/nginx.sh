# nginx.sh - sourced by serve tests after common.sh: a private nginx in front
# of adlog-serve responders, with the same FastCGI settings as
# conf/nginx.conf, and helpers to start and stop responders.
#
#   serve_conf [KEY=VALUE...]   write $T/adlog.conf ([serve] keys as given)
#   start_serve [ARGS...]       start build/adlog-serve -c $T/adlog.conf;
#                               SERVE_PID; waits for its socket(s)
#   start_nginx SOCKET...       nginx on 127.0.0.1:$NGINX_PORT; $NGX is its
#                               folder (error.log, access.log)
#   url PATH                    http://127.0.0.1:$NGINX_PORT/PATH
#   spool_lines                 every event line in open and closed files

TEST_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

serve_conf() {
	mkdir -p "$T/spool"
	[ -f "$T/inventory" ] || cp "$ROOT/conf/inventory.example" "$T/inventory"
	{
		echo "[common]"
		echo "node_id = ${NODE_ID:-10}"
		echo "host = test.host"
		echo "spool_dir = $T/spool"
		echo "[serve]"
		echo "socket = $T/serve.sock"
		echo "inventory = $T/inventory"
		echo "inventory_check_ms = 200"
		echo "token_key = $TEST_KEY"
		local kv have_p=0 have_t=0
		for kv in "$@"; do
			case "$kv" in processes=*) have_p=1 ;; threads=*) have_t=1 ;; esac
			echo "${kv%%=*} = ${kv#*=}"
		done
		[ $have_p = 1 ] || echo "processes = 1"
		[ $have_t = 1 ] || echo "threads = 2"
	} >"$T/adlog.conf"
}

# serve_socket N: socket of responder N given the config's process count
serve_socket() {
	if grep -q '^processes = 1$' "$T/adlog.conf"; then echo "$T/serve.sock"
	else echo "$T/serve.sock.$1"; fi
}

start_serve() {
	local log="$T/serve.$RANDOM.log"
	"$BUILD/adlog-serve" -c "$T/adlog.conf" "$@" 2>>"$log" &
	SERVE_PID=$!
	SERVE_LOG=$log
	at_exit "kill -TERM $SERVE_PID 2>/dev/null; wait $SERVE_PID 2>/dev/null"
	local idx=0
	case " $* " in *" --index "*|*" -i "*) idx=${*: -1} ;; esac
	wait_for 10 test -S "$(serve_socket "$idx")" || { cat "$log"; fail "serve did not start"; }
}

# nginx_fastcgi_inc FILE: the FastCGI settings of conf/nginx.conf, for an
# include in each location that passes to adlog_serve
nginx_fastcgi_inc() {
	cat >"$1" <<EOT
fastcgi_pass adlog_serve;
fastcgi_keep_conn on;
fastcgi_buffering off;
fastcgi_next_upstream error invalid_header;
fastcgi_next_upstream_tries 3;
fastcgi_intercept_errors on;
fastcgi_connect_timeout 2s;
fastcgi_send_timeout 5s;
fastcgi_read_timeout 5s;
fastcgi_pass_request_headers off;
fastcgi_param REQUEST_METHOD \$request_method;
fastcgi_param QUERY_STRING \$query_string;
fastcgi_param DOCUMENT_URI \$document_uri;
fastcgi_param REMOTE_ADDR \$remote_addr;
fastcgi_param REQUEST_START \$msec;
fastcgi_param HTTP_COOKIE \$http_cookie if_not_empty;
fastcgi_param HTTP_USER_AGENT \$http_user_agent if_not_empty;
fastcgi_param HTTP_REFERER \$http_referer if_not_empty;
fastcgi_param HTTP_ACCEPT_LANGUAGE \$http_accept_language if_not_empty;
fastcgi_param HTTP_ORIGIN \$http_origin if_not_empty;
fastcgi_param HTTP_PURPOSE \$http_purpose if_not_empty;
fastcgi_param HTTP_SEC_PURPOSE \$http_sec_purpose if_not_empty;
fastcgi_param HTTP_X_PURPOSE \$http_x_purpose if_not_empty;
fastcgi_param HTTP_X_MOZ \$http_x_moz if_not_empty;
EOT
}

start_nginx() {
	NGX=$T/nginx
	mkdir -p "$NGX/tmp"
	NGINX_PORT=$(free_port)
	local s servers="" user=""
	for s in "$@"; do servers+="        server unix:$s max_fails=1 fail_timeout=5s;"$'\n'; done
	for s in "$@"; do servers+="        server unix:$s max_fails=0 backup;"$'\n'; done
	[ "$(id -u)" = 0 ] && user="user root;"
	nginx_fastcgi_inc "$NGX/fastcgi.inc"
	cat >"$NGX/nginx.conf" <<EOT
daemon off;
$user
worker_processes ${NGINX_WORKERS:-2};
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $NGX/tmp/body;
    fastcgi_temp_path $NGX/tmp/fastcgi;
    proxy_temp_path $NGX/tmp/proxy;
    uwsgi_temp_path $NGX/tmp/uwsgi;
    scgi_temp_path $NGX/tmp/scgi;
    upstream adlog_serve {
        zone adlog_serve 64k;
        least_conn;
$servers        keepalive ${NGINX_KEEPALIVE:-8};
    }
    server {
        listen 127.0.0.1:$NGINX_PORT backlog=4096;
        location = /ad { include $NGX/fastcgi.inc; error_page 503 504 = @again; }
        location = /i  { include $NGX/fastcgi.inc; error_page 503 504 = @again; }
        location = /c  { include $NGX/fastcgi.inc; error_page 503 504 = @again; }
        location = /r  { include $NGX/fastcgi.inc; error_page 503 504 = @again; }
        location = /f  { include $NGX/fastcgi.inc; error_page 503 504 = @again; }
        location @again { include $NGX/fastcgi.inc; }
        location = /status {
            allow 127.0.0.1;
            deny all;
            include $NGX/fastcgi.inc;
        }
        location = /empty.gif {
            empty_gif;
            access_log $NGX/access.log combined buffer=64k flush=5s;
        }
        location = /nginx_status { allow 127.0.0.1; deny all; stub_status; }
        location / { return 404; }
    }
}
EOT
	nginx -c "$NGX/nginx.conf" -p "$NGX" 2>>"$NGX/error.log" &
	NGINX_PID=$!
	at_exit "kill -QUIT $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null"
	wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/nginx_status" ||
		{ cat "$NGX/error.log"; fail "nginx did not start"; }
}

url() { echo "http://127.0.0.1:$NGINX_PORT/$1"; }

spool_more_than() { [ "$(spool_lines | wc -l)" -gt "$1" ]; }
spool_lines() { cat "$T"/spool/adlog.*.open "$T"/spool/adlog.*.log 2>/dev/null || true; }
# the events of the spool: its lines but those serve retracted (their
# type in upper case, docs/log-format.md), and the retracted ones
spool_events() { spool_lines | awk -F'\t' '$2 ~ /^[a-z]$/'; }
spool_retracted() { spool_lines | awk -F'\t' '$2 ~ /^[A-Z]$/'; }

# load_ad N PARALLEL OUT [PATH]: N requests (default /ad?zone=1) with curl
# --parallel; OUT gets the bodies and one status line per request.
load_ad() {
	local n=$1 par=$2 out=$3 base i
	base=$(url "${4:-ad?zone=1}")
	for ((i = 0; i < n; i++)); do printf 'url = "%s&n=%d"\n' "$base" "$i"; done >"$out.urls"
	curl -s -Z --parallel-max "$par" --config "$out.urls" \
		-w '\nstatus %{http_code}\n' >"$out" 2>/dev/null || true
}
load_ids()   { grep -o '"id":"[0-9a-f]*"' "$1" | cut -d'"' -f4 | sort -u; }
load_count() { grep -c "^status $2\$" "$1" || true; }
load_5xx()   { grep -c '^status 5' "$1" || true; }

# spool_check: every event file ends in LF and every line has 14 fields
# and a known version;
# prints the ids (field 4) of all lines, sorted
spool_check() {
	local f
	for f in "$T"/spool/adlog.*; do
		[ -s "$f" ] || continue
		[ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || fail "torn last line in $f"
	done
	spool_lines | awk -F'\t' 'NF != 14 || ($1 != "1" && $1 != "2") { print "torn or bad line: " $0 > "/dev/stderr"; bad = 1 }
		END { exit bad }' || fail "bad lines in the spool"
	spool_lines | cut -f4 | sort -u
}

# nginx_prod_conf DIR SOCKET LISTEN: conf/nginx.conf with only its paths
# (under DIR), responder sockets (SOCKET.N), listen address and user
# changed for a test
nginx_prod_conf() {
	local user="user nobody;"
	[ "$(id -u)" = 0 ] && user="user root;"
	sed -e "s|^user .*|$user\ndaemon off;|" \
	    -e "s|/run/nginx.pid|$1/nginx.pid|" \
	    -e "s|/var/log/nginx/|$1/|g" \
	    -e "s|/run/adlog/serve.sock|$2|g" \
	    -e "s|@DATADIR@|$ROOT|g" \
	    -e "s|listen 80 |listen $3 |" \
	    -e "s|^http {|http {\n    client_body_temp_path $1/tmp/body;\n    fastcgi_temp_path $1/tmp/fastcgi;\n    proxy_temp_path $1/tmp/proxy;\n    uwsgi_temp_path $1/tmp/uwsgi;\n    scgi_temp_path $1/tmp/scgi;|" \
	    "$ROOT/conf/nginx.conf"
}

# start_nginx_prod: conf/nginx.conf itself, with only its paths, port and
# user changed for the test (sockets $T/serve.sock.N)
start_nginx_prod() {
	NGX=$T/nginx
	mkdir -p "$NGX/tmp"
	NGINX_PORT=$(free_port)
	nginx_prod_conf "$NGX" "$T/serve.sock" "127.0.0.1:$NGINX_PORT" >"$NGX/nginx.conf"
	nginx -c "$NGX/nginx.conf" -p "$NGX" 2>>"$NGX/error.log" &
	NGINX_PID=$!
	at_exit "kill -QUIT $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null"
	wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/nginx_status" ||
		{ cat "$NGX/error.log"; fail "nginx (conf/nginx.conf) did not start"; }
}

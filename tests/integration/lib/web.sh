# web.sh - sourced after common.sh and nginx.sh by the browser test and the
# demo: a browser's world on 127.0.0.1, over TLS so the Secure uid cookie
# is kept.  One nginx on one port ($WEB_PORT) answers four names (the
# browser maps *.test to 127.0.0.1, lib/browser.py):
#   ads.test    adlog: /ad /r /f /c /i through the responders, the tag at
#               /tag/N/tag.js from www/, creatives at /img/ from $WEB/img
#   pub.test    a publisher's site the inventory knows, from $WEB/pub
#   evil.test   a site the inventory does not know, from $WEB/evil
#   shop.test   the advertiser's landing pages, from $WEB/shop
#
#   web_cert              a self-signed certificate for those names
#   start_web SOCKET...   that nginx ($WEB/nginx, on $WEB_PORT if set
#                         before); web_url NAME PATH.  Its access log
#                         ($WEB/nginx/access.log) shows each request's
#                         host, Origin and Accept-Language

WEB=$T/web

web_cert() {
	mkdir -p "$WEB"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=ads.test' \
		-addext 'subjectAltName=DNS:ads.test,DNS:pub.test,DNS:evil.test,DNS:shop.test' \
		-keyout "$WEB/key.pem" -out "$WEB/cert.pem" 2>/dev/null ||
		fail "openssl could not make a certificate"
}

web_url() { echo "https://$1.test:$WEB_PORT/$2"; }

start_web() {
	local n="$WEB/nginx" s servers="" user="" site
	mkdir -p "$n/tmp" "$WEB"/{img,pub,evil,shop}
	WEB_PORT=${WEB_PORT:-$(free_port)}
	for s in "$@"; do servers+="        server unix:$s max_fails=0;"$'\n'; done
	[ "$(id -u)" = 0 ] && user="user root;"
	nginx_fastcgi_inc "$n/fastcgi.inc"
	{
		cat <<EOT
daemon off;
$user
worker_processes 1;
pid $n/nginx.pid;
error_log $n/error.log warn;
events { worker_connections 1024; }
http {
    log_format web '\$host "\$request" \$status origin=\$http_origin lang=\$http_accept_language';
    access_log $n/access.log web;
    client_body_temp_path $n/tmp/body;
    fastcgi_temp_path $n/tmp/fastcgi;
    proxy_temp_path $n/tmp/proxy;
    uwsgi_temp_path $n/tmp/uwsgi;
    scgi_temp_path $n/tmp/scgi;
    types { text/html html; text/javascript js; image/svg+xml svg; }
    ssl_certificate $WEB/cert.pem;
    ssl_certificate_key $WEB/key.pem;
    upstream adlog_serve {
$servers        keepalive 8;
    }
    server {
        listen 127.0.0.1:$WEB_PORT ssl;
        server_name ads.test;
        location = /ad { include $n/fastcgi.inc; }
        location = /r  { include $n/fastcgi.inc; }
        location = /f  { include $n/fastcgi.inc; }
        location = /c  { include $n/fastcgi.inc; }
        location = /i  { include $n/fastcgi.inc; }
        location = /status { allow 127.0.0.1; deny all; include $n/fastcgi.inc; }
        location ^~ /tag/ {
            root $ROOT/www;
            expires max;
            add_header Cache-Control "public, immutable";
        }
        location ^~ /img/ { root $WEB; }
        location / { return 404; }
    }
EOT
		for site in pub evil shop; do
			cat <<EOT
    server {
        listen 127.0.0.1:$WEB_PORT ssl;
        server_name $site.test;
        root $WEB/$site;
    }
EOT
		done
		echo "}"
	} >"$n/nginx.conf"
	nginx -c "$n/nginx.conf" -p "$n" 2>>"$n/error.log" &
	WEB_PID=$!
	at_exit "kill -QUIT $WEB_PID 2>/dev/null; wait $WEB_PID 2>/dev/null"
	wait_for 10 curl -sk -o /dev/null --resolve "ads.test:$WEB_PORT:127.0.0.1" \
		"$(web_url ads top)" || { cat "$n/error.log"; fail "nginx (web) did not start"; }
}

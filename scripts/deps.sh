#!/bin/sh
# deps.sh - install the Debian packages adlog needs to build, test and demo.
#   scripts/deps.sh              install whatever is missing
#   scripts/deps.sh --if-missing the same, silent when nothing is missing
# Uses sudo when not root.  A no-op when everything is installed.
set -eu

PACKAGES="make gcc pkg-config libfcgi-dev libmariadb-dev libpcre2-dev
zlib1g-dev libcmocka-dev libinih-dev libssl-dev libxxhash-dev uthash-dev
mariadb-server mariadb-client nginx-light wrk curl gzip clang jq
libclang-rt-14-dev procps psmisc util-linux iproute2 goaccess time
chromium chromium-driver openssl python3"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
# any nginx flavour will do
case " $missing " in *" nginx-light "*)
	command -v nginx >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/ nginx-light//');;
esac

if [ -z "$missing" ]; then
	[ "${1:-}" = "--if-missing" ] || echo "deps: everything is installed"
	exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"

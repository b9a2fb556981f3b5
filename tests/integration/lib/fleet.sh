# fleet.sh - several hosts on this box for the fleet tests (t5xxx): each
# host a network namespace with its own address on a private bridge, or,
# where namespaces cannot be made (not root, no CAP_SYS_ADMIN) or
# FLEET_LOOPBACK=1, a loopback address of its own (127.0.0.N).  Source
# after common.sh.
#
#   fleet_net HOST...     make the hosts; ADDR[HOST] is each one's address,
#                         FLEET_NET says "netns" or "loopback"; everything is
#                         removed on exit (processes in the namespaces
#                         killed, namespaces and bridge deleted)
#   on HOST CMD...        run CMD on HOST (in its namespace), in the foreground
#   on_exec HOST CMD...   exec CMD on HOST: `on_exec H cmd &` gives $! = CMD's
#                         pid, so it can be signalled (also a MARIADB_EXEC)
#   fleet_port SERVICE    the port of a well-known service on any host (80,
#                         873, 3306); a free one per call on loopback
#   fleet_kill_host HOST  kill -9 every process of HOST (its namespace's; on
#                         loopback, the pids recorded with fleet_owns HOST)
#
# Addresses: 192.0.2.0/24 (TEST-NET-1, RFC 5737: documentation only, never
# routed) on a bridge inside a namespace of its own: nothing is linked to
# the machine's own network, so no packet of the fleet can leave it.

FLEET_NS=adlf-$$
FLEET_NET=
declare -A ADDR=() FLEET_PIDS=()

fleet_net() {
	local h i=1 ns lan=$FLEET_NS-lan
	_fleet_reap_stale
	if [ -z "${FLEET_LOOPBACK:-}" ] && ip netns add "$lan" 2>/dev/null; then
		FLEET_NET=netns
		at_exit _fleet_net_down
		ip -n "$lan" link add br0 type bridge
		ip -n "$lan" link set br0 up
		for h in "$@"; do
			ns=$FLEET_NS-$h
			ip netns add "$ns"
			ip -n "$lan" link add "v$i" type veth peer name eth0 netns "$ns"
			ip -n "$lan" link set "v$i" master br0 up
			ip -n "$ns" link set lo up
			ip -n "$ns" addr add "192.0.2.$i/24" dev eth0
			ip -n "$ns" link set eth0 up
			ADDR[$h]=192.0.2.$i
			i=$((i + 1))
		done
	else
		FLEET_NET=loopback
		for h in "$@"; do
			ADDR[$h]=127.0.0.$((i + 10))
			i=$((i + 1))
		done
	fi
	echo "fleet: ${#ADDR[@]} hosts on $FLEET_NET addresses: $(for h in "$@"; do printf '%s=%s ' "$h" "${ADDR[$h]}"; done)"
}

on() {
	if [ "$FLEET_NET" = netns ]; then ip netns exec "$FLEET_NS-$1" "${@:2}"; else "${@:2}"; fi
}

on_exec() {
	if [ "$FLEET_NET" = netns ]; then exec ip netns exec "$FLEET_NS-$1" "${@:2}"; else exec "${@:2}"; fi
}

fleet_port() {
	if [ "$FLEET_NET" = netns ]; then
		case "$1" in http) echo 80 ;; rsync) echo 873 ;; mysql) echo 3306 ;; esac
	else
		free_port
	fi
}

# fleet_owns HOST PID...: PIDs run on HOST (for fleet_kill_host on loopback)
fleet_owns() { FLEET_PIDS[$1]="${FLEET_PIDS[$1]:-} ${*:2}"; }

fleet_kill_host() {
	local pids p
	if [ "$FLEET_NET" = netns ]; then
		pids=$(ip netns pids "$FLEET_NS-$1")
	else
		pids=${FLEET_PIDS[$1]:-}
		for p in $pids; do pids+=" $(pgrep -P "$p" || true)"; done
	fi
	# shellcheck disable=SC2086
	[ -z "${pids// /}" ] || kill -9 $pids 2>/dev/null || true
}

_fleet_net_down() {
	local ns
	for ns in $(ip netns list | awk '{ print $1 }' | grep "^$FLEET_NS-" || true); do
		ip netns pids "$ns" | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
}

# namespaces of an earlier fleet test that was killed before its cleanup
_fleet_reap_stale() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep '^adlf-[0-9]*-' || true); do
		pid=${ns#adlf-}
		pid=${pid%%-*}
		kill -0 "$pid" 2>/dev/null && continue
		ip netns pids "$ns" | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
}

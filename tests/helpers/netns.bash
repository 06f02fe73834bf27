# "Hosts" for tests that spread work over machines: each is a network namespace with its own
# loopback and its own mockd on 127.0.0.1:$NETNS_LOOKUP_PORT, the same port on every host,
# as a real fleet runs its local lookup service. tests/helpers/netns-ssh reaches them as
# GNU parallel's --ssh. Needs root (ip netns add); load after helpers/common.
#
# netns_usable            true when this machine lets us make namespaces (else a reason on
#                         stdout, for skip)
# netns_host_up NAME      make namespace NAME and start its mockd (nothing to do when NAME
#                         exists); the log is $BATS_FILE_TMPDIR/NAME.log. NAME must be
#                         unique to the run.
# netns_host_down NAME    the machine dies: KILL every process in NAME (its mockd, whatever
#                         runs there) and delete the namespace, so netns-ssh cannot reach it
# netns_requests NAME     requests NAME's mockd has logged
# netns_cleanup NAME...   netns_host_down for each that exists (empty names are skipped, as
#                         when setup_file skipped); call from teardown_file

NETNS_LOOKUP_PORT=8080
NETNS_SSH=$ENRICH_ROOT/tests/helpers/netns-ssh

netns_usable() {
    if (($(id -u) != 0)); then
        echo "needs root to make network namespaces (ip netns add)"
        return 1
    fi
    local probe=enrich-probe-$$ err
    if ! err=$(ip netns add "$probe" 2>&1); then
        echo "cannot make a network namespace: $err"
        return 1
    fi
    ip netns del "$probe"
}

_netns_exists() {
    ip netns list | cut -d' ' -f1 | grep -qxF -- "$1"
}

netns_host_up() {
    local name=$1 dir=${BATS_FILE_TMPDIR:?netns_host_up needs bats} i
    local port_file=$dir/$name.port
    _netns_exists "$name" && return 0
    ip netns add "$name" || return 1
    ip -n "$name" link set lo up || return 1
    _mockd_build || return 1
    # mockd binds port 0; a fresh namespace has every port free, so narrowing its
    # ephemeral range to one port gives every host's mockd the same port. The range goes
    # back to normal once mockd listens: enrich's own connections need ephemeral ports.
    ip netns exec "$name" sysctl -qw \
        net.ipv4.ip_local_port_range="$NETNS_LOOKUP_PORT $NETNS_LOOKUP_PORT" || return 1
    rm -f "$port_file"
    : >"$dir/$name.log"
    # fd 3 is bats' output channel: a child holding it open makes bats wait forever.
    ip netns exec "$name" "$MOCKD" --port-file "$port_file" --log "$dir/$name.log" \
        >"$dir/$name.out" 2>&1 3>&- &
    local pid=$!
    # It dies with its host (netns_host_down), which the shell need not report.
    disown "$pid"
    for ((i = 0; i < SERVER_WAIT_POLLS; i++)); do
        [[ -s $port_file ]] && break
        _proc_alive "$pid" || break
        sleep 0.02
    done
    ip netns exec "$name" sysctl -qw net.ipv4.ip_local_port_range="32768 60999"
    if [[ $(cat "$port_file" 2>/dev/null) != "$NETNS_LOOKUP_PORT" ]]; then
        echo "mockd in $name did not come up on port $NETNS_LOOKUP_PORT:" >&2
        cat "$dir/$name.out" >&2
        _server_stop "$pid" KILL
        return 1
    fi
}

netns_host_down() {
    local name=$1 pid
    _netns_exists "$name" || return 0
    for pid in $(ip netns pids "$name"); do
        kill -KILL "$pid" 2>/dev/null || true
    done
    ip netns del "$name"
}

netns_requests() {
    wc -l <"$BATS_FILE_TMPDIR/$1.log"
}

netns_cleanup() {
    local name
    for name in "$@"; do
        [[ -z $name ]] || netns_host_down "$name"
    done
}

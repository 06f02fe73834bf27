# Test servers on loopback for enrich's bats tests: mockd (scriptable faults) and nginx
# (a real, fast upstream). Start them in setup_file and stop them in teardown_file.
#
# mock_start [NAME]   start tests/mock/mockd; NAME (default "mock", a lowercase identifier)
#                     picks the variables it exports: mock -> MOCK_PORT MOCK_URL MOCK_LOG
#                     MOCK_HEADER_LOG (each request's headers: "METHOD target", then a tab
#                     and "Name: value" per header, one line a request) MOCK_PID; mock2 -> MOCK2_PORT MOCK2_URL MOCK2_LOG MOCK2_PID; and so on.
# mock_stop [NAME]    TERM it and wait; returns mockd's exit status (0 on a clean stop).
# mock_requests [NAME]  number of requests the log holds; mock_log_reset [NAME] empties it
#                     (and the header log).
# mock_targets [NAME] the request targets in the log, one a line, in arrival order.
# nginx_start / nginx_stop  exports NGINX_PORT NGINX_URL NGINX_PID NGINX_ROOT (a directory
#                     served as static files) NGINX_ACCESS_LOG (one line a request:
#                     "msec connection connection_requests method request_uri status").
#                     Under /slow/, static files come at 2 KiB/s.
# nginx_start h2      the same, plus two HTTP/2 servers with the same files and locations:
#                     NGINX_H2_URL (http://, h2c by prior knowledge only) and NGINX_TLS_URL
#                     (https://, h2 by ALPN; certificate for 127.0.0.1 in NGINX_TLS_CERT).
#                     Both log to NGINX_H2_ACCESS_LOG: "msec request_time connection
#                     connection_requests protocol method request_uri status".
# backlog_start / backlog_stop  a listener whose connects hang (full accept queue): exports
#                     BACKLOG_PORT BACKLOG_URL BACKLOG_PID.
#
# Log lines of mockd: "<ms since start> <conn-id> <attempt for key> <METHOD> <target>".

: "${ENRICH_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
MOCKD=$ENRICH_ROOT/tests/mock/mockd

# How long a server may take to come up or go down before the test gives up, in polls of
# 0.02 s: generous, since CI machines under sanitizers are slow.
SERVER_WAIT_POLLS=500

# Builds mockd when missing or older than its source. Parallel bats jobs may race here, so
# each builds to its own file and renames it into place.
_mockd_build() {
    local src=$ENRICH_ROOT/tests/mock/mockd.c
    [[ -x $MOCKD && ! $src -nt $MOCKD ]] && return 0
    local tmp=$MOCKD.tmp.$$
    gcc -std=gnu11 -Wall -Wextra -Werror -O1 -pthread "$src" -o "$tmp" || {
        rm -f "$tmp"
        echo "mockd: build failed" >&2
        return 1
    }
    mv -f "$tmp" "$MOCKD"
}

# Variable prefix for a server name: mock -> MOCK.
_mock_prefix() {
    local name=${1:-mock}
    if [[ ! $name =~ ^[a-z][a-z0-9_]*$ ]]; then
        echo "mock: bad server name '$name' (want a lowercase identifier)" >&2
        return 1
    fi
    echo "${name^^}"
}

# True while pid runs; a zombie counts as gone (kill -0 would still succeed on it).
_proc_alive() {
    local state
    [[ -r /proc/$1/stat ]] || return 1
    state=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

# TERM a server, wait for it to go (KILL after the wait bound) and reap it if it is ours.
# Returns the server's exit status when it is our child, else 0.
_server_stop() {
    local pid=$1 signal=${2:-TERM} i
    [[ -n $pid ]] || return 0
    kill "-$signal" "$pid" 2>/dev/null || true
    for ((i = 0; i < SERVER_WAIT_POLLS; i++)); do
        _proc_alive "$pid" || break
        sleep 0.02
    done
    if _proc_alive "$pid"; then
        echo "server $pid ignored SIG$signal; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null
    local status=$?
    # 127: not our child (started from another shell), so its status is not ours to know.
    ((status == 127)) && status=0
    return $status
}

mock_start() {
    local name=${1:-mock} prefix
    prefix=$(_mock_prefix "$name") || return 1
    _mockd_build || return 1
    local dir=${BATS_FILE_TMPDIR:?mock_start needs bats}
    local port_file=$dir/$name.port log=$dir/$name.log header_log=$dir/$name.headers i
    rm -f "$port_file"
    : >"$log"
    : >"$header_log"
    # fd 3 is bats' output channel: a child holding it open makes bats wait forever.
    "$MOCKD" --port-file "$port_file" --log "$log" --header-log "$header_log" >"$dir/$name.out" 2>&1 3>&- &
    local pid=$!
    for ((i = 0; i < SERVER_WAIT_POLLS; i++)); do
        [[ -s $port_file ]] && break
        if ! _proc_alive "$pid"; then
            echo "mockd '$name' died at startup:" >&2
            cat "$dir/$name.out" >&2
            return 1
        fi
        sleep 0.02
    done
    if [[ ! -s $port_file ]]; then
        echo "mockd '$name' did not write $port_file" >&2
        _server_stop "$pid" KILL
        return 1
    fi
    local port
    port=$(<"$port_file")
    export "${prefix}_PORT=$port" "${prefix}_URL=http://127.0.0.1:$port"
    export "${prefix}_LOG=$log" "${prefix}_HEADER_LOG=$header_log" "${prefix}_PID=$pid"
}

mock_stop() {
    local prefix
    prefix=$(_mock_prefix "${1:-mock}") || return 1
    local pid_var=${prefix}_PID
    _server_stop "${!pid_var:-}"
}

_mock_log() {
    local prefix
    prefix=$(_mock_prefix "${1:-mock}") || return 1
    local log_var=${prefix}_LOG
    echo "${!log_var:?mock ${1:-mock} not started}"
}

mock_requests() {
    local log
    log=$(_mock_log "$@") || return 1
    local n
    n=$(wc -l <"$log")
    echo $((n))
}

mock_log_reset() {
    local log
    log=$(_mock_log "$@") || return 1
    : >"$log"
    : >"${log%.log}.headers"
}

mock_targets() {
    local log
    log=$(_mock_log "$@") || return 1
    cut -d' ' -f5- "$log"
}

# _nginx_main DIR CONNECTIONS: the top of a test nginx.conf (in the foreground, one
# worker, pid and error log in DIR). Workers of a root master would run as nobody, who
# cannot read a 0700 bats tmpdir: as root they run as root.
_nginx_main() {
    printf '%s\n' "daemon off;" "master_process on;" "worker_processes 1;" \
        "pid $1/nginx.pid;" "error_log $1/error.log warn;" \
        "events { worker_connections $2; }"
    ((EUID != 0)) || echo "user root;"
}

# _nginx_temp_paths DIR: every temp path of the http block inside DIR.
_nginx_temp_paths() {
    local t
    for t in client_body proxy fastcgi uwsgi scgi; do
        echo "    ${t}_temp_path $1/$t;"
    done
}

# Writes the nginx config for port $1 into $2; with ports $3 and $4, HTTP/2 servers too.
_nginx_conf() {
    local port=$1 dir=$2 h2_port=${3:-} tls_port=${4:-}
    local h2_servers=""
    local locations
    locations=$(
        cat <<'EOF'
        location /echo/ {
            return 200 '{"uri":"$request_uri","method":"$request_method"}';
        }
        location = /status/404 { return 404 '{"error":"not found"}'; }
        location = /status/500 { return 500 '{"error":"internal server error"}'; }
        location = /status/503 { return 503 '{"error":"service unavailable"}'; }
        location = /redirect-loop { return 302 /redirect-loop; }
        # Static files sent at 2 KiB/s: a response that takes its time, per request.
        location /slow/ { limit_rate 2k; }
EOF
    )
    # A port marked http2 without ssl speaks only HTTP/2 by prior knowledge (h2c); with
    # ssl, TLS's ALPN offers h2 and http/1.1.
    [[ -n $h2_port ]] && h2_servers="server {
        listen 127.0.0.1:$h2_port http2;
        access_log $dir/h2-access.log enrich_h2;
        root $NGINX_ROOT;
$locations
    }
    server {
        listen 127.0.0.1:$tls_port ssl http2;
        ssl_certificate $dir/tls.crt;
        ssl_certificate_key $dir/tls.key;
        access_log $dir/h2-access.log enrich_h2;
        root $NGINX_ROOT;
$locations
    }"
    cat >"$dir/nginx.conf" <<EOF
$(_nginx_main "$dir" 4096)
http {
$(_nginx_temp_paths "$dir")
    log_format enrich '\$msec \$connection \$connection_requests '
                      '\$request_method \$request_uri \$status';
    log_format enrich_h2 '\$msec \$request_time \$connection \$connection_requests '
                         '\$server_protocol \$request_method \$request_uri \$status';
    access_log $dir/access.log enrich;
    default_type application/json;
    keepalive_requests 10000;
    keepalive_timeout 60s;
    server {
        listen 127.0.0.1:$port;
        root $NGINX_ROOT;
$locations
    }
    $h2_servers
}
EOF
}

# A self-signed certificate for 127.0.0.1 in $1/tls.crt, its key in $1/tls.key.
_nginx_cert() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$1/tls.key" -out "$1/tls.crt" 2>"$1/openssl.out" || {
        echo "openssl could not make a certificate:" >&2
        cat "$1/openssl.out" >&2
        return 1
    }
}

# True once something accepts TCP connections on 127.0.0.1:$1.
_port_open() {
    (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# _await_ports PID PORT...: true once every port accepts connections while PID
# runs; false as soon as PID is gone, or after SERVER_WAIT_POLLS polls.
_await_ports() {
    local pid=$1 i p up
    shift
    for ((i = 0; i < SERVER_WAIT_POLLS; i++)); do
        _proc_alive "$pid" || return 1
        up=1
        for p in "$@"; do
            _port_open "$p" || {
                up=0
                break
            }
        done
        ((up)) && return 0
        sleep 0.02
    done
    return 1
}

# Prints N distinct free ports, one a line.
_free_ports() {
    local -A seen=()
    local port
    while ((${#seen[@]} < $1)); do
        port=$("$MOCKD" --free-port) || return 1
        [[ -n ${seen[$port]:-} ]] && continue
        seen[$port]=1
        echo "$port"
    done
}

nginx_start() {
    local h2=${1:-}
    if [[ -n $h2 && $h2 != h2 ]]; then
        echo "nginx_start: unknown argument '$h2' (want h2 or nothing)" >&2
        return 1
    fi
    _mockd_build || return 1
    local dir=${BATS_FILE_TMPDIR:?nginx_start needs bats}/nginx try pid
    local -a ports
    mkdir -p "$dir"
    export NGINX_ROOT=$BATS_FILE_TMPDIR/www
    mkdir -p "$NGINX_ROOT"
    if [[ -n $h2 ]]; then
        _nginx_cert "$dir" || return 1
    fi
    # A free port may be taken again before nginx binds it: then nginx exits and we retry.
    for ((try = 0; try < 5; try++)); do
        mapfile -t ports < <(_free_ports "$([[ -n $h2 ]] && echo 3 || echo 1)")
        ((${#ports[@]} > 0)) || return 1
        _nginx_conf "${ports[0]}" "$dir" "${ports[1]:-}" "${ports[2]:-}"
        /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
            >"$dir/nginx.out" 2>&1 3>&- &
        pid=$!
        if _await_ports "$pid" "${ports[@]}"; then
            export NGINX_PORT=${ports[0]} NGINX_URL=http://127.0.0.1:${ports[0]} NGINX_PID=$pid
            export NGINX_ACCESS_LOG=$dir/access.log
            [[ -z $h2 ]] || export NGINX_H2_URL=http://127.0.0.1:${ports[1]} \
                NGINX_TLS_URL=https://127.0.0.1:${ports[2]} NGINX_TLS_CERT=$dir/tls.crt \
                NGINX_H2_ACCESS_LOG=$dir/h2-access.log
            return 0
        fi
        _server_stop "$pid"
    done
    echo "nginx did not start; its error log:" >&2
    cat "$dir/error.log" "$dir/nginx.out" >&2
    return 1
}

nginx_stop() {
    [[ -n ${NGINX_PID:-} ]] || return 0
    # TERM is nginx's fast shutdown: the master stops its workers, then exits 0.
    _server_stop "$NGINX_PID"
}

# backlog_start / backlog_stop: a listener on 127.0.0.1 that never accepts and whose accept
# queue is full, so that a connect to it hangs (tests/helpers/full-backlog.py). Exports
# BACKLOG_PORT BACKLOG_URL BACKLOG_PID.
backlog_start() {
    local dir=${BATS_FILE_TMPDIR:?backlog_start needs bats} i
    local port_file=$dir/backlog.port
    rm -f "$port_file"
    python3 "$ENRICH_ROOT/tests/helpers/full-backlog.py" "$port_file" \
        >"$dir/backlog.out" 2>&1 3>&- &
    local pid=$!
    for ((i = 0; i < SERVER_WAIT_POLLS; i++)); do
        [[ -s $port_file ]] && break
        _proc_alive "$pid" || break
        sleep 0.02
    done
    if [[ ! -s $port_file ]]; then
        echo "full-backlog.py did not start:" >&2
        cat "$dir/backlog.out" >&2
        _server_stop "$pid" KILL
        return 1
    fi
    local port
    port=$(<"$port_file")
    export BACKLOG_PORT=$port BACKLOG_URL=http://127.0.0.1:$port BACKLOG_PID=$pid
}

backlog_stop() {
    _server_stop "${BACKLOG_PID:-}"
}

# HTTPS and proxies for enrich's bats tests: a test CA with server and client certificates,
# nginx serving HTTPS with client certificates, and tinyproxy as a forward proxy. Load after
# helpers/common (it uses servers.bash's port and process helpers).
#
# tls_pki DIR          makes in DIR: ca.pem (the test CA; ca.key), server.pem/server.key (for
#                      IP 127.0.0.1, signed by the CA), client.pem/client.key (CN=enrich-client,
#                      signed by the CA), client-enc.key (client.key encrypted with the
#                      passphrase $TLS_KEY_PASS), client-combined.pem (client.pem followed by
#                      client-enc.key), and capath/ (the CA, hashed by openssl rehash).
# tls_nginx_start      needs tls_pki "$BATS_FILE_TMPDIR/pki" first. Exports TLS_URL (https://,
#                      h2 by ALPN, client certificates asked for but optional), TLS_PLAIN_URL
#                      (http://), TLS_ACCESS_LOG and TLS_NGINX_PID. Both servers answer
#                      /echo/... with {"uri":"..."}; on TLS_URL, /client/... answers 403 unless
#                      the client sent a certificate of the CA, else {"client":"<its DN>"}. The
#                      log has a line a request: "port protocol method uri status
#                      client-verify via", via being the Via header (a proxy's name) or "-".
# tls_nginx_stop
# proxy_start [NAME [LINE...]]  tinyproxy on 127.0.0.1, in the foreground, with LINEs
#                      added to its configuration; NAME (default proxy) picks the variables
#                      it exports, as mock_start's: PROXY_PORT PROXY_URL PROXY_LOG PROXY_PID.
# proxy_stop [NAME]
# proxy_requests       how many requests the proxy named proxy has taken (CONNECTs included)
#                      since proxy_log_reset; proxy_request_lines: their request lines.

TLS_KEY_PASS=open-sesame-42

# _tls_openssl DIR ARGS...: openssl ARGS, its chatter kept in DIR/openssl.out and shown on
# failure.
_tls_openssl() {
    local dir=$1
    shift
    openssl "$@" >>"$dir/openssl.out" 2>&1 || {
        echo "openssl $* failed:" >&2
        cat "$dir/openssl.out" >&2
        return 1
    }
}

# _tls_signed DIR NAME SUBJECT [EXTFILE]: NAME.key and NAME.pem, signed by DIR's CA.
_tls_signed() {
    local dir=$1 name=$2 subject=$3 ext=${4:-}
    _tls_openssl "$dir" req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -subj "$subject" -keyout "$dir/$name.key" -out "$dir/$name.csr" || return 1
    _tls_openssl "$dir" x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 2 ${ext:+-extfile "$ext"} -out "$dir/$name.pem"
}

tls_pki() {
    local dir=$1
    mkdir -p "$dir/capath"
    _tls_openssl "$dir" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -days 2 -subj "/CN=enrich test CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" || return 1
    printf 'subjectAltName=IP:127.0.0.1\n' >"$dir/server.ext"
    _tls_signed "$dir" server /CN=127.0.0.1 "$dir/server.ext" || return 1
    _tls_signed "$dir" client /CN=enrich-client || return 1
    _tls_openssl "$dir" pkey -in "$dir/client.key" -aes256 -passout "pass:$TLS_KEY_PASS" \
        -out "$dir/client-enc.key" || return 1
    cat "$dir/client.pem" "$dir/client-enc.key" >"$dir/client-combined.pem"
    cp "$dir/ca.pem" "$dir/capath/"
    _tls_openssl "$dir" rehash "$dir/capath"
}

# _tls_nginx_conf DIR PKI TLS_PORT PLAIN_PORT
_tls_nginx_conf() {
    local dir=$1 pki=$2 tls_port=$3 plain_port=$4
    cat >"$dir/nginx.conf" <<EOF
$(_nginx_main "$dir" 1024)
http {
$(_nginx_temp_paths "$dir")
    log_format tls '\$server_port \$server_protocol \$request_method \$request_uri \$status '
                   '\$ssl_client_verify \$http_via';
    access_log $dir/access.log tls;
    default_type application/json;
    server {
        listen 127.0.0.1:$tls_port ssl http2;
        ssl_certificate $pki/server.pem;
        ssl_certificate_key $pki/server.key;
        ssl_client_certificate $pki/ca.pem;
        ssl_verify_client optional;
        location /echo/ { return 200 '{"uri":"\$request_uri"}'; }
        location /client/ {
            if (\$ssl_client_verify != SUCCESS) {
                return 403 '{"error":"no client certificate"}';
            }
            return 200 '{"client":"\$ssl_client_s_dn"}';
        }
    }
    server {
        listen 127.0.0.1:$plain_port;
        location /echo/ { return 200 '{"uri":"\$request_uri"}'; }
    }
}
EOF
}

tls_nginx_start() {
    _mockd_build || return 1
    local dir=${BATS_FILE_TMPDIR:?tls_nginx_start needs bats}/tls-nginx
    local pki=$BATS_FILE_TMPDIR/pki try pid
    local -a ports
    [[ -f $pki/server.pem ]] || {
        echo "tls_nginx_start: run tls_pki $pki first" >&2
        return 1
    }
    mkdir -p "$dir"
    # A free port may be taken again before nginx binds it: then nginx exits and we retry.
    for ((try = 0; try < 5; try++)); do
        mapfile -t ports < <(_free_ports 2)
        ((${#ports[@]} == 2)) || return 1
        _tls_nginx_conf "$dir" "$pki" "${ports[0]}" "${ports[1]}"
        /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
            >"$dir/nginx.out" 2>&1 3>&- &
        pid=$!
        if _await_ports "$pid" "${ports[@]}"; then
            export TLS_URL=https://127.0.0.1:${ports[0]} TLS_PLAIN_URL=http://127.0.0.1:${ports[1]}
            export TLS_ACCESS_LOG=$dir/access.log TLS_NGINX_PID=$pid
            return 0
        fi
        _server_stop "$pid"
    done
    echo "nginx (TLS) did not start; its error log:" >&2
    cat "$dir/error.log" "$dir/nginx.out" >&2
    return 1
}

tls_nginx_stop() {
    _server_stop "${TLS_NGINX_PID:-}"
}

proxy_start() {
    local name=${1:-proxy} prefix
    prefix=$(_mock_prefix "$name") || return 1
    shift $(($# > 0 ? 1 : 0))
    _mockd_build || return 1
    local dir=${BATS_FILE_TMPDIR:?proxy_start needs bats}/$name try pid port
    mkdir -p "$dir"
    : >"$dir/tinyproxy.log"
    for ((try = 0; try < 5; try++)); do
        port=$("$MOCKD" --free-port) || return 1
        # No ConnectPort line: CONNECT to any port (the test servers' are not 443). Syslog
        # is off unless asked for; LogLevel Connect logs each request's line.
        {
            printf '%s\n' "Port $port" "Listen 127.0.0.1" "Timeout 60" \
                "LogFile \"$dir/tinyproxy.log\"" "LogLevel Connect" "MaxClients 64" \
                "Allow 127.0.0.1"
            (($# == 0)) || printf '%s\n' "$@"
        } >"$dir/tinyproxy.conf"
        tinyproxy -d -c "$dir/tinyproxy.conf" >"$dir/tinyproxy.out" 2>&1 3>&- &
        pid=$!
        if _await_ports "$pid" "$port"; then
            export "${prefix}_PORT=$port" "${prefix}_URL=http://127.0.0.1:$port"
            export "${prefix}_PID=$pid" "${prefix}_LOG=$dir/tinyproxy.log"
            return 0
        fi
        _server_stop "$pid"
    done
    echo "tinyproxy '$name' did not start:" >&2
    cat "$dir/tinyproxy.out" "$dir/tinyproxy.log" >&2
    return 1
}

proxy_stop() {
    local prefix
    prefix=$(_mock_prefix "${1:-proxy}") || return 1
    local pid_var=${prefix}_PID
    _server_stop "${!pid_var:-}"
}

# The requests tinyproxy has logged ("Request (file descriptor N): GET http://... HTTP/1.1"),
# all of them, one a line.
_proxy_request_lines() {
    grep -a ': Request (file descriptor' "${PROXY_LOG:?proxy not started}" || true
}

# Its log is not cut while it writes to it: proxy_log_reset remembers how much of it is old.
proxy_log_reset() {
    PROXY_SEEN=$(_proxy_request_lines | wc -l)
}

proxy_requests() {
    local n
    n=$(_proxy_request_lines | wc -l)
    echo $((n - ${PROXY_SEEN:-0}))
}

# The request lines since proxy_log_reset ("GET http://127.0.0.1:PORT/echo/1 HTTP/1.1").
proxy_request_lines() {
    _proxy_request_lines | tail -n +$((${PROXY_SEEN:-0} + 1)) | sed 's/^.*: Request (file descriptor [0-9]*): //'
}

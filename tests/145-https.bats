#!/usr/bin/env bats
# HTTPS and proxies, with curl's options: --cacert, --capath, -k, -E/--cert and --key
# against nginx with a CA made here (tls failures, client certificates, HTTP/2 by ALPN),
# and -x, --noproxy and the proxy environment variables against tinyproxy.

load helpers/common
load helpers/tls

setup_file() {
    tls_pki "$BATS_FILE_TMPDIR/pki"
    tls_nginx_start
    proxy_start
}

teardown_file() {
    proxy_stop
    tls_nginx_stop
}

teardown() {
    kill_background_enrich
    proxy_stop authproxy
}

setup() {
    IN=$BATS_TEST_TMPDIR/in.ndjson
    PKI=$BATS_FILE_TMPDIR/pki
    : >"$TLS_ACCESS_LOG"
    proxy_log_reset
}

# all_echoed: every line of $output has its own id's echo as the response.
all_echoed() {
    run -0 jq -r 'select(.response.uri != "/echo/\(.id)") | .id' <<<"$output"
    assert_output ""
}

# served: nginx's log as "protocol status via" a line (via: the proxy's Via header, or -).
served() {
    cut -d' ' -f2,5,7- "$TLS_ACCESS_LOG"
}

# --- TLS -----------------------------------------------------------------------------------

@test "https: --cacert trusts the test CA, and the requests go over HTTP/2 by ALPN" {
    records 20 "$IN"
    run_enrich -0 -- -c 5 --cacert "$PKI/ca.pem" -u "$TLS_URL/echo/{id}" "$IN"
    assert_equal "${#lines[@]}" 20
    all_echoed
    assert_equal "$stderr" ""
    run -0 served
    assert_output "$(printf 'HTTP/2.0 200 -\n%.0s' {1..20})"
}

@test "https: without --cacert the certificate is refused: a tls failure naming the problem" {
    records 2 "$IN"
    run_enrich -1 -- -u "$TLS_URL/echo/{id}" "$IN"
    assert_equal "${#lines[@]}" 2
    run -0 jq -r '"\(.id) \(.error.kind) \(.error.attempts) \(.error.message)"' <<<"$output"
    assert_line -n 0 --regexp '^1 tls 1 SSL certificate problem: '
    assert_line -n 1 --regexp '^2 tls 1 SSL certificate problem: '
    assert_regex "${stderr_lines[0]}" "^enrich: $IN:1: tls: SSL certificate problem: "
    assert_equal "${#stderr_lines[@]}" 2
    # Refused in the handshake: no request reached the server.
    run -0 served
    assert_output ""
}

@test "https: a CA that did not sign the server's certificate is refused too" {
    records 1 "$IN"
    run_enrich -1 -- --cacert "$PKI/client.pem" -u "$TLS_URL/echo/{id}" "$IN"
    run -0 jq -r '.error.kind' <<<"$output"
    assert_output tls
}

@test "https: -k does not verify the server, and says so once on stderr" {
    records 3 "$IN"
    run_enrich -0 -- -k -u "$TLS_URL/echo/{id}" "$IN"
    all_echoed
    assert_equal "$stderr" "enrich: warning: --insecure: server certificates are not verified"
    run_enrich -0 -- --insecure -u "$TLS_URL/echo/{id}" "$IN"
    assert_equal "${#stderr_lines[@]}" 1
}

@test "https: --capath trusts a directory of hashed CA certificates" {
    records 3 "$IN"
    run_enrich -0 -- --capath "$PKI/capath" -u "$TLS_URL/echo/{id}" "$IN"
    all_echoed
    # And a directory without the CA trusts nothing of ours.
    mkdir "$BATS_TEST_TMPDIR/empty"
    run_enrich -1 -- --capath "$BATS_TEST_TMPDIR/empty" -u "$TLS_URL/echo/{id}" "$IN"
    run -0 jq -r '.error.kind' <<<"$output"
    assert_output "$(printf 'tls\n%.0s' 1 2 3)"
}

@test "https: a tls failure is not retried by default, as curl does not" {
    records 1 "$IN"
    run_enrich -1 -- -v -r 3 --retry-delay 10ms -u "$TLS_URL/echo/{id}" "$IN"
    run -0 jq -r '"\(.error.kind) \(.error.attempts)"' <<<"$output"
    assert_output "tls 1"
    run -0 grep -c ': attempt [0-9]*: GET ' <<<"$stderr"
    assert_output 1
}

@test "https: --retry-on tls (or all) retries a tls failure" {
    records 1 "$IN"
    run_enrich -1 -- -v -r 3 --retry-delay 10ms --retry-on tls -u "$TLS_URL/echo/{id}" "$IN"
    run -0 jq -r '"\(.error.kind) \(.error.attempts)"' <<<"$output"
    assert_output "tls 4"
    run -0 grep -c ': attempt [0-9]*: GET .* -> tls: SSL certificate problem: ' <<<"$stderr"
    assert_output 4
    run_enrich -1 -- -r 2 --retry-delay 10ms --retry-on all -u "$TLS_URL/echo/{id}" "$IN"
    run -0 jq -r '"\(.error.kind) \(.error.attempts)"' <<<"$output"
    assert_output "tls 3"
}

@test "https: an unreadable --cacert, --capath, --cert or --key is a usage error naming it" {
    records 1 "$IN"
    local missing=$BATS_TEST_TMPDIR/missing.pem
    run_enrich -2 -- --cacert "$missing" -u "$TLS_URL/echo/{id}" "$IN"
    assert_equal "$stderr" "enrich: --cacert $missing: No such file or directory"
    assert_equal "$output" ""
    run_enrich -2 -- --cacert "$PKI" -u "$TLS_URL/echo/{id}" "$IN"
    assert_equal "$stderr" "enrich: --cacert $PKI: Is a directory"
    run_enrich -2 -- --capath "$PKI/ca.pem" -u "$TLS_URL/echo/{id}" "$IN"
    assert_equal "$stderr" "enrich: --capath $PKI/ca.pem: Not a directory"
    run_enrich -2 -- --cacert "$PKI/ca.pem" -E "$missing" -u "$TLS_URL/client/{id}" "$IN"
    assert_equal "$stderr" "enrich: --cert $missing: No such file or directory"
    run_enrich -2 -- --cacert "$PKI/ca.pem" -E "$PKI/client.pem" --key "$missing" \
        -u "$TLS_URL/client/{id}" "$IN"
    assert_equal "$stderr" "enrich: --key $missing: No such file or directory"
    # Checked before anything is sent, a dry run included.
    run_enrich -2 -- --dry-run --cacert "$missing" -u "$TLS_URL/echo/{id}" "$IN"
    run -0 served
    assert_output ""
}

@test "https: a client certificate: refused (403) without one, let in with --cert and --key" {
    records 2 "$IN"
    run_enrich -1 -- --cacert "$PKI/ca.pem" -u "$TLS_URL/client/{id}" "$IN"
    run -0 jq -r '"\(.error.kind) \(.error.status)"' <<<"$output"
    assert_output $'http 403\nhttp 403'
    run_enrich -0 -- --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" \
        -u "$TLS_URL/client/{id}" "$IN"
    run -0 jq -r '.response.client' <<<"$output"
    assert_output $'CN=enrich-client\nCN=enrich-client'
    run -0 cut -d' ' -f5,6 "$TLS_ACCESS_LOG"
    assert_output $'403 NONE\n403 NONE\n200 SUCCESS\n200 SUCCESS'
}

@test "https: -E FILE:PASS opens an encrypted key; a wrong or missing passphrase fails as tls" {
    records 1 "$IN"
    run_enrich -0 -- --cacert "$PKI/ca.pem" -E "$PKI/client.pem:$TLS_KEY_PASS" \
        --key "$PKI/client-enc.key" -u "$TLS_URL/client/{id}" "$IN"
    assert_output '{"id":1,"response":{"client":"CN=enrich-client"}}'
    # The certificate and its encrypted key in one file.
    run_enrich -0 -- --cacert "$PKI/ca.pem" -E "$PKI/client-combined.pem:$TLS_KEY_PASS" \
        -u "$TLS_URL/client/{id}" "$IN"
    assert_output '{"id":1,"response":{"client":"CN=enrich-client"}}'
    run_enrich -1 -- --cacert "$PKI/ca.pem" -E "$PKI/client.pem:wrong" \
        --key "$PKI/client-enc.key" -u "$TLS_URL/client/{id}" "$IN"
    run -0 jq -r '.error.kind' <<<"$output"
    assert_output tls
    # Without a passphrase, nothing asks for one on the terminal (OpenSSL would, and wait):
    # the record fails at once, also when run on one.
    local cmd
    cmd=$(printf ' %q' "$ENRICH" --cacert "$PKI/ca.pem" -E "$PKI/client.pem" \
        --key "$PKI/client-enc.key" -u "$TLS_URL/client/{id}" "$IN")
    run timeout -k 5 "$ENRICH_TEST_TIMEOUT" script -qec "$cmd" /dev/null </dev/null
    assert_equal "$status" 1
    refute_output --partial "pass phrase"
    assert_output --partial '"kind":"tls"'
}

@test "https: -E takes curl's escapes: \\: is a colon in the file name" {
    records 1 "$IN"
    cp "$PKI/client-combined.pem" "$BATS_TEST_TMPDIR/cli:ent.pem"
    run_enrich -0 -- --cacert "$PKI/ca.pem" -E "$BATS_TEST_TMPDIR/cli\\:ent.pem:$TLS_KEY_PASS" \
        -u "$TLS_URL/client/{id}" "$IN"
    assert_output '{"id":1,"response":{"client":"CN=enrich-client"}}'
}

@test "https: the passphrase of -E is blanked out of the command line that ps shows" {
    local fifo=$BATS_TEST_TMPDIR/fifo
    mkfifo "$fifo"
    "$ENRICH" --cacert "$PKI/ca.pem" -E "$PKI/client.pem:$TLS_KEY_PASS" \
        --key "$PKI/client-enc.key" -u "$TLS_URL/client/{id}" "$fifo" \
        >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
    ENRICH_PID=$!
    exec 7>"$fifo"
    echo '{"id":1}' >&7
    # Once the record is written, the options have long been parsed.
    local i
    for ((i = 0; i < 1500; i++)); do
        [[ -s $BATS_TEST_TMPDIR/out ]] && break
        sleep 0.02
    done
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/$ENRICH_PID/cmdline")
    exec 7>&-
    wait_exit "$ENRICH_PID"
    assert_equal "$status" 0
    assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" '{"id":1,"response":{"client":"CN=enrich-client"}}'
    [[ $cmdline == *"$PKI/client.pem"* ]] || fail "no certificate in: $cmdline"
    [[ $cmdline != *"$TLS_KEY_PASS"* ]] || fail "the passphrase shows: $cmdline"
}

# --- Proxies -------------------------------------------------------------------------------

@test "proxy: -x sends every request through the proxy" {
    records 3 "$IN"
    run_enrich -0 -- -x "$PROXY_URL" -u "$TLS_PLAIN_URL/echo/{id}" "$IN"
    all_echoed
    run -0 sort <(proxy_request_lines)
    assert_output "$(for i in 1 2 3; do echo "GET $TLS_PLAIN_URL/echo/$i HTTP/1.1"; done)"
    # nginx saw them come from the proxy.
    run -0 grep -c 'tinyproxy' "$TLS_ACCESS_LOG"
    assert_output 3
}

@test "proxy: http_proxy in the environment is honoured, for 127.0.0.1 too" {
    records 3 "$IN"
    http_proxy=$PROXY_URL run_enrich -0 -- -u "$TLS_PLAIN_URL/echo/{id}" "$IN"
    all_echoed
    run -0 proxy_requests
    assert_output 3
}

@test "proxy: --noproxy and no_proxy reach the server directly" {
    records 2 "$IN"
    run_enrich -0 -- -x "$PROXY_URL" --noproxy 127.0.0.1 -u "$TLS_PLAIN_URL/echo/{id}" "$IN"
    all_echoed
    http_proxy=$PROXY_URL run_enrich -0 -- --noproxy '*' -u "$TLS_PLAIN_URL/echo/{id}" "$IN"
    all_echoed
    http_proxy=$PROXY_URL no_proxy=127.0.0.1 run_enrich -0 -- -u "$TLS_PLAIN_URL/echo/{id}" "$IN"
    all_echoed
    # no_proxy applies to -x as well, as in curl.
    no_proxy=127.0.0.1 run_enrich -0 -- -x "$PROXY_URL" -u "$TLS_PLAIN_URL/echo/{id}" "$IN"
    all_echoed
    # -x "" turns the environment's proxy off.
    http_proxy=$PROXY_URL run_enrich -0 -- -x "" -u "$TLS_PLAIN_URL/echo/{id}" "$IN"
    all_echoed
    run -0 proxy_requests
    assert_output 0
    run -0 served
    assert_output "$(printf 'HTTP/1.1 200 -\n%.0s' {1..10})"
}

@test "proxy: --noproxy '' overrides no_proxy, so the proxy is used" {
    records 1 "$IN"
    no_proxy='*' run_enrich -0 -- -x "$PROXY_URL" --noproxy '' -u "$TLS_PLAIN_URL/echo/{id}" "$IN"
    all_echoed
    run -0 proxy_requests
    assert_output 1
}

@test "proxy: https goes through the proxy's tunnel (CONNECT), verified with --cacert, HTTP/2" {
    records 3 "$IN"
    run_enrich -0 -- -c 3 -x "$PROXY_URL" --cacert "$PKI/ca.pem" -u "$TLS_URL/echo/{id}" "$IN"
    all_echoed
    run -0 proxy_request_lines
    assert_line "CONNECT ${TLS_URL#https://} HTTP/1.1"
    run -0 served
    assert_output "$(printf 'HTTP/2.0 200 -\n%.0s' 1 2 3)"
    # And from https_proxy in the environment.
    proxy_log_reset
    https_proxy=$PROXY_URL run_enrich -0 -- --cacert "$PKI/ca.pem" -u "$TLS_URL/echo/{id}" "$IN"
    all_echoed
    run -0 proxy_request_lines
    assert_line "CONNECT ${TLS_URL#https://} HTTP/1.1"
}

@test "proxy: the server's certificate is still checked through the proxy" {
    records 1 "$IN"
    run_enrich -1 -- -x "$PROXY_URL" -u "$TLS_URL/echo/{id}" "$IN"
    run -0 jq -r '.error.kind' <<<"$output"
    assert_output tls
}

@test "proxy: a proxy's password never shows in messages, -v lines or --dry-run output" {
    records 1 "$IN"
    local free
    free=$("$MOCKD" --free-port)
    run_enrich -1 -- -v -x "http://user:pr0xy-s3cret@127.0.0.1:$free" \
        -u "$TLS_PLAIN_URL/echo/{id}" "$IN"
    run -0 jq -r '.error.kind' <<<"$output"
    assert_output connect
    [[ "$output$stderr" != *pr0xy-s3cret* ]] || fail "the password shows"
    https_proxy="http://user:pr0xy-s3cret@127.0.0.1:$free" run_enrich -1 -- -v \
        -u "$TLS_URL/echo/{id}" "$IN"
    [[ "$output$stderr" != *pr0xy-s3cret* ]] || fail "the password shows"
    run_enrich -0 -- --dry-run -x "http://user:pr0xy-s3cret@127.0.0.1:$free" \
        -u "$TLS_PLAIN_URL/echo/{id}" "$IN"
    [[ "$output$stderr" != *pr0xy-s3cret* ]] || fail "the password shows"
    run_enrich -2 -- -x "ftp://user:pr0xy-s3cret@127.0.0.1:$free" -u "$TLS_PLAIN_URL/{id}" "$IN"
    assert_regex "$stderr" "^enrich: --proxy: unsupported proxy scheme 'ftp'"
    [[ "$output$stderr" != *pr0xy-s3cret* ]] || fail "the password shows"
}

@test "proxy: a proxy's credentials in -x or http_proxy are sent to it" {
    records 1 "$IN"
    proxy_start authproxy "BasicAuth enrich pr0xy-pw"
    run_enrich -1 -- -x "$AUTHPROXY_URL" -u "$TLS_PLAIN_URL/echo/{id}" "$IN"
    run -0 jq -r '"\(.error.kind) \(.error.status)"' <<<"$output"
    assert_output "http 407"
    run_enrich -0 -- -x "http://enrich:pr0xy-pw@127.0.0.1:$AUTHPROXY_PORT" \
        -u "$TLS_PLAIN_URL/echo/{id}" "$IN"
    all_echoed
    http_proxy="http://enrich:pr0xy-pw@127.0.0.1:$AUTHPROXY_PORT" run_enrich -0 -- \
        -u "$TLS_PLAIN_URL/echo/{id}" "$IN"
    all_echoed
    [[ "$output$stderr" != *pr0xy-pw* ]] || fail "the password shows"
    proxy_stop authproxy
}

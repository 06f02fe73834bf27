#!/usr/bin/env bats
# Connections: keep-alive, HTTP/2 multiplexing (h2c by prior knowledge, h2 by TLS's ALPN),
# --max-connections and --max-host-connections. Counted from the servers' own logs: nginx
# numbers its connections ($connection), mockd logs a connection id per request.

load helpers/common

setup_file() {
    nginx_start h2
    mock_start
    # 3000 bytes at 2 KiB/s: each response takes about a second and a half.
    mkdir -p "$NGINX_ROOT/slow"
    printf '"%s"' "$(head -c 2998 /dev/zero | tr '\0' x)" >"$NGINX_ROOT/slow/blob.json"
}

teardown_file() {
    mock_stop
    nginx_stop
}

setup() {
    IN=$BATS_TEST_TMPDIR/in.ndjson
    : >"$NGINX_ACCESS_LOG"
    : >"$NGINX_H2_ACCESS_LOG"
    mock_log_reset
}

# all_echoed: every line of $output has its own id's echo as the response.
all_echoed() {
    run -0 jq -r 'select(.response.uri != "/echo/\(.id)") | .id' <<<"$output"
    assert_output ""
}

# distinct_values FIELD FILE: how many distinct values the space-separated FIELD takes.
distinct_values() {
    cut -d' ' -f"$1" "$2" | sort -u | wc -l
}

# most_at_once FILE: the most requests of the HTTP/2 log FILE that nginx was serving at one
# moment, from each request's end ($msec) and duration ($request_time).
most_at_once() {
    awk '{ printf "%.3f 1\n%.3f -1\n", $1 - $2, $1 }' "$1" | sort -k1,1n -k2,2n |
        awk '{ n += $2; if (n > most) most = n } END { print most + 0 }'
}

@test "--http2-prior-knowledge: 200 records at -c 50 go as HTTP/2 streams over one connection" {
    records 200 "$IN"
    run_enrich -0 -- -c 50 --http2-prior-knowledge -u "$NGINX_H2_URL/echo/{id}" "$IN"
    assert_equal "${#lines[@]}" 200
    all_echoed
    assert_equal "$stderr" ""
    run -0 wc -l <"$NGINX_H2_ACCESS_LOG"
    assert_output 200
    run -0 cut -d' ' -f5 "$NGINX_H2_ACCESS_LOG"
    assert_output "$(printf 'HTTP/2.0\n%.0s' {1..200})"
    run -0 distinct_values 3 "$NGINX_H2_ACCESS_LOG"
    assert_output 1
}

@test "--http2-prior-knowledge: streams of one connection are served at the same time" {
    records 20 "$IN"
    run_enrich -0 -- -c 20 --http2-prior-knowledge -u "$NGINX_H2_URL/slow/blob.json?{id}" "$IN"
    assert_equal "${#lines[@]}" 20
    run -0 jq -r 'select((.response | length) != 2998) | .id' <<<"$output"
    assert_output ""
    run -0 distinct_values 3 "$NGINX_H2_ACCESS_LOG"
    assert_output 1
    # One after another, twenty 1.5 s responses would never overlap.
    run -0 most_at_once "$NGINX_H2_ACCESS_LOG"
    ((output >= 10)) || fail "at most $output requests were served at once"
}

@test "--http2-prior-knowledge keeps one connection for records that come one at a time" {
    records 30 "$IN"
    run_enrich -0 -- -c 1 --http2-prior-knowledge -u "$NGINX_H2_URL/echo/{id}" "$IN"
    assert_equal "${#lines[@]}" 30
    all_echoed
    run -0 distinct_values 3 "$NGINX_H2_ACCESS_LOG"
    assert_output 1
    run -0 tail -n 1 "$NGINX_H2_ACCESS_LOG"
    assert_regex "$output" '^[0-9.]+ [0-9.]+ [0-9]+ 30 HTTP/2.0 GET /echo/30 200$'
}

@test "--http2-prior-knowledge: more records at once than streams a connection allows all succeed" {
    records 600 "$IN"
    run_enrich -0 -- -c 300 --http2-prior-knowledge -u "$NGINX_H2_URL/echo/{id}" "$IN"
    assert_equal "${#lines[@]}" 600
    all_echoed
    assert_equal "$stderr" ""
    run -0 cut -d' ' -f5 "$NGINX_H2_ACCESS_LOG"
    assert_output "$(printf 'HTTP/2.0\n%.0s' {1..600})"
}

@test "--http2-prior-knowledge against an HTTP/1.1-only server fails every record" {
    records 3 "$IN"
    run_enrich -1 -- -c 3 --timeout 20s --http2-prior-knowledge \
        -u "$MOCK_URL/h1/{id}?body={id}" "$IN"
    assert_equal "${#lines[@]}" 3
    # How the refusal shows depends on timing: a reset connection, or a reply that is not
    # HTTP/2 framing. Either way no record waits for its deadline.
    run -0 jq -r 'select(.error.kind != "connect" and .error.kind != "bad_response")' \
        <<<"$output"
    assert_output ""
}

@test "https: HTTP/2 by ALPN, 200 records at -c 50 share one connection" {
    records 200 "$IN"
    # The server's certificate is self-signed: it is its own CA.
    run_enrich -0 -- -c 50 --cacert "$NGINX_TLS_CERT" -u "$NGINX_TLS_URL/echo/{id}" "$IN"
    assert_equal "${#lines[@]}" 200
    all_echoed
    run -0 cut -d' ' -f5 "$NGINX_H2_ACCESS_LOG"
    assert_output "$(printf 'HTTP/2.0\n%.0s' {1..200})"
    run -0 distinct_values 3 "$NGINX_H2_ACCESS_LOG"
    assert_output 1
}

@test "HTTP/1.1: without a bound, -c 20 opens many connections" {
    records 100 "$IN"
    run_enrich -0 -- -c 20 -u "$NGINX_URL/echo/{id}" "$IN"
    all_echoed
    run -0 distinct_values 2 "$NGINX_ACCESS_LOG"
    ((output > 2)) || fail "only $output connections"
}

@test "HTTP/1.1: --max-connections 2 uses at most 2 connections for 100 records at -c 20" {
    records 100 "$IN"
    run_enrich -0 -- -c 20 --max-connections 2 -u "$NGINX_URL/echo/{id}" "$IN"
    assert_equal "${#lines[@]}" 100
    all_echoed
    assert_equal "$stderr" ""
    run -0 wc -l <"$NGINX_ACCESS_LOG"
    assert_output 100
    run -0 distinct_values 2 "$NGINX_ACCESS_LOG"
    ((output <= 2)) || fail "$output connections"
}

@test "HTTP/1.1: --max-host-connections 1 keeps one connection to each host" {
    # Odd records go to nginx, even ones to mockd: two hosts (a host is scheme, name, port).
    seq 1 100 | jq -c --arg a "$NGINX_PORT" --arg b "$MOCK_PORT" \
        '{id: ., port: (if . % 2 == 1 then $a else $b end)}' >"$IN"
    run_enrich -0 -- -c 20 --max-host-connections 1 \
        -u "http://127.0.0.1:{port}/echo/{id}?body={id}" "$IN"
    assert_equal "${#lines[@]}" 100
    run -0 jq -r 'select(.response != .id and .response.uri != "/echo/\(.id)?body=\(.id)") | .id' \
        <<<"$output"
    assert_output ""
    run -0 wc -l <"$NGINX_ACCESS_LOG"
    assert_output 50
    run -0 distinct_values 2 "$NGINX_ACCESS_LOG"
    assert_output 1
    run -0 mock_requests
    assert_output 50
    run -0 distinct_values 2 "$MOCK_LOG"
    assert_output 1
}

@test "--max-connections and --max-host-connections take a number from 1 to 1000000" {
    local opt bad
    for opt in --max-connections --max-host-connections; do
        for bad in 0 -1 abc 1000001 ''; do
            run_enrich -2 -- "$opt" "$bad" -u "$NGINX_URL/echo/x" /dev/null
            assert_regex "${stderr_lines[0]}" "^enrich: $opt: expected a number from 1 to 1000000"
        done
    done
    run_enrich -0 -- --max-connections 1 --max-host-connections 1000000 \
        -u "$NGINX_URL/echo/x" /dev/null
}

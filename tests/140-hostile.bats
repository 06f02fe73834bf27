#!/usr/bin/env bats
# Hostile servers and an environment that tries to redirect tests: each misbehaving
# upstream gives its documented failure kind, the run goes on to the next record, and
# memory stays bounded.

load helpers/common

setup_file() {
    mock_start
}

teardown_file() {
    mock_stop
}

setup() {
    mock_log_reset
    IN=$BATS_TEST_TMPDIR/in
}

teardown() {
    kill_background_enrich
}

@test "the helpers unset every proxy variable, so a proxy in the environment cannot take test traffic" {
    # A fresh shell with proxies set (to a port where nothing listens) loads the helpers
    # the way a test file does; after that, enrich reaches the mock directly.
    local dead=http://127.0.0.1:1
    run env http_proxy=$dead https_proxy=$dead HTTP_PROXY=$dead HTTPS_PROXY=$dead \
        ALL_PROXY=$dead all_proxy=$dead no_proxy=none NO_PROXY=none \
        bash -c '
            bats_require_minimum_version() { :; }
            bats_load_library() { :; }
            source "$1/tests/helpers/common.bash"
            for v in "${ENRICH_PROXY_VARIABLES[@]}"; do
                [[ -v $v ]] && echo "$v still set"
            done
            echo "{\"id\":1}" | "$ENRICH" --url "$2/p/{id}?body=1"' _ "$ENRICH_ROOT" "$MOCK_URL"
    assert_success
    assert_output '{"id":1,"response":1}'
    # And in this very file, loaded the same way:
    local v
    for v in http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy no_proxy NO_PROXY; do
        [[ ! -v $v ]] || fail "$v is set in a test"
    done
}

# kinds: the output's records as "id kind" (kind "ok" for a success), one a line.
kinds() {
    jq -r '"\(.id) \(.error.kind // "ok")"' <<<"$output"
}

@test "connection refused is a connect failure, and the next record still succeeds" {
    local free
    free=$("$MOCKD" --free-port)
    input "{\"id\":1,\"port\":$free}" "{\"id\":2,\"port\":$MOCK_PORT}"
    enrich_stdin "$IN" -1 -- -u 'http://127.0.0.1:{port}/refused/{id}?body={id}'
    run -0 kinds
    assert_output $'1 connect\n2 ok'
    assert_regex "${stderr_lines[0]}" '^enrich: <stdin>:1: connect: .*[Cc]onnect'
    assert_equal "${#stderr_lines[@]}" 1
}

@test "every hostile server gives its documented kind and the records between them succeed" {
    # One record a misbehaviour, each followed by a good one; all run at once, so the
    # whole run takes about the 3 s deadline of the two that never finish.
    local q
    : >"$IN"
    local id=0
    for q in 'fault=resetbody' 'fault=truncate' 'fault=garbage' 'fault=hang' 'fault=trickle' \
        'big=2147483648&chunked=1' 'big=2147483648' \
        'body=%22%ff%22&type=application/json' \
        'status=302&header=Location:file:///etc/passwd' \
        'status=302&header=Location:gopher://127.0.0.1/x'; do
        printf '{"id":%d,"q":"%s"}\n{"id":%d,"q":"body=1"}\n' $((id + 1)) "$q" $((id + 2)) >>"$IN"
        id=$((id + 2))
    done
    enrich_stdin "$IN" -1 -- -c 32 -L -t 3s --max-response-size 1M \
        -u "$MOCK_URL/hostile/{id}?{+q}"
    local out=$output
    run -0 kinds
    assert_output "$(printf '%s\n' '1 bad_response' '2 ok' '3 bad_response' '4 ok' \
        '5 bad_response' '6 ok' '7 timeout' '8 ok' '9 timeout' '10 ok' \
        '11 bad_response' '12 ok' '13 bad_response' '14 ok' '15 bad_response' '16 ok' \
        '17 bad_response' '18 ok' '19 bad_response' '20 ok')"
    # What each says: the first record's, then in order.
    run -0 jq -r 'select(.error) | "\(.id) \(.error.message)"' <<<"$out"
    assert_line --index 0 --regexp '^1 Recv failure: Connection reset by peer$'
    assert_line --index 1 --regexp '^3 transfer closed with [0-9]+ bytes remaining to read$'
    assert_line --index 2 --regexp '^5 .*HTTP/0\.9'
    assert_line --index 3 '7 record deadline of 3000 ms exceeded'
    assert_line --index 4 '9 record deadline of 3000 ms exceeded'
    assert_line --index 5 '11 response body over 1048576 bytes'
    assert_line --index 6 '13 response body over 1048576 bytes (said by its Content-Length)'
    assert_line --index 7 --regexp '^15 response body is not valid JSON \(not UTF-8\)'
    assert_line --index 8 '17 Protocol "file" not supported or disabled in libcurl'
    assert_line --index 9 '19 Protocol "gopher" not supported or disabled in libcurl'
    assert_equal "${#stderr_lines[@]}" 10
}

@test "a server that trickles a byte a second ends as an attempt timeout" {
    input '{"id":1}' '{"id":2}'
    enrich_stdin "$IN" -1 -- --attempt-timeout 1s -t 10s \
        -u "$MOCK_URL/trickle/{id}?fault=trickle&key={id}"
    run -0 kinds
    assert_output $'1 timeout\n2 timeout'
    assert_regex "${stderr_lines[0]}" '^enrich: <stdin>:1: timeout: attempt timed out after 1000 ms$'
}

@test "invalid UTF-8 in a body without a JSON Content-Type is inserted as a string with U+FFFD" {
    input '{"id":1}'
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/utf/{id}?body=%22%ff%22"
    assert_output '{"id":1,"response":"\"\ufffd\""}'
}

@test "a 2 GB response stops at --max-response-size: memory stays bounded" {
    # Peak memory against a tiny response's: a body kept whole would add 2 GB.
    local t=$BATS_TEST_TMPDIR
    input '{"id":1}'
    /usr/bin/time -f %M -o "$t/small" "$ENRICH" -u "$MOCK_URL/small/{id}?body=1" <"$IN" >/dev/null
    run /usr/bin/time -f %M -o "$t/big" timeout 60 "$ENRICH" --max-response-size 1M \
        -u "$MOCK_URL/huge/{id}?big=2147483648&chunked=1" <"$IN"
    assert_equal "$status" 1
    assert_output --partial '"message":"response body over 1048576 bytes"'
    local small big
    small=$(tail -n 1 "$t/small") big=$(tail -n 1 "$t/big")
    ((big - small < 32 * 1024)) || fail "peak RSS grew from $small KiB to $big KiB"
}

# ---- hostile input ------------------------------------------------------------------

@test "10 000 levels of nesting are valid JSON, a 10 MB string passes through, a line left open is invalid_json" {
    python3 -c '
print("{\"id\":1,\"n\":" + "{\"a\":" * 10000 + "1" + "}" * 10000 + "}")
print("{\"id\":2,\"s\":\"" + "x" * 10 * 1024 * 1024 + "\"}")
print("{\"id\":3}")
print("{\"id\":4,\"n\":" + "{\"a\":" * 10000 + "1" + "}" * 10000)' >"$IN"
    enrich_stdin "$IN" -1 -- -e "$BATS_TEST_TMPDIR/errors" -u "$MOCK_URL/deep/{id}?body={id}"
    assert_equal "${#lines[@]}" 3
    assert_equal "${lines[0]}" "$(sed -n 1p "$IN" | sed 's/}$/,"response":1}/')"
    assert_equal "${lines[1]}" "$(sed -n 2p "$IN" | sed 's/}$/,"response":2}/')"
    assert_equal "${lines[2]}" '{"id":3,"response":3}'
    # Cut short: reported at its last byte.
    assert_equal "$stderr" "enrich: <stdin>:4: invalid_json: invalid JSON near byte $((12 + 50000 + 1 + 10000))"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/errors")" "$(sed -n 4p "$IN")"
}

@test "a 10 MB string in the URL fails its record as bad_request with no request sent" {
    python3 -c 'print("{\"id\":1,\"s\":\"" + "x" * 10 * 1024 * 1024 + "\"}")' >"$IN"
    echo '{"id":2,"s":"y"}' >>"$IN"
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/long/{id}?s={s}&body={id}"
    assert_equal "${lines[1]}" '{"id":2,"s":"y","response":2}'
    assert_equal "$stderr" 'enrich: <stdin>:1: bad_request: URL: too long'
    assert_equal "$(mock_requests)" 1
}

@test "\\u0000 passes through byte-exact, is sent percent-encoded, and is refused in a header" {
    input '{"id":1,"s":"a\u0000b"}'
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/nul/{id}?s={s}&body=1"
    assert_output '{"id":1,"s":"a\u0000b","response":1}'
    run -0 mock_targets
    assert_output '/nul/1?s=a%00b&body=1'
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/nul/{id}?body=1" -H 'X-S: {s}'
    assert_equal "$stderr" 'enrich: <stdin>:1: bad_request: header X-S: value contains CR, LF or NUL'
}

@test "lone surrogate escapes in a record are valid JSON (RFC 8259) and kept; a bad escape is invalid_json" {
    printf '%s\n' '{"id":1,"s":"\udc00x"}' '{"id":2,"s":"\ud800\u0041"}' '{"id":3,"s":"\u12g4"}' \
        '{"id":4}' >"$IN"
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/sur/{id}?body={id}"
    assert_output - <<'EOF'
{"id":1,"s":"\udc00x","response":1}
{"id":2,"s":"\ud800\u0041","response":2}
{"id":4,"response":4}
EOF
    assert_equal "$stderr" 'enrich: <stdin>:3: invalid_json: invalid JSON near byte 14'
}

@test "control bytes outside strings (NUL included) make a line invalid_json, not a half-read record" {
    # cJSON skips them as whitespace; they used to reach the splicer (found by fuzz_splice).
    printf '\0{"a":1}\n{"a":\001 2}\n{"a":3}\002\n{"a":4}\n' >"$IN"
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/ctl/{a}?body=1"
    assert_output '{"a":4,"response":1}'
    assert_equal "${#stderr_lines[@]}" 3
    assert_equal "${stderr_lines[0]}" 'enrich: <stdin>:1: invalid_json: invalid JSON near byte 1'
    assert_equal "${stderr_lines[1]}" 'enrich: <stdin>:2: invalid_json: invalid JSON near byte 6'
    assert_regex "${stderr_lines[2]}" '^enrich: <stdin>:3: invalid_json: '
}

#!/usr/bin/env bats
# Record deadlines, attempt and connect timeouts, and how durations are parsed.
# Elapsed-time bounds are wide: the sanitizer build is several times slower.

load helpers/common

setup_file() {
    mock_start
    backlog_start
}

teardown_file() {
    backlog_stop
    mock_stop
}

setup() {
    mock_log_reset
    echo '{"id":1}' >"$BATS_TEST_TMPDIR/one"
}

now_ms() {
    local t=${EPOCHREALTIME/[.,]/}
    echo $((t / 1000))
}

# timed_enrich FILE [RUN-FLAGS --] ARGS...: enrich_stdin, and the wall time in $elapsed (ms).
timed_enrich() {
    local start
    start=$(now_ms)
    enrich_stdin "$@"
    elapsed=$(($(now_ms) - start))
    echo "# elapsed: $elapsed ms"
}

# assert_error_record KIND: the single output line is {"id":1,"error":{...}} with that kind,
# one attempt, no status (no response arrived) and a non-empty message.
assert_error_record() {
    assert_equal "${#lines[@]}" 1
    run -0 jq -c '[.id, (.error | keys_unsorted), .error.kind, .error.attempts,
                   (.error.message | type), (.error.message | length > 0)]' <<<"${lines[0]}"
    assert_output "[1,[\"kind\",\"message\",\"attempts\"],\"$1\",1,\"string\",true]"
}

@test "--timeout ends a slow record as a timeout long before the response would come" {
    timed_enrich "$BATS_TEST_TMPDIR/one" -1 -- --timeout 500ms --url "$MOCK_URL/t?delay=3000"
    assert_error_record timeout
    assert_regex "$stderr" '^enrich: <stdin>:1: timeout: .+$'
    ((elapsed < 2500)) || fail "took $elapsed ms against a 500 ms timeout and a 3 s response"
    ((elapsed >= 450)) || fail "gave up after $elapsed ms, before the 500 ms timeout"
    run -0 mock_requests
    assert_output 1
}

@test "--attempt-timeout ends an attempt that outlives it even under a long --timeout" {
    timed_enrich "$BATS_TEST_TMPDIR/one" -1 -- --attempt-timeout 300ms --timeout 10s \
        --url "$MOCK_URL/at?delay=3000"
    assert_error_record timeout
    assert_regex "$stderr" '^enrich: <stdin>:1: timeout: .+$'
    ((elapsed < 2500)) || fail "took $elapsed ms against a 300 ms attempt timeout"
}

@test "a server that never answers fails the record as a timeout" {
    timed_enrich "$BATS_TEST_TMPDIR/one" -1 -- --timeout 1s --url "$MOCK_URL/h?fault=hang"
    assert_error_record timeout
    assert_regex "$stderr" '^enrich: <stdin>:1: timeout: .+$'
    ((elapsed < 5000)) || fail "took $elapsed ms against a 1 s timeout"
}

@test "a record's deadline starts when it is admitted, not when the run starts" {
    printf '%s\n' '{"id":1}' '{"id":2}' '{"id":3}' >"$BATS_TEST_TMPDIR/in"
    # One at a time, 400 ms each: the third ends 1.2 s into the run, within its own 1 s.
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- -c 1 --timeout 1s \
        --url "$MOCK_URL/adm/{id}?delay=400&body={id}"
    assert_output $'{"id":1,"response":1}\n{"id":2,"response":2}\n{"id":3,"response":3}'
    assert_equal "$stderr" ""
}

@test "connection refused on a closed loopback port fails the record as connect" {
    local port
    port=$("$ENRICH_ROOT/tests/mock/mockd" --free-port)
    enrich_stdin "$BATS_TEST_TMPDIR/one" -1 -- --url "http://127.0.0.1:$port/x"
    assert_error_record connect
    assert_regex "$stderr" '^enrich: <stdin>:1: connect: .+$'
}

@test "with --connect-timeout a failed connect is still kind connect" {
    local port
    port=$("$ENRICH_ROOT/tests/mock/mockd" --free-port)
    timed_enrich "$BATS_TEST_TMPDIR/one" -1 -- --connect-timeout 2s --url "http://127.0.0.1:$port/x"
    assert_error_record connect
    assert_regex "$stderr" '^enrich: <stdin>:1: connect: .+$'
    ((elapsed < 5000)) || fail "took $elapsed ms to fail a refused connect"
}

@test "--connect-timeout ends a connect that hangs: kind connect, 'connect timeout'" {
    timed_enrich "$BATS_TEST_TMPDIR/one" -1 -- --connect-timeout 300ms --timeout 10s \
        --url "$BACKLOG_URL/x"
    assert_regex "$stderr" '^enrich: <stdin>:1: connect: connect timeout: .+$'
    assert_regex "$(jq -r .error.message <<<"${lines[0]}")" '^connect timeout: .+'
    assert_error_record connect
    ((elapsed < 5000)) || fail "took $elapsed ms against a 300 ms connect timeout"
    ((elapsed >= 250)) || fail "gave up after $elapsed ms, before the 300 ms connect timeout"
}

@test "a connect that hangs past a tighter --timeout fails as timeout, not connect" {
    timed_enrich "$BATS_TEST_TMPDIR/one" -1 -- --connect-timeout 10s --timeout 500ms \
        --url "$BACKLOG_URL/x"
    assert_error_record timeout
    assert_regex "$stderr" '^enrich: <stdin>:1: timeout: .+$'
    ((elapsed < 5000)) || fail "took $elapsed ms against a 500 ms timeout"
}

@test "--connect-timeout does not bound the response time of a connected request" {
    enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --connect-timeout 200ms \
        --url "$MOCK_URL/ct?delay=800&body=7"
    assert_output '{"id":1,"response":7}'
}

@test "--timeout 1.5m is ninety seconds: a 2 s response succeeds" {
    enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --timeout 1.5m --url "$MOCK_URL/m?delay=2000&body=1"
    assert_output '{"id":1,"response":1}'
    assert_equal "$stderr" ""
}

@test "a bare number of --timeout is seconds" {
    enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --timeout 2 --url "$MOCK_URL/bare?delay=500&body=1"
    assert_output '{"id":1,"response":1}'
    timed_enrich "$BATS_TEST_TMPDIR/one" -1 -- --timeout 0.5 --url "$MOCK_URL/bare?delay=3000"
    assert_error_record timeout
    ((elapsed < 2500)) || fail "--timeout 0.5 took $elapsed ms"
}

@test "--timeout h and ms units are accepted" {
    enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --timeout 1h --url "$MOCK_URL/h1?body=1"
    assert_output '{"id":1,"response":1}'
    enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --timeout 5000ms --url "$MOCK_URL/ms?body=1"
    assert_output '{"id":1,"response":1}'
}

# assert_bad_duration OPTION VALUE: a usage error naming the option, before any request.
assert_bad_duration() {
    enrich_stdin "$BATS_TEST_TMPDIR/one" -2 -- "$1" "$2" --url "$MOCK_URL/never"
    assert_output ""
    assert_regex "${stderr_lines[0]}" "^enrich: $1: "
    assert_regex "$stderr" "Try 'enrich --help'"
    run -0 mock_requests
    assert_output 0
}

@test "--timeout abc is a usage error" {
    assert_bad_duration --timeout abc
}

@test "--timeout 0 is a usage error" {
    assert_bad_duration --timeout 0
}

@test "negative, empty and unknown-unit durations are usage errors" {
    assert_bad_duration --timeout -1s
    assert_bad_duration --timeout ''
    assert_bad_duration --timeout 1.5x
    assert_bad_duration --timeout 5sec
}

@test "--attempt-timeout and --connect-timeout reject bad durations too" {
    assert_bad_duration --attempt-timeout abc
    assert_bad_duration --attempt-timeout 0
    assert_bad_duration --connect-timeout abc
    assert_bad_duration --connect-timeout 0ms
}

#!/usr/bin/env bats
# The lookup cache (--cache N, --cache-ttl DUR): repeated requests answered from the last
# N successful responses, identical requests in flight coalesced into one transfer. The
# mock's request log counts what reached the server; outputs are compared with runs
# without --cache.

load helpers/common

setup_file() {
    mock_start
}

teardown_file() {
    mock_stop
}

setup() {
    mock_log_reset
    ENRICH_PID=
    IN=$BATS_TEST_TMPDIR/in
    # mockd counts attempts per target for the whole file: paths carry the test's number.
    P=$MOCK_URL/t$BATS_TEST_NUMBER
}

teardown() {
    kill_background_enrich
}

# ids N M FILE: N records whose ids cycle through 1..M: {"id":1} ... {"id":M} {"id":1} ...
ids() {
    awk -v n="$1" -v m="$2" 'BEGIN { for (i = 0; i < n; i++) printf "{\"id\":%d,\"n\":%d}\n", i % m + 1, i }' >"$3"
}

@test "100 records over 10 ids make 10 requests with --cache 10, and the output is byte-identical" {
    ids 100 10 "$IN"
    enrich_stdin "$IN" -0 -- -c 1 --url "$P/{id}?type=application/json" --select path
    local plain=$output
    assert_equal "$(mock_requests)" 100
    mock_log_reset
    enrich_stdin "$IN" -0 -- -c 1 --cache 10 --stats --url "$P/{id}?type=application/json" \
        --select path
    assert_equal "$(mock_requests)" 10
    assert_equal "$output" "$plain"
    assert_equal "${#lines[@]}" 100
    run -0 jq -c '[.requests, .cache_hits, .cache_coalesced, .records.ok]' <<<"$stderr"
    assert_output '[10,90,0,100]'
}

@test "a text response comes from the cache as it came from the server" {
    ids 6 2 "$IN"
    enrich_stdin "$IN" -0 -- -c 1 --url "$P/{id}?type=text/plain&body=hello%20%22there%22"
    local plain=$output
    mock_log_reset
    enrich_stdin "$IN" -0 -- -c 1 --cache 2 --url "$P/{id}?type=text/plain&body=hello%20%22there%22"
    assert_equal "$(mock_requests)" 2
    assert_equal "$output" "$plain"
    assert_line -n 5 '{"id":2,"n":5,"response":"hello \"there\""}'
}

@test "unordered, many at once: still one request per distinct id, the same lines" {
    ids 200 10 "$IN"
    enrich_stdin "$IN" -0 -- -U -c 20 --url "$P/{id}?delay=20" --select path
    local plain
    plain=$(sort <<<"$output")
    mock_log_reset
    enrich_stdin "$IN" -0 -- -U -c 20 --cache 10 --url "$P/{id}?delay=20" --select path
    assert_equal "$(mock_requests)" 10
    assert_equal "$(sort <<<"$output")" "$plain"
}

@test "identical requests in flight are coalesced: 50 records of one id make one request" {
    ids 50 1 "$IN"
    enrich_stdin "$IN" -0 -- -v -c 50 --cache 1 --stats --url "$P/{id}?delay=300&type=application/json" \
        --select path
    assert_equal "$(mock_requests)" 1
    assert_equal "${#lines[@]}" 50
    local i
    for ((i = 0; i < 50; i++)); do
        assert_line -n "$i" "{\"id\":1,\"n\":$i,\"response\":\"/t$BATS_TEST_NUMBER/1\"}"
    done
    run -0 jq -c '[.requests, .cache_hits, .cache_coalesced]' <<<"${stderr_lines[-1]}"
    assert_output '[1,0,49]'
    run grep -c 'coalesced: waits for the identical request of <stdin>:1$' <<<"$stderr"
    assert_output 49
}

@test "unordered coalesced records are all written" {
    ids 30 3 "$IN"
    enrich_stdin "$IN" -0 -- -U -c 30 --cache 3 --url "$P/{id}?delay=300" --select path
    assert_equal "$(mock_requests)" 3
    assert_equal "${#lines[@]}" 30
    run -0 jq -s -c 'map(.n) | sort == [range(30)]' <<<"$output"
    assert_output true
}

@test "the least recently used response is evicted: --cache 2 with a b c a makes 4 requests" {
    input '{"id":"a"}' '{"id":"b"}' '{"id":"c"}' '{"id":"a"}'
    enrich_stdin "$IN" -0 -- -c 1 --cache 2 --url "$P/{id}"
    assert_equal "$(mock_targets)" "$(printf "/t$BATS_TEST_NUMBER/%s\n" a b c a)"
}

@test "a hit makes its response the most recent: a b a c a makes 3 requests" {
    input '{"id":"a"}' '{"id":"b"}' '{"id":"a"}' '{"id":"c"}' '{"id":"a"}'
    enrich_stdin "$IN" -0 -- -v -c 1 --cache 2 --url "$P/{id}"
    assert_equal "$(mock_targets)" "$(printf "/t$BATS_TEST_NUMBER/%s\n" a b c)"
    assert_equal "$(grep -c 'cache hit: GET .* -> 200$' <<<"$stderr")" 2
    assert_regex "$stderr" "<stdin>:5: cache hit: GET http://127.0.0.1:$MOCK_PORT/t$BATS_TEST_NUMBER/a -> 200"
}

@test "--cache-ttl: a response older than the TTL is fetched again" {
    # -c 1: a, then b answered after 1.5 s (the second request of the key), then a again,
    # long after a 300 ms TTL.
    input '{"id":"a"}' '{"id":"b"}' '{"id":"a"}'
    enrich_stdin "$IN" -0 -- -c 1 --cache 10 --cache-ttl 300ms --url "$P/{id}?dseq=0,1500,0&key=t$BATS_TEST_NUMBER"
    assert_equal "$(mock_requests)" 3
    mock_log_reset
    enrich_stdin "$IN" -0 -- -c 1 --cache 10 --cache-ttl 30s --url "$P/{id}?dseq=0,1500,0&key=u$BATS_TEST_NUMBER"
    assert_equal "$(mock_requests)" 2
}

@test "failures are not cached: a 500 and then a 200 for the same request" {
    ids 3 1 "$IN"
    enrich_stdin "$IN" -1 -- -c 1 --cache 10 --url "$P/{id}?seq=500,200&body=ok"
    assert_equal "$(mock_requests)" 2
    assert_line -n 0 '{"id":1,"n":0,"error":{"kind":"http","status":500,"message":"HTTP 500","attempts":1,"body":"ok"}}'
    assert_line -n 1 '{"id":1,"n":1,"response":"ok"}'
    assert_line -n 2 '{"id":1,"n":2,"response":"ok"}'
}

@test "the followers of a leader that fails share its failure; the next identical record tries again" {
    ids 5 1 "$IN"
    enrich_stdin "$IN" -1 -- -c 5 --cache 10 -e "$BATS_TEST_TMPDIR/errors" \
        --url "$P/{id}?seq=503,200&delay=300&body=ok"
    assert_equal "$(mock_requests)" 1
    assert_equal "${#lines[@]}" 5
    assert_line -n 0 '{"id":1,"n":0,"error":{"kind":"http","status":503,"message":"HTTP 503","attempts":1,"body":"ok"}}'
    assert_line -n 4 '{"id":1,"n":4,"error":{"kind":"http","status":503,"message":"HTTP 503","attempts":0,"body":"ok"}}'
    # The leader's message comes first, then its followers' in input order.
    assert_equal "$stderr" "$(printf 'enrich: <stdin>:%s: http: HTTP 503\n' 1 2 3 4 5)"
    run -0 wc -l <"$BATS_TEST_TMPDIR/errors"
    assert_output 5
    # Nothing was stored: the same request again reaches the server (and now succeeds).
    enrich_stdin "$IN" -0 -- -c 5 --cache 10 --url "$P/{id}?seq=503,200&delay=300&body=ok"
    assert_equal "$(mock_requests)" 2
    assert_line -n 4 '{"id":1,"n":4,"response":"ok"}'
}

@test "--on-error fail with followers waiting: every unwritten record is in --errors" {
    ids 10 1 "$IN"
    enrich_stdin "$IN" -3 -- -c 10 --cache 5 --on-error fail -e "$BATS_TEST_TMPDIR/errors" \
        --url "$P/{id}?status=500&delay=200"
    assert_equal "$(mock_requests)" 1
    assert_output ''
    run -0 cat "$BATS_TEST_TMPDIR/errors"
    assert_output "$(cat "$IN")"
}

@test "followers wait across the leader's retries and get its success" {
    ids 5 1 "$IN"
    enrich_stdin "$IN" -0 -- -c 5 --cache 10 -r 3 --retry-delay 50ms \
        --url "$P/{id}?seq=503,503,200&delay=100&body=ok"
    assert_equal "$(mock_requests)" 3
    assert_equal "${#lines[@]}" 5
    run -0 jq -s -c 'map(.response) | unique' <<<"$output"
    assert_output '["ok"]'
}

@test "when the leader's deadline ends it, each follower's own deadline bounds it" {
    ids 3 1 "$IN"
    local start=$SECONDS
    enrich_stdin "$IN" -1 -- -c 3 --cache 10 -t 500ms --url "$P/{id}?delay=5000"
    ((SECONDS - start < 4)) || fail "took $((SECONDS - start)) s"
    assert_equal "${#lines[@]}" 3
    run -0 jq -s -c 'map(.error.kind) | unique' <<<"$output"
    assert_output '["timeout"]'
    local n
    n=$(mock_requests)
    ((n >= 1 && n <= 3)) || fail "$n requests"
}

@test "a follower hands on: the leader times out, the next one's request succeeds" {
    # The leader's request hangs past its 1 s deadline; the other record's takes 500 ms.
    # The follower, admitted when that one was answered, has the time left to make its
    # own request, which the server (on its second request of that target) answers at once.
    input '{"id":"slow","d":"3000,0"}' '{"id":"other","d":"500"}' '{"id":"slow","d":"3000,0"}'
    enrich_stdin "$IN" -1 -- -c 2 --cache 10 -t 1s --url "$P/{id}?dseq={d}&body=ok"
    assert_line -n 0 --partial '"error":{"kind":"timeout"'
    assert_line -n 1 '{"id":"other","d":"500","response":"ok"}'
    assert_line -n 2 '{"id":"slow","d":"3000,0","response":"ok"}'
    assert_equal "$(mock_requests)" 3
}

@test "templated headers and bodies are part of the key" {
    input '{"id":1}' '{"id":2}' '{"id":1}'
    enrich_stdin "$IN" -0 -- -c 1 --cache 10 -H 'X-Id: {id}' --url "$P/h" --select headers.X-Id
    assert_equal "$(mock_requests)" 2
    assert_equal "$output" "$(printf '%s\n' '{"id":1,"response":"1"}' '{"id":2,"response":"2"}' '{"id":1,"response":"1"}')"
    mock_log_reset
    enrich_stdin "$IN" -0 -- -c 1 --cache 10 -d '{"v":"{id}"}' --url "$P/d" --select body
    assert_equal "$(mock_requests)" 2
    assert_line -n 2 '{"id":1,"response":"{\"v\":1}"}'
    mock_log_reset
    # The same URL with another method is another request.
    enrich_stdin "$IN" -0 -- -c 1 --cache 10 -X PUT --url "$P/d" --select method
    assert_equal "$(mock_requests)" 1
    assert_line -n 2 '{"id":1,"response":"PUT"}'
}

@test "--cache 0 is no cache; --dry-run sends nothing with or without it" {
    ids 4 1 "$IN"
    enrich_stdin "$IN" -0 -- -c 1 --cache 0 --url "$P/{id}"
    assert_equal "$(mock_requests)" 4
    mock_log_reset
    enrich_stdin "$IN" -0 -- --cache 5 --dry-run --url "$P/{id}"
    assert_equal "${#lines[@]}" 4
    assert_equal "$(mock_requests)" 0
}

@test "--stats in Prometheus form counts cache hits and coalesced records" {
    ids 4 1 "$IN"
    enrich_stdin "$IN" -0 -- -c 1 --cache 5 --stats --stats-format prometheus --url "$P/{id}"
    assert_regex "$stderr" $'\nenrich_cache_hits_total 3\n'
    assert_regex "$stderr" $'\nenrich_cache_coalesced_total 0\n'
    assert_regex "$stderr" $'# TYPE enrich_cache_hits_total counter\n'
}

@test "bad --cache and --cache-ttl values are usage errors" {
    run_enrich -2 -- --cache -1 --url "$P/x"
    assert_equal "$stderr" "$(printf '%s\n' "enrich: --cache: expected a number from 0 to 1000000, got '-1'" "Try 'enrich --help' for more information.")"
    run_enrich -2 -- --cache 10 --cache-ttl soon --url "$P/x"
    assert_regex "$stderr" "^enrich: --cache-ttl: expected a duration"
    run_enrich -2 -- --cache-ttl 1s --url "$P/x"
    assert_regex "$stderr" "^enrich: --cache-ttl needs --cache N"
}

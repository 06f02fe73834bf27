#!/usr/bin/env bats
# Retries (Flink's fixed-delay and exponential-backoff strategies), the deadline that
# covers every attempt, Retry-After and host pauses, the rate limit, the reorder window
# and --max-failures. The mock logs when each attempt arrives ("<ms> <conn> <attempt>
# <method> <target>"): gaps between attempts are checked in wide bands (the sanitizer
# build is slow), counts and orders exactly.

load helpers/common

setup_file() {
    mock_start
    mock_start mock2
}

teardown_file() {
    mock_stop
    mock_stop mock2
}

setup() {
    mock_log_reset
    mock_log_reset mock2
    ENRICH_PID=
    IN=$BATS_TEST_TMPDIR/in
    echo '{"id":1}' >"$IN"
}

teardown() {
    kill_background_enrich
}

# arrivals [NAME]: the arrival times (ms, integer) of the requests in the mock's log.
arrivals() {
    local log
    log=$(_mock_log "$@") || return 1
    awk '{ printf "%d\n", $1 }' "$log"
}

# gaps [NAME]: the gaps (ms) between consecutive requests, one a line.
gaps() {
    arrivals "$@" | awk 'NR > 1 { print $1 - prev } { prev = $1 }'
}

# between LO HI VALUE...: each VALUE is in [LO, HI).
between() {
    local lo=$1 hi=$2 v
    shift 2
    for v in "$@"; do
        ((v >= lo && v < hi)) || fail "$v is not in [$lo, $hi)"
    done
}

@test "a failure in --retry-on is retried and the record succeeds, with one line per attempt in -v" {
    enrich_stdin "$IN" -0 -- -v -r 3 --retry-delay 50ms --url "$MOCK_URL/a/{id}?seq=503,500,200&body=ok"
    assert_output '{"id":1,"response":"ok"}'
    assert_equal "$(mock_requests)" 3
    assert_equal "${#stderr_lines[@]}" 3
    assert_regex "${stderr_lines[0]}" '^enrich: <stdin>:1: attempt 1: GET .* -> http: HTTP 503 \([0-9.]+ ms\); retry 1 in 50 ms$'
    assert_regex "${stderr_lines[1]}" '^enrich: <stdin>:1: attempt 2: GET .* -> http: HTTP 500 \([0-9.]+ ms\); retry 2 in 100 ms$'
    assert_regex "${stderr_lines[2]}" '^enrich: <stdin>:1: attempt 3: GET .* -> 200 \([0-9.]+ ms\)$'
}

@test "when retries run out the record fails with its last failure and the attempt count" {
    enrich_stdin "$IN" -1 -- -r 2 --retry-delay 10ms -e "$BATS_TEST_TMPDIR/errors" \
        --url "$MOCK_URL/a/{id}?status=503&empty=1"
        assert_output '{"id":1,"error":{"kind":"http","status":503,"message":"HTTP 503","attempts":3}}'
    assert_equal "$(mock_requests)" 3
    assert_equal "$stderr" "enrich: <stdin>:1: http: HTTP 503 (after 3 attempts)"
    run -0 cat "$BATS_TEST_TMPDIR/errors"
    assert_output '{"id":1}'
}

@test "without --retry a failure is not retried" {
    enrich_stdin "$IN" -1 -- --url "$MOCK_URL/a/{id}?status=503"
    assert_equal "$(mock_requests)" 1
}

@test "fixed backoff waits the same delay before every retry" {
    enrich_stdin "$IN" -1 -- -r 3 --backoff fixed --retry-delay 200ms --url "$MOCK_URL/f/{id}?status=503"
    assert_equal "$(mock_requests)" 4
    between 190 1500 $(gaps)
}

@test "exponential backoff multiplies the delay, up to --retry-max-delay" {
    enrich_stdin "$IN" -1 -- -r 4 --retry-delay 100ms --retry-multiplier 3 --retry-max-delay 400ms \
        --url "$MOCK_URL/e/{id}?status=503"
    assert_equal "$(mock_requests)" 5
    local g
    mapfile -t g < <(gaps)
    # 100, 300, then 900 capped to 400, and 400 again.
    between 90 290 "${g[0]}"
    ((g[1] >= 290)) || fail "second gap ${g[1]} < 290"
    ((g[2] >= 390 && g[3] >= 390)) || fail "capped gaps ${g[2]} ${g[3]} < 390"
    ((g[2] < g[1] + 350 && g[3] < g[1] + 350)) || fail "the cap did not hold: ${g[*]}"
}

@test "--jitter keeps every delay within the computed one" {
    enrich_stdin "$IN" -1 -- -r 5 --jitter --backoff fixed --retry-delay 300ms \
        --url "$MOCK_URL/j/{id}?status=503"
    assert_equal "$(mock_requests)" 6
    between 0 1300 $(gaps)
}

@test "the deadline covers every attempt: no retry is scheduled past it" {
    # Attempts at 0, 200 and 600 ms; the next would start at 1400, after the 1 s deadline.
    enrich_stdin "$IN" -1 -- -r 10 --retry-delay 200ms --timeout 1s --url "$MOCK_URL/d/{id}?status=503&empty=1"
    assert_equal "$(mock_requests)" 3
    assert_output '{"id":1,"error":{"kind":"http","status":503,"message":"HTTP 503; the deadline left no room for a retry","attempts":3}}'
}

@test "an attempt in flight at the deadline is cancelled and the record fails as timeout with its attempts" {
    enrich_stdin "$IN" -1 -- -r 5 --retry-delay 50ms --timeout 1s \
        --url "$MOCK_URL/c/{id}?dseq=0,5000&seq=503,200"
    assert_equal "$(mock_requests)" 2
    run -0 jq -c '[.error.kind, .error.attempts]' <<<"$output"
    assert_output '["timeout",2]'
}

@test "only failures in --retry-on are retried: a 404 is not, unless asked" {
    enrich_stdin "$IN" -1 -- -r 2 --retry-delay 10ms --url "$MOCK_URL/n/{id}?status=404"
    assert_equal "$(mock_requests)" 1
    mock_log_reset
    enrich_stdin "$IN" -1 -- -r 2 --retry-delay 10ms --retry-on 404 --url "$MOCK_URL/n/{id}?status=404"
    assert_equal "$(mock_requests)" 3
    mock_log_reset
    enrich_stdin "$IN" -1 -- -r 2 --retry-delay 10ms --retry-on 4xx --url "$MOCK_URL/n/{id}?status=404"
    assert_equal "$(mock_requests)" 3
    mock_log_reset
    enrich_stdin "$IN" -1 -- -r 2 --retry-delay 10ms --retry-on connect --url "$MOCK_URL/n/{id}?status=503"
    assert_equal "$(mock_requests)" 1
}

@test "connection failures and timeouts are retried by default" {
    local port
    port=$("$MOCKD" --free-port)
    enrich_stdin "$IN" -1 -- -r 2 --retry-delay 10ms --url "http://127.0.0.1:$port/x/{id}"
    run -0 jq -c '[.error.kind, .error.attempts]' <<<"$output"
    assert_output '["connect",3]'
    enrich_stdin "$IN" -0 -- -r 2 --retry-delay 10ms --attempt-timeout 200ms \
        --url "$MOCK_URL/t/{id}?dseq=2000,0&body=1"
    assert_output '{"id":1,"response":1}'
    assert_equal "$(mock_requests)" 2
}

@test "--retry-on all retries a bad response, but never a record's own failure" {
    enrich_stdin "$IN" -1 -- -r 1 --retry-delay 10ms --retry-on all --url "$MOCK_URL/g/{id}?fault=garbage"
    assert_equal "$(mock_requests)" 2
    echo '{"other":1}' >"$IN"
    enrich_stdin "$IN" -1 -- -r 1 --retry-delay 10ms --retry-on all --url "$MOCK_URL/g/{id}"
    assert_equal "$(mock_requests)" 2
    run -0 jq -r .error.kind <<<"$output"
    assert_output missing_field
}

@test "--retry-on empty retries an empty result and keeps it when retries run out" {
    enrich_stdin "$IN" -0 -- -r 2 --retry-delay 10ms --retry-on empty --url "$MOCK_URL/m/{id}?seq=204,200&body=full"
    assert_output '{"id":1,"response":"full"}'
    assert_equal "$(mock_requests)" 2
    mock_log_reset
    enrich_stdin "$IN" -0 -- -r 2 --retry-delay 10ms --retry-on empty --url "$MOCK_URL/m2/{id}?body=%7B%7D&type=application/json"
    assert_output '{"id":1,"response":{}}'
    assert_equal "$(mock_requests)" 3
}

@test "Retry-After replaces the computed delay, capped by --retry-max-delay" {
    enrich_stdin "$IN" -0 -- -r 1 --retry-delay 10ms \
        --url "$MOCK_URL/r/{id}?seq=429,200&header=Retry-After:1&body=1"
    assert_equal "$(mock_requests)" 2
    between 950 3000 $(gaps)
    mock_log_reset
    enrich_stdin "$IN" -0 -- -r 1 --retry-delay 10ms --retry-max-delay 200ms \
        --url "$MOCK_URL/r2/{id}?seq=503,200&header=Retry-After:30&body=1"
    between 150 900 $(gaps)
}

@test "Retry-After as an HTTP date is understood" {
    local when
    when=$(LC_ALL=C TZ=GMT date -d '+2 seconds' '+%a, %d %b %Y %H:%M:%S GMT')
    enrich_stdin "$IN" -0 -- -r 1 --retry-delay 10ms \
        --url "$MOCK_URL/h/{id}?seq=503,200&header=Retry-After:${when// /%20}&body=1"
    between 900 3500 $(gaps)
}

@test "a 429 with Retry-After pauses new starts to that host; another host is unaffected" {
    local fifo=$BATS_TEST_TMPDIR/in.fifo out=$BATS_TEST_TMPDIR/out
    mkfifo "$fifo"
    "$ENRICH" -U -c 10 -r 1 --retry-delay 10ms --url '{+base}/p/{id}?seq={s}&header=Retry-After:1&body={id}' \
        <"$fifo" >"$out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    ENRICH_PID=$!
    exec {W}>"$fifo"
    printf '{"base":"%s","id":1,"s":"429,200"}\n' "$MOCK_URL" >&"$W"
    local i
    for ((i = 0; i < 500 && $(mock_requests) < 1; i++)); do sleep 0.02; done
    # Record 1's 429 has paused its host: record 2 (same host) waits, record 3 does not.
    printf '{"base":"%s","id":2,"s":"200"}\n{"base":"%s","id":3,"s":"200"}\n' \
        "$MOCK_URL" "$MOCK2_URL" >&"$W"
    exec {W}>&-
    wait_exit "$ENRICH_PID"
    assert_equal "$status" 0
    run -0 jq -r .id "$out"
    assert_line --index 0 3
    assert_equal "$(mock_requests mock2)" 1
    # On the paused host: record 1, then after the pause record 1's retry and record 2.
    run -0 mock_targets
    assert_line --index 0 --partial '/p/1?'
    local t
    mapfile -t t < <(arrivals)
    assert_equal "${#t[@]}" 3
    ((t[1] - t[0] >= 900 && t[2] - t[0] >= 900)) || fail "started during the pause: ${t[*]}"
}

@test "a lone record waiting for its retry wakes the loop on time" {
    local start=${EPOCHREALTIME/[.,]/}
    enrich_stdin "$IN" -0 -- -r 1 --retry-delay 300ms --url "$MOCK_URL/w/{id}?seq=503,200&body=1"
    local elapsed=$(((${EPOCHREALTIME/[.,]/} - start) / 1000))
    assert_output '{"id":1,"response":1}'
    ((elapsed < 10000)) || fail "took $elapsed ms"
}

@test "every record waiting for a retry at once: all wake and finish" {
    records 30 "$IN"
    enrich_stdin "$IN" -0 -- -c 30 -r 1 --retry-delay 300ms --url "$MOCK_URL/all/{id}?seq=503,200&body={id}"
    assert_equal "${#lines[@]}" 30
    assert_equal "$(mock_requests)" 60
    run -0 jq -r 'select(.response == .id) | .id' <<<"$output"
    assert_equal "${#lines[@]}" 30
}

@test "a record waiting for a retry keeps its capacity slot" {
    printf '{"id":1,"s":"503,200"}\n{"id":2,"s":"200"}\n' >"$IN"
    enrich_stdin "$IN" -0 -- -c 1 -r 1 --retry-delay 200ms --url "$MOCK_URL/k/{id}?seq={s}&body={id}"
    run -0 mock_targets
        assert_output $'/k/1?seq=503%2C200&body=1\n/k/1?seq=503%2C200&body=1\n/k/2?seq=200&body=2'
}

@test "--rate spaces request starts evenly; --burst lets that many go at once" {
    records 5 "$IN"
    enrich_stdin "$IN" -0 -- -c 5 --rate 10/s --url "$MOCK_URL/rate/{id}?body={id}"
    assert_equal "$(mock_requests)" 5
    between 80 1000 $(gaps)
    mock_log_reset
    enrich_stdin "$IN" -0 -- -c 5 --rate 2/s --burst 5 --url "$MOCK_URL/burst/{id}?body={id}"
    local t
    mapfile -t t < <(arrivals)
    ((t[4] - t[0] < 400)) || fail "a burst of 5 was spread over $((t[4] - t[0])) ms"
}

@test "--rate counts retries and records waiting for a token open no connection" {
    printf '{"id":1,"s":"503,200"}\n{"id":2,"s":"200"}\n{"id":3,"s":"200"}\n' >"$IN"
    enrich_stdin "$IN" -0 -- -c 3 -r 1 --retry-delay 10ms --rate 5/s --url "$MOCK_URL/rr/{id}?seq={s}&body={id}"
    assert_equal "$(mock_requests)" 4
    between 150 1500 $(gaps)
    # One start at a time over keep-alive: a single connection served them all.
    run -0 bash -c "cut -d' ' -f2 '$(_mock_log)' | sort -u | wc -l"
    assert_output 1
}

@test "ordered mode keeps requesting past a slow record: completed ones wait in the window" {
    printf '{"id":1,"d":1500}\n' >"$IN"
    local i
    for i in 2 3 4 5 6; do printf '{"id":%d,"d":0}\n' "$i" >>"$IN"; done
    enrich_stdin "$IN" -0 -- -c 2 --window 10 --url "$MOCK_URL/win/{id}?delay={d}&body={id}"
    run -0 jq -r .id <<<"$output"
    assert_output "$(seq 1 6)"
    local t
    mapfile -t t < <(arrivals)
    ((t[5] - t[0] < 1000)) || fail "the others waited for the slow one: ${t[*]}"
}

@test "--window 0 is Flink's rule: completed records waiting for a slow one count against capacity" {
    printf '{"id":1,"d":1000}\n' >"$IN"
    local i
    for i in 2 3 4; do printf '{"id":%d,"d":0}\n' "$i" >>"$IN"; done
    enrich_stdin "$IN" -0 -- -c 2 --window 0 --url "$MOCK_URL/flink/{id}?delay={d}&body={id}"
    run -0 jq -r .id <<<"$output"
    assert_output "$(seq 1 4)"
    local t
    mapfile -t t < <(arrivals)
    # Record 2 ran beside record 1; 3 and 4 had to wait for record 1 to be written.
    ((t[2] - t[0] >= 900 && t[3] - t[0] >= 900)) || fail "started before the slow one left: ${t[*]}"
}

@test "--max-failures N stops the run once N records failed, like --on-error fail" {
    records 10 "$IN"
    enrich_stdin "$IN" -3 -- -c 1 --max-failures 3 -e "$BATS_TEST_TMPDIR/errors" \
        --url "$MOCK_URL/mf/{id}?status=500"
    assert_equal "$(mock_requests)" 3
    assert_regex "$stderr" 'stopping: --max-failures reached, 3 of 3 failed'
    assert_equal "$(grep -c . <<<"$output")" 2
}

@test "--max-failures N% stops once that share of at least 100 records failed" {
    records 300 "$IN"
    enrich_stdin "$IN" -3 -- -c 1 --max-failures 50% --url "$MOCK_URL/mp/{id}?status=500"
    assert_equal "$(mock_requests)" 100
    assert_regex "$stderr" 'stopping: --max-failures reached, 100 of 100 failed'
}

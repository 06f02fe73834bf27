#!/usr/bin/env bats
# Edge cases found in review: buffered input while stdin stays open, signals during runs
# that never wait, --on-error fail with several failures at once, FIFO inputs, JSON that
# cJSON alone would reject, write errors, and input framing.

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
}

teardown() {
    kill_background_enrich
}

# start_open_stdin N ARGS...: enrich ARGS reading a fifo that the test keeps open, with
# records 1..N written into it at once; sets ENRICH_PID, WIN (the writer) and ROUT (the
# reader of enrich's output).
start_open_stdin() {
    local n=$1 in=$BATS_TEST_TMPDIR/in.fifo out=$BATS_TEST_TMPDIR/out.fifo i
    shift
    mkfifo "$in" "$out"
    "$ENRICH" "$@" <"$in" >"$out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    ENRICH_PID=$!
    exec {WIN}>"$in" {ROUT}<"$out"
    for ((i = 1; i <= n; i++)); do
        printf '{"id":%d}\n' "$i"
    done >&"$WIN"
}

@test "lines already read are processed while stdin stays open (dry run, capacity 1)" {
    start_open_stdin 3 --dry-run -c 1 --line-buffered --url "$MOCK_URL/d/{id}"
    local line i
    for i in 1 2 3; do
        read -t 10 -r line <&"$ROUT" || fail "record $i was not written within 10 s"
        assert_regex "$line" "^\{\"line\":$i,"
    done
    exec {WIN}>&-
    wait_exit "$ENRICH_PID"
    exec {ROUT}<&-
    assert_equal "$status" 0
}

@test "lines already read do not wait for more input before being requested (capacity 1)" {
    start_open_stdin 20 -c 1 --line-buffered --url "$MOCK_URL/b/{id}?body={id}"
    local line i start=${EPOCHREALTIME/[.,]/} elapsed
    for ((i = 1; i <= 20; i++)); do
        read -t 30 -r line <&"$ROUT" || fail "record $i was not written within 30 s"
        assert_equal "$line" "{\"id\":$i,\"response\":$i}"
    done
    elapsed=$(((${EPOCHREALTIME/[.,]/} - start) / 1000))
    exec {WIN}>&-
    wait_exit "$ENRICH_PID"
    exec {ROUT}<&-
    assert_equal "$status" 0
    # 20 loopback requests take milliseconds; an idle wait per record takes a second each.
    ((elapsed < 8000)) || fail "20 buffered records took $elapsed ms while stdin stayed open"
}

@test "SIGTERM stops a dry run over a regular file and exits 143" {
    local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out.fifo line
    records 300000 "$in"
    mkfifo "$out"
    "$ENRICH" --dry-run --url "$MOCK_URL/t/{id}" "$in" >"$out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    ENRICH_PID=$!
    exec {rout}<"$out"
    read -t 10 -r line <&"$rout" || fail "no output within 10 s"
    kill -TERM "$ENRICH_PID"
    cat <&"$rout" >"$BATS_TEST_TMPDIR/rest"
    exec {rout}<&-
    wait_exit "$ENRICH_PID"
    assert_equal "$status" 143
    (($(wc -l <"$BATS_TEST_TMPDIR/rest") < 299999)) || fail "the whole file was processed"
}

@test "SIGINT stops a run whose records all fail before a request, and exits 130" {
    local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out.fifo line
    records 300000 "$in"
    mkfifo "$out"
    "$ENRICH" --url "$MOCK_URL/t/{missing}" "$in" >"$out" 2>/dev/null 3>&- &
    ENRICH_PID=$!
    exec {rout}<"$out"
    read -t 10 -r line <&"$rout" || fail "no output within 10 s"
    kill -INT "$ENRICH_PID"
    cat <&"$rout" >/dev/null
    exec {rout}<&-
    wait_exit "$ENRICH_PID"
    assert_equal "$status" 130
}

@test "--on-error fail reports one failure and saves each unwritten line once even when many fail together" {
    # All 50 answers arrive together after 300 ms, so libcurl reports them in one batch.
    records 50 "$BATS_TEST_TMPDIR/in"
    local errs=$BATS_TEST_TMPDIR/errors
    enrich_stdin "$BATS_TEST_TMPDIR/in" -3 -- -c 50 --on-error fail -e "$errs" \
        --url "$MOCK_URL/f/{id}?status=500&delay=300"
    assert_output ""
    assert_equal "${#stderr_lines[@]}" 2
    assert_regex "${stderr_lines[0]}" '^enrich: <stdin>:[0-9]+: http: HTTP 500 \(stopping: --on-error fail\)$'
    assert_equal "${stderr_lines[1]}" "enrich: stopped early: 49 unwritten records appended to $errs for a replay"
    # Every record was read and none written: all of them, once each, in input order.
    run -0 cat "$errs"
    assert_output "$(cat "$BATS_TEST_TMPDIR/in")"
}

@test "a write error on --errors is reported once" {
    printf '{"id":1}\n' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -3 -- -e /dev/full --url "$MOCK_URL/e/{id}?status=500"
    run -0 grep -c '/dev/full: write error' <<<"$stderr"
    assert_output 1
}

@test "a named FIFO given as FILE is read once, with nothing lost" {
    local in=$BATS_TEST_TMPDIR/in.fifo
    # More than a pipe buffer, so the writer is still writing when enrich first opens the
    # fifo; a large capacity widens the gap before enrich opens it again.
    records 7000 "$BATS_TEST_TMPDIR/data"
    mkfifo "$in"
    cat "$BATS_TEST_TMPDIR/data" >"$in" 2>/dev/null 3>&- &
    ENRICH_TEST_TIMEOUT=15 run_enrich -- --dry-run -c 10000 --url "$MOCK_URL/ff/{id}" "$in"
    # Whatever happened, the writer must not be left blocked on the fifo.
    exec {unblock}<>"$in"
    exec {unblock}<&-
    wait
    assert_equal "$status" 0
    assert_equal "${#lines[@]}" 7000
}

@test "a record nested deeper than 1000 levels is valid JSON (RFC 8259 sets no limit) and is enriched" {
    local deep deeper bad
    deep=$(printf '%.0s[' {1..1100})$(printf '%.0s]' {1..1100})
    # Past the levels the validator keeps on the stack, objects and arrays mixed.
    deeper=$(printf '%.0s{"a":[' {1..3000})1$(printf '%.0s]}' {1..3000})
    # The same with the innermost ]} swapped: } closes an array 6000 levels down.
    bad="${deeper:0:18001}}]${deeper:18003}"
    printf '{"id":1,"n":%s}\n{"id":2,"n":%s}\n{"id":3,"n":%s}\n' "$deep" "$deeper" "$bad" \
        >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -1 -- --url "$MOCK_URL/n/{id}?body={id}"
    assert_equal "${lines[0]}" "{\"id\":1,\"n\":$deep,\"response\":1}"
    assert_equal "${lines[1]}" "{\"id\":2,\"n\":$deeper,\"response\":2}"
    assert_equal "${#lines[@]}" 2
    # The } is reported where it is.
    assert_equal "$stderr" "enrich: <stdin>:3: invalid_json: invalid JSON near byte $((12 + 18000 + 2))"
}

@test "a record with a lone surrogate escape is valid JSON (RFC 8259 allows it) and is kept as written" {
    printf '%s\n' '{"id":1,"s":"\ud800"}' '{"id":2,"s":"\ud83d\ude00"}' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- --url "$MOCK_URL/u/{id}?body={id}"
    assert_output $'{"id":1,"s":"\\ud800","response":1}\n{"id":2,"s":"\\ud83d\\ude00","response":2}'
}

@test "a response with a lone surrogate escape is JSON: it is inserted as it is" {
    printf '{"id":1}\n' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- --url "$MOCK_URL/u/{id}?body=%22%5Cud800%22"
    assert_output '{"id":1,"response":"\ud800"}'
}

@test "a JSON response with invalid UTF-8 inside a string is inserted as a string with U+FFFD" {
    printf '{"id":1}\n' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- --url "$MOCK_URL/u/{id}?body=%22a%C0%AFb%22"
    assert_output '{"id":1,"response":"\"a\ufffd\ufffdb\""}'
}

# Passing edge cases worth keeping.

@test "lines split across 64 KiB reads, CRLF, blank lines and a final line without newline" {
    local pad
    pad=$(head -c 70000 /dev/zero | tr '\0' 'p')
    {
        printf '{"id":1,"pad":"%s"}\r\n\r\n' "$pad"
        printf '  \n{"id":2}\n'
        printf '{"id":3,"pad":"%s"}' "$pad$pad"
    } >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- --url "$MOCK_URL/l/{id}?body={id}"
    assert_equal "${#lines[@]}" 3
    assert_equal "${lines[0]}" "{\"id\":1,\"pad\":\"$pad\",\"response\":1}"
    assert_equal "${lines[1]}" '{"id":2,"response":2}'
    assert_equal "${lines[2]}" "{\"id\":3,\"pad\":\"$pad$pad\",\"response\":3}"
}

@test "files and stdin mix in argument order with per-input line numbers" {
    printf '{"id":1}\n{"id":2}\n' >"$BATS_TEST_TMPDIR/a"
    printf '{"id":5}\nnope\n' >"$BATS_TEST_TMPDIR/b"
    printf '{"id":3}\n\n{"id":4}' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -1 -- --url "$MOCK_URL/m/{id}?body={id}" \
        "$BATS_TEST_TMPDIR/a" - "$BATS_TEST_TMPDIR/b"
    run -0 jq -c .response <<<"$output"
    assert_output $'1\n2\n3\n4\n5'
    assert_equal "$stderr" "enrich: $BATS_TEST_TMPDIR/b:2: invalid_json: invalid JSON near byte 1"
}

@test "-o into a missing directory is a usage error before any request" {
    printf '{"id":1}\n' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -2 -- -o "$BATS_TEST_TMPDIR/no/such/out" \
        --url "$MOCK_URL/o/{id}"
    run -0 mock_requests
    assert_output 0
}

@test "bare JSON string, number and array responses are inserted byte-exact" {
    printf '%s\n' '{"b":"%22hi%22"}' '{"b":"1.000"}' '{"b":"%5B1,%202%5D"}' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- --url "$MOCK_URL/r?body={+b}"
    assert_equal "${lines[0]}" '{"b":"%22hi%22","response":"hi"}'
    assert_equal "${lines[1]}" '{"b":"1.000","response":1.000}'
    assert_equal "${lines[2]}" '{"b":"%5B1,%202%5D","response":[1,2]}'
}

@test "many connection resets: every record is kept with a connect error and saved to --errors" {
    records 200 "$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -1 -- -c 50 -e "$BATS_TEST_TMPDIR/errors" \
        --url "$MOCK_URL/reset/{id}?fault=reset"
    assert_equal "${#lines[@]}" 200
    run -0 jq -r .error.kind <<<"$output"
    assert_equal "$(sort -u <<<"$output")" connect
    run -0 cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/errors"
}

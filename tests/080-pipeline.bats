#!/usr/bin/env bats
# Behaving well in a pipeline: SIGPIPE, -o, flushing, signals, and whole-run counts.

load helpers/common

RECORDS=500

setup_file() {
    mock_start
    nginx_start
    mkdir -p "$NGINX_ROOT/items"
    local i
    for ((i = 1; i <= RECORDS; i++)); do
        printf '{"n":%d}\n' "$i" >"$NGINX_ROOT/items/$i.json"
    done
}

teardown_file() {
    mock_stop
    nginx_stop
}

setup() {
    mock_log_reset
    ENRICH_PID=
}

teardown() {
    kill_background_enrich
}

# wait_for_requests N: polls the mock log until N requests arrived (10 s at most).
wait_for_requests() {
    local i
    for ((i = 0; i < 500; i++)); do
        (($(mock_requests) >= $1)) && return 0
        sleep 0.02
    done
    echo "# only $(mock_requests) of $1 requests arrived" >&2
    return 1
}

_head_pipeline() {
    timeout "$ENRICH_TEST_TIMEOUT" "$ENRICH" --url "$MOCK_URL/p/{id}" <"$BATS_TEST_TMPDIR/in" \
        2>"$BATS_TEST_TMPDIR/err" | head -n 5 >"$BATS_TEST_TMPDIR/out"
    echo "enrich: ${PIPESTATUS[0]}, head: ${PIPESTATUS[1]}"
}

@test "a closed stdout (| head -n 5) stops enrich quietly with status 141" {
    records 1000 "$BATS_TEST_TMPDIR/in"
    run -0 _head_pipeline
    assert_output "enrich: 141, head: 0"
    run -0 cat "$BATS_TEST_TMPDIR/err"
    assert_output ""
    run -0 jq -r .id "$BATS_TEST_TMPDIR/out"
    assert_output $'1\n2\n3\n4\n5'
}

@test "-o FILE writes the records to FILE and nothing to stdout" {
    records 3 "$BATS_TEST_TMPDIR/in"
    local out=$BATS_TEST_TMPDIR/out.ndjson
    echo 'old content that must go' >"$out"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- -o "$out" --url "$MOCK_URL/o/{id}?body={id}"
    assert_output ""
    assert_equal "$stderr" ""
    run -0 cat "$out"
    assert_output $'{"id":1,"response":1}\n{"id":2,"response":2}\n{"id":3,"response":3}'
}

@test "--output is the long form of -o" {
    records 2 "$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- --output "$BATS_TEST_TMPDIR/o" --url "$MOCK_URL/lo/{id}?body={id}"
    assert_output ""
    run -0 cat "$BATS_TEST_TMPDIR/o"
    assert_output $'{"id":1,"response":1}\n{"id":2,"response":2}'
}

# streams_each_record [ENRICH-ARGS]: feeds records one at a time through a fifo that stays
# open, and reads each result back before writing the next, so enrich's output must reach
# the pipe while it still waits for input.
streams_each_record() {
    local in=$BATS_TEST_TMPDIR/in.fifo out=$BATS_TEST_TMPDIR/out.fifo win rout line i
    mkfifo "$in" "$out"
    timeout "$ENRICH_TEST_TIMEOUT" "$ENRICH" "$@" --url "$MOCK_URL/s/{id}?body={id}" \
        <"$in" >"$out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    ENRICH_PID=$!
    exec {win}>"$in" {rout}<"$out"
    for i in 1 2 3; do
        printf '{"id":%d}\n' "$i" >&"$win"
        read -t 10 -r line <&"$rout" || fail "record $i was not written within 10 s"
        assert_equal "$line" "{\"id\":$i,\"response\":$i}"
    done
    exec {win}>&-
    if read -t 10 -r line <&"$rout"; then
        fail "unexpected output after the last record: $line"
    fi
    exec {rout}<&-
    wait_exit "$ENRICH_PID"
    assert_equal "$status" 0
    run -0 cat "$BATS_TEST_TMPDIR/err"
    assert_output ""
}

@test "--line-buffered writes each record before input ends" {
    streams_each_record --line-buffered
}

@test "output to a pipe is flushed before enrich waits for more input" {
    streams_each_record
}

# start_in_flight: enrich with two 1 s records in flight and its stdin still open.
start_in_flight() {
    local in=$BATS_TEST_TMPDIR/in.fifo
    mkfifo "$in"
    "$ENRICH" --url "$MOCK_URL/sig/{id}?delay=1000&body={id}" <"$in" \
        >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    ENRICH_PID=$!
    exec {STDIN_FD}>"$in"
    printf '{"id":1}\n{"id":2}\n' >&"$STDIN_FD"
    wait_for_requests 2
}

@test "SIGTERM lets in-flight records finish, writes them and exits 143" {
    start_in_flight
    kill -TERM "$ENRICH_PID"
    wait_exit "$ENRICH_PID"
    exec {STDIN_FD}>&-
    assert_equal "$status" 143
    run -0 cat "$BATS_TEST_TMPDIR/out"
    assert_output $'{"id":1,"response":1}\n{"id":2,"response":2}'
}

@test "SIGINT lets in-flight records finish, writes them and exits 130" {
    start_in_flight
    kill -INT "$ENRICH_PID"
    wait_exit "$ENRICH_PID"
    exec {STDIN_FD}>&-
    assert_equal "$status" 130
    run -0 cat "$BATS_TEST_TMPDIR/out"
    assert_output $'{"id":1,"response":1}\n{"id":2,"response":2}'
}

@test "after SIGTERM no more input is admitted: records waiting for a slot are never requested" {
    local in=$BATS_TEST_TMPDIR/in.fifo
    mkfifo "$in"
    "$ENRICH" -c 1 --url "$MOCK_URL/stop/{id}?delay={d}&body={id}" <"$in" \
        >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    ENRICH_PID=$!
    exec {STDIN_FD}>"$in"
    # Records 2 and 3 are already in the pipe, waiting for record 1's slot.
    printf '%s\n' '{"id":1,"d":1000}' '{"id":2,"d":0}' '{"id":3,"d":0}' >&"$STDIN_FD"
    wait_for_requests 1
    kill -TERM "$ENRICH_PID"
    wait_exit "$ENRICH_PID"
    exec {STDIN_FD}>&-
    assert_equal "$status" 143
    run -0 cat "$BATS_TEST_TMPDIR/out"
    assert_output '{"id":1,"d":1000,"response":1}'
    run -0 mock_targets
    assert_output '/stop/1?delay=1000&body=1'
}

# lines_in FILE: its line count.
lines_in() {
    local n
    n=$(wc -l <"$1")
    echo $((n))
}

@test "a second SIGTERM aborts at once, reporting in-flight records and saving them to --errors" {
    local in=$BATS_TEST_TMPDIR/in.fifo out=$BATS_TEST_TMPDIR/out errs=$BATS_TEST_TMPDIR/errors
    mkfifo "$in"
    "$ENRICH" -e "$errs" --stats="$BATS_TEST_TMPDIR/stats" \
        --url "$MOCK_URL/abort/{id}?delay={d}&body={id}" <"$in" \
        >"$out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    ENRICH_PID=$!
    exec {STDIN_FD}>"$in"
    printf '%s\n' '{"id":1,"d":300}' '{"id":2,"d":20000}' >&"$STDIN_FD"
    wait_for_requests 2
    kill -TERM "$ENRICH_PID"
    # Record 1 being written shows the first signal was taken (it was sent 300 ms earlier).
    local i
    for ((i = 0; i < 500; i++)); do
        (($(lines_in "$out") >= 1)) && break
        sleep 0.02
    done
    assert_equal "$(lines_in "$out")" 1
    local start=${EPOCHREALTIME/[.,]/}
    kill -TERM "$ENRICH_PID"
    wait_exit "$ENRICH_PID"
    local elapsed=$(((${EPOCHREALTIME/[.,]/} - start) / 1000))
    exec {STDIN_FD}>&-
    assert_equal "$status" 143
    ((elapsed < 10000)) || fail "took $elapsed ms to abort with a 20 s request in flight"
    run -0 cat "$out"
    assert_output '{"id":1,"d":300,"response":1}'
    run -0 cat "$BATS_TEST_TMPDIR/err"
    assert_equal "${#lines[@]}" 2
    assert_line --index 0 --regexp '^enrich: interrupted: finishing 2 records in flight; '
    assert_line --index 1 \
        'enrich: <stdin>:2: interrupted: aborted by a second signal while in flight'
    run -0 cat "$errs"
    assert_output '{"id":2,"d":20000}'
    # The aborted record is counted under its own kind, not as a timeout.
    run -0 jq -c '.records.failed_by_kind | [.interrupted, .timeout]' "$BATS_TEST_TMPDIR/stats"
    assert_output '[1,0]'
}

@test "a write error on -o FILE is reported and exits 3" {
    records 2 "$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -3 -- -o /dev/full --url "$MOCK_URL/full/{id}"
    assert_output ""
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" '^enrich: /dev/full: .+'
}

@test "a write error on stdout is reported and exits 3" {
    records 2 "$BATS_TEST_TMPDIR/in"
    run --separate-stderr bash -c 'timeout "$1" "$2" --url "$3/full/{id}" <"$4" >/dev/full' \
        _ "$ENRICH_TEST_TIMEOUT" "$ENRICH" "$MOCK_URL" "$BATS_TEST_TMPDIR/in"
    assert_equal "$status" 3
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" '^enrich: .*(space|write).*'
}

# assert_all_enriched FILE: FILE has RECORDS valid JSON lines, each with its own response.
assert_all_enriched() {
    run -0 jq -c . "$1"
    assert_equal "${#lines[@]}" "$RECORDS"
    run -0 jq -r 'select(.response.n == .id) | .id' "$1"
    assert_equal "${#lines[@]}" "$RECORDS"
}

@test "ordered mode writes every record once, in input order, at capacity 50" {
    records "$RECORDS" "$BATS_TEST_TMPDIR/in"
    local out=$BATS_TEST_TMPDIR/out.ndjson
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- -c 50 -o "$out" --url "$NGINX_URL/items/{id}.json"
    assert_equal "$stderr" ""
    assert_all_enriched "$out"
    run -0 jq -r .id "$out"
    assert_output "$(seq 1 "$RECORDS")"
}

@test "unordered mode writes every record exactly once at capacity 50" {
    records "$RECORDS" "$BATS_TEST_TMPDIR/in"
    local out=$BATS_TEST_TMPDIR/out.ndjson
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- -U -c 50 -o "$out" --url "$NGINX_URL/items/{id}.json"
    assert_equal "$stderr" ""
    assert_all_enriched "$out"
    run -0 bash -c 'jq -r .id "$1" | sort -n' _ "$out"
    assert_output "$(seq 1 "$RECORDS")"
}

# max_rss_kb N: enrich's peak memory over N records from nginx, in KiB.
max_rss_kb() {
    awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "{\"seq\":%d,\"id\":%d,\"pad\":\"%040d\"}\n", i, i % 500 + 1, i }' \
        >"$BATS_TEST_TMPDIR/in.ndjson"
    /usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" "$ENRICH" -c 50 \
        -u "$NGINX_URL/items/{id}.json" "$BATS_TEST_TMPDIR/in.ndjson" >/dev/null
    cat "$BATS_TEST_TMPDIR/rss"
}

@test "memory does not grow with input length: 10x the records, same peak" {
    # ASan keeps freed memory in quarantine, so only the plain build measures.
    [[ $ENRICH != *asan* ]] || skip "peak memory is not meaningful under AddressSanitizer"
    [[ -x /usr/bin/time ]] || skip "/usr/bin/time is not installed"
    small=$(max_rss_kb 10000)
    big=$(max_rss_kb 100000)
    echo "# peak RSS: ${small} KiB for 10000 records, ${big} KiB for 100000"
    ((big < small * 5 / 4 + 2048))
}

@test "--line-buffered writes each record as it is released, even in a run that never waits" {
    printf '%s\n' '{"id":1}' '[2]' '{"id":3}' >"$BATS_TEST_TMPDIR/in"
    # stdout and stderr share one file, so its order is the order of the writes.
    run -1 bash -c 'timeout "$1" "$2" --line-buffered -c 1 --dry-run --url "$3/lb/{id}" <"$4" >"$5" 2>&1' \
        _ "$ENRICH_TEST_TIMEOUT" "$ENRICH" "$MOCK_URL" "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/both"
    run -0 sed -E 's/^(\{"line":[0-9]+|enrich: <stdin>:[0-9]+).*/\1/' "$BATS_TEST_TMPDIR/both"
    assert_output - <<'OUT'
{"line":1
enrich: <stdin>:2
{"line":2
{"line":3
OUT
}

# _how_enrich_ends: enrich | head -n 5, with perl running enrich to say how it ended: a
# shell shows 141 both for "exit 141" and for death by SIGPIPE.
_how_enrich_ends() {
    perl -e '$SIG{PIPE} = "DEFAULT"; system @ARGV;
             print STDERR $? & 127 ? "signal " . ($? & 127) : "exit " . ($? >> 8), "\n"' \
        timeout "$ENRICH_TEST_TIMEOUT" "$ENRICH" --url "$MOCK_URL/p/{id}" <"$BATS_TEST_TMPDIR/in" \
        2>"$BATS_TEST_TMPDIR/how" | head -n 5 >/dev/null
    cat "$BATS_TEST_TMPDIR/how"
}

@test "a closed stdout makes enrich exit 141 itself, even when SIGPIPE is not ignored" {
    records 1000 "$BATS_TEST_TMPDIR/in"
    run -0 _how_enrich_ends
    assert_output "exit 141"
}

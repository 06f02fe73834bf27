#!/usr/bin/env bats
# Seeing the run: --stats (JSON and Prometheus text, on stderr or into a file replaced
# atomically, also after a signal) and --progress (a status line on a terminal, seen in a
# real pseudo-terminal through tmux, and erased at the end).

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
    TMUX_SOCKET=
    # mockd counts attempts per key= for the whole file: keys carry the test's number.
    K=t$BATS_TEST_NUMBER
}

teardown() {
    kill_background_enrich
    if [[ -n $TMUX_SOCKET ]]; then
        tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null || true
    fi
}

# check_metrics FILE: Prometheus' own checker, or, without it, a strict reading of the
# text format: HELP and TYPE before each family, names and labels as the format allows.
check_metrics() {
    if command -v promtool >/dev/null; then
        run promtool check metrics <"$1"
        assert_success
        return
    fi
    run awk '
        /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* / { help[$3] = 1; next }
        /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram)$/ {
            if (!help[$3] || type[$3]) { print "bad TYPE: " $0; bad = 1 }
            type[$3] = 1; next }
        /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? [-+]?([0-9.]+(e[-+]?[0-9]+)?|Inf)$/ {
            name = $0; sub(/[{ ].*/, "", name); base = name
            sub(/_(bucket|sum|count)$/, "", base)
            if (!type[name] && !type[base]) { print "no TYPE: " $0; bad = 1 }
            next }
        { print "bad line: " $0; bad = 1 }
        END { exit bad }' "$1"
    assert_success
}

@test "--stats writes one JSON object on stderr whose counts add up, per host too" {
    local i
    for i in 1 2 3 4 5 6; do
        echo "{\"id\":$i,\"base\":\"$MOCK_URL\",\"s\":\"503,200\"}"
    done >"$IN"
    for i in 7 8 9 10; do
        echo "{\"id\":$i,\"base\":\"$MOCK2_URL\",\"s\":\"404\"}"
    done >>"$IN"
    # 1..6 fail once with 503 and then succeed; 7..10 fail with 404, which is not retried.
    enrich_stdin "$IN" -1 -- --stats -r 2 --retry-delay 10ms \
        --url "{+base}/s/{id}?key=$K-{id}&seq={+s}&body=1"
    assert_equal "${#lines[@]}" 10
    local stats=${stderr_lines[-1]} out_bytes
    out_bytes=$(printf '%s\n' "${lines[@]}" | wc -c)
    run -0 jq -c '[.records.read, .records.ok, .records.failed, .records.unfinished,
        .records.written, .records.dropped, .records.failed_by_kind.http]' <<<"$stats"
    assert_output '[10,6,4,0,10,0,4]'
    run -0 jq -c '[.requests, .retries, .latency_ms.count]' <<<"$stats"
    assert_output '[16,6,16]'
    assert_equal "$(mock_requests)" 12
    assert_equal "$(mock_requests mock2)" 4
    run -0 jq -c --arg a "http://127.0.0.1:$MOCK_PORT" --arg b "http://127.0.0.1:$MOCK2_PORT" \
        '[.hosts[$a].requests, .hosts[$a].failed, .hosts[$b].requests, .hosts[$b].failed,
          (.hosts | length)]' <<<"$stats"
    assert_output '[12,6,4,4,2]'
    # Output bytes are the output's; records/s and latencies are there and sane.
    run -0 jq -r '.bytes.out' <<<"$stats"
    assert_output "$out_bytes"
    run -0 jq -r '(.bytes.in > 0) and (.records_per_second > 0) and (.wall_seconds > 0)
        and (.latency_ms.p50 <= .latency_ms.p99) and (.latency_ms.p99 <= .latency_ms.max)' <<<"$stats"
    assert_output true
}

@test "--on-error drop counts dropped records, not written ones" {
    records 3 "$IN"
    enrich_stdin "$IN" -1 -- --stats --on-error drop --url "$MOCK_URL/d/{id}?status=500"
    run -0 jq -c '[.records.read, .records.failed, .records.written, .records.dropped]' \
        <<<"${stderr_lines[-1]}"
    assert_output '[3,3,0,3]'
}

@test "--stats-format prometheus on stderr passes Prometheus' checker" {
    records 5 "$IN"
    enrich_stdin "$IN" -0 -- --stats --stats-format prometheus --url "$MOCK_URL/p/{id}?body=1"
    printf '%s\n' "${stderr_lines[@]}" >"$BATS_TEST_TMPDIR/metrics"
    check_metrics "$BATS_TEST_TMPDIR/metrics"
    run -0 grep -c '^# TYPE enrich_' "$BATS_TEST_TMPDIR/metrics"
    run -0 grep -x 'enrich_records_ok_total 5' "$BATS_TEST_TMPDIR/metrics"
    run -0 grep -x 'enrich_request_duration_seconds_count 5' "$BATS_TEST_TMPDIR/metrics"
    run -0 grep -x 'enrich_request_duration_seconds_bucket{le="+Inf"} 5' "$BATS_TEST_TMPDIR/metrics"
    run -0 grep -x 'enrich_records_failed_total{kind="timeout"} 0' "$BATS_TEST_TMPDIR/metrics"
    run -0 grep -x "enrich_host_requests_total{host=\"http://127.0.0.1:$MOCK_PORT\"} 5" \
        "$BATS_TEST_TMPDIR/metrics"
}

@test "--stats=FILE replaces FILE atomically: readers see the old or the whole new one" {
    local dir=$BATS_TEST_TMPDIR/textfile
    mkdir "$dir"
    echo old >"$dir/enrich.prom"
    local inode
    inode=$(stat -c %i "$dir/enrich.prom")
    records 4 "$IN"
    "$ENRICH" --stats="$dir/enrich.prom" --stats-format prometheus -c 1 \
        --url "$MOCK_URL/a/{id}?delay=100&body=1" <"$IN" >/dev/null 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    ENRICH_PID=$!
    local seen bad=""
    while _proc_alive "$ENRICH_PID"; do
        seen=$(cat "$dir/enrich.prom")
        [[ $seen == old || $seen == *$'\n'enrich_last_run_timestamp_seconds\ * ]] || bad=$seen
    done
    wait_exit "$ENRICH_PID"
    assert_equal "$status" 0
    assert_equal "$bad" ""
    assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
    [[ $(stat -c %i "$dir/enrich.prom") != "$inode" ]] || fail "FILE was rewritten in place"
    run -0 ls -A "$dir"
    assert_output enrich.prom
    check_metrics "$dir/enrich.prom"
    run -0 grep -x 'enrich_records_read_total 4' "$dir/enrich.prom"
}

@test "--stats=FILE in JSON, and a FILE that cannot be written fails the run with 3" {
    records 2 "$IN"
    enrich_stdin "$IN" -0 -- --stats="$BATS_TEST_TMPDIR/s.json" --url "$MOCK_URL/j/{id}?body=1"
    assert_equal "$stderr" ""
    run -0 jq -c '[.records.read, .records.ok]' "$BATS_TEST_TMPDIR/s.json"
    assert_output '[2,2]'
    enrich_stdin "$IN" -3 -- --stats="$BATS_TEST_TMPDIR/no/such/dir/s.json" \
        --url "$MOCK_URL/j/{id}?body=1"
    assert_regex "$stderr" '^enrich: --stats: .*no/such/dir/s.json: No such file or directory$'
    assert_equal "${#lines[@]}" 2
}

@test "no stats on a usage error" {
    records 1 "$IN"
    enrich_stdin "$IN" -2 -- --stats="$BATS_TEST_TMPDIR/s.json" --url "$MOCK_URL/{id"
    [[ ! -e $BATS_TEST_TMPDIR/s.json ]] || fail "stats written after a usage error"
    enrich_stdin "$IN" -2 -- --stats-format yaml --url "$MOCK_URL/{id}"
    assert_regex "$stderr" "--stats-format: expected json or prometheus, got 'yaml'"
    enrich_stdin "$IN" -2 -- --progress=sometimes --url "$MOCK_URL/{id}"
    assert_regex "$stderr" "--progress: expected nothing or =always, got 'sometimes'"
}

# start_on_fifo ARGS...: enrich in the background reading the fifo $FIFO, which fd 7
# holds open for writing, so input never ends on its own.
start_on_fifo() {
    FIFO=$BATS_TEST_TMPDIR/fifo
    mkfifo "$FIFO"
    "$ENRICH" "$@" <"$FIFO" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    ENRICH_PID=$!
    exec 7>"$FIFO"
}

# wait_requests N: until the mock has seen N requests.
wait_requests() {
    local i
    for ((i = 0; i < 500; i++)); do
        (($(mock_requests) >= $1)) && return 0
        sleep 0.02
    done
    fail "the mock saw $(mock_requests) requests, not $1"
}

@test "stats are written when a signal stops the run (130), and after a second one aborts it (143)" {
    start_on_fifo --stats="$BATS_TEST_TMPDIR/s.json" --url "$MOCK_URL/i/{id}?delay=800&body=1"
    printf '{"id":1}\n{"id":2}\n' >&7
    wait_requests 2
    kill -INT "$ENRICH_PID"
    wait_exit "$ENRICH_PID"
    exec 7>&-
    assert_equal "$status" 130
    run -0 jq -c '[.records.read, .records.ok, .records.written]' "$BATS_TEST_TMPDIR/s.json"
    assert_output '[2,2,2]'

    rm -f "$FIFO" "$BATS_TEST_TMPDIR/s.json"
    mock_log_reset
    start_on_fifo --stats="$BATS_TEST_TMPDIR/s.json" --url "$MOCK_URL/i/{id}?delay=5000&body=1"
    printf '{"id":1}\n{"id":2}\n' >&7
    wait_requests 2
    kill -TERM "$ENRICH_PID"
    sleep 0.2
    kill -TERM "$ENRICH_PID"
    wait_exit "$ENRICH_PID"
    exec 7>&-
    assert_equal "$status" 143
    run -0 jq -c '[.records.read, .records.ok, .records.failed, .records.written, .requests]' \
        "$BATS_TEST_TMPDIR/s.json"
    assert_output '[2,0,2,0,2]'
}

@test "no status line when stderr is not a terminal" {
    records 3 "$IN"
    enrich_stdin "$IN" -0 -- --progress --url "$MOCK_URL/n/{id}?delay=300&body=1"
    assert_equal "$stderr" ""
    assert_equal "${#lines[@]}" 3
}

@test "--progress=always draws even to a file, and erases the line at the end" {
    records 3 "$IN"
    "$ENRICH" --progress=always -c 1 --url "$MOCK_URL/w/{id}?delay=300&body=1" <"$IN" \
        >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&-
    run -0 cat -v "$BATS_TEST_TMPDIR/err"
    assert_output --regexp '\^M\^\[\[K[0-9]+ read  [0-9]+ written  [0-9.]+/s  [01] in flight  0 failed  0 retries  p50 '
    assert_output --regexp '\^M\^\[\[K$'
    run -0 wc -l <"$BATS_TEST_TMPDIR/out"
    assert_output 3
}

# pane: what the tmux pane shows now, trailing blank lines dropped.
pane() {
    tmux -L "$TMUX_SOCKET" capture-pane -p -t enrich | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

@test "--progress shows a status line on a terminal while it runs and leaves none behind" {
    command -v tmux >/dev/null || skip "tmux is not installed"
    local i
    for i in $(seq 1 12); do
        if ((i == 5)); then
            echo "{\"id\":$i,\"q\":\"status=500\"}"
        else
            echo "{\"id\":$i,\"q\":\"delay=250\"}"
        fi
    done >"$IN"
    TMUX_SOCKET=enrich-test-$$-$BATS_TEST_NUMBER
    # Output and messages go to the same terminal as the status line.
    TERM=xterm tmux -L "$TMUX_SOCKET" -f /dev/null new-session -d -s enrich -x 160 -y 40 \
        "$(printf '%q ' "$ENRICH" --progress -c 2 --url "$MOCK_URL/t/{id}?{+q}&body=1") <$IN; echo exit=\$?; sleep 60" 3>&-
    local seen=""
    for ((i = 0; i < 300; i++)); do
        if pane | grep -Eq '[0-9]+ read  [0-9]+ written  .* in flight  .* p50 .* p99 '; then
            seen=1
            break
        fi
        sleep 0.05
    done
    [[ -n $seen ]] || fail "no status line seen; the pane: $(pane)"
    for ((i = 0; i < 600; i++)); do
        pane | grep -q '^exit=' && break
        sleep 0.05
    done
    run pane
    assert_line 'exit=1'
    refute_output --regexp 'read .*written'
    # The message was not garbled by the status line.
    assert_line 'enrich: <stdin>:5: http: HTTP 500'
    local want
    want=$(for i in $(seq 1 12); do
        ((i == 5)) && echo "{\"id\":5,\"q\":\"status=500\",\"error\":{\"kind\":\"http\",\"status\":500,\"message\":\"HTTP 500\",\"attempts\":1,\"body\":1}}" && continue
        echo "{\"id\":$i,\"q\":\"delay=250\",\"response\":1}"
    done)
    run -0 grep -v -e '^exit=' -e '^enrich: ' <<<"$(pane)"
    assert_output "$want"
}

#!/usr/bin/env bats
# Resources a run holds: memory for response bodies, file descriptors for connections.

load helpers/common

setup_file() {
    mock_start
}

teardown_file() {
    mock_stop
}

setup() {
    mock_log_reset
    IN=$BATS_TEST_TMPDIR/in.ndjson
    ENRICH_PID=
}

teardown() {
    kill_background_enrich
}

# peak_rss_kb ARGS...: run enrich with ARGS on $IN and print its peak RSS in KiB; its output
# goes to $BATS_TEST_TMPDIR/out and its exit status to $BATS_TEST_TMPDIR/status.
peak_rss_kb() {
    local rc=0
    /usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" \
        timeout "$ENRICH_TEST_TIMEOUT" "$ENRICH" "$@" "$IN" >"$BATS_TEST_TMPDIR/out" \
        2>/dev/null || rc=$?
    echo "$rc" >"$BATS_TEST_TMPDIR/status"
    # time puts a "Command exited with non-zero status" line before the number.
    tail -n 1 "$BATS_TEST_TMPDIR/rss"
}

@test "records each fed an endless body at once hold at most about capacity x the limit" {
    # ASan keeps freed memory in quarantine, so only the plain build measures.
    [[ $ENRICH != *asan* ]] || skip "peak memory is not meaningful under AddressSanitizer"
    [[ -x /usr/bin/time ]] || skip "/usr/bin/time is not installed"
    records 4 "$IN"
    local small huge
    small=$(peak_rss_kb -c 4 --max-response-size 1M -u "$MOCK_URL/small/{id}?big=100")
    huge=$(peak_rss_kb -c 4 --max-response-size 1M \
        -u "$MOCK_URL/huge/{id}?big=2000000000&chunked=1")
    echo "# peak RSS: ${small} KiB with 100-byte bodies, ${huge} KiB with 2 GB ones"
    assert_equal "$(<"$BATS_TEST_TMPDIR/status")" 1
    run -0 jq -r '.error.message' "$BATS_TEST_TMPDIR/out"
    assert_output "$(printf 'response body over 1048576 bytes\n%.0s' 1 2 3 4)"
    # Each body buffer may reach 2 MiB (it grows by doubling); 8 MiB more is slack.
    ((huge < small + 4 * 2048 + 8192)) || fail "peak ${huge} KiB, ${small} KiB with small bodies"
}

# limited N HARD ARGS...: run enrich ARGS on $IN with the soft open-file limit N and the
# hard limit HARD, as `ulimit -Sn N; ulimit -Hn HARD` would leave them.
limited() {
    local soft=$1 hard=$2
    shift 2
    run --separate-stderr timeout -k 5 "$ENRICH_TEST_TIMEOUT" bash -c \
        'ulimit -Sn "$1" && ulimit -Hn "$2" && shift 2 && exec "$@"' \
        _ "$soft" "$hard" "$ENRICH" "$@" "$IN"
    _log_run "ulimit -Sn $soft -Hn $hard:" "$ENRICH" "$@" "$IN"
}

# all_enriched: every line of $output has the response its id asked for.
all_enriched() {
    run -0 jq -r 'select(.response != .id) | .id' <<<"$output"
    assert_output ""
}

@test "-c 500 under an open-file limit of 64: connections are bounded, every record succeeds" {
    records 500 "$IN"
    limited 64 64 -c 500 -u "$MOCK_URL/fd/{id}?body={id}&delay=50"
    assert_equal "$status" 0
    assert_equal "${#lines[@]}" 500
    all_enriched
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" '^enrich: --capacity 500 is more than the open-file limit of 64 allows \([0-9]+ open already\): at most [0-9]+ connections at once, other requests wait for one$'
}

# connections_used: how many connections mockd saw.
connections_used() {
    cut -d' ' -f2 "$MOCK_LOG" | sort -u | wc -l
}

@test "--max-connections under the open-file bound is the bound, and needs no word" {
    records 500 "$IN"
    limited 64 64 -c 500 --max-connections 4 -u "$MOCK_URL/fd/{id}?body={id}&delay=20"
    assert_equal "$status" 0
    assert_equal "${#lines[@]}" 500
    all_enriched
    assert_equal "$stderr" ""
    run -0 connections_used
    ((output <= 4)) || fail "$output connections under --max-connections 4"
}

@test "--max-connections over the open-file bound: the open-file bound wins, and says so" {
    records 500 "$IN"
    limited 64 64 -c 500 --max-connections 1000 -u "$MOCK_URL/fd/{id}?body={id}&delay=20"
    assert_equal "$status" 0
    assert_equal "${#lines[@]}" 500
    all_enriched
    assert_regex "$stderr" '^enrich: --capacity 500 is more than the open-file limit of 64 allows \([0-9]+ open already\): at most [0-9]+ connections at once, other requests wait for one$'
    local bound
    bound=$(sed -E 's/.*at most ([0-9]+) connections.*/\1/' <<<"$stderr")
    run -0 connections_used
    ((output <= bound)) || fail "$output connections, over the bound of $bound"
}

@test "the soft open-file limit is raised to the hard one: -c 500 needs no bound under 64:4096" {
    local hard
    hard=$(ulimit -Hn)
    [[ $hard == unlimited ]] || ((hard >= 4096)) || skip "the hard open-file limit is $hard"
    records 500 "$IN"
    limited 64 4096 -c 500 -u "$MOCK_URL/fd/{id}?body={id}&delay=50"
    assert_equal "$status" 0
    assert_equal "${#lines[@]}" 500
    all_enriched
    assert_equal "$stderr" ""
}

@test "descriptors inherited from the parent are left out of the bound" {
    records 200 "$IN"
    # 40 descriptors the shell leaves open, as a careless parent might.
    run --separate-stderr timeout -k 5 "$ENRICH_TEST_TIMEOUT" bash -c \
        'ulimit -Sn 64 && ulimit -Hn 64 && for fd in {20..59}; do eval "exec $fd</dev/null"; done &&
         exec "$@"' _ "$ENRICH" -c 200 -u "$MOCK_URL/fd/{id}?body={id}&delay=50" "$IN"
    _log_run "$ENRICH" -c 200 "(64 open files, 40 inherited)"
    assert_equal "$status" 0
    assert_equal "${#lines[@]}" 200
    all_enriched
    assert_regex "$stderr" '^enrich: --capacity 200 is more than the open-file limit of 64 allows \(4[0-9] open already\): at most [0-9] connections at once'
}

@test "descriptors that run out all the same fail as kind resource, 'out of file descriptors', not connect" {
    command -v prlimit >/dev/null || skip "prlimit is not installed"
    local in=$BATS_TEST_TMPDIR/in.fifo out=$BATS_TEST_TMPDIR/out line i
    mkfifo "$in"
    "$ENRICH" --line-buffered -c 50 -u "$MOCK_URL/fd/{id}?body={id}&delay=200" <"$in" \
        >"$out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    ENRICH_PID=$!
    exec {win}>"$in"
    # One record through shows enrich running, its connection bound computed.
    printf '{"id":0}\n' >&"$win"
    for ((i = 0; i < 500; i++)); do
        [[ -s $out ]] && break
        sleep 0.02
    done
    [[ -s $out ]] || fail "the first record was not written"
    # Then, as if other files had taken them, no descriptor is left for a new connection.
    local open
    open=$(ls "/proc/$ENRICH_PID/fd" | wc -l)
    prlimit --pid "$ENRICH_PID" --nofile="$open:$open"
    for ((i = 1; i <= 20; i++)); do
        printf '{"id":%d}\n' "$i"
    done >&"$win"
    exec {win}>&-
    wait_exit "$ENRICH_PID"
    assert_equal "$status" 1
    # A record may still find a connection (the first one's, kept alive); the others fail.
        local said='^enrich: <stdin>:[0-9]+: resource: out of file descriptors: no socket for a connection \(Too many open files\)$'
    run grep -Evc "$said" "$BATS_TEST_TMPDIR/err"
    assert_output 0
    run -0 grep -Ec "$said" "$BATS_TEST_TMPDIR/err"
    ((output >= 10)) || fail "only $output of 20 records ran out of descriptors"
}

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

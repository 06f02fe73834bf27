#!/usr/bin/env bats
# What a response turns into: the body size limit, the Content-Type rule, and responses
# libcurl refuses (headers too large).

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
    input '{"id":1}'
}

# response_length: the length of the string inserted at .response in $output.
response_length() {
    jq -r '.response | length' <<<"$output"
}

# ---- --max-response-size ---------------------------------------------------

@test "a body exactly --max-response-size long is inserted, with or without Content-Length" {
    local q
    for q in 'big=1048576' 'big=1048576&chunked=1'; do
        enrich_stdin "$IN" -0 -- --max-response-size 1M -u "$MOCK_URL/lim?$q"
        assert_equal "$(response_length)" 1048574
        assert_equal "$stderr" ""
    done
}

@test "a body one byte under the limit is inserted" {
    enrich_stdin "$IN" -0 -- --max-response-size 1M -u "$MOCK_URL/lim?big=1048575&chunked=1"
    assert_equal "$(response_length)" 1048573
}

@test "a chunked body one byte over the limit fails the record as bad_response" {
    enrich_stdin "$IN" -1 -- --max-response-size 1M -u "$MOCK_URL/lim?big=1048577&chunked=1"
    run -0 jq -c '.error | [.kind, .status, .message]' <<<"$output"
    assert_output '["bad_response",200,"response body over 1048576 bytes"]'
    assert_equal "$stderr" "enrich: <stdin>:1: bad_response: response body over 1048576 bytes"
}

@test "a Content-Length over the limit fails the record before any of the body is read" {
    # The head comes at once, the body a minute later: only a check of the head itself can
    # end this record before its 20 s deadline.
    enrich_stdin "$IN" -1 -- --max-response-size 1M -t 20s \
        -u "$MOCK_URL/cl?big=2000000000&bodydelay=60000"
    run -0 jq -r '.error | "\(.kind): \(.message)"' <<<"$output"
    assert_output 'bad_response: response body over 1048576 bytes (said by its Content-Length)'
}

@test "the default limit is 64 MiB" {
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/def?big=67108865&bodydelay=60000" -t 20s
    run -0 jq -r '.error.message' <<<"$output"
    assert_output 'response body over 67108864 bytes (said by its Content-Length)'
}

@test "--max-response-size takes a byte count or a K, M or G suffix and refuses the rest" {
    enrich_stdin "$IN" -1 -- --max-response-size 100 -u "$MOCK_URL/n?big=101"
    run -0 jq -r '.error.message' <<<"$output"
    assert_output 'response body over 100 bytes (said by its Content-Length)'
    enrich_stdin "$IN" -1 -- --max-response-size 2k -u "$MOCK_URL/n?big=2049"
    run -0 jq -r '.error.message' <<<"$output"
    assert_output 'response body over 2048 bytes (said by its Content-Length)'
    local bad
    for bad in 0 -1 1x 1MB ''; do
        enrich_stdin "$IN" -2 -- --max-response-size "$bad" -u "$MOCK_URL/n"
        assert_regex "${stderr_lines[0]}" "^enrich: --max-response-size: "
    done
}

#!/usr/bin/env bats
# What a response turns into: the body size limit, the Content-Type rule, and responses
# libcurl refuses (headers too large).

load helpers/common

setup_file() {
    mock_start
    nginx_start
    # The test nginx serves every file as application/json (its default_type), as
    # Debian's mime.types does for .json.
    printf '{"zip": "02134"}\n' >"$NGINX_ROOT/good.json"
    printf '<html>oops</html>\n' >"$NGINX_ROOT/bad.json"
}

teardown_file() {
    mock_stop
    nginx_stop
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

@test "a status not in --ok with a body over the limit is still an http failure" {
    local q
    for q in 'big=2000000&status=503' 'big=2000000&chunked=1&status=503'; do
        enrich_stdin "$IN" -1 -- --max-response-size 1M -u "$MOCK_URL/st?$q"
        run -0 jq -c '.error | [.kind, .status, .message]' <<<"$output"
        assert_output '["http",503,"HTTP 503"]'
    done
}

@test "a HEAD response's Content-Length over the limit is no failure: it has no body" {
    enrich_stdin "$IN" -0 -- -X HEAD --max-response-size 1M -u "$MOCK_URL/head?big=2000000"
    assert_output '{"id":1,"response":null}'
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

# ---- Content-Type ------------------------------------------------------------

# inserted BODY TYPE: sets output to the text inserted for a mock response with body BODY
# (percent-encoded) and Content-Type TYPE (percent-encoded; empty: no Content-Type). Not
# through jq, which would rewrite numbers.
inserted() {
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/ct?body=$1&type=$2"
    [[ $output == '{"id":1,"response":'*'}' ]] || fail "unexpected output: $output"
    output=${output#'{"id":1,"response":'}
    output=${output%'}'}
}

@test "a text/plain body goes in as a string whatever it looks like" {
    inserted '%2202134%22' text/plain
    assert_output '"\"02134\""'
    inserted 10001 text/plain
    assert_output '"10001"'
    inserted true text/plain
    assert_output '"true"'
    inserted '%7B%22a%22%3A1%7D' 'text/html;%20charset=utf-8'
    assert_output '"{\"a\":1}"'
}

@test "application/json, any +json type, parameters and any case are parsed as JSON" {
    local type
    for type in application/json 'application/json;%20charset=utf-8' 'APPLICATION/Json' \
        'application/problem%2Bjson' 'application/vnd.api%2Bjson;%20ext=x'; do
        inserted '%7B%22n%22%3A%201.000%7D' "$type"
        assert_output '{"n":1.000}'
    done
    inserted 10001 application/json
    assert_output 10001
}

@test "a body without a Content-Type is parsed as JSON when it is JSON, else a string" {
    inserted 10001 ''
    assert_output 10001
    inserted 'hello' ''
    assert_output '"hello"'
}

@test "invalid JSON under a JSON Content-Type fails the record as bad_response" {
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/ct?body=%7B%22a%22%3A&type=application/json"
    run -0 jq -c '.error | [.kind, .status, .message]' <<<"$output"
    assert_output '["bad_response",200,"response body is not valid JSON (error near byte 5), though its Content-Type says JSON"]'
    assert_equal "$stderr" "enrich: <stdin>:1: bad_response: response body is not valid JSON (error near byte 5), though its Content-Type says JSON"
    # The mock's broken-JSON fault, served as JSON.
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/ct?fault=badjson&type=application/json"
    run -0 jq -r .error.kind <<<"$output"
    assert_output bad_response
}

@test "under a JSON Content-Type, invalid UTF-8 is bad_response; a lone surrogate escape is JSON" {
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/ct?body=%22a%C0%AFb%22&type=application/json"
    run -0 jq -r .error.message <<<"$output"
    assert_output 'response body is not valid JSON (not UTF-8), though its Content-Type says JSON'
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/ct?body=%22%5Cud800%22&type=application/json"
    assert_output '{"id":1,"response":"\ud800"}'
}

@test "an empty body is null whatever the Content-Type" {
    local type
    for type in application/json text/plain ''; do
        enrich_stdin "$IN" -0 -- -u "$MOCK_URL/ct?empty=1&type=$type"
        assert_output '{"id":1,"response":null}'
    done
}

@test "nginx: a .json file goes in as JSON, and one that is not JSON fails as bad_response" {
    input '{"f":"good"}' '{"f":"bad"}'
    enrich_stdin "$IN" -1 -- -u "$NGINX_URL/{f}.json"
    assert_equal "${lines[0]}" '{"f":"good","response":{"zip":"02134"}}'
    run -0 jq -c '.error | [.kind, .status]' <<<"${lines[1]}"
    assert_output '["bad_response",200]'
}

# ---- headers libcurl refuses -------------------------------------------------

@test "a 1 MB response header fails as bad_response saying the header is too large" {
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/h?bighdr=1000000&body=1"
    run -0 jq -c '.error | [.kind, .status, .message]' <<<"$output"
    assert_output '["bad_response",200,"response header too large: a header line reached libcurl'"'"'s limit of 102400 bytes"]'
    assert_regex "$stderr" '^enrich: <stdin>:1: bad_response: response header too large: '
}

@test "a header line just under libcurl's limit is accepted" {
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/h?bighdr=102399&body=1"
    assert_output '{"id":1,"response":1}'
}

@test "a header too large after a redirect is reported the same way" {
    enrich_stdin "$IN" -1 -- -L \
        -u "$MOCK_URL/r?status=302&header=Location:/h%3Fbighdr=200000%26body=1"
    run -0 jq -r '.error.message' <<<"$output"
    assert_output "response header too large: a header line reached libcurl's limit of 102400 bytes"
}

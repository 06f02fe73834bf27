#!/usr/bin/env bats
# Shaping a response: --select keeps one path of it, --merge spreads an object over the
# record's top level, --meta adds status, attempts and time; and an http failure's error
# object carries what the server said. Exact output is compared as text, not through jq,
# which would rewrite numbers.

load helpers/common

setup_file() {
    mock_start
    nginx_start
    # The test nginx serves every file as application/json.
    printf '{"data": {"user": {"id": 12345678901234567890123, "score": 1.000},\n "tags": ["a", "b"]}}\n' \
        >"$NGINX_ROOT/user.json"
}

teardown_file() {
    mock_stop
    nginx_stop
}

setup() {
    mock_log_reset
    IN=$BATS_TEST_TMPDIR/in.ndjson
    echo '{"id":1}' >"$IN"
}

# url_json JSON: JSON percent-encoded for the mock's body= parameter.
url_json() {
    jq -rn --arg v "$1" '$v | @uri'
}

# ---- --select ----------------------------------------------------------------

@test "--select keeps one path of the response, nested at --into, numbers as written" {
    enrich_stdin "$IN" -0 -- --select data.user --into a.b -u "$NGINX_URL/user.json"
    assert_output '{"id":1,"a":{"b":{"id":12345678901234567890123,"score":1.000}}}'
    assert_equal "$stderr" ""
}

@test "--select indexes arrays and selects scalars" {
    enrich_stdin "$IN" -0 -- --select data.tags.1 -u "$NGINX_URL/user.json"
    assert_output '{"id":1,"response":"b"}'
    enrich_stdin "$IN" -0 -- --select data.user.id -u "$NGINX_URL/user.json"
    assert_output '{"id":1,"response":12345678901234567890123}'
}

@test "a --select path whose value is null is not absent: null is inserted" {
    enrich_stdin "$IN" -0 -- --select a.b -u "$MOCK_URL/s?body=$(url_json '{"a":{"b":null}}')"
    assert_output '{"id":1,"response":null}'
}

@test "an absent --select path fails the record as bad_response" {
    enrich_stdin "$IN" -1 -- --select data.user -u "$MOCK_URL/s?body=$(url_json '{"data":{}}')"
    assert_output '{"id":1,"error":{"kind":"bad_response","status":200,"message":"--select path '\''data.user'\'' is absent from the response","attempts":1}}'
    assert_equal "$stderr" "enrich: <stdin>:1: bad_response: --select path 'data.user' is absent from the response"
    # An index past the end, or into an object, is absent too.
    enrich_stdin "$IN" -1 -- --select data.tags.2 -u "$NGINX_URL/user.json"
    assert_regex "$output" '"kind":"bad_response",.*is absent from the response'
    enrich_stdin "$IN" -1 -- --select data.user.0 -u "$NGINX_URL/user.json"
    assert_regex "$output" '"kind":"bad_response",.*is absent from the response'
}

@test "--select on a body that is not JSON fails as bad_response" {
    enrich_stdin "$IN" -1 -- --select a -u "$MOCK_URL/s?body=hello"
    run -0 jq -c '.error | [.kind, .status, .message]' <<<"$output"
    assert_output '["bad_response",200,"--select needs a JSON response, got text (error near byte 1)"]'
    enrich_stdin "$IN" -1 -- --select a -u "$MOCK_URL/s?body=$(url_json '{"a":1}')&type=text/plain"
    run -0 jq -c '.error | [.kind, .message]' <<<"$output"
    assert_output '["bad_response","--select needs a JSON response, got Content-Type text/plain"]'
    # An empty body has no path at all.
    enrich_stdin "$IN" -1 -- --select a -u "$MOCK_URL/s?empty=1"
    run -0 jq -r '.error.message' <<<"$output"
    assert_output "--select path 'a' is absent from the response"
}

@test "an absent --select path is retried with --retry-on empty" {
    # The first attempt gets a 204 (no body), the second the mock's echo, which has .attempt.
    enrich_stdin "$IN" -0 -- --select attempt --retry-on empty -r 2 --retry-delay 10ms \
        -u "$MOCK_URL/r?seq=204,200&key=a"
    assert_output '{"id":1,"response":2}'
    assert_equal "$(mock_requests)" 2
    assert_equal "$stderr" ""
}

@test "an absent --select path stays a bad_response failure when the retries run out" {
    enrich_stdin "$IN" -1 -- --select attempt --retry-on empty -r 2 --retry-delay 10ms \
        -u "$MOCK_URL/r?status=204&key=b"
    assert_output '{"id":1,"error":{"kind":"bad_response","status":204,"message":"--select path '\''attempt'\'' is absent from the response","attempts":3}}'
    assert_equal "$(mock_requests)" 3
    assert_equal "$stderr" "enrich: <stdin>:1: bad_response: --select path 'attempt' is absent from the response (after 3 attempts)"
}

@test "an absent --select path is not retried without empty in --retry-on" {
    enrich_stdin "$IN" -1 -- --select attempt -r 2 --retry-delay 10ms -u "$MOCK_URL/r?status=204"
    assert_equal "$(mock_requests)" 1
    run -0 jq -c '[.error.kind, .error.attempts]' <<<"$output"
    assert_output '["bad_response",1]'
}

@test "--select takes a dotted path; an empty component is a usage error" {
    local bad
    for bad in '' . a. .a 'a..b'; do
        enrich_stdin "$IN" -2 -- --select "$bad" -u "$MOCK_URL/s"
        assert_regex "${stderr_lines[0]}" "^enrich: --select: not a valid path: "
    done
    assert_equal "$(mock_requests)" 0
}

# ---- --merge -----------------------------------------------------------------

@test "--merge replaces members in place and appends new ones, the record's bytes kept" {
    printf '%s\n' '{"id":1, "name" : "old" ,"n":1.000,"name":"dup", "x":[1, 2]}' >"$IN"
    local body='{"name": "new", "extra": 12345678901234567890, "x": {"k": 1.50}}'
    enrich_stdin "$IN" -0 -- --merge -u "$MOCK_URL/m?body=$(url_json "$body")"
    assert_output '{"id":1, "name" : "old" ,"n":1.000,"name":"new", "x":{"k":1.50},"extra":12345678901234567890}'
}

@test "--merge into an empty record, and of an empty object" {
    echo '{}' >"$IN"
    enrich_stdin "$IN" -0 -- --merge -u "$MOCK_URL/m?body=$(url_json '{"a":1,"b":[true]}')"
    assert_output '{"a":1,"b":[true]}'
    echo '{"id":1}' >"$IN"
    enrich_stdin "$IN" -0 -- --merge -u "$MOCK_URL/m?body=%7B%7D"
    assert_output '{"id":1}'
}

@test "--merge with --select merges the selected object" {
    enrich_stdin "$IN" -0 -- --merge --select data.user -u "$NGINX_URL/user.json"
    assert_output '{"id":12345678901234567890123,"score":1.000}'
}

@test "--merge of a result that is not an object fails the record as bad_response" {
    local body
    for body in '%5B1%5D' '%22s%22' 'hello' 'null'; do
        enrich_stdin "$IN" -1 -- --merge -u "$MOCK_URL/m?body=$body"
        run -0 jq -r '.error | "\(.kind): \(.message)"' <<<"$output"
        assert_regex "$output" '^bad_response: --merge needs an object result, got (an array|a string|null)$'
    done
    enrich_stdin "$IN" -1 -- --merge -u "$MOCK_URL/m?empty=1"
    run -0 jq -r '.error.message' <<<"$output"
    assert_output '--merge needs an object result, got null'
}

@test "--merge takes no --into" {
    enrich_stdin "$IN" -2 -- --merge --into x -u "$MOCK_URL/m"
    assert_regex "${stderr_lines[0]}" "^enrich: --merge puts the result at the top level: it takes no --into$"
}

# ---- --meta ------------------------------------------------------------------

@test "--meta adds status, attempts and the attempt's ms after the result" {
    enrich_stdin "$IN" -0 -- --meta m -u "$MOCK_URL/x?body=1"
    assert_regex "$output" '^\{"id":1,"response":1,"m":\{"status":200,"attempts":1,"ms":[0-9]+\.[0-9]\}\}$'
    run -0 jq -c '.m | [(.ms | type), .ms >= 0]' <<<"$output"
    assert_output '["number",true]'
}

@test "with --ok 2xx,404, --meta shows which status each record got" {
    printf '%s\n' '{"s":404}' '{"s":200}' '{"s":201}' >"$IN"
    enrich_stdin "$IN" -0 -- --ok 2xx,404 --meta meta.http -u "$MOCK_URL/x?status={s}&empty=1"
    run -0 jq -c '[.s, .meta.http.status, .meta.http.attempts]' <<<"$output"
    assert_output $'[404,404,1]\n[200,200,1]\n[201,201,1]'
    # nginx's own 404.
    enrich_stdin "$IN" -0 -- --ok 2xx,404 --meta meta -u "$NGINX_URL/status/404"
    assert_regex "${lines[0]}" '^\{"s":404,"response":\{"error":"not found"\},"meta":\{"status":404,"attempts":1,"ms":[0-9.]+\}\}$'
}

@test "--meta counts every attempt of a retried record" {
    enrich_stdin "$IN" -0 -- --meta m -r 2 --retry-delay 10ms -u "$MOCK_URL/x?seq=503,500,200&key=m&empty=1"
    run -0 jq -c '[.response, .m.status, .m.attempts]' <<<"$output"
    assert_output '[null,200,3]'
}

@test "a failed record gets no --meta: its error object has the status and attempts" {
    enrich_stdin "$IN" -1 -- --meta m -u "$MOCK_URL/x?status=500&empty=1"
    assert_output '{"id":1,"error":{"kind":"http","status":500,"message":"HTTP 500","attempts":1}}'
}

@test "--meta with --merge goes after the merged members" {
    enrich_stdin "$IN" -0 -- --merge --meta _meta -u "$MOCK_URL/x?body=$(url_json '{"a":1,"_meta":0}')"
    assert_regex "$output" '^\{"id":1,"a":1,"_meta":\{"status":200,"attempts":1,"ms":[0-9.]+\}\}$'
}

@test "--meta through a member that is not an object fails as bad_response" {
    echo '{"id":1,"m":5}' >"$IN"
    enrich_stdin "$IN" -1 -- --meta m.x -u "$MOCK_URL/x?body=1"
    run -0 jq -c '.error | [.kind, .message]' <<<"$output"
    assert_output '["bad_response","cannot add --meta at '\''m.x'\'': a member on the way is not an object"]'
}

@test "--meta overlapping --into is a usage error" {
    local args
    for args in 'response' 'response.x' 'a --into a.b' 'a.b --into a.b'; do
        # shellcheck disable=SC2086
        enrich_stdin "$IN" -2 -- -u "$MOCK_URL/x" --meta $args
        assert_regex "${stderr_lines[0]}" "^enrich: --meta '.*' and --into '.*' overlap"
    done
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/x?body=1" --meta ab --into a
    assert_regex "$output" '^\{"id":1,"a":1,"ab":\{'
}

# ---- an http failure's body ---------------------------------------------------

@test "an http failure's JSON body goes in the error object byte-exact, after attempts" {
    local body='{"error": "busy", "retry_in": 1.50, "id": 12345678901234567890}'
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/f?status=503&type=application/json&body=$(url_json "$body")"
    assert_output '{"id":1,"error":{"kind":"http","status":503,"message":"HTTP 503","attempts":1,"body":{"error":"busy","retry_in":1.50,"id":12345678901234567890}}}'
    # From nginx, too.
    enrich_stdin "$IN" -1 -- -u "$NGINX_URL/status/500"
    assert_output '{"id":1,"error":{"kind":"http","status":500,"message":"HTTP 500","attempts":1,"body":{"error":"internal server error"}}}'
}

@test "an http failure's text body goes in as a string" {
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/f?status=502&type=text/html&body=%3Ch1%3EBad%20gateway%3C/h1%3E%0A"
    assert_output '{"id":1,"error":{"kind":"http","status":502,"message":"HTTP 502","attempts":1,"body":"<h1>Bad gateway</h1>\n"}}'
    # Said to be JSON and is not: still what the server said, as a string.
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/f?status=500&type=application/json&body=%7B%22a%22%3A"
    run -0 jq -c '.error.body' <<<"$output"
    assert_output '"{\"a\":"'
}

@test "an http failure's empty body adds no body member" {
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/f?status=500&empty=1"
    assert_output '{"id":1,"error":{"kind":"http","status":500,"message":"HTTP 500","attempts":1}}'
}

@test "an http failure's body over 4 KiB is cut to a string with body_truncated" {
    # big=N: a JSON string of N bytes, quotes included.
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/f?status=500&big=4096"
    run -0 jq -c '[(.error | keys_unsorted), (.error.body | type), (.error.body | length)]' <<<"$output"
    assert_output '[["kind","status","message","attempts","body"],"string",4094]'
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/f?status=500&big=4097"
    run -0 jq -c '[(.error | keys_unsorted), (.error.body | length), .error.body_truncated,
                   (.error.body | startswith("\"xx"))]' <<<"$output"
    assert_output '[["kind","status","message","attempts","body","body_truncated"],4096,true,true]'
    # A long JSON body becomes a string too: cut JSON is not JSON.
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/f?status=500&big=100000&type=application/json"
    run -0 jq -c '[(.error.body | type), (.error.body | length), .error.body_truncated]' <<<"$output"
    assert_output '["string",4096,true]'
}

@test "a cut body never splits a UTF-8 character" {
    # 4095 bytes of "a", then a 2-byte "é": the cut at 4096 would fall inside it.
    local body
    body=$(printf 'a%.0s' $(seq 4095))%C3%A9%C3%A9
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/f?status=500&type=text/plain&body=$body"
    run -0 jq -c '[(.error.body | length), (.error.body | endswith("a")), .error.body_truncated]' <<<"$output"
    assert_output '[4095,true,true]'
}

@test "an http failure's body is the last attempt's" {
    enrich_stdin "$IN" -1 -- -r 1 --retry-delay 10ms \
        -u "$MOCK_URL/f?seq=503,500&key=last"
    # The mock echoes the request, with the attempt's number, as the body.
    run -0 jq -c '.error | [.status, .attempts, .body.attempt]' <<<"$output"
    assert_output '[500,2,2]'
}

@test "--on-error keep --errors: the failed line is copied as it was, without the body" {
    enrich_stdin "$IN" -1 -- -e "$BATS_TEST_TMPDIR/errors" -u "$MOCK_URL/f?status=500&body=x"
    run -0 cat "$BATS_TEST_TMPDIR/errors"
    assert_output '{"id":1}'
}

#!/usr/bin/env bats
# Request bodies: -d templates (JSON, type-preserving; or text), --data-record, the method
# and Content-Type they imply, Content-Length: 0 without a body, and --dry-run's "body".
# The mock echoes what it got (method, headers, body) as the response.

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

# enrich_stdin, keeping the output lines in $got (the checks below use `run`, which
# replaces $lines).
send() {
    enrich_stdin "$@" || return
    got=("${lines[@]}")
}

# The body the mock got, byte for byte, for output line $1 (default the only one).
sent_body() {
    jq -j '.response.body' <<<"${got[${1:-0}]}"
}

# The value of request header $1 the mock got (case as enrich sent it), or "(none)".
sent_header() {
    jq -r --arg h "$1" '.response.headers | to_entries | map(select(.key | ascii_downcase ==
        ($h | ascii_downcase))) | if length == 0 then "(none)" else .[0].value end' <<<"${got[0]}"
}

sent_method() {
    jq -r '.response.method' <<<"${got[0]}"
}

@test "a JSON body makes the round trip to the server: POST, Content-Type, Content-Length" {
    input '{"id":7}'
    send "$IN" -0 -- -u "$MOCK_URL/b" -d '{"user":"{id}","kind":"lookup"}'
    run -0 sent_body
    assert_output '{"user":7,"kind":"lookup"}'
    run -0 sent_method
    assert_output POST
    run -0 sent_header Content-Type
    assert_output application/json
    run -0 sent_header Content-Length
    assert_output 26
    assert_equal "$(cut -d' ' -f4- "$MOCK_LOG")" 'POST /b'
}

@test "a JSON template keeps big integers, 1.000, nested objects and escaped strings as written" {
    input '{"n":12345678901234567890123,"f":1.000,"o":{"a": [1, 2.50], "b":{"c":null}},"s":"q\"\u00e9\\x","t":true,"z":null}'
    send "$IN" -0 -- -u "$MOCK_URL/b" \
        -d '{"n":"{n}","f":"{f}","o":"{o}","s":"{s}","t":"{t}","z":"{z}","deep":["{o.a.1}"]}'
    run -0 sent_body
    assert_output '{"n":12345678901234567890123,"f":1.000,"o":{"a": [1, 2.50], "b":{"c":null}},"s":"q\"\u00e9\\x","t":true,"z":null,"deep":[2.50]}'
}

@test "{path} inside a longer JSON string is substituted as text and JSON-escaped" {
    input '{"name":"Ann \"A\" \u00e9\\","id":12345678901234567890123,"o":{"k": 1}}'
    send "$IN" -0 -- -u "$MOCK_URL/b" \
        -d '{"greeting":"hi {name}!","ref":"#{id}","obj":"o={o}","{id}":1,"brace":"\u007bname}"}'
    run -0 sent_body
    assert_output '{"greeting":"hi Ann \"A\" é\\!","ref":"#12345678901234567890123","obj":"o={\"k\":1}","12345678901234567890123":1,"brace":"\u007bname}"}'
    # What the server got is still JSON.
    run -0 jq -e . <<<"$(sent_body)"
}

@test "a text template substitutes values raw and is sent as text/plain" {
    input '{"id":1.50,"q":"a b&c","o":{"x": 1}}'
    send "$IN" -0 -- -u "$MOCK_URL/b" -d 'id={id}&q={q} o={o}'
    run -0 sent_body
    assert_output 'id=1.50&q=a b&c o={"x":1}'
    run -0 sent_header Content-Type
    assert_output 'text/plain; charset=utf-8'
}

@test "--data-record sends the record byte for byte: key order, spaces, escapes" {
    local rec='{"z":1,  "a" : "two  spaces\t\u00e9",  "n":1.000, "big":12345678901234567890123}'
    input "$rec"
    send "$IN" -0 -- -u "$MOCK_URL/b" --data-record
    run -0 sent_body
    assert_output "$rec"
    run -0 sent_header Content-Type
    assert_output application/json
    run -0 sent_method
    assert_output POST
}

@test "a Content-Type header of the user's, in any case, replaces the default" {
    input '{"id":1}'
    send "$IN" -0 -- -u "$MOCK_URL/b" -d '{"id":"{id}"}' -H 'content-type: application/vnd.api+json'
    run -0 sent_header Content-Type
    assert_output 'application/vnd.api+json'
    [[ ${got[0]} != *'application/json"'* ]] || fail "two Content-Types: ${got[0]}"
}

@test "-X PUT with -d sends the body with PUT" {
    input '{"id":1,"v":"x"}'
    send "$IN" -0 -- -X PUT -u "$MOCK_URL/items/{id}" -d '{"value":"{v}"}'
    run -0 sent_method
    assert_output PUT
    run -0 sent_body
    assert_output '{"value":"x"}'
    assert_equal "$(cut -d' ' -f4- "$MOCK_LOG")" 'PUT /items/1'
}

@test "-X GET with -d sends a GET with a body" {
    input '{"q":"a"}'
    send "$IN" -0 -- -X GET -u "$MOCK_URL/search" -d '{"query":"{q}"}'
    run -0 sent_method
    assert_output GET
    run -0 sent_body
    assert_output '{"query":"a"}'
}

@test "POST, PUT and PATCH without -d send an empty body with Content-Length: 0 and no Content-Type" {
    local m
    input '{"id":1}'
    for m in POST PUT PATCH; do
        send "$IN" -0 -- -X "$m" -u "$MOCK_URL/e"
        run -0 sent_method
        assert_output "$m"
        run -0 sent_header Content-Length
        assert_output 0
        run -0 sent_header Content-Type
        assert_output '(none)'
    done
}

@test "GET and DELETE without -d send no Content-Length" {
    local m
    input '{"id":1}'
    for m in GET DELETE; do
        send "$IN" -0 -- -X "$m" -u "$MOCK_URL/e"
        run -0 sent_header Content-Length
        assert_output '(none)'
    done
}

@test "a missing body path fails the record as missing_field and sends nothing" {
    input '{"id":1}' '{"id":2,"name":"b"}'
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/b/{id}" -d '{"name":"{name}"}'
    [[ ${lines[0]} == '{"id":1,"error":{"kind":"missing_field","message":"body: missing field '\''name'\''","attempts":0}}' ]] ||
        fail "line 1: ${lines[0]}"
    [[ $stderr == "enrich: <stdin>:1: missing_field: "* ]] || fail "stderr: $stderr"
    assert_equal "$(mock_targets)" /b/2

    mock_log_reset
    input '{"id":1}'
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/b" -d 'name={name}'
    assert_output --partial '"kind":"missing_field"'
    assert_equal "$(mock_requests)" 0
}

@test "--allow-missing makes an absent exact value null and absent text empty" {
    input '{"id":1}'
    send "$IN" -0 -- --allow-missing -u "$MOCK_URL/b" -d '{"name":"{name}","t":"<{name}>"}'
    run -0 sent_body
    assert_output '{"name":null,"t":"<>"}'
}

@test "--dry-run shows a JSON body as the value itself, minified, and its Content-Type" {
    input '{"id":12345678901234567890123,"s":"a\"b"}'
    enrich_stdin "$IN" -0 -- --dry-run -u "$MOCK_URL/b" -d '{
        "id": "{id}",
        "s": "{s}"
    }'
    assert_output "{\"line\":1,\"method\":\"POST\",\"url\":\"$MOCK_URL/b\",\"headers\":[\"Content-Type: application/json\"],\"body\":{\"id\":12345678901234567890123,\"s\":\"a\\\"b\"}}"
    assert_equal "$(mock_requests)" 0
}

@test "--dry-run shows a text body as a string, --data-record as the record, with -X" {
    input '{"id":1, "k" : "v"}'
    enrich_stdin "$IN" -0 -- --dry-run -u "$MOCK_URL/b" -d 'id={id} "q"'
    assert_output "{\"line\":1,\"method\":\"POST\",\"url\":\"$MOCK_URL/b\",\"headers\":[\"Content-Type: text/plain; charset=utf-8\"],\"body\":\"id=1 \\\"q\\\"\"}"
    enrich_stdin "$IN" -0 -- --dry-run -X PATCH -u "$MOCK_URL/b" --data-record
    assert_output "{\"line\":1,\"method\":\"PATCH\",\"url\":\"$MOCK_URL/b\",\"headers\":[\"Content-Type: application/json\"],\"body\":{\"id\":1,\"k\":\"v\"}}"
    assert_equal "$(mock_requests)" 0
}

@test "--dry-run does not redact secrets in the body, only in headers" {
    input '{"tok":"s3cret"}'
    enrich_stdin "$IN" -0 -- --dry-run -u "$MOCK_URL/b" -H 'Authorization: Bearer {tok}' \
        -d '{"token":"{tok}"}'
    assert_output --partial '"Authorization: ***"'
    assert_output --partial '"body":{"token":"s3cret"}'
}

@test "bodies are per record and survive retries" {
    input '{"id":1}' '{"id":2}' '{"id":3}'
    send "$IN" -0 -- -c 2 -r 2 --retry-delay 10ms \
        -u "$MOCK_URL/b/{id}?seq=503,200" -d '{"id":"{id}"}'
    local idx # not i: bats' own functions assign to an i they do not declare local
    for idx in 0 1 2; do
        run -0 sent_body "$idx"
        assert_output "{\"id\":$((idx + 1))}"
        [[ ${got[idx]} == *'"attempt":2'* ]] || fail "line $idx: ${got[idx]}"
    done
}

@test "body options that contradict each other are usage errors" {
    run_enrich -2 -- -u "$MOCK_URL/b" -d '{}' --data-record </dev/null
    [[ $stderr == "enrich: --data and --data-record"* ]] || fail "stderr: $stderr"
    run_enrich -2 -- -u "$MOCK_URL/b" -X HEAD -d '{}' </dev/null
    [[ $stderr == "enrich: --method HEAD sends no body"* ]] || fail "stderr: $stderr"
    run_enrich -2 -- -u "$MOCK_URL/b" -d '{"a":"{a b}"}' </dev/null
    [[ $stderr == "enrich: invalid body template: "* ]] || fail "stderr: $stderr"
    assert_equal "$(mock_requests)" 0
}

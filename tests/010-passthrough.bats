#!/usr/bin/env bats
# Byte-exact passthrough: the record's text and the response's text survive enrichment;
# input handling (files, stdin, CRLF, blank lines, huge lines, bad lines).

load helpers/common

setup_file() {
    mock_start
    nginx_start
    mkdir -p "$NGINX_ROOT/users"
    printf '{"name":"ann"}' >"$NGINX_ROOT/users/1"
    printf '{"name":"bob"}' >"$NGINX_ROOT/users/2"
    printf '{"name":"cy"}' >"$NGINX_ROOT/users/3"
    # Pretty-printed, with numbers a re-serialiser would rewrite.
    cat >"$NGINX_ROOT/users/pretty" <<'EOF'
{
  "price": 1.000,
  "big": 1234567890123456789012345,
  "neg": -0.0,
  "exp": 1E+2,
  "s": "two  spaces\tand \"q\" \u00e9",
  "list": [ 1 ,
            2 ]
}
EOF
}

teardown_file() {
    mock_stop
    nginx_stop
}

setup() {
    mock_log_reset
    IN=$BATS_TEST_TMPDIR/in.ndjson
    URL="$NGINX_URL/users/{id}"
}

@test "record bytes pass through exactly: numbers, escapes, whitespace, key order, duplicates" {
    local rec='{"z":0,"id":1,  "big":12345678901234567890123,"f":1.000,"nz":-0.0,"inf":1e400,"u":"\u00e9\ud83d\ude00","sl":"a\/b\\c" ,	"ws" :  [ 1 ,2 ] ,"dup":1,"a":{},"dup":2,"t":true,"n":null}'
    input "$rec"
    enrich_stdin "$IN" -0 -- -u "$URL"
    assert_output "${rec%\}},\"response\":{\"name\":\"ann\"}}"
    assert_equal "$stderr" ""
}

@test "a pretty-printed JSON response is inserted on one line with its numbers and strings intact" {
    input '{"id":"pretty"}'
    enrich_stdin "$IN" -0 -- -u "$URL"
    assert_equal "${#lines[@]}" 1
    assert_output '{"id":"pretty","response":{"price":1.000,"big":1234567890123456789012345,"neg":-0.0,"exp":1E+2,"s":"two  spaces\tand \"q\" \u00e9","list":[1,2]}}'
}

@test "--into replaces an existing member in place" {
    input '{"a":1,"user":"old","id":1,"b":2}'
    enrich_stdin "$IN" -0 -- -u "$URL" --into user
    assert_output '{"a":1,"user":{"name":"ann"},"id":1,"b":2}'
}

@test "--into with duplicate keys replaces the last one" {
    input '{"user":"first","id":1,"user":"second","b":2}'
    enrich_stdin "$IN" -0 -- -u "$URL" --into user
    assert_output '{"user":"first","id":1,"user":{"name":"ann"},"b":2}'
}

@test "--into a.b follows the last of duplicate a members" {
    input '{"id":1,"a":{"b":"x"},"a":{"c":2,"b":"y","d":3}}'
    enrich_stdin "$IN" -0 -- -u "$URL" --into a.b
    assert_output '{"id":1,"a":{"b":"x"},"a":{"c":2,"b":{"name":"ann"},"d":3}}'
}

@test "--into matches a member whose name is written with escapes" {
    input '{"id":1,"us\u0065r":"old"}'
    enrich_stdin "$IN" -0 -- -u "$URL" --into user
    assert_output '{"id":1,"us\u0065r":{"name":"ann"}}'
}

@test "--into a.b creates the missing intermediate object" {
    input '{"id":1}' '{"id":2,"a":{"c":1}}'
    enrich_stdin "$IN" -0 -- -u "$URL" --into a.b
    assert_line --index 0 '{"id":1,"a":{"b":{"name":"ann"}}}'
    assert_line --index 1 '{"id":2,"a":{"c":1,"b":{"name":"bob"}}}'
    assert_equal "${#lines[@]}" 2
}

@test "--into through a non-object member fails bad_request and sends no request" {
    input '{"id":1,"a":5}'
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/users/{id}" --into a.b
    assert_output --regexp '^\{"id":1,"a":5,"error":\{"kind":"bad_request","message":"[^"]+","attempts":0\}\}$'
    assert_equal "${#lines[@]}" 1
    assert_equal "${#stderr_lines[@]}" 1
    [[ ${stderr_lines[0]} == "enrich: <stdin>:1: bad_request: "* ]] || fail "stderr: $stderr"
    assert_equal "$(mock_requests)" 0
}

@test "a text response is inserted as a JSON string" {
    input '{"id":1}'
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/t?body=hello%20world&type=text/plain"
    assert_output '{"id":1,"response":"hello world"}'
}

@test "a text response with quotes and control characters is escaped as a JSON string" {
    input '{"id":1}'
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/t?body=say%20%22hi%22%09now%5C&type=text/plain"
    assert_output '{"id":1,"response":"say \"hi\"\tnow\\"}'
}

@test "an empty response body is inserted as null" {
    input '{"id":1}'
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/e?empty=1"
    assert_output '{"id":1,"response":null}'
}

@test "CRLF input lines are accepted and written with a plain newline" {
    printf '{"id":1}\r\n{"id":2}\r\n' >"$IN"
    run_enrich -0 -- -u "$URL" -o "$BATS_TEST_TMPDIR/out" "$IN"
    printf '{"id":1,"response":{"name":"ann"}}\n{"id":2,"response":{"name":"bob"}}\n' \
        >"$BATS_TEST_TMPDIR/want"
    run -0 cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/out"
}

@test "blank lines are skipped but counted in the line numbers of messages" {
    printf '\n{"id":1}\n   \n\t\r\n{"id":\n\n[1]\n{"id":2}\n' >"$IN"
    run_enrich -1 -- -u "$URL" "$IN"
    assert_output $'{"id":1,"response":{"name":"ann"}}\n{"id":2,"response":{"name":"bob"}}'
    assert_equal "${#stderr_lines[@]}" 2
    [[ ${stderr_lines[0]} == "enrich: $IN:5: invalid_json: "* ]] || fail "stderr: $stderr"
    [[ ${stderr_lines[1]} == "enrich: $IN:7: not_object: "* ]] || fail "stderr: $stderr"
}

@test "a 50 MB line passes through byte-exact" {
    local big=$BATS_TEST_TMPDIR/big.ndjson want=$BATS_TEST_TMPDIR/want out=$BATS_TEST_TMPDIR/out
    {
        printf '{"id":1,"pad":"'
        head -c 50000000 /dev/zero | tr '\0' 'x'
        printf '","tail":1.000}'
    } >"$want.rec"
    { cat "$want.rec"; printf '\n'; } >"$big"
    { head -c -1 "$want.rec"; printf ',"response":{"name":"ann"}}\n'; } >"$want"
    run_enrich -0 -- -u "$URL" -o "$out" "$big"
    assert_equal "$(stat -c %s "$out")" "$(stat -c %s "$want")"
    # The record part: everything before the spliced member.
    local got_rec want_rec
    got_rec=$(head -c "$(($(stat -c %s "$want.rec") - 1))" "$out" | sha256sum)
    want_rec=$(head -c -1 "$want.rec" | sha256sum)
    assert_equal "$got_rec" "$want_rec"
    run -0 cmp "$want" "$out"
}

@test "FILE arguments are read in order and - reads stdin among them" {
    printf '{"id":1}\n' >"$BATS_TEST_TMPDIR/a"
    printf '{"id":3}\n' >"$BATS_TEST_TMPDIR/c"
    input '{"id":2}'
    enrich_stdin "$IN" -0 -- -u "$URL" "$BATS_TEST_TMPDIR/a" - "$BATS_TEST_TMPDIR/c"
    assert_output $'{"id":1,"response":{"name":"ann"}}\n{"id":2,"response":{"name":"bob"}}\n{"id":3,"response":{"name":"cy"}}'
}

@test "line numbers restart for each FILE argument" {
    printf '{"id":1}\n' >"$BATS_TEST_TMPDIR/a"
    printf '{"id":2}\nnope\n' >"$BATS_TEST_TMPDIR/b"
    run_enrich -1 -- -u "$URL" "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
    assert_output $'{"id":1,"response":{"name":"ann"}}\n{"id":2,"response":{"name":"bob"}}'
    assert_equal "${#stderr_lines[@]}" 1
    [[ ${stderr_lines[0]} == "enrich: $BATS_TEST_TMPDIR/b:2: invalid_json: "* ]] || fail "stderr: $stderr"
}

@test "- alone reads stdin and messages call it <stdin>" {
    printf '{"id":1}\n{bad\n' >"$IN"
    enrich_stdin "$IN" -1 -- -u "$URL" -
    assert_output '{"id":1,"response":{"name":"ann"}}'
    [[ $stderr == "enrich: <stdin>:2: invalid_json: "* ]] || fail "stderr: $stderr"
}

@test "an unreadable FILE is a usage error before any request" {
    input '{"id":1}'
    run_enrich -2 -- -u "$MOCK_URL/users/{id}" "$IN" "$BATS_TEST_TMPDIR/missing"
    assert_output ""
    [[ $stderr == *"$BATS_TEST_TMPDIR/missing"* ]] || fail "stderr does not name the file: $stderr"
    assert_equal "$(mock_requests)" 0
}

@test "a directory as FILE is a usage error before any request" {
    input '{"id":1}'
    run_enrich -2 -- -u "$MOCK_URL/users/{id}" "$IN" "$BATS_TEST_TMPDIR"
    assert_output ""
    [[ -n $stderr ]] || fail "no message"
    assert_equal "$(mock_requests)" 0
}

@test "an invalid JSON line is not written, is reported with file:line, and the rest go on" {
    input '{"id":1}' '{"id":2,}' '{"id":3}'
    run_enrich -1 -- -u "$URL" "$IN"
    assert_output $'{"id":1,"response":{"name":"ann"}}\n{"id":3,"response":{"name":"cy"}}'
    assert_equal "${#stderr_lines[@]}" 1
    [[ ${stderr_lines[0]} == "enrich: $IN:2: invalid_json: "* ]] || fail "stderr: $stderr"
}

@test "a JSON array line fails as not_object and is not written" {
    input '[{"id":1}]' '{"id":2}' '"str"'
    run_enrich -1 -- -u "$URL" "$IN"
    assert_output '{"id":2,"response":{"name":"bob"}}'
    assert_equal "${#stderr_lines[@]}" 2
    [[ ${stderr_lines[0]} == "enrich: $IN:1: not_object: "* ]] || fail "stderr: $stderr"
    [[ ${stderr_lines[1]} == "enrich: $IN:3: not_object: "* ]] || fail "stderr: $stderr"
}

# invalid_line LINE: LINE fails as invalid_json: not written, reported
# with its line number, and no request is sent for it.
invalid_line() {
    printf '%s\n{"id":1}\n' "$1" >"$IN"
    run_enrich -1 -- -u "$MOCK_URL/x?body=1" "$IN"
    assert_output '{"id":1,"response":1}'
    assert_equal "${#stderr_lines[@]}" 1
    [[ ${stderr_lines[0]} == "enrich: $IN:1: invalid_json: "* ]] || fail "stderr: $stderr"
    run -0 mock_targets
    assert_output '/x?body=1'
}

@test "a number with a leading zero makes the line invalid_json and sends no request" {
    invalid_line '{"id":1,"n":01}'
}

@test "a negative number with a leading zero makes the line invalid_json" {
    invalid_line '{"id":1,"n":-01}'
}

@test "a number ending in a bare dot makes the line invalid_json" {
    invalid_line '{"id":1,"n":1.}'
}

@test "a raw control character inside a string makes the line invalid_json" {
    invalid_line $'{"id":1,"s":"a\001b"}'
}

@test "a raw tab inside a string makes the line invalid_json" {
    invalid_line $'{"id":1,"s":"a\tb"}'
}

@test "a byte-order mark opening a file is skipped; one inside the input is invalid_json" {
    printf '\357\273\277{"id":1}\n\357\273\277{"id":2}\n' >"$IN"
    run_enrich -1 -- -u "$MOCK_URL/x?body=1" "$IN"
    assert_output '{"id":1,"response":1}'
    assert_equal "${#stderr_lines[@]}" 1
    [[ ${stderr_lines[0]} == "enrich: $IN:2: invalid_json: "* ]] || fail "stderr: $stderr"
}

@test "trailing text after the object makes the line invalid_json" {
    invalid_line '{"id":1} x'
}

@test "two objects on one line make the line invalid_json" {
    invalid_line '{"id":1}{"id":2}'
}

# response_is QUERY-BODY WANT-RESPONSE: a mock response with body QUERY-BODY (percent-
# encoded) is inserted as WANT-RESPONSE.
response_is() {
    input '{"id":1}'
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/r?body=$1"
    assert_output "{\"id\":1,\"response\":$2}"
}

@test "a response with a leading-zero number is not JSON and is inserted as a string" {
    response_is '%7B%22n%22%3A01%7D' '"{\"n\":01}"'
}

@test "a response with a number ending in a bare dot is inserted as a string" {
    response_is '%5B1.%5D' '"[1.]"'
}

@test "a response with a raw control character in a string is inserted as an escaped string" {
    response_is '%7B%22s%22%3A%22a%01b%22%7D' '"{\"s\":\"a\u0001b\"}"'
}

@test "a text response with CR, LF and NUL is escaped in the JSON string" {
    response_is 'line1%0D%0Aline2%00x&type=text/plain' '"line1\r\nline2\u0000x"'
}

@test "a text response with invalid UTF-8 gets U+FFFD" {
    response_is 'a%FFb&type=text/plain' '"a\ufffdb"'
}

@test "a JSON response with surrounding whitespace is inserted minified" {
    response_is '%20%0A%5B1%2C%20%20%222%20%22%5D%20%0A' '[1,"2 "]'
}

@test "a byte-order mark opening a JSON response is skipped and the value goes in as JSON" {
    response_is '%EF%BB%BF%7B%22a%22%3A%5B1%2C2%5D%7D' '{"a":[1,2]}'
}

@test "records that all succeed exit 0 with nothing on stderr" {
    input '{"id":1}' '{"id":2}'
    run_enrich -0 -- -u "$URL" "$IN"
    assert_output $'{"id":1,"response":{"name":"ann"}}\n{"id":2,"response":{"name":"bob"}}'
    assert_equal "$stderr" ""
}

#!/usr/bin/env bats
# What enrich sends (method, headers) and what it makes of the answer: --ok, error objects,
# --on-error, --errors replay, redirects, and secrets kept off stderr.

load helpers/common

setup_file() {
    mock_start
    nginx_start
    mkdir -p "$NGINX_ROOT/users"
    printf '{"name":"ann"}' >"$NGINX_ROOT/users/1"
}

teardown_file() {
    mock_stop
    nginx_stop
}

setup() {
    mock_log_reset
    IN=$BATS_TEST_TMPDIR/in.ndjson
}

# The methods in the mock's log, one a line.
mock_methods() {
    cut -d' ' -f4 "$MOCK_LOG"
}

@test "the default method is GET" {
    input '{"id":1}'
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/m" --into r
    assert_output --partial ',"r":{"method":"GET","target":"/m",'
    run -0 mock_methods
    assert_output GET
}

@test "-X POST, PUT and DELETE reach the server" {
    local m
    input '{"id":1}'
    for m in POST PUT DELETE; do
        enrich_stdin "$IN" -0 -- -X "$m" -u "$MOCK_URL/m/{id}" --into r
        assert_output --partial ",\"r\":{\"method\":\"$m\",\"target\":\"/m/1\","
    done
    run -0 mock_methods
    assert_output $'POST\nPUT\nDELETE'
}

@test "-H adds a static header" {
    input '{"id":1}'
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/h" -H 'X-Static: yes it is' -H 'X-Two:2'
    assert_output --partial '"X-Static":"yes it is"'
    assert_output --partial '"X-Two":"2"'
}

# How many times the line (the mock's echo of one request) names header $1.
header_count() {
    grep -o "\"$1\":" <<<"$2" | wc -l
}

@test "every request says User-Agent: enrich/VERSION and offers libcurl's encodings, once each" {
    local version line
    version=$("$ENRICH_BIN" --version | head -n 1 | cut -d' ' -f2)
    input '{"id":1}'
    # Static headers, templated ones (a list made per record), and an empty POST.
    for args in "" "-H X-Static:1" "-H X-Id:{id}" "-X POST"; do
        # shellcheck disable=SC2086
        enrich_stdin "$IN" -0 -- -u "$MOCK_URL/h" $args
        line=$output
        assert_output --partial "\"User-Agent\":\"enrich/$version\""
        assert_output --regexp '"Accept-Encoding":"deflate, gzip[^"]*"'
        run header_count User-Agent "$line"
        assert_output 1
        run header_count Accept-Encoding "$line"
        assert_output 1
    done
}

@test "-H User-Agent or Accept-Encoding replaces enrich's own, an empty one too" {
    local line
    input '{"id":7}'
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/h" -H 'User-Agent: mine/1' -H 'accept-encoding: identity'
    line=$output
    assert_output --partial '"User-Agent":"mine/1"'
    assert_output --partial '"accept-encoding":"identity"'
    run header_count '[Uu]ser-[Aa]gent' "$line"
    assert_output 1
    run header_count '[Aa]ccept-[Ee]ncoding' "$line"
    assert_output 1
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/h" -H 'User-Agent: u{id}'
    line=$output
    assert_output --partial '"User-Agent":"u7"'
    run header_count User-Agent "$line"
    assert_output 1
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/h" -H 'User-Agent:'
    line=$output
    assert_output --partial '"User-Agent":"",'
    assert_output --partial '"Accept-Encoding":"deflate, gzip'
    run header_count User-Agent "$line"
    assert_output 1
}

@test "through a proxy from the environment, the request still says User-Agent once" {
    local line
    input '{"id":1}'
    # The mock answers as the proxy: it echoes the request it was sent.
    http_proxy=$MOCK_URL enrich_stdin "$IN" -0 -- -u "http://127.0.0.1:9/u/{id}"
    line=$output
    assert_output --partial '"target":"http://127.0.0.1:9/u/1"'
    assert_output --partial '"User-Agent":"enrich/'
    run header_count User-Agent "$line"
    assert_output 1
}

@test "-H substitutes record values raw: strings decoded, numbers as written, objects compact" {
    input '{"user":{"id":"u 7/é\"q"},"n":1.000,"o":{"a": [1, 2]}}'
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/h" -H 'X-User: {user.id}' \
        -H 'X-N: n={n}' -H 'X-O: {o}'
    assert_output --partial '"X-User":"u 7/é\"q"'
    assert_output --partial '"X-N":"n=1.000"'
    assert_output --partial '"X-O":"{\"a\":[1,2]}"'
}

@test "an empty header value, literal or from the record, is sent as an empty header" {
    input '{"id":1,"e":""}'
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/h" -H 'X-Empty:' -H 'X-E: {e}'
    assert_output --partial '"X-Empty":"","X-E":""'
}

@test "a header value with CR/LF from the record fails bad_request and sends nothing" {
    input '{"id":1,"h":"a\r\nX-Evil: 1"}'
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/h" -H 'X-H: {h}'
    [[ $output == '{"id":1,"h":"a\r\nX-Evil: 1","error":{"kind":"bad_request","message":"'?*'","attempts":0}}' ]] ||
        fail "unexpected output"
    assert_equal "${#lines[@]}" 1
    assert_equal "${#stderr_lines[@]}" 1
    [[ $stderr == "enrich: <stdin>:1: bad_request: "* ]] || fail "stderr: $stderr"
    assert_equal "$(mock_requests)" 0
}

@test "a header value with a lone LF from the record fails bad_request" {
    input '{"id":1,"h":"a\nb"}'
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/h" -H 'X-H: {h}'
    assert_output --partial '"error":{"kind":"bad_request",'
    assert_equal "$(mock_requests)" 0
}

@test "a missing header variable fails the record as missing_field and sends nothing" {
    input '{"id":1}'
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/h" -H 'X-H: {h}'
    [[ $output == '{"id":1,"error":{"kind":"missing_field","message":"'?*'","attempts":0}}' ]] ||
        fail "unexpected output"
    [[ $stderr == "enrich: <stdin>:1: missing_field: "* ]] || fail "stderr: $stderr"
    assert_equal "$(mock_requests)" 0
}

@test "--allow-missing leaves out a header whose variable is missing" {
    input '{"id":1}' '{"id":2,"h":"v"}'
    enrich_stdin "$IN" -0 -- --allow-missing -u "$MOCK_URL/h/{id}" -H 'X-H: {h}' -H 'X-K: k'
    assert_equal "${#lines[@]}" 2
    [[ ${lines[0]} == *'"X-K":"k"'* && ${lines[0]} != *'"X-H"'* ]] || fail "line 1: ${lines[0]}"
    [[ ${lines[1]} == *'"X-K":"k"'* && ${lines[1]} == *'"X-H":"v"'* ]] || fail "line 2: ${lines[1]}"
}

@test "--ok 2xx,404 makes a 404 from nginx a success" {
    input '{"id":1}'
    enrich_stdin "$IN" -0 -- --ok 2xx,404 -u "$NGINX_URL/status/404"
    assert_output '{"id":1,"response":{"error":"not found"}}'
    assert_equal "$stderr" ""
}

@test "--ok with an exact status list makes other 2xx statuses fail" {
    input '{"s":201}' '{"s":200}'
    enrich_stdin "$IN" -1 -- --ok 200 -u "$MOCK_URL/s?status={s}&empty=1"
    assert_line --index 0 '{"s":201,"error":{"kind":"http","status":201,"message":"HTTP 201","attempts":1}}'
    assert_line --index 1 '{"s":200,"response":null}'
}

@test "a 404 without --ok is an http failure with status, one attempt and the server's body" {
    input '{"id":1}'
    enrich_stdin "$IN" -1 -- -u "$NGINX_URL/status/404"
    [[ $output == '{"id":1,"error":{"kind":"http","status":404,"message":"'?*'","attempts":1,"body":{"error":"not found"}}}' ]] ||
        fail "unexpected output"
    assert_equal "${#stderr_lines[@]}" 1
    [[ $stderr == "enrich: <stdin>:1: http: "*404* ]] || fail "stderr: $stderr"
}

@test "--error-into err.info puts the error object there" {
    input '{"id":1,"err":{"old":true}}'
    enrich_stdin "$IN" -1 -- --error-into err.info -u "$MOCK_URL/x?status=404&empty=1"
    assert_output '{"id":1,"err":{"old":true,"info":{"kind":"http","status":404,"message":"HTTP 404","attempts":1}}}'
}

@test "--error-into through a non-object member fails bad_request before any request" {
    input '{"id":1,"error":5}' '{"id":2}'
    enrich_stdin "$IN" -1 -- --error-into error.x -u "$MOCK_URL/x/{id}?status=404&empty=1"
    # The error cannot be attached, so the record is only reported.
    assert_output '{"id":2,"error":{"x":{"kind":"http","status":404,"message":"HTTP 404","attempts":1}}}'
    local sorted
    sorted=$(sort <<<"$stderr")
    [[ $sorted == "enrich: <stdin>:1: bad_request: "*$'\n'"enrich: <stdin>:2: http: "* ]] ||
        fail "stderr: $stderr"
    assert_equal "${#stderr_lines[@]}" 2
    run -0 mock_targets
    assert_output '/x/2?status=404&empty=1'
}

@test "--on-error drop leaves failed records out and exits 1" {
    input '{"s":200}' '{"s":500}' '{"x":0}' '{"s":201}'
    enrich_stdin "$IN" -1 -- --on-error drop -u "$MOCK_URL/x?status={s}&body=1"
    assert_output $'{"s":200,"response":1}\n{"s":201,"response":1}'
    # Messages come in completion order: sort them by line.
    local sorted
    sorted=$(sort <<<"$stderr")
    [[ $sorted == "enrich: <stdin>:2: http: "*$'\n'"enrich: <stdin>:3: missing_field: "* ]] ||
        fail "stderr: $stderr"
    assert_equal "${#stderr_lines[@]}" 2
}

@test "--on-error fail stops at the first failure with exit 3 and names the line" {
    input '{"s":200}' '{"s":500}' '{"s":201}' '{"s":202}'
    enrich_stdin "$IN" -3 -- --on-error fail -c 1 -u "$MOCK_URL/x?status={s}&body=1"
    assert_output '{"s":200,"response":1}'
    assert_equal "${#stderr_lines[@]}" 1
    [[ $stderr == "enrich: <stdin>:2: http: "*"(stopping: --on-error fail)" ]] || fail "stderr: $stderr"
    run -0 mock_targets
    assert_output $'/x?status=200&body=1\n/x?status=500&body=1'
}

@test "--on-error fail stops on a record that fails before any request" {
    input '{"s":200}' '{"x":1}' '{"s":201}'
    enrich_stdin "$IN" -3 -- --on-error fail -c 1 -u "$MOCK_URL/x?status={s}&body=1"
    assert_output '{"s":200,"response":1}'
    [[ $stderr == "enrich: <stdin>:2: missing_field: "* ]] || fail "stderr: $stderr"
    run -0 mock_targets
    assert_output '/x?status=200&body=1'
}

@test "-e FILE gets the failed lines verbatim and replaying it retries exactly those" {
    local errs=$BATS_TEST_TMPDIR/errs
    printf '%s\n' 'leftover from before' >"$errs"
    input '{"s":200}' '{"s":500,  "x" : 1.0}' '' '{"s":404}' '{bad' '{"s":201}'
    enrich_stdin "$IN" -1 -- -e "$errs" -u "$MOCK_URL/x?status={s}&empty=1"
    assert_equal "${#lines[@]}" 4
    printf '%s\n' 'leftover from before' '{"s":500,  "x" : 1.0}' '{"s":404}' '{bad' \
        >"$BATS_TEST_TMPDIR/want"
    run -0 cmp "$BATS_TEST_TMPDIR/want" "$errs"

    sed -i 1d "$errs"
    mock_log_reset
    enrich_stdin "$errs" -1 -- -u "$MOCK_URL/x?status={s}&empty=1"
    assert_line --index 0 '{"s":500,  "x" : 1.0,"error":{"kind":"http","status":500,"message":"HTTP 500","attempts":1}}'
    assert_line --index 1 '{"s":404,"error":{"kind":"http","status":404,"message":"HTTP 404","attempts":1}}'
    assert_equal "${#lines[@]}" 2
    [[ ${stderr_lines[*]} == *"<stdin>:3: invalid_json: "* ]] || fail "stderr: $stderr"
    # Requests run at once, so they may arrive in either order.
    assert_equal "$(mock_targets | sort)" $'/x?status=404&empty=1\n/x?status=500&empty=1'
}

@test "-e FILE writes CRLF failed lines with a plain newline" {
    local errs=$BATS_TEST_TMPDIR/errs
    printf '{"s":200}\r\n{"s":503}\r\n' >"$IN"
    enrich_stdin "$IN" -1 -- -e "$errs" -u "$MOCK_URL/x?status={s}&body=1"
    printf '{"s":503}\n' >"$BATS_TEST_TMPDIR/want"
    run -0 cmp "$BATS_TEST_TMPDIR/want" "$errs"
}

@test "-L follows a redirect" {
    input '{"id":1}'
    enrich_stdin "$IN" -0 -- -L -u "$MOCK_URL/r?status=302&header=Location:/target%3Fbody=%257B%257D"
    assert_output '{"id":1,"response":{}}'
    run -0 mock_targets
    assert_output $'/r?status=302&header=Location:/target%3Fbody=%257B%257D\n/target?body=%7B%7D'
}

@test "without -L a 302 is an http failure and the redirect is not followed" {
    input '{"id":1}'
    enrich_stdin "$IN" -1 -- -u "$MOCK_URL/r?status=302&empty=1&header=Location:/target%3Fbody=%257B%257D"
    assert_output '{"id":1,"error":{"kind":"http","status":302,"message":"HTTP 302","attempts":1}}'
    run -0 mock_targets
    assert_output '/r?status=302&empty=1&header=Location:/target%3Fbody=%257B%257D'
}

@test "-L refuses a redirect to ftp:// as bad_response" {
    input '{"id":1}'
    enrich_stdin "$IN" -1 -- -L -u "$MOCK_URL/r?status=302&header=Location:ftp://127.0.0.1/x"
    [[ $output == '{"id":1,"error":{"kind":"bad_response",'*'"attempts":1}}' ]] || fail "unexpected output"
    [[ $stderr == "enrich: <stdin>:1: bad_response: "* ]] || fail "stderr: $stderr"
    assert_equal "$(mock_requests)" 1
}

@test "Authorization and Cookie values and URL passwords never appear on stderr" {
    input '{"s":200}' '{"s":500}' '{"x":1}'
    enrich_stdin "$IN" -1 -- -v -u "http://user:pw-s3cret@127.0.0.1:$MOCK_PORT/a?status={s}&body=1" \
        -H 'Authorization: Bearer tok-s3cret' -H 'Cookie: sid=cookie-s3cret'
    assert_equal "${#lines[@]}" 3
    [[ $stderr == *"attempt 1: GET http://user:***@127.0.0.1:$MOCK_PORT/a?status=200&body=1 -> 200"* ]] ||
        fail "no redacted verbose line: $stderr"
    [[ $stderr != *s3cret* ]] || fail "a secret reached stderr: $stderr"
    assert_equal "$(mock_requests)" 2
}

@test "an invalid Authorization or Cookie header is reported without its value" {
    run_enrich -2 -- -u "$MOCK_URL/x" -H 'Authorization: Bearer tok-s3cret{' </dev/null
    [[ $stderr == "enrich: "*Authorization* ]] || fail "stderr: $stderr"
    [[ $stderr != *s3cret* ]] || fail "a secret reached stderr: $stderr"
    run_enrich -2 -- -u "$MOCK_URL/x" -H 'Cookie: sid=cookie-s3cret {a b}' </dev/null
    [[ $stderr == "enrich: "*Cookie* ]] || fail "stderr: $stderr"
    [[ $stderr != *s3cret* ]] || fail "a secret reached stderr: $stderr"
    assert_equal "$(mock_requests)" 0
}

@test "a header name that is not a token is a usage error" {
    input '{"id":1}'
    enrich_stdin "$IN" -2 -- -u "$MOCK_URL/x" -H 'Bad Name: x'
    assert_output ""
    [[ $stderr == "enrich: "*"Bad Name"* ]] || fail "stderr: $stderr"
    assert_equal "$(mock_requests)" 0
}

@test "-L gives up on a redirect loop after 50 redirects with bad_response" {
    input '{"id":1}'
    enrich_stdin "$IN" -1 -- -L --timeout 5s -u "$NGINX_URL/redirect-loop"
    [[ $output == '{"id":1,"error":{"kind":"bad_response",'*'"attempts":1}}' ]] || fail "unexpected output"
    run -0 grep -c ' /redirect-loop 302$' "$NGINX_ACCESS_LOG"
    assert_output 51
}

@test "a gzip-encoded response is decoded before it is inserted" {
    local gz
    gz=$(printf '{"a":[1,2]}' | gzip -n | od -An -v -tx1 | tr -d ' \n' | sed 's/../%&/g')
    input '{"id":1}'
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL/gz?body=$gz&header=Content-Encoding:gzip"
    assert_output '{"id":1,"response":{"a":[1,2]}}'
}

#!/usr/bin/env bats
# Credentials that never appear on the command line (-H @FILE, --oauth2-bearer @FILE|env:NAME,
# --user-file, --netrc), and redaction: no secret in any output enrich writes.

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
    TOKEN=tok-8f3a1c-s3cret
    KEY=key-77d2e9-s3cret
    printf '%s\n' "$TOKEN" >"$BATS_TEST_TMPDIR/token"
    printf 'X-Api-Key: %s\r\n\nX-Trace: {id}\n' "$KEY" >"$BATS_TEST_TMPDIR/headers.txt"
}

teardown() {
    kill_background_enrich
}

# The header lines the mock received for requests whose target contains $1.
received() {
    grep -F -- "$1" "$MOCK_HEADER_LOG" | tr '\t' '\n'
}

# Fails when a file or variable holds one of the secrets.
no_secret() {
    local what=$1 text=$2
    [[ $text != *s3cret* ]] || fail "a secret reached $what: $text"
}

@test "a bearer token and headers read from files reach the server and no output" {
    input '{"id":1,"s":200}' '{"id":2,"s":500}'
    enrich_stdin "$IN" -1 -- -v --stats="$BATS_TEST_TMPDIR/stats.json" \
        --oauth2-bearer "@$BATS_TEST_TMPDIR/token" -H "@$BATS_TEST_TMPDIR/headers.txt" \
        -u "$MOCK_URL/u/{id}?status={s}&body=plain"
    received /u/1 | grep -qxF "Authorization: Bearer $TOKEN" || fail "no bearer token sent"
    received /u/1 | grep -qxF "X-Api-Key: $KEY" || fail "no key sent"
    # Lines of a header file are templates, as -H values are.
    received /u/2 | grep -qxF "X-Trace: 2" || fail "the header file's template was not expanded"
    assert_equal "${#lines[@]}" 2
    assert_line --index 0 '{"id":1,"s":200,"response":"plain"}'
    [[ ${lines[1]} == '{"id":2,"s":500,"error":{"kind":"http","status":500,'* ]] ||
        fail "no error object: ${lines[1]}"
    [[ $stderr == *"<stdin>:2: http: HTTP 500"* ]] || fail "no failure message: $stderr"
    no_secret stdout "$output"
    no_secret stderr "$stderr"
    no_secret --stats "$(cat "$BATS_TEST_TMPDIR/stats.json")"
}

@test "--dry-run shows that Authorization and the key are sent, with their values hidden" {
    input '{"id":1}'
    enrich_stdin "$IN" -0 -- --dry-run --oauth2-bearer "@$BATS_TEST_TMPDIR/token" \
        -H "@$BATS_TEST_TMPDIR/headers.txt" -u "$MOCK_URL/u/{id}"
    assert_output "{\"line\":1,\"method\":\"GET\",\"url\":\"$MOCK_URL/u/1\",\"headers\":[\"Authorization: ***\",\"X-Api-Key: ***\",\"X-Trace: 1\"],\"body\":null}"
    assert_equal "$(mock_requests)" 0
}

@test "no secret is on the command line of a running enrich, and a --user password is blanked" {
    input '{"id":1}'
    "$ENRICH" --oauth2-bearer "@$BATS_TEST_TMPDIR/token" -H "@$BATS_TEST_TMPDIR/headers.txt" \
        -u "$MOCK_URL/slow?delay=3000&body=1" "$IN" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
    ENRICH_PID=$!
    local i
    for ((i = 0; i < 1500; i++)); do
        (($(mock_requests) > 0)) && break
        sleep 0.02
    done
    assert_equal "$(mock_requests)" 1
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/$ENRICH_PID/cmdline")
    [[ $cmdline == *"--oauth2-bearer @"* ]] || fail "not the command expected: $cmdline"
    no_secret "/proc/PID/cmdline" "$cmdline"
    wait_exit "$ENRICH_PID"
    assert_equal "$status" 0
    no_secret "the output" "$(cat "$BATS_TEST_TMPDIR/out")"

    # --user on the command line is curl's way; like curl, enrich overwrites it at start.
    mock_log_reset
    "$ENRICH" --user "bob:pw-s3cret" -u "$MOCK_URL/slow2?delay=3000&body=1" "$IN" \
        >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
    ENRICH_PID=$!
    for ((i = 0; i < 1500; i++)); do
        (($(mock_requests) > 0)) && break
        sleep 0.02
    done
    assert_equal "$(mock_requests)" 1
    cmdline=$(tr '\0' ' ' <"/proc/$ENRICH_PID/cmdline")
    [[ $cmdline == *"--user *************"* ]] || fail "the password was not blanked: $cmdline"
    wait_exit "$ENRICH_PID"
    assert_equal "$status" 0
    received /slow2 | grep -qxF "Authorization: Basic $(printf 'bob:pw-s3cret' | base64)" ||
        fail "the blanked password was not the one sent"
}

@test "--oauth2-bearer env:NAME reads the token from the environment" {
    input '{"id":1}'
    LOOKUP_TOKEN=$TOKEN enrich_stdin "$IN" -0 -- --oauth2-bearer env:LOOKUP_TOKEN -v \
        -u "$MOCK_URL/e?body=1"
    received /e | grep -qxF "Authorization: Bearer $TOKEN" || fail "no bearer token sent"
    no_secret stderr "$stderr"
}

@test "--oauth2-bearer env:NAME with the variable unset or empty is a usage error" {
    input '{"id":1}'
    unset LOOKUP_TOKEN
    enrich_stdin "$IN" -2 -- --oauth2-bearer env:LOOKUP_TOKEN -u "$MOCK_URL/e"
    assert_equal "${stderr_lines[0]}" "enrich: --oauth2-bearer: environment variable LOOKUP_TOKEN is not set"
    LOOKUP_TOKEN= enrich_stdin "$IN" -2 -- --oauth2-bearer env:LOOKUP_TOKEN -u "$MOCK_URL/e"
    assert_equal "${stderr_lines[0]}" "enrich: --oauth2-bearer: environment variable LOOKUP_TOKEN is empty"
    assert_equal "$(mock_requests)" 0
}

@test "--user, --user-file and --netrc-file send basic auth, hidden in -v and --dry-run" {
    input '{"id":1}'
    local want
    want="Authorization: Basic $(printf 'bob:pw-s3cret' | base64)"
    enrich_stdin "$IN" -0 -- -v --user bob:pw-s3cret -u "$MOCK_URL/user?body=1"
    received /user | grep -qxF "$want" || fail "--user: no basic auth"
    no_secret stderr "$stderr"

    printf 'bob:pw-s3cret\n' >"$BATS_TEST_TMPDIR/userpass"
    enrich_stdin "$IN" -0 -- -v --user-file "$BATS_TEST_TMPDIR/userpass" \
        -u "$MOCK_URL/userfile?body=1"
    received /userfile | grep -qxF "$want" || fail "--user-file: no basic auth"
    no_secret stderr "$stderr"

    printf 'machine 127.0.0.1\nlogin bob\npassword pw-s3cret\n' >"$BATS_TEST_TMPDIR/netrc"
    enrich_stdin "$IN" -0 -- -v --netrc-file "$BATS_TEST_TMPDIR/netrc" -u "$MOCK_URL/netrc?body=1"
    received /netrc | grep -qxF "$want" || fail "--netrc-file: no basic auth"
    no_secret stderr "$stderr"

    enrich_stdin "$IN" -0 -- --dry-run --user-file "$BATS_TEST_TMPDIR/userpass" -u "$MOCK_URL/d"
    assert_output "{\"line\":1,\"method\":\"GET\",\"url\":\"$MOCK_URL/d\",\"headers\":[\"Authorization: ***\"],\"body\":null}"
}

@test "--netrc reads the .netrc in HOME, and its absence is a usage error" {
    input '{"id":1}'
    mkdir -p "$BATS_TEST_TMPDIR/home"
    printf 'machine 127.0.0.1 login ann password pw-s3cret\n' >"$BATS_TEST_TMPDIR/home/.netrc"
    HOME=$BATS_TEST_TMPDIR/home enrich_stdin "$IN" -0 -- --netrc -u "$MOCK_URL/n?body=1"
    received /n | grep -qxF "Authorization: Basic $(printf 'ann:pw-s3cret' | base64)" ||
        fail "no basic auth from ~/.netrc"
    HOME=$BATS_TEST_TMPDIR/nowhere enrich_stdin "$IN" -2 -- --netrc -u "$MOCK_URL/n?body=1"
    assert_equal "${stderr_lines[0]}" "enrich: --netrc: $BATS_TEST_TMPDIR/nowhere/.netrc: No such file or directory"
}

@test "a redirect to another host does not carry the bearer token" {
    input '{"id":1}'
    enrich_stdin "$IN" -0 -- -L --oauth2-bearer "@$BATS_TEST_TMPDIR/token" \
        -u "$MOCK_URL/from?status=302&header=Location:http://localhost:$MOCK_PORT/to%3Fbody%3D1"
    assert_output '{"id":1,"response":1}'
    received /from | grep -qxF "Authorization: Bearer $TOKEN" || fail "the first host got no token"
    received "GET /to" | grep -q "^Host: localhost:" || fail "the redirect was not followed"
    ! received "GET /to" | grep -q "^Authorization" || fail "the token went to another host"
}

@test "unreadable credential files are usage errors naming the file, before any request" {
    input '{"id":1}'
    local missing=$BATS_TEST_TMPDIR/missing
    enrich_stdin "$IN" -2 -- --oauth2-bearer "@$missing" -u "$MOCK_URL/x"
    assert_equal "${stderr_lines[0]}" "enrich: --oauth2-bearer: $missing: No such file or directory"
    enrich_stdin "$IN" -2 -- -H "@$missing" -u "$MOCK_URL/x"
    assert_equal "${stderr_lines[0]}" "enrich: --header: $missing: No such file or directory"
    enrich_stdin "$IN" -2 -- --user-file "$missing" -u "$MOCK_URL/x"
    assert_equal "${stderr_lines[0]}" "enrich: --user-file: $missing: No such file or directory"
    enrich_stdin "$IN" -2 -- --netrc-file "$missing" -u "$MOCK_URL/x"
    assert_equal "${stderr_lines[0]}" "enrich: --netrc-file: $missing: No such file or directory"
    : >"$BATS_TEST_TMPDIR/empty"
    enrich_stdin "$IN" -2 -- --oauth2-bearer "@$BATS_TEST_TMPDIR/empty" -u "$MOCK_URL/x"
    assert_equal "${stderr_lines[0]}" "enrich: --oauth2-bearer: $BATS_TEST_TMPDIR/empty: the first line is empty"
    assert_equal "$(mock_requests)" 0
}

@test "a header file line that is not a header is refused without being quoted" {
    input '{"id":1}'
    printf 'Accept: text/plain\njust-the-s3cret-token\n' >"$BATS_TEST_TMPDIR/bad"
    enrich_stdin "$IN" -2 -- -H "@$BATS_TEST_TMPDIR/bad" -u "$MOCK_URL/x"
    assert_equal "${stderr_lines[0]}" "enrich: --header @$BATS_TEST_TMPDIR/bad: header 2 of the file is not 'Name: value' (not shown: it may hold a secret)"
}

@test "-H @- reads headers from standard input only when the records come from a FILE" {
    input '{"id":1}'
    run --separate-stderr timeout 30 "$ENRICH" -H @- -u "$MOCK_URL/x" <<<"X-Api-Key: $KEY"
    assert_equal "$status" 2
    [[ ${stderr_lines[0]} == "enrich: standard input carries the records: it cannot also hold headers or credentials"* ]] ||
        fail "stderr: $stderr"
    run --separate-stderr timeout 30 "$ENRICH" -H @- -u "$MOCK_URL/stdin?body=1" "$IN" \
        <<<"X-Api-Key: $KEY"
    assert_equal "$status" 0
    received /stdin | grep -qxF "X-Api-Key: $KEY" || fail "the header from stdin was not sent"
}

@test "credential options that contradict each other are usage errors" {
    input '{"id":1}'
    enrich_stdin "$IN" -2 -- --user a:b --oauth2-bearer t -u "$MOCK_URL/x"
    assert_equal "${stderr_lines[0]}" "enrich: give one of --user, --user-file, --oauth2-bearer and --netrc (or --netrc-file)"
    enrich_stdin "$IN" -2 -- --oauth2-bearer t -H 'authorization: Basic eDp5' -u "$MOCK_URL/x"
    assert_equal "${stderr_lines[0]}" "enrich: --oauth2-bearer and an Authorization header: give one"
    enrich_stdin "$IN" -2 -- --user bob -u "$MOCK_URL/x"
    assert_equal "${stderr_lines[0]}" "enrich: --user: expected USER:PASSWORD"
    assert_equal "$(mock_requests)" 0
}

@test "secret-looking query parameters, headers and userinfo are redacted by default" {
    input '{"id":1}'
    local url="http://user:pw-s3cret@127.0.0.1:$MOCK_PORT/q?api_key=s3cret-1&x=1&body=1"
    local args=(-H 'X-Api-Key: s3cret-2' -H 'X-Session-Id: s3cret-3' -H 'X-Custom: s3cret-4'
        -H 'Accept: text/plain' -u "$url")
    enrich_stdin "$IN" -0 -- --dry-run "${args[@]}"
    assert_output "{\"line\":1,\"method\":\"GET\",\"url\":\"http://user:***@127.0.0.1:$MOCK_PORT/q?api_key=***&x=1&body=1\",\"headers\":[\"X-Api-Key: ***\",\"X-Session-Id: ***\",\"X-Custom: s3cret-4\",\"Accept: text/plain\"],\"body\":null}"

    enrich_stdin "$IN" -0 -- --dry-run --redact x-custom "${args[@]}"
    [[ $output == *'"X-Custom: ***","Accept: text/plain"'* ]] || fail "--redact did not hide it"
    no_secret stdout "$output"

    enrich_stdin "$IN" -0 -- -v --redact X-Custom "${args[@]}"
    [[ $stderr == *"GET http://user:***@127.0.0.1:$MOCK_PORT/q?api_key=***&x=1&body=1 -> 200"* ]] ||
        fail "no redacted verbose line: $stderr"
    no_secret stderr "$stderr"
}

@test "--stats host keys hold no userinfo" {
    input '{"id":1}'
    enrich_stdin "$IN" -0 -- --stats="$BATS_TEST_TMPDIR/stats.json" \
        -u "http://bob:pw-s3cret@127.0.0.1:$MOCK_PORT/s?body=1"
    grep -qF "\"http://127.0.0.1:$MOCK_PORT\"" "$BATS_TEST_TMPDIR/stats.json" ||
        fail "no host key: $(cat "$BATS_TEST_TMPDIR/stats.json")"
    no_secret --stats "$(cat "$BATS_TEST_TMPDIR/stats.json")"
}

#!/usr/bin/env bats
# Failure kinds, the error object, --on-error, --errors, exit status and messages.

load helpers/common

setup_file() {
    mock_start
}

teardown_file() {
    mock_stop
}

setup() {
    mock_log_reset
    echo '{"id":1}' >"$BATS_TEST_TMPDIR/one"
}

# error_shape: the output line's id, its error's member names in order, kind, status
# (null when absent), attempts, and whether the message is a non-empty string.
error_shape() {
    jq -c '[.id, (.error | keys_unsorted), .error.kind, .error.status, .error.attempts,
            (.error.message | type == "string" and length > 0)]' <<<"$1"
}

# assert_failure_kind KIND STATUS URL-SUFFIX: one record against the mock fails with KIND
# (and STATUS, or none when STATUS is -), is written with the error, and is reported.
assert_failure_kind() {
    local kind=$1 want_status=$2 suffix=$3
    enrich_stdin "$BATS_TEST_TMPDIR/one" -1 -- --timeout 10s --url "$MOCK_URL$suffix"
    assert_equal "${#lines[@]}" 1
    local want
    if [[ $want_status == - ]]; then
        want="[1,[\"kind\",\"message\",\"attempts\"],\"$kind\",null,1,true]"
    else
        want="[1,[\"kind\",\"status\",\"message\",\"attempts\"],\"$kind\",$want_status,1,true]"
    fi
    local line=${lines[0]}
    run -0 error_shape "$line"
    assert_output "$want"
    assert_regex "$line" '^\{"id":1,"error":\{'
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" "^enrich: <stdin>:1: $kind: .+"
}

@test "a connection reset before the response is a connect failure" {
    assert_failure_kind connect - '/f?fault=reset'
}

@test "a connection closed without a response is a connect failure" {
    assert_failure_kind connect - '/f?fault=close'
}

@test "a garbage response is a bad_response failure" {
    assert_failure_kind bad_response - '/f?fault=garbage'
}

@test "a truncated response body is a bad_response failure" {
    enrich_stdin "$BATS_TEST_TMPDIR/one" -1 -- --url "$MOCK_URL/f?fault=truncate"
    assert_equal "${#lines[@]}" 1
    # The status line did arrive, so a status member is allowed; nothing else varies.
    run -0 jq -c '.error | del(.status) | [keys_unsorted, .kind, .attempts]' <<<"${lines[0]}"
    assert_output '[["kind","message","attempts"],"bad_response",1]'
    assert_regex "$stderr" '^enrich: <stdin>:1: bad_response: .+'
}

@test "a 200 response with broken JSON succeeds with the body as a JSON string" {
    enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --url "$MOCK_URL/f?fault=badjson"
    assert_output '{"id":1,"response":"{\"a\":"}'
    assert_equal "$stderr" ""
}

@test "a status not in --ok is an http failure carrying the status" {
    assert_failure_kind http 503 '/f?status=503&empty=1'
}

@test "the error object is exactly kind, status, message, attempts and the body" {
    enrich_stdin "$BATS_TEST_TMPDIR/one" -1 -- --url "$MOCK_URL/f?status=503&body=%7B%7D"
    local line=$output
    run -0 jq -c '.error | del(.message)' <<<"$line"
    assert_output '{"kind":"http","status":503,"attempts":1,"body":{}}'
    run -0 jq -r '.error.message | type' <<<"$line"
    assert_output string
    run -0 jq -r '.error.message | length > 0' <<<"$line"
    assert_output true
    # The record's own bytes come first, untouched.
    assert_regex "$line" '^\{"id":1,"error":\{"kind":"http","status":503,"message":".+","attempts":1,"body":\{\}\}\}$'
}

@test "exit status is 0 when every record succeeds" {
    printf '%s\n' '{"s":200}' '{"s":201}' '{"s":204}' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- --url "$MOCK_URL/e0/{s}?status={s}&body=1"
    assert_equal "${#lines[@]}" 3
    assert_equal "$stderr" ""
}

@test "exit status is 1 when some records fail, and the others are still written" {
    printf '%s\n' '{"s":200}' '{"s":503}' '{"s":200}' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -1 -- --url "$MOCK_URL/e1/{s}?status={s}&body=1"
    assert_line --index 0 '{"s":200,"response":1}'
    assert_line --index 1 --regexp '^\{"s":503,"error":\{"kind":"http","status":503,'
    assert_line --index 2 '{"s":200,"response":1}'
    assert_equal "${#lines[@]}" 3
}

@test "an invalid JSON line alone makes the exit status 1" {
    printf '%s\n' '{"s":200}' 'not json' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -1 -- --url "$MOCK_URL/ij/{s}?body=1"
    assert_output '{"s":200,"response":1}'
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" '^enrich: <stdin>:2: invalid_json: .+'
    run -0 mock_requests
    assert_output 1
}

@test "--on-error drop leaves failed records out and still exits 1" {
    printf '%s\n' '{"s":200,"n":1}' '{"s":503,"n":2}' '{"s":200,"n":3}' '{"s":404,"n":4}' \
        >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -1 -- --on-error drop --url "$MOCK_URL/d/{n}?status={s}&body=1"
    assert_output $'{"s":200,"n":1,"response":1}\n{"s":200,"n":3,"response":1}'
    # Dropped, but still reported.
    assert_equal "${#stderr_lines[@]}" 2
    run -0 sort <<<"$stderr"
    assert_line --index 0 --regexp '^enrich: <stdin>:2: http: '
    assert_line --index 1 --regexp '^enrich: <stdin>:4: http: '
}

@test "--on-error fail stops at the first failure with exit 3, keeping what was written" {
    local in=$BATS_TEST_TMPDIR/in
    printf '%s\n' '{"s":200,"n":1}' '{"s":200,"n":2}' '{"s":500,"n":3}' '{"s":200,"n":4}' \
        '{"s":200,"n":5}' >"$in"
    run_enrich -3 -- -c 1 --on-error fail --url "$MOCK_URL/ff/{n}?status={s}&body={n}" "$in"
    assert_output $'{"s":200,"n":1,"response":1}\n{"s":200,"n":2,"response":2}'
    assert_equal "${#stderr_lines[@]}" 1
    assert_regex "$stderr" "^enrich: $in:3: http: .*\(stopping: --on-error fail\)$"
    # No more input was read: the lines after the failure were never requested.
    run -0 mock_targets
    assert_output - <<'EOF'
/ff/1?status=200&body=1
/ff/2?status=200&body=2
/ff/3?status=500&body=3
EOF
}

@test "--on-error fail cancels the requests in flight instead of waiting for them" {
    local errs=$BATS_TEST_TMPDIR/errors.ndjson start elapsed
    printf '%s\n' '{"n":1,"d":0,"s":500}' '{"n":2,"d":20000,"s":200}' '{"n":3,"d":20000,"s":200}' \
        '{"n":4,"d":0,"s":200}' >"$BATS_TEST_TMPDIR/in"
    start=${EPOCHREALTIME/[.,]/}
    enrich_stdin "$BATS_TEST_TMPDIR/in" -3 -- -c 4 -e "$errs" --on-error fail \
        --url "$MOCK_URL/fc/{n}?delay={d}&status={s}&body={n}"
    elapsed=$(((${EPOCHREALTIME/[.,]/} - start) / 1000))
    # Record 1 failed first in input order, so nothing may be written after it.
    assert_output ""
    assert_regex "${stderr_lines[0]}" '^enrich: <stdin>:1: http: .*\(stopping: --on-error fail\)$'
    ((elapsed < 10000)) || fail "took $elapsed ms with 20 s requests in flight"
    run -0 grep -cFx '{"n":1,"d":0,"s":500}' "$errs"
    assert_output 1
}

@test "--errors appends every failed line, so two runs accumulate" {
    local in=$BATS_TEST_TMPDIR/in errs=$BATS_TEST_TMPDIR/errors.ndjson
    printf '%s\n' '{"s":200,"n":1}' '{"s":503,"n":2}' '{"s":200,"n":3}' '{"s":500, "n":4}' >"$in"
    enrich_stdin "$in" -1 -- -e "$errs" --url "$MOCK_URL/ea/{n}?status={s}&body=1"
    run -0 sort "$errs"
    assert_output $'{"s":500, "n":4}\n{"s":503,"n":2}'
    enrich_stdin "$in" -1 -- --errors "$errs" --url "$MOCK_URL/ea/{n}?status={s}&body=1"
    run -0 sort "$errs"
    assert_output $'{"s":500, "n":4}\n{"s":500, "n":4}\n{"s":503,"n":2}\n{"s":503,"n":2}'
}

@test "--errors keeps what the file already held" {
    local errs=$BATS_TEST_TMPDIR/errors.ndjson
    echo 'earlier line' >"$errs"
    printf '%s\n' '{"s":503}' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -1 -- -e "$errs" --url "$MOCK_URL/ek/{s}?status={s}"
    run -0 cat "$errs"
    assert_output $'earlier line\n{"s":503}'
}

@test "invalid JSON and non-object lines go to --errors verbatim and not to stdout" {
    local in=$BATS_TEST_TMPDIR/in errs=$BATS_TEST_TMPDIR/errors.ndjson
    printf '%s\n' '{"n":1}' '  {"n": 2,, }' '[1, 2]' '"just a string"' '{"n":5}' '{"n":6' >"$in"
    enrich_stdin "$in" -1 -- -e "$errs" --url "$MOCK_URL/iv/{n}?body={n}"
    assert_output $'{"n":1,"response":1}\n{"n":5,"response":5}'
    run -0 sort "$errs"
    assert_output - <<'EOF'
  {"n": 2,, }
"just a string"
[1, 2]
{"n":6
EOF
    run -0 bash -c 'cut -d" " -f5 "$1" | sort' _ "$MOCK_LOG"
    assert_output $'/iv/1?body=1\n/iv/5?body=5'
}

@test "a CRLF-terminated failed line is copied to --errors with a plain newline" {
    local errs=$BATS_TEST_TMPDIR/errors.ndjson
    printf '{"s":503}\r\nnot json\r\n{"s":200}\r\n' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -1 -- -e "$errs" --url "$MOCK_URL/cr/{s}?status={s}&body=1"
    assert_line --index 1 '{"s":200,"response":1}'
    run -0 sort "$errs"
    assert_output $'not json\n{"s":503}'
    run -0 od -An -c "$errs"
    refute_output --partial '\r'
}

@test "stderr has one line per failure naming FILE:LINE and the kind" {
    local in=$BATS_TEST_TMPDIR/in
    # Line 3 is blank and still counted.
    printf '%s\n' '{"s":200}' 'nope' '' '{"s":503}' '[1]' '{"s":200}' >"$in"
    run_enrich -1 -- --url "$MOCK_URL/fl/{s}?status={s}&body=1" "$in"
    assert_line --index 0 '{"s":200,"response":1}'
    assert_line --index 1 --regexp '^\{"s":503,"error":\{"kind":"http",'
    assert_line --index 2 '{"s":200,"response":1}'
    assert_equal "${#lines[@]}" 3
    assert_equal "${#stderr_lines[@]}" 3
    run -0 sort -t: -k3,3n <<<"$stderr"
    assert_line --index 0 --regexp "^enrich: $in:2: invalid_json: .+"
    assert_line --index 1 --regexp "^enrich: $in:4: http: .+"
    assert_line --index 2 --regexp "^enrich: $in:5: not_object: .+"
}

@test "messages name <stdin> when reading standard input" {
    printf '%s\n' '{"s":200}' 'nope' '{"s":503}' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -1 -- --url "$MOCK_URL/sl/{s}?status={s}&body=1"
    assert_equal "${#stderr_lines[@]}" 2
    run -0 sort <<<"$stderr"
    assert_line --index 0 --regexp '^enrich: <stdin>:2: invalid_json: .+'
    assert_line --index 1 --regexp '^enrich: <stdin>:3: http: .+'
}

@test "line numbers count each input file from 1, and - names stdin" {
    local a=$BATS_TEST_TMPDIR/a b=$BATS_TEST_TMPDIR/b
    printf '%s\n' '{"s":200}' '{"s":500}' >"$a"
    printf '%s\n' 'bad' >"$b"
    run bash -c 'timeout "$1" "$2" --url "$3/ln/{s}?status={s}&body=1" "$4" - <"$5" 2>&1 >/dev/null' \
        _ "$ENRICH_TEST_TIMEOUT" "$ENRICH" "$MOCK_URL" "$a" "$b"
    assert_equal "$status" 1
    run -0 sort <<<"$output"
    assert_line --index 0 --regexp "^enrich: $a:2: http: .+"
    assert_line --index 1 --regexp '^enrich: <stdin>:1: invalid_json: .+'
    assert_equal "${#lines[@]}" 2
}

#!/usr/bin/env bats
# Nothing a user gave enrich is lost: outputs that are inputs are refused, a run that
# stops early (--on-error fail, a write error, a second signal) copies every record it
# admitted and did not write to --errors, and closed standard descriptors are survived.

load helpers/common

setup_file() {
    mock_start
}

teardown_file() {
    mock_stop
}

setup() {
    mock_log_reset
    ENRICH_PID=
    IN=$BATS_TEST_TMPDIR/in.ndjson
}

teardown() {
    kill_background_enrich
}

# ids FILE: the "id" of each whole JSON line of FILE, one a line (a cut last line is
# not a record).
ids() {
    jq -R 'fromjson? | .id' "$1"
}

# assert_unchanged FILE SUM: FILE still has the checksum SUM.
assert_unchanged() {
    assert_equal "$(cksum <"$1")" "$2"
}

@test "--errors naming an input file is refused before anything is read" {
    records 3 "$IN"
    local sum
    sum=$(cksum <"$IN")
    run_enrich -2 -- -e "$IN" --url "$MOCK_URL/x/{id}?status=500" "$IN"
    assert_output ""
    assert_equal "$stderr" "enrich: $IN: input file is output file (--errors $IN)"
    assert_unchanged "$IN" "$sum"
    assert_equal "$(mock_requests)" 0
}

@test "--errors naming the file on standard input is refused" {
    records 3 "$IN"
    local sum
    sum=$(cksum <"$IN")
    enrich_stdin "$IN" -2 -- -e "$IN" --url "$MOCK_URL/x/{id}?status=500"
    assert_equal "$stderr" "enrich: <stdin>: input file is output file (--errors $IN)"
    assert_unchanged "$IN" "$sum"
}

@test "--errors naming an input through another path (a hard link) is refused" {
    records 3 "$IN"
    ln "$IN" "$BATS_TEST_TMPDIR/link"
    run_enrich -2 -- -e "$BATS_TEST_TMPDIR/link" --url "$MOCK_URL/x/{id}" "$IN"
    assert_regex "$stderr" "input file is output file"
}

@test "-o naming an input file is refused and the input is not truncated" {
    records 3 "$IN"
    local sum
    sum=$(cksum <"$IN")
    run_enrich -2 -- -o "$IN" --url "$MOCK_URL/x/{id}" "$IN"
    assert_equal "$stderr" "enrich: $IN: input file is output file (-o $IN)"
    assert_unchanged "$IN" "$sum"
    assert_equal "$(mock_requests)" 0
}

@test "-o naming the second of several inputs is refused" {
    records 3 "$IN"
    records 2 "$BATS_TEST_TMPDIR/b"
    run_enrich -2 -- -o "$BATS_TEST_TMPDIR/b" --url "$MOCK_URL/x/{id}" "$IN" "$BATS_TEST_TMPDIR/b"
    assert_regex "$stderr" "^enrich: $BATS_TEST_TMPDIR/b: input file is output file"
    assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/b")" 2
}

@test "standard output appended to an input file is refused" {
    records 3 "$IN"
    local sum
    sum=$(cksum <"$IN")
    run --separate-stderr bash -c 'timeout 20 "$1" --url "$2/x/{id}" "$3" >>"$3"' \
        _ "$ENRICH" "$MOCK_URL" "$IN"
    assert_equal "$status" 2
    assert_equal "$stderr" "enrich: $IN: input file is output file (standard output)"
    assert_unchanged "$IN" "$sum"
}

@test "-o and --errors naming one existing file are refused" {
    records 3 "$IN"
    echo '{"kept":1}' >"$BATS_TEST_TMPDIR/x"
    run_enrich -2 -- -o "$BATS_TEST_TMPDIR/x" -e "$BATS_TEST_TMPDIR/x" --url "$MOCK_URL/x/{id}" "$IN"
    assert_equal "$stderr" "enrich: $BATS_TEST_TMPDIR/x: the output is also the --errors file"
    run -0 cat "$BATS_TEST_TMPDIR/x"
    assert_output '{"kept":1}'
}

@test "-o and --errors naming one new file are refused and leave no file behind" {
    records 3 "$IN"
    run_enrich -2 -- -o "$BATS_TEST_TMPDIR/new" -e "$BATS_TEST_TMPDIR/./new" \
        --url "$MOCK_URL/x/{id}" "$IN"
    assert_regex "$stderr" "the output is also the --errors file"
    assert [ ! -e "$BATS_TEST_TMPDIR/new" ]
}

@test "a device such as /dev/null may be both input and output" {
    run_enrich -0 -- -o /dev/null -e /dev/null --url "$MOCK_URL/x/{id}" /dev/null
}

@test "--on-error fail copies every admitted and unwritten record to --errors, in input order" {
    local errs=$BATS_TEST_TMPDIR/errors.ndjson
    # 1 and 2 are written; 3 fails at once; 4 and 5 are still in flight; 6 is done
    # but waits behind them; 7 and 8 were never read.
    printf '%s\n' '{"id":1,"d":0,"s":200}' '{"id":2,"d":0,"s":200}' '{"id":3,"d":300,"s":500}' \
        '{"id":4,"d":20000,"s":200}' '{"id":5,"d":20000,"s":200}' '{"id":6,"d":0,"s":200}' >"$IN"
    enrich_stdin "$IN" -3 -- -c 4 -e "$errs" --on-error fail \
        --url "$MOCK_URL/f/{id}?delay={d}&status={s}"
    run -0 ids <(printf '%s\n' "$output")
    assert_output $'1\n2'
    run -0 ids "$errs"
    assert_output $'3\n4\n5\n6'
    assert_equal "${#stderr_lines[@]}" 2
    assert_regex "${stderr_lines[0]}" '^enrich: <stdin>:3: http: .*\(stopping: --on-error fail\)$'
    assert_equal "${stderr_lines[1]}" \
        "enrich: stopped early: 3 unwritten records appended to $errs for a replay"
}

@test "--on-error fail without --errors says how many records were not written" {
    printf '%s\n' '{"id":1,"d":0,"s":500}' '{"id":2,"d":20000,"s":200}' >"$IN"
    enrich_stdin "$IN" -3 -- -c 2 --on-error fail --url "$MOCK_URL/f/{id}?delay={d}&status={s}"
    assert_equal "${stderr_lines[1]}" \
        "enrich: stopped early: 1 record not written (--errors FILE keeps them)"
}

@test "--on-error fail in unordered mode copies what was not written, once each" {
    local errs=$BATS_TEST_TMPDIR/errors.ndjson
    printf '%s\n' '{"id":1,"d":20000,"s":200}' '{"id":2,"d":0,"s":200}' '{"id":3,"d":300,"s":500}' \
        '{"id":4,"d":20000,"s":200}' >"$IN"
    enrich_stdin "$IN" -3 -- -U -c 4 -e "$errs" --on-error fail \
        --url "$MOCK_URL/f/{id}?delay={d}&status={s}"
    run -0 ids <(printf '%s\n' "$output")
    assert_output 2
    run -0 ids "$errs"
    assert_output $'1\n3\n4'
}

# assert_read_once OUT ERRORS: the ids in OUT, then in ERRORS, are 1..N for some N > 0:
# every record that was read is in one of them, once, in input order.
assert_read_once() {
    local got n
    got=$(cat <(ids "$1") <(ids "$2"))
    n=$(wc -l <<<"$got")
    assert_equal "$got" "$(seq 1 "$n")"
}

# A file size limit (ulimit -f, in KiB) stands in for a full disk: a write past it fails
# with EFBIG after writing what fits, as a full disk does with ENOSPC.
_limited_run() {
    local limit=$1
    shift
    run --separate-stderr bash -c 'ulimit -f "$1"; shift; exec timeout 60 "$@"' \
        _ "$limit" "$ENRICH" "$@"
}

@test "a write error leaves only whole lines in -o FILE and the rest in --errors" {
    local out=$BATS_TEST_TMPDIR/out errs=$BATS_TEST_TMPDIR/errors
    records 200 "$IN"
    # About 330 bytes a record out, 10 a record in: 8 KiB holds some 24 records.
    _limited_run 8 --line-buffered -c 8 -o "$out" -e "$errs" \
        --url "$MOCK_URL/w/{id}?big=300" "$IN"
    assert_equal "$status" 3
    [[ $(tail -c 1 "$out" | od -An -c) == *'\n'* ]] || fail "the output ends in a partial line"
    local written
    written=$(wc -l <"$out")
    ((written > 0 && written < 200)) || fail "$written lines written"
    # Together, the output and the errors file hold every record read once, in order.
    assert_read_once "$out" "$errs"
    assert_equal "${#stderr_lines[@]}" 1
    local saved
    saved=$(wc -l <"$errs")
    assert_regex "$stderr" "^enrich: $out: write error: File too large; the output ends after $IN:$written; $saved unwritten records? appended to $errs for a replay\$"
}

@test "a write error on a block boundary leaves whole blocks, and the rest in --errors" {
    local out=$BATS_TEST_TMPDIR/out errs=$BATS_TEST_TMPDIR/errors
    records 1000 "$IN"
    _limited_run 100 -c 8 -o "$out" -e "$errs" --url "$MOCK_URL/w/{id}?big=300" "$IN"
    assert_equal "$status" 3
    [[ $(tail -c 1 "$out" | od -An -c) == *'\n'* ]] || fail "the output ends in a partial line"
    assert_read_once "$out" "$errs"
}

@test "a write error before any record is written says so" {
    local errs=$BATS_TEST_TMPDIR/errors
    records 3 "$IN"
    run_enrich -3 -- -o /dev/full -e "$errs" --url "$MOCK_URL/w/{id}" "$IN"
    assert_equal "$stderr" \
        "enrich: /dev/full: write error: No space left on device; no record was written; 3 unwritten records appended to $errs for a replay"
    run -0 cat "$errs"
    assert_output "$(cat "$IN")"
}

@test "with standard input closed enrich reads nothing and exits 0" {
    run --separate-stderr bash -c 'exec timeout 20 "$1" --url "$2/x/{id}" <&-' _ "$ENRICH" "$MOCK_URL"
    assert_equal "$status" 0
    assert_output ""
    assert_equal "$stderr" ""
}

@test "with standard output closed enrich refuses to run" {
    records 1 "$IN"
    run --separate-stderr bash -c 'exec timeout 20 "$1" --url "$2/x/{id}" "$3" >&-' \
        _ "$ENRICH" "$MOCK_URL" "$IN"
    assert_equal "$status" 2
    assert_regex "$stderr" "standard output is closed"
    assert_equal "$(mock_requests)" 0
}

@test "with standard output closed, -o FILE still works" {
    records 2 "$IN"
    run --separate-stderr bash -c 'exec timeout 20 "$1" --url "$2/x/{id}?body={id}" -o "$3" "$4" >&-' \
        _ "$ENRICH" "$MOCK_URL" "$BATS_TEST_TMPDIR/out" "$IN"
    assert_equal "$status" 0
    run -0 cat "$BATS_TEST_TMPDIR/out"
    assert_output $'{"id":1,"response":1}\n{"id":2,"response":2}'
}

@test "with standard error closed, a failure still exits 1 and writes the record" {
    records 1 "$IN"
    run bash -c 'exec timeout 20 "$1" --url "$2/x/{id}?status=500" "$3" 2>&-' \
        _ "$ENRICH" "$MOCK_URL" "$IN"
    assert_equal "$status" 1
    assert_regex "$output" '"kind":"http"'
}

@test "a directory on standard input is a usage error naming <stdin>" {
    run --separate-stderr bash -c 'exec timeout 20 "$1" --url "$2/x/{id}" <"$3"' \
        _ "$ENRICH" "$MOCK_URL" "$BATS_TEST_TMPDIR"
    assert_equal "$status" 2
    assert_equal "$stderr" "enrich: <stdin>: Is a directory"
}

# wait_for_line FILE REGEX: polls until a line of FILE matches (10 s at most).
wait_for_line() {
    local i
    for ((i = 0; i < 500; i++)); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        sleep 0.02
    done
    echo "# no line matching $2 in $1:" >&2
    cat "$1" >&2
    return 1
}

@test "the first signal says how many records are being finished and that a second aborts" {
    local fifo=$BATS_TEST_TMPDIR/in.fifo err=$BATS_TEST_TMPDIR/err
    mkfifo "$fifo"
    "$ENRICH" --url "$MOCK_URL/s/{id}?delay=400&body={id}" <"$fifo" >"$BATS_TEST_TMPDIR/out" \
        2>"$err" 3>&- &
    ENRICH_PID=$!
    exec {STDIN_FD}>"$fifo"
    printf '%s\n' '{"id":1}' '{"id":2}' >&"$STDIN_FD"
    local i
    for ((i = 0; i < 500 && $(mock_requests) < 2; i++)); do sleep 0.02; done
    kill -INT "$ENRICH_PID"
    wait_exit "$ENRICH_PID"
    exec {STDIN_FD}>&-
    assert_equal "$status" 130
    run -0 cat "$err"
    assert_output "enrich: interrupted: finishing 2 records in flight; a second signal aborts them"
}

@test "signals are heard while the output is blocked: a second one aborts and saves the rest" {
    local fifo=$BATS_TEST_TMPDIR/out.fifo err=$BATS_TEST_TMPDIR/err errs=$BATS_TEST_TMPDIR/errors
    records 400 "$IN"
    mkfifo "$fifo"
    # The test holds the pipe's read end open and reads nothing: enrich's writes block
    # once the pipe is full (about 64 KiB: some 60 records of 1 KiB).
    exec {READ_FD}<>"$fifo"
    "$ENRICH" -c 8 -e "$errs" --url "$MOCK_URL/b/{id}?big=1000" "$IN" >"$fifo" 2>"$err" 3>&- &
    ENRICH_PID=$!
    local i
    for ((i = 0; i < 500 && $(mock_requests) < 80; i++)); do sleep 0.02; done
    kill -INT "$ENRICH_PID"
    wait_for_line "$err" 'interrupted: finishing'
    kill -INT "$ENRICH_PID"
    wait_exit "$ENRICH_PID"
    assert_equal "$status" 130
    # What reached the pipe, then the errors file: each admitted record once, in order.
    # The pipe never reaches end of file (the test holds its write end too): read until
    # it is empty. A partial last line, if any, is left out.
    local line
    while IFS= read -r -t 1 -u "$READ_FD" line; do
        printf '%s\n' "$line"
    done >"$BATS_TEST_TMPDIR/out"
    exec {READ_FD}<&-
    assert_read_once "$BATS_TEST_TMPDIR/out" "$errs"
    local n
    n=$(cat "$BATS_TEST_TMPDIR/out" "$errs" | wc -l)
    ((n >= 60 && n < 400)) || fail "$n records accounted for"
}

#!/usr/bin/env bats
# --checkpoint: killed at any moment (kill -9 included), the same command run again
# continues where the committed output ends; the final output is the uninterrupted run's
# (ordered: byte for byte; unordered: the same lines, each once). A finished run is not
# redone; a changed command or input is refused.

load helpers/common

setup_file() {
    mock_start
    # 3000 records, each answered after 0-20 ms (seeded).
    local i
    RANDOM=7
    for ((i = 1; i <= 3000; i++)); do
        printf '{"id":%d,"d":%d}\n' "$i" $((RANDOM % 21))
    done >"$BATS_FILE_TMPDIR/in"
    export IN=$BATS_FILE_TMPDIR/in
}

teardown_file() {
    mock_stop
}

setup() {
    ENRICH_PID=
    OUT=$BATS_TEST_TMPDIR/out
    CK=$BATS_TEST_TMPDIR/ck
    URL="$MOCK_URL/ck/{id}?delay={d}&body={id}"
}

teardown() {
    kill_background_enrich
}

# kill_and_resume SEED ARGS...: runs enrich with --checkpoint, kills it with SIGKILL after
# a random 0.1-0.9 s (seeded), and again, until a run ends by itself; at least 10 kills.
# Sets kills and status.
kill_and_resume() {
    local seed=$1
    shift
    RANDOM=$seed
    kills=0
    local i
    for ((i = 0; i < 60; i++)); do
        "$ENRICH" "$@" --checkpoint "$CK" -o "$OUT" "$IN" 2>>"$BATS_TEST_TMPDIR/err" 3>&- &
        ENRICH_PID=$!
        # Until 10 kills are in, kill every run; then let one finish.
        if ((kills < 10)); then
            sleep "0.$((RANDOM % 9 + 1))"
            if kill -KILL "$ENRICH_PID" 2>/dev/null; then
                wait "$ENRICH_PID" || true
                kills=$((kills + 1))
                continue
            fi
        fi
        wait_exit "$ENRICH_PID"
        return 0
    done
    fail "no run finished after $i tries"
}

@test "ordered: killed with SIGKILL at least 10 times and resumed, the output is the uninterrupted run's" {
    run_enrich -0 -- -c 5 -o "$BATS_TEST_TMPDIR/whole" --url "$URL" "$IN"
    kill_and_resume 11 -c 5 --url "$URL"
    assert_equal "$status" 0
    ((kills >= 10)) || fail "only $kills kills"
    cmp "$OUT" "$BATS_TEST_TMPDIR/whole" || fail "the resumed output differs"
}

@test "unordered: killed and resumed, every line of the uninterrupted run comes out once" {
    run_enrich -0 -- -U -c 5 -o "$BATS_TEST_TMPDIR/whole" --url "$URL" "$IN"
    kill_and_resume 12 -U -c 5 --url "$URL"
    assert_equal "$status" 0
    ((kills >= 10)) || fail "only $kills kills"
    assert_equal "$(sort "$OUT")" "$(sort "$BATS_TEST_TMPDIR/whole")"
}

@test "--errors is cut back with the output: a resumed run copies each failure once" {
    # Records whose delay is 0 get status 500 and fail; the others succeed.
    local url="$MOCK_URL/cke/{id}?delay={d}&body={id}&status={s}"
    awk -F'"d":' '{ d = $2 + 0; printf "{\"id\":%d,\"d\":%d,\"s\":%d}\n", NR, d, (d == 0 ? 500 : 200) }' \
        "$IN" >"$BATS_TEST_TMPDIR/in2"
    IN=$BATS_TEST_TMPDIR/in2
    run_enrich -1 -- -c 20 --on-error drop -e "$BATS_TEST_TMPDIR/whole-errors" -o "$BATS_TEST_TMPDIR/whole" \
        --url "$url" "$IN"
    local errs=$BATS_TEST_TMPDIR/errors
    RANDOM=13
    kills=0
    local i
    for ((i = 0; i < 40; i++)); do
        "$ENRICH" -c 20 --on-error drop -e "$errs" --url "$url" --checkpoint "$CK" -o "$OUT" "$IN" \
            2>/dev/null 3>&- &
        ENRICH_PID=$!
        if ((kills < 5)); then
            sleep "0.$((RANDOM % 9 + 1))"
            kill -KILL "$ENRICH_PID" 2>/dev/null && { wait "$ENRICH_PID" || true; kills=$((kills + 1)); continue; }
        fi
        wait_exit "$ENRICH_PID"
        break
    done
    assert_equal "$status" 1
    cmp "$OUT" "$BATS_TEST_TMPDIR/whole" || fail "the output differs"
    cmp "$errs" "$BATS_TEST_TMPDIR/whole-errors" || fail "the errors file differs"
}

@test "a finished run marks its checkpoint done: running it again does nothing" {
    run_enrich -0 -- -c 20 --checkpoint "$CK" -o "$OUT" --url "$URL" "$IN"
    run -0 grep -c '^state done 0$' "$CK"
    local sum
    sum=$(cksum <"$OUT")
    mock_log_reset
    run_enrich -0 -- -c 20 --checkpoint "$CK" -o "$OUT" --url "$URL" "$IN"
    assert_equal "$(mock_requests)" 0
    assert_equal "$(cksum <"$OUT")" "$sum"
}

@test "a checkpoint of another command, or of changed input, is refused" {
    head -n 50 "$IN" >"$BATS_TEST_TMPDIR/small"
    run_enrich -0 -- --checkpoint "$CK" -o "$OUT" --url "$URL" "$BATS_TEST_TMPDIR/small"
    run_enrich -2 -- -c 5 --checkpoint "$CK" -o "$OUT" --url "$URL" "$BATS_TEST_TMPDIR/small"
    assert_regex "$stderr" "^enrich: $CK: this checkpoint is of another command, or the inputs changed"
    echo '{"id":51,"d":0}' >>"$BATS_TEST_TMPDIR/small"
    run_enrich -2 -- --checkpoint "$CK" -o "$OUT" --url "$URL" "$BATS_TEST_TMPDIR/small"
    assert_regex "$stderr" "the inputs changed"
}

@test "--checkpoint needs -o FILE and regular input files" {
    run_enrich -2 -- --checkpoint "$CK" --url "$URL" "$IN"
    assert_regex "$stderr" "needs -o FILE"
    run --separate-stderr bash -c 'cat "$1" | timeout 20 "$2" --checkpoint "$3" -o "$4" --url "$5"' \
        _ "$IN" "$ENRICH" "$CK" "$OUT" "$URL"
    assert_equal "$status" 2
    assert_regex "$stderr" "regular files"
}

@test "an interrupted run resumes where it stopped" {
    "$ENRICH" -c 20 --checkpoint "$CK" -o "$OUT" --url "$URL" "$IN" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    ENRICH_PID=$!
    local i
    for ((i = 0; i < 500; i++)); do
        [[ -s $CK ]] && break
        sleep 0.02
    done
    kill -INT "$ENRICH_PID"
    wait_exit "$ENRICH_PID"
    assert_equal "$status" 130
    run -0 grep -c '^state running' "$CK"
    run_enrich -0 -- -c 20 --checkpoint "$CK" -o "$OUT" --url "$URL" "$IN"
    run_enrich -0 -- -c 5 -o "$BATS_TEST_TMPDIR/whole" --url "$URL" "$IN"
    cmp "$OUT" "$BATS_TEST_TMPDIR/whole" || fail "the resumed output differs"
}

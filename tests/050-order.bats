#!/usr/bin/env bats
# Output order, capacity, backpressure and connection reuse.
#
# Timing checks read the mock's log, whose time is taken when a request head arrives and
# before any delay: a request logged at T with delay=D is answered no earlier than T + D,
# so "B was requested after A was answered" is exact, not a guess about scheduling.

load helpers/common

setup_file() {
    mock_start
}

teardown_file() {
    mock_stop
}

setup() {
    mock_log_reset
}

# log_time TARGET: the mock's arrival time (ms) of the first request for TARGET.
log_time() {
    local t
    t=$(awk -v target="$1" '$5 == target { print $1; exit }' "$MOCK_LOG")
    [[ -n $t ]] || {
        echo "# no request for $1 in the mock log:" >&2
        cat "$MOCK_LOG" >&2
        return 1
    }
    echo "$t"
}

# at_least A B [D]: true when A >= B + D (milliseconds, possibly fractional).
at_least() {
    awk -v a="$1" -v b="$2" -v d="${3:-0}" 'BEGIN { exit !(a + 0 >= b + d) }'
}

# conn_count: how many distinct connections the logged requests came on.
conn_count() {
    cut -d' ' -f2 "$MOCK_LOG" | sort -u | wc -l
}

@test "ordered mode keeps input order when later records finish first" {
    printf '%s\n' '{"id":1,"d":900}' '{"id":2,"d":0}' '{"id":3,"d":450}' '{"id":4,"d":0}' \
        >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- --url "$MOCK_URL/o/{id}?delay={d}&body={id}"
    assert_output - <<'EOF'
{"id":1,"d":900,"response":1}
{"id":2,"d":0,"response":2}
{"id":3,"d":450,"response":3}
{"id":4,"d":0,"response":4}
EOF
    [[ -z $stderr ]]
    # All four were in flight together, so 2, 3 and 4 really did finish before 1.
    local t1 t4
    t1=$(log_time '/o/1?delay=900&body=1')
    t4=$(log_time '/o/4?delay=0&body=4')
    at_least "$t1" "$t4" -900 || fail "record 4 was requested after record 1 finished"
}

@test "--ordered is the default and can be given explicitly" {
    printf '%s\n' '{"id":1,"d":600}' '{"id":2,"d":0}' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- --ordered --url "$MOCK_URL/oo/{id}?delay={d}&body={id}"
    assert_output $'{"id":1,"d":600,"response":1}\n{"id":2,"d":0,"response":2}'
}

@test "unordered mode writes records in completion order, fast ones first" {
    printf '%s\n' '{"id":1,"d":1500}' '{"id":2,"d":0}' '{"id":3,"d":1000}' '{"id":4,"d":500}' \
        >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- -U --url "$MOCK_URL/u/{id}?delay={d}&body={id}"
    assert_output - <<'EOF'
{"id":2,"d":0,"response":2}
{"id":4,"d":500,"response":4}
{"id":3,"d":1000,"response":3}
{"id":1,"d":1500,"response":1}
EOF
    [[ -z $stderr ]]
}

@test "--unordered is the long form of -U" {
    printf '%s\n' '{"id":1,"d":1000}' '{"id":2,"d":0}' >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- --unordered --url "$MOCK_URL/uu/{id}?delay={d}&body={id}"
    assert_output $'{"id":2,"d":0,"response":2}\n{"id":1,"d":1000,"response":1}'
}

@test "with capacity 1 each request starts only after the previous one was answered" {
    local i
    for i in 1 2 3 4 5; do
        printf '{"id":%d}\n' "$i"
    done >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- -c 1 --url "$MOCK_URL/c1/{id}?delay=200&body={id}"
    assert_equal "${#lines[@]}" 5
    run -0 mock_targets
    assert_output - <<'EOF'
/c1/1?delay=200&body=1
/c1/2?delay=200&body=2
/c1/3?delay=200&body=3
/c1/4?delay=200&body=4
/c1/5?delay=200&body=5
EOF
    # Arrival gaps of at least the delay: never two requests at once.
    run -0 awk 'NR > 1 && $1 - prev < 200 { print "gap " $1 - prev " ms before: " $0 }
                { prev = $1 }' "$MOCK_LOG"
    assert_output ""
}

@test "capacity bounds the requests in flight and is used in full" {
    local i
    for i in 1 2 3 4 5 6; do
        printf '{"id":%d}\n' "$i"
    done >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- -c 2 --url "$MOCK_URL/c2/{id}?delay=600"
    assert_equal "${#lines[@]}" 6
    run -0 mock_requests
    assert_output 6
    # Each request lasts at least 600 ms from its arrival; a third one arriving within 600 ms
    # of the one two before it would mean three in flight at once.
    run -0 awk '{ t[NR] = $1 }
                END { for (i = 3; i <= NR; i++)
                          if (t[i] - t[i - 2] < 600)
                              print "request " i " came " t[i] - t[i - 2] " ms after request " i - 2 }' \
        "$MOCK_LOG"
    assert_output ""
    # And two did run together: the second arrived before the first was answered.
    run -0 awk 'NR == 1 { a = $1 } NR == 2 { b = $1 } END { exit !(b - a < 600) }' "$MOCK_LOG"
}

@test "with --window 0 (Flink's rule) a finished record waiting for an earlier one keeps its capacity slot" {
    printf '%s\n' '{"id":1,"d":1000}' '{"id":2,"d":0}' '{"id":3,"d":0}' '{"id":4,"d":0}' \
        >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- -c 2 --window 0 --url "$MOCK_URL/w/{id}?delay={d}&body={id}"
    assert_output - <<'EOF'
{"id":1,"d":1000,"response":1}
{"id":2,"d":0,"response":2}
{"id":3,"d":0,"response":3}
{"id":4,"d":0,"response":4}
EOF
    local t1 t3 t4
    t1=$(log_time '/w/1?delay=1000&body=1')
    t3=$(log_time '/w/3?delay=0&body=3')
    t4=$(log_time '/w/4?delay=0&body=4')
    # Record 2 is done at once but holds its slot until record 1 is written.
    at_least "$t3" "$t1" 1000 || fail "record 3 requested at $t3 ms, record 1 at $t1 ms (delay 1000)"
    at_least "$t4" "$t1" 1000 || fail "record 4 requested at $t4 ms, record 1 at $t1 ms (delay 1000)"
}

@test "in unordered mode a written record frees its slot while a slow one is in flight" {
    printf '%s\n' '{"id":1,"d":2000}' '{"id":2,"d":0}' '{"id":3,"d":0}' '{"id":4,"d":0}' \
        >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- -U -c 2 --url "$MOCK_URL/wu/{id}?delay={d}&body={id}"
    assert_output - <<'EOF'
{"id":2,"d":0,"response":2}
{"id":3,"d":0,"response":3}
{"id":4,"d":0,"response":4}
{"id":1,"d":2000,"response":1}
EOF
    local t1 t4
    t1=$(log_time '/wu/1?delay=2000&body=1')
    t4=$(log_time '/wu/4?delay=0&body=4')
    ! at_least "$t4" "$t1" 2000 || fail "record 4 waited for record 1 ($t1 -> $t4 ms)"
}

# Writes a slow first record, then three 1 MB records (far more than a pipe and a read
# buffer hold), then makes a /marker request: the marker arrives only once enrich has
# read everything.
_backpressure_input() {
    local pad
    pad=$(head -c 1000000 /dev/zero | tr '\0' x)
    printf '{"id":1,"d":1500}\n'
    printf '{"id":%d,"d":0,"pad":"%s"}\n' 2 "$pad" 3 "$pad" 4 "$pad"
    curl -sS -o /dev/null "$MOCK_URL/marker"
}

_backpressure_run() {
    _backpressure_input |
        timeout "$ENRICH_TEST_TIMEOUT" "$ENRICH" -c 1 --url "$MOCK_URL/bp/{id}?delay={d}&body={id}" \
            >/dev/null
    local s=("${PIPESTATUS[@]}")
    echo "writer: ${s[0]}, enrich: ${s[1]}"
}

@test "input is not read while capacity is full" {
    run -0 _backpressure_run
    assert_output "writer: 0, enrich: 0"
    # The marker may come before or after records 2-4: compare the set.
    run -0 bash -c 'cut -d" " -f5 "$1" | sort' _ "$MOCK_LOG"
    assert_output - <<'EOF'
/bp/1?delay=1500&body=1
/bp/2?delay=0&body=2
/bp/3?delay=0&body=3
/bp/4?delay=0&body=4
/marker
EOF
    local t1 tm
    t1=$(log_time '/bp/1?delay=1500&body=1')
    tm=$(log_time /marker)
    at_least "$tm" "$t1" 1500 ||
        fail "all input was read at $tm ms while record 1 (requested at $t1 ms) held the only slot"
}

@test "sequential records reuse one keep-alive connection" {
    local i
    for ((i = 1; i <= 20; i++)); do
        printf '{"id":%d}\n' "$i"
    done >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- -c 1 --url "$MOCK_URL/ka/{id}?body={id}"
    assert_equal "${#lines[@]}" 20
    run -0 mock_requests
    assert_output 20
    run -0 conn_count
    assert_output 1
}

@test "concurrent records use no more connections than the capacity" {
    local i
    for ((i = 1; i <= 40; i++)); do
        printf '{"id":%d}\n' "$i"
    done >"$BATS_TEST_TMPDIR/in"
    enrich_stdin "$BATS_TEST_TMPDIR/in" -0 -- -c 4 --url "$MOCK_URL/k4/{id}?delay=20&body={id}"
    assert_equal "${#lines[@]}" 40
    run -0 mock_requests
    assert_output 40
    local n
    n=$(conn_count)
    ((n <= 4)) || fail "40 records at capacity 4 used $n connections"
}

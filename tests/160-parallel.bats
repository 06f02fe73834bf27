#!/usr/bin/env bats
# More than one machine: enrich under GNU parallel, which splits the input into blocks and
# runs one enrich a block on hosts it reaches by ssh. The hosts are network namespaces, each
# with its own loopback and its own lookup service (mockd) on 127.0.0.1:8080, reached
# through tests/helpers/netns-ssh: parallel's host distribution is real, only the network
# is fake. Needs root; skipped where namespaces cannot be made.

load helpers/common
load helpers/netns

setup_file() {
    # bats 1.8 (Debian 12's) cannot skip from setup_file, so each test skips in setup.
    if ! NETNS_UNUSABLE=$(netns_usable); then
        export NETNS_UNUSABLE
        return 0
    fi
    export NETNS_UNUSABLE=""
    command -v parallel >/dev/null || {
        echo "GNU parallel is not installed: run scripts/deps.sh" >&2
        return 1
    }
    export H1=enrich-h1-$$ H2=enrich-h2-$$ HREF=enrich-ref-$$
    netns_host_up "$H1" || return 1
    netns_host_up "$H2" || return 1
    netns_host_up "$HREF" || return 1
    # parallel keeps its state (and the citation notice's mark) under PARALLEL_HOME: not
    # in the user's home.
    export PARALLEL_HOME=$BATS_FILE_TMPDIR/parallel-home
    mkdir -p "$PARALLEL_HOME"
    # Records whose bytes a re-serialising tool would change; 600 of them make about 30
    # blocks of 1 KiB.
    export RECORDS=$BATS_FILE_TMPDIR/records.ndjson
    seq 1 600 | sed 's/.*/{"id":&,"price":1.000,"big":12345678901234567890123}/' >"$RECORDS"
}

teardown_file() {
    netns_cleanup "${H1:-}" "${H2:-}" "${HREF:-}"
}

setup() {
    [[ -z $NETNS_UNUSABLE ]] || skip "$NETNS_UNUSABLE"
    # A test that took a host down may have failed before bringing it back.
    netns_host_up "$H1" || return 1
    netns_host_up "$H2" || return 1
    : >"$BATS_FILE_TMPDIR/$H1.log"
    : >"$BATS_FILE_TMPDIR/$H2.log"
    : >"$BATS_FILE_TMPDIR/$HREF.log"
    OUT=$BATS_TEST_TMPDIR/out.ndjson
    REF=$BATS_TEST_TMPDIR/ref.ndjson
}

teardown() {
    if [[ -n ${PARALLEL_PID:-} ]] && _proc_alive "$PARALLEL_PID"; then
        kill -KILL "$PARALLEL_PID" 2>/dev/null || true
    fi
}

# Every host's lookup service answers on the same local URL; the mock echoes the request,
# which is the same whichever host answers it. delay= slows each lookup. {?id,price} is
# what a shell would brace-expand, had parallel not quoted it.
url() {
    echo "http://127.0.0.1:$NETNS_LOOKUP_PORT/users{?id,price}&delay=${1:-0}"
}

# ref_run ENRICH-ARGS...: the same enrich, alone on a host of its own, over all of RECORDS.
ref_run() {
    timeout -k 5 "$ENRICH_TEST_TIMEOUT" ip netns exec "$HREF" "$ENRICH" "$@" <"$RECORDS" >"$REF"
}

# par PARALLEL-ARGS... -- ENRICH-ARGS...: GNU parallel over H1 and H2 with RECORDS as
# input, in 1 KiB blocks. -q keeps the URL template's braces, ? and & from the remote
# shell, as the README says. netns-ssh, like ssh, starts the remote command with an empty
# environment: the sanitizer build's settings go along with --env.
par() {
    local pargs=() env=() var
    while [[ $1 != -- ]]; do
        pargs+=("$1")
        shift
    done
    shift
    for var in ASAN_OPTIONS UBSAN_OPTIONS; do
        [[ -n ${!var:-} ]] && env+=(--env "$var")
    done
    timeout -k 5 $((ENRICH_TEST_TIMEOUT * 2)) parallel --will-cite --pipe --block 1k \
        --ssh "$NETNS_SSH" "${env[@]}" "${pargs[@]}" -q "$ENRICH" "$@" <"$RECORDS"
}

# The ids of an output's records, one a line, in output order.
ids() {
    jq -c .id "$1"
}

@test "netns-ssh is an ssh: options, host, command words, stdin, status, clean env, 255 when down" {
    export PROBE="not sent"
    run -0 "$NETNS_SSH" -l nobody -p 22 -o BatchMode=yes -oConnectTimeout=5 "me@$H1" -- \
        'ip netns identify; wc -l; echo "[${PROBE:-}]"' <"$RECORDS"
    assert_output "$H1
600
[]"
    run -7 "$NETNS_SSH" "$H2" exit 7
    run -255 --separate-stderr "$NETNS_SSH" "enrich-nohost-$$" true
    assert_equal "$stderr" "netns-ssh: connect to host enrich-nohost-$$: no such network namespace"
    # What the remote command needs from our environment goes with --env, as over ssh.
    run -0 parallel --will-cite -S "1/$H1" --ssh "$NETNS_SSH" --env PROBE -N0 'echo "[$PROBE]"' ::: 1
    assert_output "[not sent]"
}

@test "parallel -k over two hosts writes what one enrich writes, byte for byte" {
    run -0 ref_run -c 16 --url "$(url)"
    run -0 par -k -S "2/$H1,2/$H2" --joblog "$BATS_TEST_TMPDIR/jobs" -- -c 16 --url "$(url)"
    printf '%s\n' "$output" >"$OUT"
    # Both hosts ran blocks, so the order is parallel's -k at work, not one host's.
    local h1 h2
    h1=$(netns_requests "$H1") h2=$(netns_requests "$H2")
    ((h1 > 0 && h2 > 0)) || fail "work not spread: $h1 requests on $H1, $h2 on $H2"
    [[ $(wc -l <"$REF") == 600 ]] || fail "the reference run wrote $(wc -l <"$REF") lines"
    cmp "$REF" "$OUT" || fail "parallel -k output differs from one enrich's"
    # And the bytes of each record came through enrich untouched.
    run -0 grep -c '^{"id":[0-9]*,"price":1.000,"big":12345678901234567890123,"response":{' "$OUT"
    assert_output 600
}

@test "without -k every record comes back exactly once and both hosts share the lookups" {
    run -0 par -S "2/$H1,2/$H2" --joblog "$BATS_TEST_TMPDIR/jobs" -- -c 16 --url "$(url)"
    printf '%s\n' "$output" >"$OUT"
    assert_equal "$(wc -l <"$OUT")" 600
    assert_equal "$(ids "$OUT" | sort -n | uniq)" "$(seq 1 600)"
    # Each lookup was made once, on one host or the other, never on both.
    local h1 h2
    h1=$(netns_requests "$H1") h2=$(netns_requests "$H2")
    ((h1 > 0 && h2 > 0)) || fail "work not spread: $h1 requests on $H1, $h2 on $H2"
    assert_equal $((h1 + h2)) 600
    assert_equal "$(cat "$BATS_FILE_TMPDIR/$H1.log" "$BATS_FILE_TMPDIR/$H2.log" |
        awk '{print $5}' | sort | uniq -d)" ""
    # parallel ran more than one block a host, and every job succeeded.
    run -0 awk -F'\t' 'NR > 1 { print $2, $7 + $8 }' "$BATS_TEST_TMPDIR/jobs"
    (($(grep -c "^$H1 " <<<"$output") > 1)) || fail "one job or none on $H1: $output"
    (($(grep -c "^$H2 " <<<"$output") > 1)) || fail "one job or none on $H2: $output"
    refute_output --regexp ' [1-9][0-9]*$'
}

@test "a host that dies mid-run: --joblog and --resume-failed recover every record once" {
    local results=$BATS_TEST_TMPDIR/results jobs=$BATS_TEST_TMPDIR/jobs i
    # Each block takes a while (40 ms lookups, 4 at a time), so the run is still going
    # when H2 dies; the reference needs no delay to be the same bytes.
    run -0 ref_run -c 16 --url "$(url 40)"
    # Each job's output goes to its own file, results/SEQ, which a re-run replaces.
    par -S "1/$H1,1/$H2" --joblog "$jobs" --results "$results/{#}" \
        -- -c 4 --url "$(url 40)" >/dev/null 2>"$BATS_TEST_TMPDIR/parallel.err" &
    PARALLEL_PID=$!
    for ((i = 0; i < ENRICH_TEST_TIMEOUT * 50; i++)); do
        (($(netns_requests "$H2") >= 5)) && break
        sleep 0.02
    done
    (($(netns_requests "$H2") >= 5)) || fail "$H2 never started on a block"
    netns_host_down "$H2"
    wait_exit "$PARALLEL_PID"
    # parallel's status is the number of failed jobs.
    ((status > 0 && status < 101)) || fail "parallel exited $status; $(cat "$BATS_TEST_TMPDIR/parallel.err")"
    run -0 awk -F'\t' 'NR > 1 && ($7 != 0 || $8 != 0) { print $2 }' "$jobs"
    [[ -n $output ]] || fail "no job failed"
    assert_equal "$(sort -u <<<"$output")" "$H2"
    # Without the re-run, records are missing: the dead host's blocks came back short.
    # The README's join: each block's output, in sequence order.
    combine() (
        cd "$results" && for f in $(ls | grep -x '[0-9]*' | sort -n); do cat "$f"; done
    )
    combine >"$OUT"
    (($(wc -l <"$OUT") < 600)) || fail "the run with a dead host lost nothing: the test proves nothing"

    # The host comes back; the same input, command and joblog run only the failed jobs.
    local failed first
    failed=$(awk -F'\t' 'NR > 1 && ($7 != 0 || $8 != 0) { print $1 }' "$jobs" | sort -n)
    first=$(awk -F'\t' 'NR > 1' "$jobs" | wc -l)
    netns_host_up "$H2"
    run -0 par -S "1/$H1,1/$H2" --joblog "$jobs" --results "$results/{#}" --resume-failed \
        -- -c 4 --url "$(url 40)"
    # The re-run appended one joblog line a failed job, and ran nothing else.
    run -0 awk -F'\t' -v first="$first" 'NR > first + 1 { print $1 }' "$jobs"
    assert_equal "$(sort -n <<<"$output")" "$failed"
    combine >"$OUT"
    assert_equal "$(ids "$OUT" | sort -n | uniq -c | awk '$1 != 1')" ""
    assert_equal "$(wc -l <"$OUT")" 600
    cmp "$REF" "$OUT" || fail "the recovered output differs from one enrich's"
}

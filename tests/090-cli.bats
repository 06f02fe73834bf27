#!/usr/bin/env bats
# The command line: help, version, usage errors, the man page and make install.

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

# assert_usage_error PATTERN ARGS...: exit 2, nothing on stdout, no request sent, and a
# message matching PATTERN followed by the hint to try --help.
assert_usage_error() {
    local pattern=$1
    shift
    enrich_stdin "$BATS_TEST_TMPDIR/one" -2 -- "$@"
    assert_output ""
    assert_regex "${stderr_lines[0]}" "^enrich: $pattern"
    assert_regex "$stderr" "Try 'enrich --help'"
    run -0 mock_requests
    assert_output 0
}

# The long option names enrich knows, from its hidden --list-options.
option_names() {
    "$ENRICH" --list-options | grep -vx 'list-options'
}

@test "--help exits 0 and describes --url on stdout" {
    run_enrich -0 -- --help
    assert_output --partial '--url'
    assert_line --index 0 --regexp '^Usage: enrich '
    assert_equal "$stderr" ""
}

@test "-h is --help" {
    run_enrich -0 -- -h
    assert_line --index 0 --regexp '^Usage: enrich '
}

@test "--help lists every option enrich accepts" {
    run -0 option_names
    local names=("${lines[@]}") name missing=()
    ((${#names[@]} > 10)) || fail "--list-options printed only ${#names[@]} names"
    run_enrich -0 -- --help
    for name in "${names[@]}"; do
        [[ $output == *"--$name"* ]] || missing+=("--$name")
    done
    assert_equal "${missing[*]}" ""
}

@test "--version names enrich and the libcurl it runs with" {
    run_enrich -0 -- --version
    assert_line --index 0 --regexp '^enrich [0-9]+\.[0-9]+'
    assert_output --partial 'libcurl/'
    assert_equal "$stderr" ""
}

@test "-V is --version" {
    run_enrich -0 -- -V
    assert_line --index 0 --regexp '^enrich [0-9]+\.[0-9]+.*libcurl/'
}

@test "an unknown option is a usage error pointing to --help" {
    assert_usage_error ".*--bogus" --bogus --url "$MOCK_URL/x"
}

@test "an ambiguous prefix of long options names the options it could be" {
    assert_usage_error "ambiguous option '--cap': --capath, --capacity$" --cap 4 --url "$MOCK_URL/x"
    assert_usage_error "ambiguous option '--pro': --proxy, --progress$" --pro=always --url "$MOCK_URL/x"
    # A unique prefix is still the option.
    enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --capac 4 --dry-run --url "$MOCK_URL/x"
}

@test "an unknown short option is a usage error pointing to --help" {
    assert_usage_error ".*-Z" -Z --url "$MOCK_URL/x"
}

@test "a URL given as a FILE without --url gets the hint to use -u" {
    assert_usage_error "--url is required.*did you mean -u URL\?" "$MOCK_URL/x/{id}"
    assert_usage_error "--url is required.*did you mean -u URL\?" --dry-run "HTTPS://h/{id}"
}

@test "a FILE that does not exist and looks like a URL gets the hint to use -u" {
    assert_usage_error ".*did you mean -u URL\?" -u "$MOCK_URL/x/{id}" "$MOCK_URL/y/{id}"
}

@test "the hint does not show a password given in the URL" {
    assert_usage_error "--url is required.*did you mean -u URL\?" "http://ada:s3cret@h/{id}"
    refute_output --partial s3cret
    [[ $stderr != *s3cret* ]] || fail "the password is on stderr"
}

@test "a '-' in a template variable is a usage error saying to write it as %2D" {
    local in=$BATS_TEST_TMPDIR/one
    enrich_stdin "$in" -2 -- --url "$MOCK_URL/u/{user-id}"
    assert_regex "$stderr" "^enrich: invalid URL template .*'-'.*%2D.*\{user%2Did\}"
    enrich_stdin "$in" -2 -- --url "$MOCK_URL/u{?user-id,a-b-c}"
    assert_regex "$stderr" "^enrich: invalid URL template .*%2D.*\{\?user%2Did,a%2Db%2Dc\}"
    enrich_stdin "$in" -2 -- --url "$MOCK_URL/u" -H 'X-User: {user-id}'
    assert_regex "$stderr" "^enrich: invalid header .*%2D.*\{user%2Did\}"
    run -0 mock_requests
    assert_output 0
}

# assert_template_refused PATTERN TEMPLATE: exit 2 before any input is read or request sent,
# with one message matching PATTERN.
assert_template_refused() {
    enrich_stdin "$BATS_TEST_TMPDIR/one" -2 -- --url "$2"
    assert_output ""
    assert_regex "$stderr" "^enrich: invalid URL '.*': $1"
    assert_equal "${#stderr_lines[@]}" 1
    run -0 mock_requests
    assert_output 0
}

@test "a literal port out of range in the template is a usage error at start" {
    assert_template_refused "the port must be a number from 1 to 65535" "http://127.0.0.1:99999/{id}"
    assert_template_refused "the port must be a number from 1 to 65535" "http://127.0.0.1:65536/{id}"
    assert_template_refused "the port must be a number from 1 to 65535" "http://127.0.0.1:0/{id}"
    assert_template_refused "the port must be a number from 1 to 65535" "https://h:1x/{id}"
    assert_template_refused "the port must be a number from 1 to 65535" "http://[::1]:99999{?id}"
    assert_template_refused "the port must be a number from 1 to 65535" "http://u:p@h:-1#{id}"
    assert_template_refused "the port must be a number from 1 to 65535" "http://h:99999{/id}"
}

@test "a literal host libcurl cannot parse, or an empty one, is a usage error at start" {
    assert_template_refused ".*IPv6" "http://[::1/{id}"
    assert_template_refused ".*host" "http://a@b@c/{id}"
    assert_template_refused ".*host" "http:///{id}"
}

@test "literal ports 1 and 65535 are fine, and an authority with an expression is checked per record" {
    enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --dry-run --url "http://127.0.0.1:1/{id}"
    enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --dry-run --url "http://[::1]:65535/{id}"
    enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --dry-run --url "http://h:/{id}"
    enrich_stdin "$BATS_TEST_TMPDIR/one" -1 -- --dry-run --url "http://127.0.0.1:9999{id}/x"
    assert_output --partial '"kind":"bad_request"'
    # {/x} missing and allowed expands to nothing, so the literal text after it is still port.
    enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --dry-run --allow-missing \
        --url "http://127.0.0.1:6{/x}5535/{id}"
    assert_output --partial '"url":"http://127.0.0.1:65535/1"'
}

@test "an unknown short option inside a cluster is the one named" {
    assert_usage_error "unknown option '-Z'" -vZ --url "$MOCK_URL/x"
    assert_usage_error "unknown option '-Z'" -Zv --url "$MOCK_URL/x"
}

@test "a value given to a long option that takes none is a usage error naming the option" {
    assert_usage_error "--dry-run: takes no argument" --dry-run=1 --url "$MOCK_URL/x"
}

@test "a missing --url is a usage error" {
    assert_usage_error ".*--url"
}

@test "an option missing its value is a usage error" {
    assert_usage_error ".*capacity" --url "$MOCK_URL/x" --capacity
}

@test "--capacity 0 is a usage error" {
    assert_usage_error "--capacity: " --capacity 0 --url "$MOCK_URL/x"
}

@test "--capacity abc is a usage error" {
    assert_usage_error "--capacity: " --capacity abc --url "$MOCK_URL/x"
}

@test "-c above a million and negative -c are usage errors" {
    assert_usage_error "--capacity: " -c 1000001 --url "$MOCK_URL/x"
    assert_usage_error "--capacity: " -c -5 --url "$MOCK_URL/x"
}

@test "--on-error bogus is a usage error" {
    assert_usage_error "--on-error: " --on-error bogus --url "$MOCK_URL/x"
}

@test "--ok bogus is a usage error" {
    assert_usage_error "--ok: " --ok bogus --url "$MOCK_URL/x"
}

@test "retry, rate and flow options take their documented values" {
    enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --dry-run -r 3 --retry 1000 --backoff fixed \
        --backoff exponential --retry-delay 0 --retry-delay 250ms --retry-max-delay 30s \
        --retry-multiplier 1.5 --jitter --retry-on connect,timeout,tls,resource,4xx,5xx,429,empty \
        --retry-on all --rate 10 --rate 0.5/s --rate 600/m --rate 36000/h --burst 20 \
        --window 0 --window 500 --max-failures 10 --max-failures 2.5% --url "$MOCK_URL/x/{id}"
    assert_output --partial '"url":"'"$MOCK_URL"'/x/1"'
}

@test "bad values of retry, rate and flow options are usage errors" {
    local u=$MOCK_URL/x
    assert_usage_error "--retry: " -r 1001 --url "$u"
    assert_usage_error "--retry: " --retry -1 --url "$u"
    assert_usage_error "--backoff: " --backoff linear --url "$u"
    assert_usage_error "--retry-delay: " --retry-delay -1s --url "$u"
    assert_usage_error "--retry-max-delay: " --retry-max-delay 5x --url "$u"
    assert_usage_error "--retry-multiplier: " --retry-multiplier 0.5 --url "$u"
    assert_usage_error "--retry-multiplier: " --retry-multiplier 1e3 --url "$u"
    assert_usage_error "--retry-on: " --retry-on connect,bogus --url "$u"
    assert_usage_error "--retry-on: " --retry-on "connect, timeout" --url "$u"
    assert_usage_error "--retry-on: " --retry-on missing_field --url "$u"
    assert_usage_error "--rate: " --rate 0 --url "$u"
    assert_usage_error "--rate: " --rate 10/d --url "$u"
    assert_usage_error "--rate: " --rate -1/s --url "$u"
    assert_usage_error "--burst: " --burst 0 --url "$u"
    assert_usage_error "--window: " --window -1 --url "$u"
    assert_usage_error "--window: " --window 1000001 --url "$u"
    assert_usage_error "--max-failures: " --max-failures 0 --url "$u"
    assert_usage_error "--max-failures: " --max-failures 101% --url "$u"
    assert_usage_error "--max-failures: " --max-failures 1.5 --url "$u"
    assert_usage_error "--jitter: takes no argument" --jitter=1 --url "$u"
}

@test "durations combine units from largest to smallest and may start with a point" {
    enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --dry-run -t 1m30s --attempt-timeout .5s \
        --connect-timeout 1s500ms --url "$MOCK_URL/x/{id}"
    assert_output --partial '"url":"'"$MOCK_URL"'/x/1"'
}

@test "a duration in hex, with an exponent or ending in a point is a usage error" {
    assert_usage_error "--timeout: " -t 0x1 --url "$MOCK_URL/x"
    assert_usage_error "--timeout: " -t 1e0 --url "$MOCK_URL/x"
    assert_usage_error "--timeout: " -t 2.s --url "$MOCK_URL/x"
    assert_usage_error "--attempt-timeout: " --attempt-timeout 1m1h --url "$MOCK_URL/x"
}

@test "--max-response-size takes bytes or K, M and G, from 1 byte to 64G" {
    local size
    for size in 1 512k 64M 1G 64G; do
        enrich_stdin "$BATS_TEST_TMPDIR/one" -0 -- --dry-run --max-response-size "$size" \
            --url "$MOCK_URL/x/{id}"
    done
    for size in 0 65G 1T 1.5M 1KB -1 ''; do
        assert_usage_error "--max-response-size: " --max-response-size "$size" --url "$MOCK_URL/x"
    done
}

@test "options after a FILE are recognised, as GNU tools do" {
    local in=$BATS_TEST_TMPDIR/one out=$BATS_TEST_TMPDIR/out
    run_enrich -0 -- -u "$MOCK_URL/x/{id}" "$in" -o "$out" --into user
    assert_output ""
    run -0 cat "$out"
    assert_output --regexp '^\{"id":1,"user":\{.*"/x/1"'
    run_enrich -0 -- "$in" -u "$MOCK_URL/x/{id}" --into user
    assert_output --regexp '^\{"id":1,"user":\{.*"/x/1"'
}

@test "-- ends the options: an argument after it is a FILE even when it starts with -" {
    cd "$BATS_TEST_TMPDIR"
    echo '{"id":2}' >-o
    run_enrich -0 -- -u "$MOCK_URL/x/{id}" -- -o
    assert_output --regexp '^\{"id":2,"response":\{.*"/x/2"'
}

@test "with POSIXLY_CORRECT set, options end at the first FILE" {
    POSIXLY_CORRECT=1 run_enrich -2 -- -u "$MOCK_URL/x/{id}" "$BATS_TEST_TMPDIR/one" -o out
    assert_regex "$stderr" "-o: No such file or directory"
    run -0 mock_requests
    assert_output 0
}

@test "an unreadable input file is a usage error before any request" {
    printf '%s\n' '{"id":1}' >"$BATS_TEST_TMPDIR/good"
    run_enrich -2 -- --url "$MOCK_URL/x/{id}" "$BATS_TEST_TMPDIR/good" "$BATS_TEST_TMPDIR/missing"
    assert_output ""
    assert_regex "$stderr" "$BATS_TEST_TMPDIR/missing"
    run -0 mock_requests
    assert_output 0
}

@test "the man page documents every option" {
    local page=$ENRICH_ROOT/man/enrich.1
    [[ -f $page ]] || fail "no man page at $page"
    run -0 option_names
    local names=("${lines[@]}") name missing=()
    ((${#names[@]} > 10)) || fail "--list-options printed only ${#names[@]} names"
    # In roff every hyphen of an option is written \-: --allow-missing is \-\-allow\-missing.
    for name in "${names[@]}"; do
        grep -qF -- "\\-\\-${name//-/\\-}" "$page" || missing+=("--$name")
    done
    assert_equal "${missing[*]}" ""
}

# man_example WORD: the commands of the first example in EXAMPLES whose introduction
# mentions WORD, as a shell would read them (roff escapes undone).
man_example() {
    awk -v word="$1" '
        /^\.SH/ { in_examples = ($2 == "EXAMPLES") }
        in_examples && !found && index($0, word) { found = 1 }
        found && /^\.EX/ { code = 1; next }
        found && /^\.EE/ { exit }
        code { print }
    ' "$ENRICH_ROOT/man/enrich.1" |
        sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\e/\\/g'
}

@test "the man page's replay example, run as written, loses and duplicates no record" {
    local dir=$BATS_TEST_TMPDIR/example script
    mkdir -p "$dir/bin"
    ln -s "$ENRICH" "$dir/bin/enrich"
    run -0 man_example replay
    script=$output
    [[ $script == *"failed.ndjson"* ]] || fail "no replay example in the man page: '$script'"
    # The example's users service is the mock, which answers each record as its seq says,
    # one item per attempt: user 2 fails, then succeeds when replayed; user 3 always fails;
    # the record without a user_id never gets a request.
    script=${script//"http://users.internal/v1/users/{user_id}"/"$MOCK_URL/replay/{user_id}{?seq}"}
    [[ $script == *"$MOCK_URL/replay/"* ]] || fail "the example does not use users.internal"
    cat >"$dir/events.ndjson" <<'EOF'
{"user_id":1,"seq":"200"}
{"user_id":2,"seq":"503,200"}
{"user_id":3,"seq":"404"}
{"seq":"200"}
{"user_id":5,"seq":"200"}
EOF
    cd "$dir"
    run timeout "$ENRICH_TEST_TIMEOUT" env PATH="$dir/bin:$PATH" bash -c "$script" 3>&-
    echo "$script"
    echo "$output"
    # Every record once, whatever the order: the input records are the output records less
    # what enrich added.
    run -0 jq -c 'del(.user, .error)' enriched.ndjson
    assert_equal "$(sort <<<"$output")" "$(sort events.ndjson)"
    run -0 jq -c 'select(.user_id == 2) | [(.user | type), .error]' enriched.ndjson
    assert_output '["object",null]'
    run -0 jq -c 'select(.user_id == 3 or .user_id == null) | .error.kind' enriched.ndjson
    assert_output $'"http"\n"missing_field"'
}

@test "the man page renders with man" {
    command -v man >/dev/null || skip "man is not installed"
    local page=$ENRICH_ROOT/man/enrich.1
    [[ -f $page ]] || fail "no man page at $page"
    run -0 env MANWIDTH=80 MANPAGER=cat PAGER=cat man -l "$page"
    assert_output --partial 'enrich'
}

@test "make install puts the binary and the man page under DESTDIR and PREFIX" {
    local dest=$BATS_TEST_TMPDIR/d
    run make -C "$ENRICH_ROOT" install DESTDIR="$dest" PREFIX=/usr
    assert_success
    [[ -x $dest/usr/bin/enrich ]] || fail "no executable $dest/usr/bin/enrich"
    [[ -f $dest/usr/share/man/man1/enrich.1 ]] || fail "no $dest/usr/share/man/man1/enrich.1"
    run -0 cmp "$ENRICH_ROOT/man/enrich.1" "$dest/usr/share/man/man1/enrich.1"
    run -0 "$dest/usr/bin/enrich" --version
    assert_line --index 0 --regexp '^enrich [0-9]'
    run -0 stat -c %a "$dest/usr/bin/enrich" "$dest/usr/share/man/man1/enrich.1"
    assert_output $'755\n644'
}

# scratch_tree: a copy of the sources (no build products) in $BATS_TEST_TMPDIR/src.
scratch_tree() {
    local dir=$BATS_TEST_TMPDIR/src
    mkdir -p "$dir/tests"
    cp -r "$ENRICH_ROOT/Makefile" "$ENRICH_ROOT/lib" "$ENRICH_ROOT/cmd" "$dir/"
    cp -r "$ENRICH_ROOT/tests/unit" "$dir/tests/"
    echo "$dir"
}

@test "a bare make builds ./enrich" {
    local dir
    dir=$(scratch_tree)
    run -0 make -C "$dir" -n
    assert_line --regexp ' enrich\.tmp && mv -f enrich\.tmp enrich$'
}

@test "make rebuilds an object when a header it includes changes, and only then" {
    local dir
    dir=$(scratch_tree)
    # buf.c includes buf.h; tmpl.c includes tmpl.h, which includes buf.h.
    run -0 make -C "$dir" build/lib/buf.o build/lib/tmpl.o CFLAGS=-O0
    touch "$dir/lib/tmpl.h"
    run -0 make -C "$dir" -n build/lib/buf.o build/lib/tmpl.o CFLAGS=-O0
    assert_line --partial '-o build/lib/tmpl.o'
    refute_line --partial '-o build/lib/buf.o'
    touch "$dir/lib/buf.h"
    run -0 make -C "$dir" -n build/lib/buf.o build/lib/tmpl.o CFLAGS=-O0
    assert_line --partial '-o build/lib/tmpl.o'
    assert_line --partial '-o build/lib/buf.o'
}

@test "the demo starts its lookup service, enriches the sample and cleans up" {
    run -0 timeout 60 bash "$ENRICH_ROOT/scripts/demo.sh" 3>&-
    assert_line --partial '"user_id":1,"at":"2026-11-24T10:00:00Z","amount":12345678901234567890,"user":{"id":1,"name":"ada","plan":"pro","credit":1.000}}'
    assert_line --partial '"error":{"kind":"http","status":404,"message":"HTTP 404","attempts":1,"body":"<html>'
    assert_line --partial '"headers":["Authorization: ***"]'
    # Its nginx and temporary directory are gone.
    local dir
    dir=$(sed -n 's/^== input (\(.*\)\/events.ndjson)$/\1/p' <<<"$output")
    [[ -n $dir && ! -e $dir ]] || fail "demo directory '$dir' left behind"
}

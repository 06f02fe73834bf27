# Shared setup for enrich's bats tests: load with `load helpers/common`.
# Gives ENRICH_ROOT, ENRICH (the binary under test; ENRICH_BIN overrides it, as the
# sanitizer run does), bats-support and bats-assert, the servers in servers.bash, and
# run_enrich / enrich_stdin, which run enrich under a timeout and log what happened.

ENRICH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ENRICH_ROOT
ENRICH=${ENRICH_BIN:-$ENRICH_ROOT/enrich}
export ENRICH

# libcurl honours these: a proxy in a user's or CI's environment must not send test
# traffic elsewhere (or make loopback tests depend on it). Every enrich a test runs
# inherits this environment.
ENRICH_PROXY_VARIABLES=(http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
    no_proxy NO_PROXY)
unset "${ENRICH_PROXY_VARIABLES[@]}"

# A hung enrich must fail its test, not the whole CI job.
ENRICH_TEST_TIMEOUT=${ENRICH_TEST_TIMEOUT:-60}

# --separate-stderr needs 1.5; saying so keeps bats from warning about it.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
source "$ENRICH_ROOT/tests/helpers/servers.bash"

# Prints what a run did; bats shows a test's output only when it fails.
_log_run() {
    printf '$'
    printf ' %q' "$@"
    printf '\n# status: %s' "$status"
    ((status == 124)) && printf ' (killed by timeout after %ss)' "$ENRICH_TEST_TIMEOUT"
    printf '\n# stdout:\n%s\n# stderr:\n%s\n' "$output" "$stderr"
}

# Splits "[RUN-FLAGS --] ARGS" into _run_expect, _run_keep and _run_args. RUN-FLAGS are
# bats' -N, ! and --keep-empty-lines; without a "--" after them, every argument is enrich's.
# A leading "--" alone is dropped: write "run_enrich -- -- ARGS" to pass enrich a "--".
_split_run_args() {
    _run_expect=""
    _run_keep=()
    _run_args=("$@")
    local i arg
    for ((i = 1; i <= $#; i++)); do
        arg=${!i}
        [[ $arg == -- ]] && break
        [[ $arg =~ ^(-[0-9]+|!|--keep-empty-lines)$ ]] || return 0
    done
    ((i <= $#)) || return 0
    for arg in "${@:1:i-1}"; do
        case $arg in
        --keep-empty-lines) _run_keep=(--keep-empty-lines) ;;
        !) _run_expect=nonzero ;;
        *) _run_expect=${arg#-} ;;
        esac
    done
    _run_args=("${@:i+1}")
}

# Checks the expected status after logging, since run -N would fail before the log.
_check_run_status() {
    case $_run_expect in
    "") return 0 ;;
    nonzero) ((status != 0)) && return 0 ;;
    *) ((status == _run_expect)) && return 0 ;;
    esac
    echo "# expected status ${_run_expect}, got $status" >&2
    return 1
}

# run_enrich [RUN-FLAGS --] ARGS...: runs enrich with ARGS under a timeout; sets status,
# output, lines, stderr and stderr_lines. Example: run_enrich -0 -- --concurrency 4 URL
run_enrich() {
    _split_run_args "$@"
    run "${_run_keep[@]}" --separate-stderr \
        timeout -k 5 "$ENRICH_TEST_TIMEOUT" "$ENRICH" "${_run_args[@]}"
    _log_run "$ENRICH" "${_run_args[@]}"
    _check_run_status
}

# enrich_stdin FILE [RUN-FLAGS --] ARGS...: run_enrich with FILE on stdin.
enrich_stdin() {
    local file=$1
    shift
    _split_run_args "$@"
    run "${_run_keep[@]}" --separate-stderr \
        timeout -k 5 "$ENRICH_TEST_TIMEOUT" "$ENRICH" "${_run_args[@]}" <"$file"
    _log_run "$ENRICH" "${_run_args[@]}" "<$file"
    _check_run_status
}

# input LINE...: write each argument as one line of $IN.
input() {
    printf '%s\n' "$@" >"$IN"
}

# records N FILE: N records {"id":1} ... {"id":N}.
records() {
    seq 1 "$1" | sed 's/.*/{"id":&}/' >"$2"
}

# wait_exit PID: wait (bounded by ENRICH_TEST_TIMEOUT) for a background enrich and set
# status to its exit status, or 124 after killing it when it does not end in time.
wait_exit() {
    local pid=$1 i
    for ((i = 0; i < ENRICH_TEST_TIMEOUT * 50; i++)); do
        _proc_alive "$pid" || break
        sleep 0.02
    done
    if _proc_alive "$pid"; then
        kill -KILL "$pid"
        wait "$pid" || true
        status=124
        return 0
    fi
    status=0
    wait "$pid" || status=$?
}

# kill_background_enrich: a test that failed half way may leave the enrich it started in
# the background (its PID in ENRICH_PID) behind; call from teardown.
kill_background_enrich() {
    if [[ -n ${ENRICH_PID:-} ]] && _proc_alive "$ENRICH_PID"; then
        kill -KILL "$ENRICH_PID" 2>/dev/null || true
    fi
}

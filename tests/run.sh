#!/bin/sh
# Run every test, unit and bats, against each build variant (the normal build
# and the AddressSanitizer+UBSan one), and end with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 2
root=$PWD
variants=${ENRICH_VARIANTS:-normal asan}
log=$root/build/test-log.txt
reports=$root/build/asan/reports
mkdir -p build
: >"$log"
rm -rf "$reports"
mkdir -p "$reports"
prove_failed=0

for variant in $variants; do
    echo "== $variant build" | tee -a "$log"
    if [ "$variant" = asan ]; then
        units=$(ls build/asan/unit/test_* 2>/dev/null)
        bin=$root/build/asan/enrich
        # A sanitizer report fails the run even when enrich's own exit status
        # would have been expected: reports go to files that are counted below.
        ASAN_OPTIONS="detect_leaks=1:exitcode=86:log_path=$reports/asan:abort_on_error=0"
        UBSAN_OPTIONS="halt_on_error=1:exitcode=86:print_stacktrace=1:log_path=$reports/ubsan"
        export ASAN_OPTIONS UBSAN_OPTIONS
    else
        units=$(ls build/unit/test_* 2>/dev/null)
        bin=$root/enrich
    fi
    # shellcheck disable=SC2086
    if ! ENRICH_BIN=$bin prove -v -e tests/helpers/tap-exec $units tests/*.bats >>"$log" 2>&1; then
        prove_failed=$((prove_failed + 1))
    fi
    unset ASAN_OPTIONS UBSAN_OPTIONS
    tail -n 4 "$log"
done

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
sanitizer_reports=$(ls "$reports" | wc -l)
if [ "$sanitizer_reports" -gt 0 ]; then
    echo "sanitizer reports:"
    cat "$reports"/*
    failed=$((failed + sanitizer_reports))
fi
if [ "$failed" -gt 0 ]; then
    echo "failed tests:"
    grep -B1 -A30 '^not ok ' "$log" | head -n 400
elif [ "$prove_failed" -gt 0 ]; then
    # A test file died without a "not ok" line (bad plan, crash).
    grep -E 'Dubious|Parse errors|Wstat|No plan' "$log"
    failed=$prove_failed
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/sh
# Runs each libFuzzer target named on the command line for FUZZ_SECONDS (default 60)
# from its seed corpus, printing "ok - fuzz NAME" or "not ok - fuzz NAME" (TAP lines, so
# CI can count them with the other tests). New inputs go to build/fuzz/corpus/NAME/, a
# crash to build/fuzz/NAME-crash-*. Exit status 1 if any target failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
seconds=${FUZZ_SECONDS:-60}
failed=0
for name in "$@"; do
    work=build/fuzz/corpus/$name
    mkdir -p "$work"
    log=build/fuzz/$name.log
    # A fixed seed: the same binary and corpus explore the same inputs first.
    if build/fuzz/fuzz_"$name" -seed=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix=build/fuzz/"$name"- "$work" tests/fuzz/corpus/"$name" >"$log" 2>&1; then
        echo "ok - fuzz $name ($seconds s, $(ls "$work" | wc -l) inputs in the corpus)"
    else
        echo "not ok - fuzz $name (see $log)"
        tail -n 30 "$log" | sed 's/^/# /'
        failed=1
    fi
done
exit $failed

#!/bin/bash
# make bench: throughput of enrich against nginx on loopback, at a few
# capacities. A measurement, not a test: it prints records/s and never fails
# on speed. (The comparison with curl --parallel and GNU parallel is to come.)
set -eu
cd "$(dirname "$0")/.."
records=${BENCH_RECORDS:-20000}
dir=$(mktemp -d /tmp/enrich-bench.XXXXXX)
source scripts/nginx.sh
trap nginx_down EXIT INT TERM
nginx_up "$dir"
port=$nginx_port
mkdir -p "$dir/www/u" "$dir/tmp"
for i in $(seq 0 99); do printf '{"id":%d,"name":"user%d","score":1.000}\n' "$i" "$i" >"$dir/www/u/$i"; done
awk -v n="$records" 'BEGIN { for (i = 0; i < n; i++) printf "{\"seq\":%d,\"id\":%d}\n", i, i % 100 }' >"$dir/in.ndjson"
echo "enrich bench: $records records, nginx on loopback"
for c in 1 16 64 256; do
    start=$(date +%s.%N)
    ./enrich -c "$c" --url "http://127.0.0.1:$port/u/{id}" "$dir/in.ndjson" >"$dir/out.ndjson"
    end=$(date +%s.%N)
    lines=$(wc -l <"$dir/out.ndjson")
    awk -v c="$c" -v s="$start" -v e="$end" -v n="$lines" \
        'BEGIN { printf "capacity %4d: %6d records in %6.2f s = %8.0f records/s\n", c, n, e - s, n / (e - s) }'
done

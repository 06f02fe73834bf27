#!/bin/bash
# make bench: throughput of enrich against nginx on loopback, at a few
# capacities. A measurement, not a test: it prints records/s and never fails
# on speed. (The comparison with curl --parallel and GNU parallel is to come.)
set -eu
cd "$(dirname "$0")/.."
records=${BENCH_RECORDS:-20000}
dir=$(mktemp -d /tmp/enrich-bench.XXXXXX)
port=$(tests/mock/mockd --free-port)
nginx_pid=""
cleanup() {
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
mkdir -p "$dir/www/u" "$dir/tmp"
for i in $(seq 0 99); do printf '{"id":%d,"name":"user%d","score":1.000}\n' "$i" "$i" >"$dir/www/u/$i"; done
cat >"$dir/nginx.conf" <<CONF
daemon off; worker_processes 1; pid $dir/nginx.pid; error_log $dir/error.log;
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  server { listen 127.0.0.1:$port; root $dir/www; default_type application/json; } }
CONF
/usr/sbin/nginx -c "$dir/nginx.conf" -e "$dir/error.log" &
nginx_pid=$!
n=0
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    n=$((n + 1)); [ $n -lt 500 ] || { echo "bench: nginx did not start" >&2; exit 1; }
    sleep 0.02
done
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

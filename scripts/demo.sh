#!/bin/bash
# make demo: start a local lookup service (nginx serving user records on
# loopback), enrich a sample file with it, and show what a run looks like.
set -eu
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/enrich-demo.XXXXXX)
port=$(tests/mock/mockd --free-port)
nginx_pid=""
cleanup() {
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

mkdir -p "$dir/www/v1/users" "$dir/tmp"
i=1
for name in ada grace linus margaret ken dennis barbara edsger; do
    printf '{"id":%d,"name":"%s","plan":"pro","credit":1.000}\n' "$i" "$name" \
        >"$dir/www/v1/users/$i"
    i=$((i + 1))
done
cat >"$dir/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp; uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
    server {
        listen 127.0.0.1:$port;
        root $dir/www;
        default_type application/json;
    }
}
CONF
/usr/sbin/nginx -c "$dir/nginx.conf" -e "$dir/error.log" &
nginx_pid=$!
# Ready when the port answers (bounded: 10 s).
n=0
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    n=$((n + 1))
    [ $n -lt 500 ] || { echo "demo: nginx did not start" >&2; cat "$dir/error.log" >&2; exit 1; }
    sleep 0.02
done

cat >"$dir/events.ndjson" <<'IN'
{"event":"login","user_id":1,"at":"2026-11-24T10:00:00Z","amount":12345678901234567890}
{"event":"purchase","user_id":2,"at":"2026-11-24T10:00:01Z","amount":19.990}
{"event":"logout","user_id":3,"at":"2026-11-24T10:00:02Z"}
{"event":"login","user_id":42,"at":"2026-11-24T10:00:03Z"}
{"event":"login","at":"2026-11-24T10:00:04Z"}
{"event":"purchase","user_id":5,"at":"2026-11-24T10:00:05Z","amount":1.000}
IN

url="http://127.0.0.1:$port/v1/users/{user_id}"
echo "== input ($dir/events.ndjson)"
cat "$dir/events.ndjson"
echo
echo "== ./enrich --url '$url' --into user --capacity 4 events.ndjson"
status=0
./enrich --url "$url" --into user --capacity 4 --errors "$dir/failed.ndjson" \
    "$dir/events.ndjson" || status=$?
echo "(exit status $status: 1 means some records failed; see the error members)"
echo
echo "== failed lines, ready to replay (--errors)"
cat "$dir/failed.ndjson"
echo
echo "== the same run as a dry run: the requests that would be sent"
./enrich --url "$url" --dry-run -H 'Authorization: Bearer s3cret' "$dir/events.ndjson" || true

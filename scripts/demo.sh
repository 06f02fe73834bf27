#!/bin/bash
# make demo: start a local lookup service (nginx serving user records on
# loopback), enrich a sample file with it, and show what a run looks like.
set -eu
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/enrich-demo.XXXXXX)
source scripts/nginx.sh
trap nginx_down EXIT INT TERM
nginx_up "$dir"
port=$nginx_port
mkdir -p "$dir/www/v1/users" "$dir/tmp"
i=1
for name in ada grace linus margaret ken dennis barbara edsger; do
    printf '{"id":%d,"name":"%s","plan":"pro","credit":1.000}\n' "$i" "$name" \
        >"$dir/www/v1/users/$i"
    i=$((i + 1))
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

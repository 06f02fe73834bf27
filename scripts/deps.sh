#!/bin/sh
# Install the Debian packages enrich needs to build, test and demo, if any
# are missing. Called by `make check` and `make demo`; safe to run again.
set -eu

# tmux: the --progress test's pseudo-terminal. prometheus: its promtool checks
# --stats-format prometheus (its server is not needed; where the package
# starts it, it listens on :9090, which no test uses). clang and
# libclang-rt-14-dev: `make fuzz` (libFuzzer and its sanitizers). openssl
# makes the test certificate for nginx's HTTP/2 over TLS; python3 runs
# tests/helpers/full-backlog.py. parallel and iproute2: the many-machines test
# (GNU parallel spreading the input over network namespaces); tinyproxy is the
# forward proxy of the proxy tests. `make bench` compares enrich with its peers:
# the echo module gives nginx a fixed-delay endpoint, wrk measures the server's
# ceiling, and GNU parallel and python3-aiohttp are two of the peers.
packages="gcc make pkg-config libcurl4-openssl-dev libcjson-dev bats bats-support
bats-assert nginx-light curl jq man-db time perl gzip tmux prometheus clang
libclang-rt-14-dev openssl python3 parallel iproute2 tinyproxy
libnginx-mod-http-echo wrk python3-aiohttp"

missing=""
for p in $packages; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

echo "enrich: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "enrich: run as root (or install:$missing)" >&2
        exit 1
    fi
else
    SUDO=""
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

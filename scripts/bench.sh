#!/bin/bash
# make bench / make bench-mem: enrich side by side with its peers against nginx and the
# mock on loopback (bench/bench.py; how to read its tables: bench/README.md). Extra
# arguments go to bench/bench.py (--help lists them). Exits 1 if any tool's output is wrong.
set -eu
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/bench.py "$@"

#!/usr/bin/python3
"""First output line latency on a slow stream: start COMMAND (an enrich command line
reading stdin), give it time to start, write one record to its stdin and then nothing
(stdin stays open), and print the milliseconds from writing that line to reading the
first output line. A tool that waits for more input, or for a full output block, before
writing shows it here. The line must carry the right lookup (response id = record id),
else this exits 1.

usage: first_line.py [--hold SECONDS] COMMAND...   (prints e.g. "3.1")"""

import json
import os
import select
import subprocess
import sys
import time

RECORD_ID = 4242
RECORD = '{"id":%d,"event":"click","ts":1700000000}\n' % RECORD_ID
TIMEOUT = 10.0


def main():
    args = sys.argv[1:]
    hold = 1.0
    if args[:1] == ["--hold"]:
        hold = float(args[1])
        args = args[2:]
    if not args:
        sys.exit("usage: first_line.py [--hold SECONDS] COMMAND...")
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        time.sleep(0.3)  # let it start and block reading stdin: startup is not measured
        os.write(proc.stdin.fileno(), RECORD.encode())
        start = time.monotonic()
        line = b""
        while not line.endswith(b"\n"):
            left = start + TIMEOUT - time.monotonic()
            if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
                sys.exit("first_line: no output line within %.0f s" % TIMEOUT)
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                sys.exit("first_line: output ended before the first line")
            line += chunk
        ms = (time.monotonic() - start) * 1000
        record = json.loads(line.split(b"\n")[0])
        if record.get("id") != RECORD_ID or record.get("response", {}).get("id") != RECORD_ID:
            sys.exit("first_line: wrong output line: %r" % line[:200])
        time.sleep(hold)  # the stream stays open: the tool must not need EOF to answer
        proc.stdin.close()
        rest = proc.stdout.read()
        if proc.wait(timeout=TIMEOUT) != 0 or rest.strip():
            sys.exit("first_line: exit status %d, %d more bytes" % (proc.returncode, len(rest)))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print("%.1f" % ms)


if __name__ == "__main__":
    main()

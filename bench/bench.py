#!/usr/bin/python3
"""`make bench` and `make bench-mem`: enrich side by side with its peers, on loopback.

Servers: nginx (one worker, keep-alive, no access log) serving GET /users/<id> as a small
JSON object at once, and GET /slow/users/<id> after 20 ms (the echo module); mockd for a
jittery service (each record's own delay). Every tool gets the same generated input and
the same concurrency, and every run's output is checked line by line: a row whose output
is wrong is marked FAILED and the run exits 1. Each row is the best of --repeat runs (the
runs of a scenario take turns, so a burst of load elsewhere hits every row alike).
See bench/README.md for how to read the tables."""

import argparse
import collections
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENRICH = os.environ.get("ENRICH_BIN") or os.path.join(ROOT, "enrich")  # or another build
BARE = os.path.join(ROOT, "build", "bench", "bare")
RUSAGE = os.path.join(ROOT, "build", "bench", "rusage")
MOCKD = os.path.join(ROOT, "tests", "mock", "mockd")
PEER_AIOHTTP = os.path.join(ROOT, "bench", "peer_aiohttp.py")
FIRST_LINE = os.path.join(ROOT, "bench", "first_line.py")
PYTHON = "/usr/bin/python3"  # Debian's, which has python3-aiohttp
ECHO_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so"
IDS = 10000  # ids cycle over this many values
TS0 = 1700000000  # ts = TS0 + record number: each record unique
SLOW_SECONDS = 0.020
RUN_LIMIT = 600  # seconds: a run that takes longer is killed and fails

# Children must reach 127.0.0.1 directly, whatever the caller's proxy settings.
ENV = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}

failures = []


def body_of(i):
    """The body nginx sends for /users/<i> and /slow/users/<i>."""
    return '{"id":%d,"name":"user%d","plan":"pro"}\n' % (i, i)


# ---- servers ----


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what, log):
    for _ in range(500):
        if proc.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    sys.exit("bench: %s did not start:\n%s" % (what, open(log).read() if os.path.exists(log) else ""))


def nginx_start(d):
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    temp = " ".join("%s_temp_path %s/tmp;" % (t, d) for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    body = r"""'{"id":$1,"name":"user$1","plan":"pro"}'"""
    conf = f"""load_module {ECHO_MODULE};
daemon off; master_process on; worker_processes 1; {user}
pid {d}/nginx.pid; error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off; keepalive_requests 1000000; keepalive_timeout 300s; {temp}
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location ~ ^/users/(\\d+)$ {{
      default_type application/json; return 200 {body[:-1]}\\n';
    }}
    location ~ ^/slow/users/(\\d+)$ {{
      default_type application/json; echo_sleep {SLOW_SECONDS}; echo {body};
    }}
  }}
}}
"""
    os.makedirs(d + "/tmp", exist_ok=True)
    with open(d + "/nginx.conf", "w") as f:
        f.write(conf)
    proc = subprocess.Popen(["/usr/sbin/nginx", "-c", d + "/nginx.conf", "-e", d + "/error.log"])
    wait_port(port, proc, "nginx", d + "/error.log")
    return proc, port


def mockd_start(d):
    port_file = d + "/mockd.port"
    proc = subprocess.Popen([MOCKD, "--port-file", port_file], stdout=subprocess.DEVNULL)
    for _ in range(500):
        if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
            return proc, int(open(port_file).read())
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    sys.exit("bench: mockd did not start")


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- inputs ----


def write_users(path, n):
    with open(path, "w") as f:
        for i in range(n):
            f.write('{"id":%d,"event":"click","ts":%d}\n' % (i % IDS, TS0 + i))


def jitter_delays(n):
    """Per-record delays in ms: exponential with mean 5, 1% at 200; the same every run."""
    rng = random.Random(16)
    return [200 if rng.random() < 0.01 else round(rng.expovariate(1 / 5)) for _ in range(n)]


def write_jitter(path, delays):
    with open(path, "w") as f:
        for i, delay in enumerate(delays):
            f.write('{"id":%d,"event":"click","ts":%d,"delay":%d}\n' % (i % IDS, TS0 + i, delay))


class UsersRecords:
    """The records write_users wrote, made again on demand: a million of them need no
    list in memory."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return {"id": i % IDS, "event": "click", "ts": TS0 + i}


def read_records(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


# ---- running one tool ----


class Run:
    def __init__(self, wall, cpu, maxrss_kb, status, out, err):
        self.wall, self.cpu, self.maxrss_kb, self.status = wall, cpu, maxrss_kb, status
        self.out, self.err = out, err
        self.records = 0
        self.rate = 0.0
        self.problem = None


def run(argv, stdin_path, out, err):
    """Runs argv under rusage (wall, CPU and peak RSS of the command and the children it
    waited for, such as xargs's curls) with stdin from a file and stdout to a file."""
    measured = out + ".rusage"
    with open(stdin_path or os.devnull, "rb") as i, open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.Popen([RUSAGE, measured, *argv], stdin=i, stdout=o, stderr=e, env=ENV)
        try:
            status = proc.wait(timeout=RUN_LIMIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            status = proc.wait()
    try:
        wall, user, system, maxrss_kb = open(measured).read().split()
        os.unlink(measured)
    except (OSError, ValueError):
        wall = user = system = maxrss_kb = 0
    return Run(float(wall), float(user) + float(system), int(maxrss_kb), status, out, err)


# ---- checks: each returns (records, None) or (records, "what is wrong") ----


def check_enriched(path, records, ordered, response_ok):
    """Each line is an input record (every member as it was) plus "response", the right
    one for that record; every record exactly once; in input order if ordered."""
    seen = bytearray(len(records))
    n = 0
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                rec = json.loads(line)
            except ValueError:
                return n, "line %d is not JSON: %.80r" % (n, line)
            resp = rec.pop("response", None)
            i = rec.get("ts", 0) - TS0 if isinstance(rec.get("ts"), int) else -1
            if not 0 <= i < len(records) or rec != records[i]:
                return n, "line %d is not an input record: %.80r" % (n, line)
            if seen[i]:
                return n, "line %d repeats record %d" % (n, i + 1)
            seen[i] = 1
            if ordered and i != n - 1:
                return n, "line %d is record %d: out of order" % (n, i + 1)
            if not response_ok(rec, resp):
                return n, "line %d has the wrong response: %.120r" % (n, line)
    if n != len(records):
        return n, "%d lines for %d records" % (n, len(records))
    return n, None


def nginx_response_ok(rec, resp):
    return resp == {"id": rec["id"], "name": "user%d" % rec["id"], "plan": "pro"}


def mock_response_ok(rec, resp):
    if not isinstance(resp, dict) or not isinstance(resp.get("target"), str):
        return False
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(resp["target"]).query)
    return query.get("id") == [str(rec["id"])] and query.get("delay") == [str(rec["delay"])]


def nginx_body_key(body):
    if body != {"id": body.get("id"), "name": "user%s" % body.get("id"), "plan": "pro"}:
        return None
    return body["id"]


def mock_body_key(body):
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(body.get("target", "")).query)
    return (int(query["id"][0]), int(query["delay"][0])) if "id" in query and "delay" in query else None


def check_bodies(path, keys, ordered, body_key, glued=False):
    """Each line is one whole response body; together, one for each input record (the
    same sequence if ordered, else the same multiset). glued: the bodies have no newline
    of their own and come one after another ("}{"), so split them there first (in JSON,
    "}{" occurs only between two top-level objects)."""
    got = []
    with open(path) as f:
        lines = f.read().replace("}{", "}\n{").splitlines(True) if glued else f
        for n, line in enumerate(lines, 1):
            try:
                key = body_key(json.loads(line))
            except (ValueError, AttributeError, TypeError):
                key = None
            if key is None:
                return n, "line %d is not one whole response: %.80r" % (n, line)
            got.append(key)
    if len(got) != len(keys):
        return len(got), "%d lines for %d records" % (len(got), len(keys))
    if (got != keys) if ordered else (collections.Counter(got) != collections.Counter(keys)):
        return len(got), "the responses do not match the records" + (" (order)" if ordered else "")
    return len(got), None


def check_bare(path, records):
    want_bytes = sum(len(body_of(r["id"])) for r in records)
    text = open(path).read().strip()
    m = re.fullmatch(r"records (\d+) ok (\d+) bytes (\d+)", text)
    if not m:
        return 0, "unexpected output %.80r" % text
    n, ok, got_bytes = map(int, m.groups())
    if n != len(records) or ok != n or got_bytes != want_bytes:
        return ok, "%d records, %d ok, %d body bytes; wanted %d, %d bytes" % (
            n, ok, got_bytes, len(records), want_bytes)
    return n, None


def parse_wrk(path):
    text = open(path).read()
    m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", text)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not m or not rate:
        return 0, 0.0, "cannot read wrk's output"
    if "Non-2xx" in text or "Socket errors" in text:
        return int(m.group(1)), 0.0, "errors: " + " ".join(
            line.strip() for line in text.splitlines() if "Non-2xx" in line or "Socket errors" in line)
    return int(m.group(1)), float(rate.group(1)), None


# ---- rows and tables ----


class Row:
    """One tool in one scenario: argv, its input, how to check its output."""

    def __init__(self, name, argv, stdin=None, check=None, wrk=False, once=False):
        self.name, self.argv, self.stdin, self.check, self.wrk = name, argv, stdin, check, wrk
        self.once = once  # a peer many times slower than the rest: one run tells enough
        self.runs = 0
        self.best = None
        self.problem = None


def measure(rows, repeat, d, label):
    for rep in range(repeat):
        for k, row in enumerate(rows):
            if row.problem or (row.once and rep > 0):
                continue
            row.runs += 1
            base = "%s/%s-%d" % (d, label, k)
            r = run(row.argv, row.stdin, base + ".out", base + ".err")
            if row.wrk:
                r.records, r.rate, r.problem = parse_wrk(r.out)
            else:
                r.records, r.problem = row.check(r.out)
                r.rate = r.records / r.wall if r.wall > 0 else 0.0
            if r.status != 0 and not r.problem:
                r.problem = "exit status %d: %s" % (r.status, open(r.err).read().strip()[:200])
            if r.problem:
                row.problem = r.problem
                failures.append("%s, %s: %s" % (label, row.name, r.problem))
                print("  FAILED: %s: %s" % (row.name, r.problem), file=sys.stderr, flush=True)
            elif row.best is None or r.rate > row.best.rate:
                row.best = r
            for path in (r.out, r.err):
                os.unlink(path)
        print("  (%s: run %d of %d done)" % (label, rep + 1, repeat), file=sys.stderr, flush=True)


def table(title, rows, refs):
    """refs: (column title, rate or Row) pairs; each row's rate is shown as a fraction of each."""
    print("\n" + title + "\n")
    head = ["tool", "runs", "records", "wall s", "records/s"] + [t for t, _ in refs] + ["CPU µs/record", "peak RSS MiB"]
    lines = [head, ["---"] + ["---:"] * (len(head) - 1)]
    for row in rows:
        if row.problem:
            lines.append(["**FAILED** `%s`" % row.name, "", row.problem] + [""] * (len(head) - 3))
            continue
        r = row.best
        cells = ["`%s`" % row.name, "%d" % row.runs, "%d" % r.records, "%.2f" % r.wall, "%.0f" % r.rate]
        for _, ref in refs:
            rate = ref if isinstance(ref, (int, float)) else (ref.best.rate if ref.best else 0)
            cells.append(("%.2f" if r.rate >= 0.1 * rate else "%.3f") % (r.rate / rate) if rate else "-")
        cells.append("%.1f" % (r.cpu / r.records * 1e6) if r.records else "-")
        cells.append("%.1f" % (r.maxrss_kb / 1024))
        lines.append(cells)
    for cells in lines:
        print("| " + " | ".join(cells) + " |")
    sys.stdout.flush()


def has_cache():
    try:
        return subprocess.run([ENRICH, "--cache", "1", "--dry-run", "--url", "http://127.0.0.1/{id}"],
                              stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        return False


def enrich_rows(n, url, path, records, response_ok, cache=False):
    rows = [Row("enrich -c %d" % n, [ENRICH, "-c", str(n), "--url", url], path,
                lambda out: check_enriched(out, records, True, response_ok)),
            Row("enrich -U -c %d" % n, [ENRICH, "-U", "-c", str(n), "--url", url], path,
                lambda out: check_enriched(out, records, False, response_ok))]
    if cache:
        rows.append(Row("enrich --cache %d -c %d" % (IDS, n),
                        [ENRICH, "--cache", str(IDS), "-c", str(n), "--url", url], path,
                        lambda out: check_enriched(out, records, True, response_ok)))
    return rows


def curl_config(path, urls):
    with open(path, "w") as f:
        for url in urls:
            f.write('url = "%s"\n' % url)


def curl_row(n, config, check):
    return Row("curl --parallel --parallel-max %d" % n,
               ["curl", "--parallel", "--parallel-immediate", "--parallel-max", str(n),
                "--no-progress-meter", "--fail", "-K", config], None, check)


def wrk_row(n, url, seconds):
    return Row("wrk -t 1 -c %d -d %ds" % (n, seconds),
               ["wrk", "-t", "1", "-c", str(n), "-d", "%ds" % seconds, url], wrk=True)


# ---- scenarios ----


def scenario_fast(a, d, port):
    n, count, small = a.capacity, a.records, min(a.fork_records, a.records)
    path = d + "/users.ndjson"
    write_users(path, count)
    records = UsersRecords(count)
    base = "http://127.0.0.1:%d/users/" % port
    url = base + "{id}"
    ids = [i % IDS for i in range(count)]
    small_ids = ids[:small]
    curl_config(d + "/users.curl", [base + str(i) for i in ids])
    with open(d + "/users-small.ids", "w") as f:
        f.writelines("%d\n" % i for i in small_ids)
    cache = has_cache()
    bare = Row("bare libcurl loop -c %d" % n, [BARE, str(n), base], path, lambda out: check_bare(out, records))
    # The same loop sending enrich's request (its User-Agent and Accept-Encoding lines).
    bare_as = Row("bare libcurl loop, enrich's request, -c %d" % n, [BARE, "--as-enrich", str(n), base], path,
                  lambda out: check_bare(out, records))
    curl = curl_row(n, d + "/users.curl", lambda out: check_bodies(out, ids, False, nginx_body_key))
    curl_one = "curl -sS --fail " + base + "{}"
    rows = [bare, bare_as] + enrich_rows(n, url, path, records, nginx_response_ok, cache) + [
        curl,
        Row("python3 asyncio+aiohttp, ordered, window %d" % n, [PYTHON, PEER_AIOHTTP, str(n), url], path,
            lambda out: check_enriched(out, records, True, nginx_response_ok), once=True),
        Row("xargs -P %d curl" % n, ["sh", "-c", "xargs -P %d -I{} %s" % (n, curl_one)],
            d + "/users-small.ids", lambda out: check_bodies(out, small_ids, False, nginx_body_key), once=True),
        Row("parallel -j %d -k curl" % n, ["sh", "-c", "parallel --will-cite -j %d -k %s" % (n, curl_one)],
            d + "/users-small.ids", lambda out: check_bodies(out, small_ids, True, nginx_body_key), once=True),
        wrk_row(n, base + "1234", a.wrk_seconds)]
    measure(rows, a.repeat, d, "users")
    title = "nginx GET /users/{id} (no delay), -c %d, %d records (xargs, parallel: %d)" % (n, count, small)
    if not cache:
        title += "\n\n(enrich --cache: not in this build, row skipped)"
    table(title, rows, [("× bare", bare), ("× bare, enrich's request", bare_as), ("× curl --parallel", curl)])


def scenario_slow(a, d, port):
    n, count = a.slow_capacity, a.slow_records
    path = d + "/slow.ndjson"
    write_users(path, count)
    records = UsersRecords(count)
    base = "http://127.0.0.1:%d/slow/users/" % port
    ids = [i % IDS for i in range(count)]
    curl_config(d + "/slow.curl", [base + str(i) for i in ids])
    bare = Row("bare libcurl loop -c %d" % n, [BARE, str(n), base], path, lambda out: check_bare(out, records))
    curl = curl_row(n, d + "/slow.curl", lambda out: check_bodies(out, ids, False, nginx_body_key))
    wrk = wrk_row(n, base + "1234", a.wrk_seconds)
    rows = [bare] + enrich_rows(n, base + "{id}", path, records, nginx_response_ok) + [curl, wrk]
    measure(rows, a.repeat, d, "slow")
    ceiling = n / SLOW_SECONDS
    table("nginx GET /slow/users/{id} (20 ms each), -c %d, %d records; ceiling N / 20 ms = %.0f/s"
          % (n, count, ceiling), rows,
          [("× bare", bare), ("× curl --parallel", curl), ("× wrk", wrk), ("× N/20ms", ceiling)])


def scenario_jitter(a, d, port):
    n, count = a.capacity, a.jitter_records
    delays = jitter_delays(count)
    path = d + "/jitter.ndjson"
    write_jitter(path, delays)
    records = read_records(path)
    base = "http://127.0.0.1:%d/x" % port
    keys = [(r["id"], r["delay"]) for r in records]
    curl_config(d + "/jitter.curl", ["%s?delay=%d&id=%d" % (base, r["delay"], r["id"]) for r in records])
    # mockd's bodies end without a newline, and curl 7.88's --write-out '\n' does not
    # reliably follow each body under --parallel: the check splits the glued bodies.
    curl = curl_row(n, d + "/jitter.curl", lambda out: check_bodies(out, keys, False, mock_body_key, True))
    url = base + "?delay={delay}&id={id}"
    rows = enrich_rows(n, url, path, records, mock_response_ok) + [
        curl,
        Row("python3 asyncio+aiohttp, ordered, window %d" % n, [PYTHON, PEER_AIOHTTP, str(n), url], path,
            lambda out: check_enriched(out, records, True, mock_response_ok), once=True)]
    measure(rows, a.repeat, d, "jitter")
    # No tool can finish before the sum of the delays spread over N slots, nor before the
    # longest delay: that bounds the rate from above.
    ideal = count / max(sum(delays) / 1000 / n, max(delays) / 1000)
    table("mockd, per-record delay (exponential, mean 5 ms, 1%% at 200 ms; mean %.2f ms), -c %d, "
          "%d records; ideal %.0f/s" % (sum(delays) / count, n, count, ideal), rows,
          [("× curl --parallel", curl), ("× ideal", ideal)])


def first_line(a, port):
    url = "http://127.0.0.1:%d/users/{id}" % port
    print("\nfirst output line on an open, otherwise idle input stream (ms from writing one "
          "record to reading its line; best of %d; target < 50 ms)\n" % a.repeat)
    print("| tool | ms |\n| --- | ---: |")
    for name, extra in (("enrich", []), ("enrich -U", ["-U"])):
        times = []
        for _ in range(a.repeat):
            p = subprocess.run([PYTHON, FIRST_LINE, ENRICH, *extra, "--url", url],
                               capture_output=True, text=True, env=ENV)
            if p.returncode != 0:
                failures.append("first line, %s: %s" % (name, p.stderr.strip()))
                break
            times.append(float(p.stdout))
        print("| `%s` | %s |" % (name, "%.1f" % min(times) if len(times) == a.repeat else "**FAILED**"))


def mem(a, d, port):
    n = a.capacity
    base = "http://127.0.0.1:%d/users/" % port
    sizes = [int(s) for s in a.mem_records.split(",")]
    names = ["enrich -c %d" % n, "enrich -U -c %d" % n, "bare libcurl loop -c %d" % n]
    rss = {name: [] for name in names}
    for count in sizes:
        path = d + "/mem.ndjson"
        write_users(path, count)
        records = UsersRecords(count)
        rows = enrich_rows(n, base + "{id}", path, records, nginx_response_ok) + [
            Row(names[2], [BARE, str(n), base], path, lambda out: check_bare(out, records))]
        measure(rows, 1, d, "mem-%d" % count)
        for row in rows:
            rss[row.name].append(row.best.maxrss_kb / 1024 if row.best else None)
        os.unlink(path)
    print("\npeak RSS (MiB) against nginx GET /users/{id}, -c %d, by input length "
          "(target: flat within 1 MiB)\n" % n)
    print("| tool | " + " | ".join("%d records" % s for s in sizes) + " | max − min |")
    print("| --- |" + " ---: |" * (len(sizes) + 1))
    for name in names:
        vals = rss[name]
        cells = ["%.2f" % v if v is not None else "**FAILED**" for v in vals]
        spread = "%.2f" % (max(vals) - min(vals)) if None not in vals else "-"
        print("| `%s` | %s | %s |" % (name, " | ".join(cells), spread))


def machine():
    version = subprocess.run([ENRICH, "--version"], capture_output=True, text=True).stdout.splitlines()
    nginx = subprocess.run(["/usr/sbin/nginx", "-v"], capture_output=True, text=True).stderr.strip()
    load = open("/proc/loadavg").read().split()[:3]
    enrich = " ".join(version[0].split()[:3]).rstrip(")").replace("(", "") if version else "enrich"
    return "%s, %s, %d CPUs, load average %s at the start" % (
        enrich, nginx.replace("nginx version: ", ""),
        os.cpu_count(), " ".join(load))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mem", action="store_true", help="peak RSS by input length (make bench-mem)")
    p.add_argument("-c", "--capacity", type=int, default=int(os.environ.get("BENCH_CAPACITY", 64)))
    p.add_argument("--records", type=int, default=int(os.environ.get("BENCH_RECORDS", 20000)))
    p.add_argument("--fork-records", type=int, default=int(os.environ.get("BENCH_FORK_RECORDS", 500)),
                   help="records for the peers that fork a curl per record")
    p.add_argument("--slow-capacity", type=int, default=200)
    p.add_argument("--slow-records", type=int, default=int(os.environ.get("BENCH_SLOW_RECORDS", 20000)))
    p.add_argument("--jitter-records", type=int, default=int(os.environ.get("BENCH_JITTER_RECORDS", 20000)))
    p.add_argument("--wrk-seconds", type=int, default=3)
    p.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", 5)))
    p.add_argument("--mem-records", default=os.environ.get("BENCH_MEM_RECORDS", "10000,100000,1000000"))
    p.add_argument("--only", default="fast,slow,jitter,first", help="scenarios to run")
    a = p.parse_args()

    d = tempfile.mkdtemp(prefix="enrich-bench.")
    servers = []
    try:
        nginx, nginx_port = nginx_start(d)
        servers.append(nginx)
        print(machine())
        sys.stdout.flush()
        if a.mem:
            mem(a, d, nginx_port)
        else:
            only = a.only.split(",")
            if "fast" in only:
                scenario_fast(a, d, nginx_port)
            if "slow" in only:
                scenario_slow(a, d, nginx_port)
            if "jitter" in only:
                mock, mock_port = mockd_start(d)
                servers.append(mock)
                scenario_jitter(a, d, mock_port)
            if "first" in only:
                first_line(a, nginx_port)
        print("\nload average %s at the end" % " ".join(open("/proc/loadavg").read().split()[:3]))
    finally:
        for proc in servers:
            stop(proc)
        shutil.rmtree(d, ignore_errors=True)
    if failures:
        print("\nbench: FAILED checks:", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

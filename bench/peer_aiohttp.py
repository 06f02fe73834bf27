#!/usr/bin/python3
"""A peer for `make bench`: what a careful Python programmer would write instead of
enrich. asyncio + aiohttp, one session with a connection pool of N (keep-alive), at
most N lookups in flight, each record written with the response under "response", in
input order (a record waits for the ones before it: a reorder window of N).

usage: peer_aiohttp.py N URL_TEMPLATE < input.ndjson > output.ndjson
URL_TEMPLATE names top-level fields of the record as {field}, e.g.
http://127.0.0.1:8080/users/{id}. The record's bytes are kept: the response is
spliced in before the closing brace, as enrich does, not re-serialised."""

import asyncio
import collections
import json
import re
import sys

import aiohttp


async def lookup(session, url, line):
    async with session.get(url) as resp:
        body = await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{url}: HTTP {resp.status}")
    text = body.decode().strip()
    json.loads(text)  # a response must be JSON, as enrich checks it
    return line[: line.rindex("}")] + ',"response":' + text + "}\n"


async def main():
    n = int(sys.argv[1])
    template = sys.argv[2]
    fields = re.findall(r"\{(\w+)\}", template)
    connector = aiohttp.TCPConnector(limit=n)
    out = sys.stdout
    window = collections.deque()
    async with aiohttp.ClientSession(connector=connector) as session:
        for line in sys.stdin:
            if not line.strip():
                continue
            record = json.loads(line)
            url = template
            for f in fields:
                url = url.replace("{" + f + "}", str(record[f]))
            if len(window) >= n:
                out.write(await window.popleft())
            window.append(asyncio.ensure_future(lookup(session, url, line.rstrip("\r\n"))))
        while window:
            out.write(await window.popleft())


if __name__ == "__main__":
    asyncio.run(main())

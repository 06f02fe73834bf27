#!/usr/bin/env python3
"""A TCP listener on 127.0.0.1 whose accept queue is full, for connect timeouts.

It never accepts, and fills its own queue with connections it makes to itself. Linux
then drops the SYN of any further connection (the queue is full), so a client's
connect hangs until the client gives up: a connect timeout, on loopback, on demand.

Usage: full-backlog.py PORT_FILE. Writes the port to PORT_FILE once the queue is
full, then runs until killed.
"""
import os
import select
import signal
import socket
import sys


def connects(port):
    """Connect to port; the socket if the connection completes within 0.5 s, else None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    _, writable, _ = select.select([], [s], [], 0.5)
    if writable and s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
        return s
    s.close()
    return None


def main():
    port_file = sys.argv[1]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)  # Linux queues one connection past a backlog of 0
    port = listener.getsockname()[1]
    queued = []
    while len(queued) < 16:
        s = connects(port)
        if s is None:
            break  # the queue is full: this connect hung
        queued.append(s)
    else:
        sys.exit("full-backlog: the accept queue never filled")
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    main()

"""A slowloris client for the manual measurement in tests/http_hardening.rs (`slowloris_show`).

Keeps CONNECTIONS connections open to 127.0.0.1:PORT for SECONDS, each trickling its request
slowly: in `head` mode a head that never ends (one header line every TRICKLE seconds), in `body`
mode a whole head announcing a large body that then comes one byte every TRICKLE seconds. A
connection the server closes is reopened. Prints one JSON line: how many connections were
opened and closed by the server, how long the closed ones had lived (ms) and connect failures.

Loopback only; bounded in time; stops by itself.
"""

import json
import os
import resource
import selectors
import socket
import sys
import time

PORT = int(sys.argv[1])
PATH = sys.argv[2]
CONNECTIONS = int(os.environ.get("SLOWLORIS_CONNECTIONS", "2000"))
SECONDS = float(os.environ.get("SLOWLORIS_SECONDS", "40"))
MODE = os.environ.get("SLOWLORIS_MODE", "head")
TRICKLE = float(os.environ.get("SLOWLORIS_TRICKLE", "5"))

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = CONNECTIONS + 64
if soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))

selector = selectors.DefaultSelector()
opened = closed = failed = 0
lifetimes = []  # ms, of connections the server closed
live = {}  # socket -> [opened at, connected, next trickle at]


def head():
    if MODE == "body":
        return (
            f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\n"
            "Content-Type: text/xml; charset=utf-8\r\nSOAPAction: \"\"\r\n"
            "Content-Length: 1000000\r\n\r\n"
        ).encode()
    return f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\n".encode()


def open_one(now):
    global opened, failed
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        sock.connect_ex(("127.0.0.1", PORT))
    except OSError:
        failed += 1
        sock.close()
        return
    opened += 1
    live[sock] = [now, False, now]
    selector.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)


def drop(sock, now, by_server):
    global closed, failed
    opened_at, connected, _ = live.pop(sock)
    selector.unregister(sock)
    sock.close()
    if by_server and connected:
        closed += 1
        lifetimes.append((now - opened_at) * 1000)
    elif not connected:
        failed += 1


start = time.monotonic()
while True:
    now = time.monotonic()
    if now - start > SECONDS:
        break
    while len(live) < CONNECTIONS:
        open_one(now)
    for key, events in selector.select(timeout=0.05):
        sock = key.fileobj
        state = live.get(sock)
        if state is None:
            continue
        if not state[1] and events & selectors.EVENT_WRITE:
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                drop(sock, now, False)
                continue
            state[1] = True
            try:
                sock.send(head())
            except OSError:
                drop(sock, now, True)
                continue
            state[2] = now + TRICKLE
            selector.modify(sock, selectors.EVENT_READ)
        elif events & selectors.EVENT_READ:
            try:
                data = sock.recv(4096)
            except OSError:
                data = b""
            if not data or data.startswith(b"HTTP/1.1 408") or data.startswith(b"HTTP/1.1 4"):
                drop(sock, now, True)
    for sock, state in list(live.items()):
        if state[1] and now >= state[2]:
            state[2] = now + TRICKLE
            try:
                sock.send(b"X-a: b\r\n" if MODE == "head" else b"x")
            except OSError:
                drop(sock, now, True)

lifetimes.sort()
end = time.monotonic()
oldest_open = max(((end - state[0]) * 1000 for state in live.values() if state[1]), default=0)


def pct(p):
    return round(lifetimes[min(len(lifetimes) - 1, int(p * len(lifetimes)))]) if lifetimes else None


print(json.dumps({
    "mode": MODE,
    "target_connections": CONNECTIONS,
    "opened": opened,
    "closed_by_server": closed,
    "connect_failures": failed,
    "still_open": len(live),
    "oldest_open_ms": round(oldest_open),
    "lifetime_ms": {"min": pct(0), "p50": pct(0.5), "p99": pct(0.99), "max": pct(1.0)},
}))
for sock in list(live):
    sock.close()

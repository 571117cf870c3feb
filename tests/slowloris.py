#!/usr/bin/env python3
"""Normal-request latency of a mock while slow or idle connections are open.

usage: tests/slowloris.py PORT [--slow N] [--idle N] [--requests N] [--seconds S]

Opens N slowloris connections (a request line, then one header byte every
second, never finishing) and/or N idle connections (nothing sent), then
times --requests ordinary Agora requests made each on a fresh connection
(curl-like: connect, send, read the whole answer), 5 s timeout each.
Bounded: every socket is closed after --seconds (default 20).  Loopback only.
"""
import argparse, socket, statistics, time

p = argparse.ArgumentParser()
p.add_argument("port", type=int)
p.add_argument("--slow", type=int, default=0)
p.add_argument("--idle", type=int, default=0)
p.add_argument("--requests", type=int, default=20)
p.add_argument("--seconds", type=float, default=20.0)
a = p.parse_args()
addr = ("127.0.0.1", a.port)
REQ = (b"GET /app-id/conform-demo-app/chatgroups?limit=1 HTTP/1.1\r\nHost: x\r\n"
       b"Authorization: Bearer conform-demo-app-token\r\nConnection: close\r\n\r\n")

def opener(n, first):
    socks = []
    for _ in range(n):
        try:
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(addr)
            socks.append(s)
        except OSError:
            break
    time.sleep(0.5)
    if first:
        for s in socks:
            try:
                s.send(first)
            except OSError:
                pass
    return socks

def one_request():
    t0 = time.monotonic()
    try:
        s = socket.create_connection(addr, timeout=5)
        s.settimeout(5)
        s.sendall(REQ)
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        s.close()
        ok = data.startswith(b"HTTP/1.1 200")
    except OSError:
        ok = False
    return ok, (time.monotonic() - t0) * 1000.0

start = time.monotonic()
slow = opener(a.slow, b"GET / HTTP/1.1\r\nHost: x\r\nX-a: ")
idle = opener(a.idle, None)
print(f"opened {len(slow)} slow and {len(idle)} idle connections")
lat, fails, tick = [], 0, 0
for i in range(a.requests):
    if time.monotonic() - start > a.seconds:
        break
    # keep the slowloris connections alive: one more header byte each
    for s in slow:
        try:
            s.send(b"a")
        except OSError:
            pass
    ok, ms = one_request()
    fails += not ok
    lat.append(ms)
    time.sleep(max(0.0, 1.0 - ms / 1000.0) if a.slow else 0.05)
for s in slow + idle:
    s.close()
if lat:
    lat.sort()
    print(f"requests {len(lat)} failed {fails} median {statistics.median(lat):.1f} ms "
          f"p90 {lat[int(0.9 * (len(lat) - 1))]:.1f} ms max {lat[-1]:.1f} ms")

#!/usr/bin/env python3
"""Measurement helpers of bench/run.sh (standard library only).

  measure.py rusage OUT -- CMD...       wall time, peak RSS, CPU of one command
  measure.py load OUT ROUNDS SECS N SERVER...
                                        rounds of load against each server, with
                                        the server's CPU time from /proc/PID/stat
  measure.py openapi IN OUT PREFIX      the exported OpenAPI with PREFIX in front
                                        of every path (Prism then answers on the
                                        same URLs as the mock)
  measure.py extract OUT CONFORM ROUNDS PAGE...
                                        `conform extract` over every page
  measure.py report WORK OUT_DIR STAMP  the report (.md and .json) from WORK

SERVER is NAME|PID|URL[|HEADER].  The load generator is wrk when it is on
PATH (BENCH_LOADGEN=exec forces bench_exec, BENCH_EXEC names it); with
bench_exec each round sends N requests instead of running SECS seconds.
"""
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def proc_table():
    """pid -> (ppid, utime + stime in ticks), for every process we can read."""
    table = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rindex(")") + 2:].split()
        # rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
        table[int(d)] = (int(rest[1]), int(rest[11]) + int(rest[12]))
    return table


def tree_ticks(pid):
    """utime + stime of pid and all its descendants (threads included)."""
    table = proc_table()
    if pid not in table:
        return None
    children = {}
    for p, (pp, _) in table.items():
        children.setdefault(pp, []).append(p)
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += table[p][1]
        todo.extend(children.get(p, []))
    return total


def cmd_rusage(argv):
    out, cmd = argv[0], argv[argv.index("--") + 1:]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    rc = os.waitstatus_to_exitcode(status)
    rec = {"wall_s": wall, "peak_rss_kb": ru.ru_maxrss, "cpu_s": ru.ru_utime + ru.ru_stime,
           "rc": rc}
    with open(out, "w") as f:
        json.dump(rec, f)
    return 0


def run_wrk(url, header, secs):
    cmd = ["wrk", "-t2", "-c64", "-d%ds" % secs, "--timeout", "10s"]
    if header:
        cmd += ["-H", header]
    t = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=secs + 60).stdout
    m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", t)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
    return {"requests": int(m.group(1)) if m else 0,
            "rps": float(rps.group(1)) if rps else None,
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(int(x) for x in sock.groups()) if sock else 0}


def run_exec(url, header, n):
    cmd = [os.environ.get("BENCH_EXEC", "bench_exec"), url, str(n), "16"]
    if header:
        cmd.append(header)
    t = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    try:
        r = json.loads(t.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"requests": 0, "rps": None, "non2xx": 0, "socket_errors": n}
    return {"requests": r["requests"], "rps": r["requests_per_s"], "non2xx": 0,
            "socket_errors": r["failed"]}


def cmd_load(argv):
    out, rounds, secs, n = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    servers = []
    for s in argv[4:]:
        parts = s.split("|", 3)
        servers.append({"name": parts[0], "pid": int(parts[1]), "url": parts[2],
                        "header": parts[3] if len(parts) > 3 else None})
    use_wrk = shutil.which("wrk") and os.environ.get("BENCH_LOADGEN", "wrk") == "wrk"
    rows = []
    # One unrecorded round first: Prism's JIT needs it, and every server
    # gets the same.
    for s in servers:
        if use_wrk:
            run_wrk(s["url"], s["header"], secs)
        else:
            run_exec(s["url"], s["header"], n)
    for r in range(rounds):
        # Rotate the order so no server always runs first (or right after
        # the slowest one).
        k = r % len(servers)
        for s in servers[k:] + servers[:k]:
            la = loadavg()
            c0 = tree_ticks(s["pid"])
            t0 = time.monotonic()
            res = run_wrk(s["url"], s["header"], secs) if use_wrk else \
                run_exec(s["url"], s["header"], n)
            wall = time.monotonic() - t0
            c1 = tree_ticks(s["pid"])
            cpu_ms = (c1 - c0) * 1000.0 / TICK if c0 is not None and c1 is not None else None
            reqs = res["requests"]
            bad = res["non2xx"] + res["socket_errors"]
            rows.append({"round": r + 1, "server": s["name"], "requests": reqs,
                         "rps": res["rps"], "bad": bad, "non2xx": res["non2xx"],
                         "socket_errors": res["socket_errors"], "wall_s": wall,
                         "server_cpu_ms": cpu_ms,
                         "cpu_ms_per_1k": cpu_ms * 1000.0 / reqs if cpu_ms is not None and reqs
                         else None,
                         "loadavg_1m": la[0]})
            print("bench: round %d %-6s %8s req/s  %6s ms CPU/1k req  bad %d  load %.2f" % (
                r + 1, s["name"], "%.0f" % res["rps"] if res["rps"] else "n/a",
                "%.1f" % rows[-1]["cpu_ms_per_1k"] if rows[-1]["cpu_ms_per_1k"] else "n/a",
                bad, la[0]), file=sys.stderr)
    with open(out, "w") as f:
        json.dump({"loadgen": "wrk -t2 -c64 -d%ds --timeout 10s" % secs if use_wrk else
                   "bench_exec %d requests, concurrency 16" % n, "rows": rows}, f)
    return 0


def cmd_openapi(argv):
    src, dst, prefix = argv
    with open(src) as f:
        doc = json.load(f)
    doc["paths"] = {prefix + p: v for p, v in doc.get("paths", {}).items()}
    doc["servers"] = [{"url": "http://127.0.0.1"}]
    with open(dst, "w") as f:
        json.dump(doc, f)
    return 0


def cmd_extract(argv):
    out, conform, rounds, pages = argv[0], argv[1], int(argv[2]), argv[3:]
    ok = failed = 0
    size = sum(os.path.getsize(p) for p in pages)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    for _ in range(rounds):
        for p in pages:
            rc = subprocess.run([conform, "extract", "-o", os.devnull, p],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            if rc == 0:
                ok += 1
            else:
                failed += 1
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    done = ok + failed
    with open(out, "w") as f:
        json.dump({"pages": len(pages), "rounds": rounds, "ok": ok, "failed": failed,
                   "bytes": size, "wall_s": wall, "cpu_s": cpu,
                   "pages_per_s": done / wall if wall > 0 else None,
                   "cpu_ms_per_page": cpu * 1000.0 / done if done else None}, f)
    return 0


def stats(values):
    v = [x for x in values if x is not None]
    if not v:
        return None
    return {"min": min(v), "median": statistics.median(v), "max": max(v), "n": len(v)}


def jload(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def cmd_report(argv):
    from report import build  # bench/report.py, beside this file
    return build(*argv, stats=stats, jload=jload)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    cmd = {"rusage": cmd_rusage, "load": cmd_load, "openapi": cmd_openapi,
           "extract": cmd_extract, "report": cmd_report}.get(sys.argv[1])
    if not cmd:
        print(__doc__, file=sys.stderr)
        return 2
    return cmd(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

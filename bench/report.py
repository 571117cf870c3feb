"""The report of bench/run.sh: reports/bench/<stamp>.md and .json from the
files the run left in its work directory (called through measure.py report).

A ratio against a peer or the ceiling is printed only over equivalent,
passing work: every response 2xx on both sides, every Dredd transaction
that ran passing, every suite case passing.  Otherwise the row says why
there is no ratio."""
import glob
import json
import os
import re
import statistics


def _f(v, fmt="%.0f"):
    return "n/a" if v is None else fmt % v


def _mmm(s, fmt="%.0f"):
    if not s:
        return "n/a"
    return "%s (%s–%s)" % (fmt % s["median"], fmt % s["min"], fmt % s["max"])


def _bad(name, s):
    return "%s %d non-2xx, %d socket errors or timeouts" % (name, s["non2xx"],
                                                           s["socket_errors"])


def _machine(work):
    m = {}
    for line in open(os.path.join(work, "machine.txt")):
        k, _, v = line.rstrip("\n").partition("=")
        m[k] = v
    for k in ("before", "after", "end"):
        p = os.path.join(work, "loadavg." + k)
        if os.path.exists(p):
            m["loadavg_" + k] = open(p).read().strip()
    return m


def _suite(work, stats, jload):
    runs = [jload(p) for p in sorted(glob.glob(os.path.join(work, "suite.*.json")))]
    runs = [r for r in runs if r]
    rep = jload(os.path.join(work, "reports", "latest", "report.json"), {})
    s = rep.get("summary", {})
    reqs = None
    for p in sorted(glob.glob(os.path.join(work, "suite.*.err"))):
        m = re.search(r"(\d+) requests in", open(p).read())
        if m:
            reqs = int(m.group(1))
    wall = stats([r["wall_s"] for r in runs])
    return {"runs": len(runs), "cases": s.get("total"), "pass": s.get("pass"),
            "fail": s.get("fail"), "exit_codes": [r["rc"] for r in runs],
            "wall_s": wall, "peak_rss_kb": stats([r["peak_rss_kb"] for r in runs]),
            "cpu_s": stats([r["cpu_s"] for r in runs]),
            "requests": reqs,
            "requests_per_s": reqs / wall["median"] if reqs and wall else None}


def _load(work, stats, jload):
    d = jload(os.path.join(work, "load.json"), {"rows": [], "loadgen": None})
    rows = d["rows"]
    per = {}
    for r in rows:
        per.setdefault(r["server"], []).append(r)
    out = {"loadgen": d["loadgen"], "servers": {}, "ratios": {}}
    for name, rs in per.items():
        out["servers"][name] = {
            "rounds": len(rs), "bad_responses": sum(r["bad"] for r in rs),
            "non2xx": sum(r.get("non2xx", 0) for r in rs),
            "socket_errors": sum(r.get("socket_errors", 0) for r in rs),
            "requests": sum(r["requests"] for r in rs),
            "rps": stats([r["rps"] for r in rs]),
            "cpu_ms_per_1k": stats([r["cpu_ms_per_1k"] for r in rs]),
            "loadavg_1m": stats([r["loadavg_1m"] for r in rs])}

    def ratio(a, b, field, invert=False):
        """Median over rounds of a/b (b/a when invert); None unless both
        answered every request with 2xx."""
        sa, sb = out["servers"].get(a), out["servers"].get(b)
        if not sa or not sb:
            return {"value": None, "why": "%s not measured" % (b if sa else a)}
        if sa["bad_responses"] or sb["bad_responses"]:
            return {"value": None, "why": "not every request answered 2xx: %s; %s" % (
                _bad(a, sa), _bad(b, sb))}
        ra = {r["round"]: r[field] for r in per[a]}
        rb = {r["round"]: r[field] for r in per[b]}
        vals = []
        for k in ra:
            if ra.get(k) and rb.get(k):
                vals.append(rb[k] / ra[k] if invert else ra[k] / rb[k])
        return {"value": statistics.median(vals) if vals else None,
                "rounds": sorted(vals), "why": None if vals else "no complete round"}

    out["ratios"] = {
        "mock_over_hello_rps": ratio("mock", "hello", "rps"),
        # CPU efficiency: hello's CPU per request over the mock's (1.0 = as
        # cheap as the ceiling).
        "mock_cpu_efficiency_vs_hello": ratio("mock", "hello", "cpu_ms_per_1k", invert=True),
        "mock_over_prism_rps": ratio("mock", "prism", "rps"),
        "prism_cpu_over_mock": ratio("mock", "prism", "cpu_ms_per_1k", invert=True),
    }
    return out


def _dredd(work, suite, jload):
    status = open(os.path.join(work, "dredd.status")).read().strip() \
        if os.path.exists(os.path.join(work, "dredd.status")) else "not run"
    out = {"status": status}
    tp = os.path.join(work, "dredd.time")
    if not os.path.exists(tp):
        return out
    a, b = map(float, open(tp).read().split())
    log = re.sub(r"\x1b\[[0-9;]*m", "", open(os.path.join(work, "dredd.log")).read())
    m = re.search(r"complete: (\d+) passing, (\d+) failing, (\d+) errors, (\d+) skipped, "
                  r"(\d+) total", log)
    out.update({"seconds": b - a, "log_tail": log[-600:]})
    if not m:
        out["status"] = "failed: no summary line in Dredd's output"
        return out
    p, f, e, s, t = map(int, m.groups())
    out.update({"passing": p, "failing": f, "errors": e, "skipped": s, "total": t,
                "skip_reasons": re.findall(r"bench hooks: skip (.*)", log)})
    out["ms_per_passing_transaction"] = (b - a) * 1000 / p if p else None
    per_case = None
    if suite["cases"] and suite["wall_s"]:
        per_case = suite["wall_s"]["median"] * 1000 / suite["cases"]
    out["conform_ms_per_case"] = per_case
    if f or e or not p:
        out["status"] = "failed: %d failing, %d errors" % (f, e)
        out["ratio"], out["why"] = None, "Dredd's run did not pass"
    elif suite["fail"] or suite["pass"] != suite["cases"]:
        out["status"] = "ok"
        out["ratio"], out["why"] = None, "conform's suite did not pass"
    else:
        out["status"] = "ok"
        out["ratio"] = out["ms_per_passing_transaction"] / per_case if per_case else None
    return out


def _memory(work, jload):
    mem = {}
    for p in glob.glob(os.path.join(work, "mem.embedded.*.json")):
        k = int(p.split(".")[-2])
        e = jload(p)
        x = jload(os.path.join(work, "mem.external.%d.json" % k))
        rss = os.path.join(work, "mem.mockrss.%d" % k)
        mem[k] = {"embedded": e, "external_runner": x,
                  "external_mock_rss_kb_after": int(open(rss).read().strip() or 0)
                  if os.path.exists(rss) else None}
    return dict(sorted(mem.items()))


def _fuzz(work):
    fuzz = {}
    for p in sorted(glob.glob(os.path.join(work, "fuzz.*.log"))):
        _, flavour, short, _ = os.path.basename(p).split(".", 3)
        t = open(p).read()
        m = re.search(r"stat::number_of_executed_units:\s*(\d+)", t)
        m2 = re.search(r"Done (\d+) runs in (\d+) second", t)
        execs = int(m.group(1)) if m else (int(m2.group(1)) if m2 else None)
        secs = int(m2.group(2)) if m2 else None
        fuzz.setdefault(short, {})[flavour] = (execs / secs) if execs and secs else None
    return fuzz


def _proxy(work, jload):
    """bench_proxy's JSON line (direct vs through the proxy), or None."""
    path = os.path.join(work, "proxy.json")
    if not os.path.exists(path):
        return None
    lines = [l for l in open(path).read().splitlines() if l.startswith("{")]
    return json.loads(lines[-1]) if lines else None


def _check(work, jload):
    """`conform check` rounds over the recorded suite: entries, wall, CPU."""
    path = os.path.join(work, "check.entries")
    if not os.path.exists(path):
        return None
    entries = int(open(path).read().strip() or 0)
    rounds = []
    i = 1
    while os.path.exists(os.path.join(work, "check.%d.json" % i)):
        r = jload(os.path.join(work, "check.%d.json" % i))
        if r:
            rounds.append(r)
        i += 1
    if not rounds:
        return None
    wall = statistics.median(r["wall_s"] for r in rounds)
    cpu = statistics.median(r["cpu_s"] for r in rounds)
    return {"entries": entries, "rounds": len(rounds), "wall_s": wall, "cpu_s": cpu,
            "rc": [r["rc"] for r in rounds],
            "peak_rss_kb": max(r["peak_rss_kb"] for r in rounds),
            "entries_per_s": entries / wall if wall > 0 else None,
            "entries_per_cpu_s": entries / cpu if cpu > 0 else None}


def _ratio_cell(r, fmt, unit=""):
    if r["value"] is None:
        return "no ratio: " + r["why"]
    return (fmt % r["value"]) + unit + " (rounds: " + ", ".join(fmt % v for v in r["rounds"]) + ")"


def build(work, out_dir, stamp, stats, jload):
    mach = _machine(work)
    suite = _suite(work, stats, jload)
    ex_h = jload(os.path.join(work, "exec_hello.json"))
    ex_m = jload(os.path.join(work, "exec_mock.json"))
    load = _load(work, stats, jload)
    prism_status = open(os.path.join(work, "prism.status")).read().strip() \
        if os.path.exists(os.path.join(work, "prism.status")) else "not run"
    dredd = _dredd(work, suite, jload)
    mem = _memory(work, jload)
    extract = jload(os.path.join(work, "extract.json"))
    fuzz = _fuzz(work)
    proxy = _proxy(work, jload)
    check = _check(work, jload)
    ex_ratio = None
    if ex_h and ex_m and not ex_h["failed"] and not ex_m["failed"]:
        ex_ratio = ex_m["requests_per_s"] / ex_h["requests_per_s"]
    doc = {"date": stamp, "machine": mach, "suite": suite,
           "executor": {"hello": ex_h, "mock": ex_m, "mock_over_hello": ex_ratio},
           "server_load": load, "prism": prism_status, "dredd": dredd,
           "memory_scaling": mem, "extraction": extract,
           "proxy": proxy, "check": check,
           "fuzz_execs_per_s": fuzz}
    with open(os.path.join(out_dir, stamp + ".json"), "w") as f:
        json.dump(doc, f, indent=2)

    sv = load["servers"]
    ra = load["ratios"]

    def srow(name, label):
        s = sv.get(name)
        if not s:
            return "| %s | not measured | | | |" % label
        return "| %s | %s | %s | %d / %d | %s |" % (
            label, _mmm(s["rps"]), _mmm(s["cpu_ms_per_1k"], "%.1f"), s["non2xx"],
            s["socket_errors"], _mmm(s["loadavg_1m"], "%.2f"))

    L = ["# conform benchmarks, %s" % stamp, "",
         "Command: `%s` (commit %s%s), on this machine: %s cores; load average "
         "(1/5/15 min) %s at the start, %s before and %s after the server load, %s at "
         "the end. Everything on loopback." % (
             mach.get("command"), mach.get("commit"),
             ", uncommitted changes" if mach.get("dirty", "0") != "0" else "",
             mach.get("cores"), mach.get("loadavg_start"), mach.get("loadavg_before", "n/a"),
             mach.get("loadavg_after", "n/a"), mach.get("loadavg_end", "n/a")), ""]
    w = suite["wall_s"]
    rss = suite["peak_rss_kb"]
    L += ["## Suite and executor", "",
          "| measurement | value | target |", "|---|---|---|",
          "| suite vs embedded mock: cases | %s (%s pass, %s fail) | ≥ 300, all pass |" % (
              suite["cases"], suite["pass"], suite["fail"]),
          "| suite wall time, median (min–max) of %d | %s s | ≤ 0.3 s |" % (
              suite["runs"], _mmm(w, "%.3f")),
          "| suite CPU time (user+sys of runner and embedded mock), median (min–max) | "
          "%s s | (the wall time's load-independent counterpart) |" % _mmm(suite["cpu_s"], "%.3f"),
          "| suite requests/s (at the median wall) | %s | |" % _f(suite["requests_per_s"]),
          "| suite peak RSS, max of %d | %s MB | ≤ 16 MB |" % (
              suite["runs"], _f(rss and rss["max"] / 1024, "%.1f")),
          "| executor vs hello-world (%s GETs, concurrency 16) | %s vs %s req/s = %s | ≥ 60 %% |" % (
              _f(ex_h and ex_h["requests"]), _f(ex_m and ex_m["requests_per_s"]),
              _f(ex_h and ex_h["requests_per_s"]),
              _f(ex_ratio and ex_ratio * 100, "%.0f %%") if ex_ratio else
              "no ratio: failed requests"), ""]
    L += ["## Servers under the same load", "",
          "Load: %s per round, the servers in rotating order, %s rounds after one "
          "unrecorded warm-up round per server; same URL "
          "(`GET …/chatgroups?limit=10`) on each. CPU is the server's utime+stime "
          "from /proc/PID/stat (all threads and child processes) over the round, per "
          "1,000 requests answered: it does not depend on how much CPU the load "
          "generator or the other jobs on the machine took." % (
              load["loadgen"], max([s["rounds"] for s in sv.values()] or [0])), "",
          "| server | req/s median (min–max) | CPU ms per 1k requests median (min–max) | "
          "non-2xx / socket errors | load avg 1 min |", "|---|---|---|---|---|",
          srow("hello", "hello-world ceiling (`bench_hello`)"),
          srow("mock", "conform mock"),
          srow("prism", "Prism mock (%s)" % prism_status), "",
          "| ratio (median over rounds) | value | target |", "|---|---|---|",
          "| mock throughput / ceiling throughput (wall clock) | %s | ≥ 70 %% |" % _ratio_cell(
              {**ra["mock_over_hello_rps"], "value": ra["mock_over_hello_rps"]["value"] and
               ra["mock_over_hello_rps"]["value"] * 100,
               "rounds": [v * 100 for v in ra["mock_over_hello_rps"].get("rounds", [])]},
              "%.0f", " %"),
          "| ceiling CPU per request / mock CPU per request | %s | ≥ 70 %% |" % _ratio_cell(
              {**ra["mock_cpu_efficiency_vs_hello"],
               "value": ra["mock_cpu_efficiency_vs_hello"]["value"] and
               ra["mock_cpu_efficiency_vs_hello"]["value"] * 100,
               "rounds": [v * 100 for v in ra["mock_cpu_efficiency_vs_hello"].get("rounds", [])]},
              "%.0f", " %"),
          "| mock throughput / Prism throughput (wall clock) | %s | ≥ 10× |" % _ratio_cell(
              ra["mock_over_prism_rps"], "%.1f", "×"),
          "| Prism CPU per request / mock CPU per request | %s | ≥ 10× |" % _ratio_cell(
              ra["prism_cpu_over_mock"], "%.1f", "×"), ""]
    L += ["## Dredd over the same document", ""]
    if "passing" in dredd:
        L += ["Dredd %s: %d passing, %d failing, %d errors, %d skipped of %d transactions "
              "in %.2f s (%s ms per passing transaction, start-up included); conform: %s ms "
              "per case (median suite wall / cases, start-up included)." % (
                  dredd["status"], dredd["passing"], dredd["failing"], dredd["errors"],
                  dredd["skipped"], dredd["total"], dredd["seconds"],
                  _f(dredd["ms_per_passing_transaction"], "%.1f"),
                  _f(dredd["conform_ms_per_case"], "%.3f")), "",
              "| ratio | value | target |", "|---|---|---|",
              "| Dredd ms per passing transaction / conform ms per case | %s | ≥ 30× |" % (
                  ("%.0f×" % dredd["ratio"]) if dredd.get("ratio") else
                  "no ratio: " + str(dredd.get("why"))), ""]
        for r in dredd["skip_reasons"]:
            L.append("- skipped: %s" % r)
        L.append("")
    else:
        L += ["Dredd: %s; no ratio." % dredd["status"], ""]
    L += ["## Memory: the suite ×1/×10/×100 (`--repeat`)", "",
          "| repeat | embedded mock: peak RSS, wall | runner alone (external mock): peak "
          "RSS, wall | external mock's RSS after | target |", "|---|---|---|---|---|"]
    for k, v in mem.items():
        e, x = v["embedded"] or {}, v["external_runner"] or {}
        L.append("| ×%d | %s MB, %s s | %s MB, %s s | %s MB | flat, ≤ 16 MB |" % (
            k, _f(e.get("peak_rss_kb") and e["peak_rss_kb"] / 1024, "%.1f"),
            _f(e.get("wall_s"), "%.2f"),
            _f(x.get("peak_rss_kb") and x["peak_rss_kb"] / 1024, "%.1f"),
            _f(x.get("wall_s"), "%.2f"),
            _f(v["external_mock_rss_kb_after"] and v["external_mock_rss_kb_after"] / 1024,
               "%.1f")))
    L += ["", "## Budgets of the new capabilities", "",
          "| measurement | value | budget |", "|---|---|---|"]
    if extract:
        L.append("| extraction: `conform extract` over %d pages × %d rounds (%d failed) | "
                 "%s pages/s wall, %s ms CPU per page (process start-up included) | "
                 "≤ 20 ms CPU per page |" % (
                     extract["pages"], extract["rounds"], extract["failed"],
                     _f(extract["pages_per_s"], "%.1f"), _f(extract["cpu_ms_per_page"], "%.1f")))
    else:
        L.append("| extraction pages/s | skipped: no pages directory | ≤ 20 ms CPU per page |")
    if proxy:
        d, p = proxy["direct"], proxy["proxy"]
        L.append("| proxy: %d sequential keep-alive calls, then over %d clients (judged %d, "
                 "dropped %d) | p50 %.3f → %.3f ms (+%.3f), p99 %.2f → %.2f ms; %.0f → %.0f "
                 "requests/s | adds ≤ 0.1 ms at the median; judging never holds traffic |" % (
                     proxy["requests"], proxy["clients"], p["judged"], p["dropped"],
                     d["p50_ms"], p["p50_ms"], p["p50_ms"] - d["p50_ms"], d["p99_ms"],
                     p["p99_ms"], d["rps"], p["rps"]))
    else:
        L.append("| proxy added latency p50/p99, throughput | not run (bench_proxy missing) | |")
    if check:
        L.append("| `check` over the recorded suite (%d entries, median of %d, exit %s) | "
                 "%s entries/s wall, %s per CPU second, %.1f MB peak RSS | a recording is judged "
                 "faster than it was made |" % (
                     check["entries"], check["rounds"], "/".join(str(c) for c in check["rc"]),
                     _f(check["entries_per_s"]), _f(check["entries_per_cpu_s"]),
                     check["peak_rss_kb"] / 1024))
    else:
        L.append("| `check` exchanges/s on a large HAR | not run (the recording failed) | |")
    L.append("")
    if fuzz:
        L += ["## Fuzz harness exec/s (5-second runs, inputs ≤ 4 KB)", "",
              "| harness | no sanitizer | ASan + UBSan |", "|---|---|---|"]
        for k, v in sorted(fuzz.items()):
            L.append("| %s | %s | %s |" % (k, _f(v.get("plain")), _f(v.get("asan"))))
        L.append("")
    else:
        L += ["Fuzz exec/s: not run (quick mode or BENCH_FUZZ=0).", ""]
    text = "\n".join(L)
    with open(os.path.join(out_dir, stamp + ".md"), "w") as f:
        f.write(text)
    print(text)
    return 0

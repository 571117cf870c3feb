#!/usr/bin/env python3
"""Score `conform extract` against hand-written answer keys.

For every key under tests/data/extract/keys/*.json this runs
`conform extract PAGE`, compares the draft with the key and prints recall
and precision per page and per item class, then a totals line.  It exits 1
when a total falls below the floor stored in keys/thresholds.json (so CI
fails on a drop), 2 on usage errors, 3 when a key or page cannot be read.

Item classes (docs/extract.md, "Corpus score", says how each is counted):
  ops    operations, by method + full path template (base URL path + path;
         placeholder names ignored)
  req    request fields, by name + location (path, query, header, body);
         path placeholders held by the base URL count as present
  resp   response fields, by name, at any depth of the response schema
  limit  documented bounds, by parameter + maximum
  err    error rows, a multiset of (HTTP status, vendor code)
  rate   rate limits per operation (calls per second)
Two attribute scores over matched request fields: `type` (the JSON type) and
`reqd` (the required flag); both only where the key states them.  `lint` is
the number of `conform lint` findings on the page's draft.

Python 3 standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VERBOSE = False
CLASSES = ("ops", "req", "resp", "limit", "err", "rate")


def norm_path(p, names=False):
    """Slashes tidied; placeholder names dropped unless names is true."""
    if not names:
        p = re.sub(r"\{[^}]*\}", "{}", p or "")
    return re.sub(r"/+", "/", "/" + (p or "").strip("/"))


def base_prefix(draft):
    base = (draft.get("transport") or {}).get("base_url") or ""
    m = re.match(r"^[a-z]+://[^/]*(.*)$", base)
    return m.group(1) if m else ""


def base_placeholders(draft):
    return set(re.findall(r"\{([^}]*)\}", base_prefix(draft)))


def schema_names(schema, out):
    if not isinstance(schema, dict):
        return
    for name, sub in (schema.get("properties") or {}).items():
        out.add(name)
        schema_names(sub, out)
    schema_names(schema.get("items"), out)


def type_ok(key_t, got_t):
    if key_t is None:
        return None
    if got_t == key_t:
        return True
    return {key_t, got_t} == {"integer", "number"}


class Tally:
    def __init__(self):
        self.c = {k: [0, 0, 0] for k in CLASSES + ("type", "reqd")}  # tp, fn, fp

    def add(self, cls, tp=0, fn=0, fp=0, what=None):
        if what is not None and (fn or fp) and VERBOSE:
            print("    %s %s: %s" % ("miss" if fn else "extra", cls, what))
        t = self.c[cls]
        t[0] += tp
        t[1] += fn
        t[2] += fp

    def merge(self, other):
        for k, v in other.c.items():
            self.add(k, *v)

    def recall(self, cls):
        tp, fn, _ = self.c[cls]
        return 1.0 if tp + fn == 0 else tp / (tp + fn)

    def precision(self, cls):
        tp, _, fp = self.c[cls]
        return 1.0 if tp + fp == 0 else tp / (tp + fp)


def match_errors(key_rows, got_rows):
    """Greedy multiset match; a null status or code in the key is a wildcard."""
    got = list(got_rows)
    tp = 0
    # exact pairs first so wildcards do not steal them
    for exact in (True, False):
        for row in key_rows:
            if row is None:
                continue
            st, code = row
            if exact != (st is not None and code is not None):
                continue
            for i, (gs, gc) in enumerate(got):
                if (st is None or st == gs) and (code is None or str(code) == str(gc)):
                    got.pop(i)
                    tp += 1
                    break
    return tp, len(key_rows) - tp, len(got)


def draft_ops(draft):
    """[(method, path with placeholder names, op)]."""
    prefix = base_prefix(draft)
    return [(op.get("method", "").upper(), norm_path(prefix + (op.get("path") or ""), True), op)
            for op in draft.get("operations") or []]


def find_op(dops, used, method, path):
    """The draft operation for a key operation: same method and path, else
    the same path template with other placeholder names."""
    for exact in (True, False):
        for i, (m, p, _) in enumerate(dops):
            if i in used or m != method:
                continue
            if (p == norm_path(path, True)) if exact else (norm_path(p) == norm_path(path)):
                return i
    return None


def op_items(draft, op):
    """The draft's items for one operation, in the key's terms."""
    t = draft.get("transport") or {}
    req = [(p.get("name"), p.get("in"), p.get("type"), p.get("required"))
           for p in op.get("params") or []]
    resp = set()
    schema_names((op.get("response") or {}).get("schema"), resp)
    limits = []
    for p in op.get("params") or []:
        for lim in p.get("limits") or []:
            limits.append((p.get("name"), lim.get("max")))
    errors = [(e.get("status"), e.get("code")) for e in (op.get("errors") or []) + (t.get("errors") or [])]
    rate = (op.get("rate_limit") or t.get("rate_limit") or {}).get("per_second")
    return req, resp, limits, errors, rate


def score_op(kop, common, draft, dop, tally):
    req, resp, limits, errors, rate = op_items(draft, dop) if dop else ([], set(), [], [], None)
    held = base_placeholders(draft) if dop else set()
    # request fields
    unmatched = list(req)
    for name, where, ktype, kreq in kop.get("request", []):
        wheres = where if isinstance(where, list) else [where]
        hit = next((r for r in unmatched if r[0] == name and r[1] in wheres), None)
        if hit:
            unmatched.remove(hit)
            tally.add("req", tp=1)
            ok = type_ok(ktype, hit[2])
            if ok is not None:
                tally.add("type", tp=int(ok), fn=int(not ok))
            if kreq is not None:
                good = hit[3] == kreq
                tally.add("reqd", tp=int(good), fn=int(not good))
        elif "path" in wheres and name in held:
            tally.add("req", tp=1)
        else:
            tally.add("req", fn=1, what=(name, where))
    for r in unmatched:
        tally.add("req", fp=1, what=r[:2])
    # response fields
    want = set(kop.get("response", [])) | set(common.get("response", []))
    tally.add("resp", tp=len(want & resp))
    for n in sorted(want - resp):
        tally.add("resp", fn=1, what=n)
    for n in sorted(resp - want):
        tally.add("resp", fp=1, what=n)
    # limits
    also = {(p, v) for p, v in kop.get("limits_also", [])}
    got = list(limits)
    for pv in kop.get("limits", []):
        pv = tuple(pv)
        if pv in got:
            got.remove(pv)
            tally.add("limit", tp=1)
        else:
            tally.add("limit", fn=1, what=pv)
    for g in got:
        if g not in also:
            tally.add("limit", fp=1, what=g)
    # errors
    rows = [tuple(r) for r in kop.get("errors", [])] + [tuple(r) for r in common.get("errors", [])]
    tp, fn, fp = match_errors(rows, errors)
    if (fn or fp) and VERBOSE:
        print("    err: key %s draft %s" % (rows, errors))
    tally.add("err", tp=tp, fn=fn, fp=fp)
    # rate limit
    krate = kop.get("rate_limit")
    if krate is not None and rate == krate:
        tally.add("rate", tp=1)
    else:
        if krate is not None:
            tally.add("rate", fn=1, what=(krate, rate))
        if rate is not None:
            tally.add("rate", fp=1, what=(krate, rate))


def score_page(key, draft):
    tally = Tally()
    dops = draft_ops(draft)
    used = set()
    common = key.get("common", {})
    for kop in key["operations"]:
        i = find_op(dops, used, kop["method"].upper(), kop["path"])
        dop = None
        if i is not None:
            used.add(i)
            dop = dops[i][2]
            tally.add("ops", tp=1)
        else:
            tally.add("ops", fn=1, what=(kop["method"], kop["path"]))
        score_op(kop, common, draft, dop, tally)
    for i, (m, p, dop) in enumerate(dops):
        if i in used:
            continue
        tally.add("ops", fp=1, what=(m, p))
        req, resp, limits, errors, rate = op_items(draft, dop)
        tally.add("req", fp=len(req))
        tally.add("resp", fp=len(resp))
        tally.add("limit", fp=len(limits))
        tally.add("err", fp=len(errors))
        tally.add("rate", fp=int(rate is not None))
    return tally


def fmt(t, cls):
    tp, fn, fp = t.c[cls]
    if tp + fn + fp == 0:
        return "    -    "
    return "%3.0f/%3.0f" % (100 * t.recall(cls), 100 * t.precision(cls))


def run_extract(conform, page):
    p = subprocess.run([conform, "extract", page], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode not in (0, 1):
        raise RuntimeError("conform extract %s: exit %d: %s" % (page, p.returncode, p.stderr.decode()[:200]))
    return json.loads(p.stdout.decode("utf-8"))


def lint_findings(conform, draft):
    """How many findings `conform lint` reports for the draft."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(draft, f)
    try:
        p = subprocess.run([conform, "lint", f.name], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    finally:
        os.unlink(f.name)
    m = re.search(r"(\d+) findings?", p.stderr.decode("utf-8", "replace") + p.stdout.decode("utf-8", "replace"))
    if p.returncode == 0:
        return 0
    return int(m.group(1)) if m else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--conform", default=os.path.join(ROOT, "build", "conform"))
    ap.add_argument("--keys", default=os.path.join(ROOT, "tests", "data", "extract", "keys"))
    ap.add_argument("--pages", default=os.environ.get("CONFORM_PAGES", os.path.join(ROOT, "..", "shared", "pages")))
    ap.add_argument("--json", action="store_true", help="machine-readable totals on stdout")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every miss and extra item")
    ap.add_argument("--no-check", action="store_true", help="report only; ignore thresholds")
    a = ap.parse_args()
    global VERBOSE
    VERBOSE = a.verbose
    if not os.path.isdir(a.pages):
        print("extract-score: error: no pages directory '%s' (set --pages or CONFORM_PAGES)" % a.pages, file=sys.stderr)
        return 2
    names = sorted(f for f in os.listdir(a.keys) if f.endswith(".json") and f != "thresholds.json")
    total = Tally()
    rows = {}
    hdr = "%-52s %9s %9s %9s %9s %9s %9s %5s %5s %4s" % ("page (recall/precision %)", *CLASSES, "type", "reqd",
                                                      "lint")
    lint_total = 0
    if not a.json:
        print(hdr)
    for n in names:
        try:
            key = json.load(open(os.path.join(a.keys, n), encoding="utf-8"))
            draft = run_extract(a.conform, os.path.join(a.pages, key["page"]))
        except (OSError, ValueError, KeyError, RuntimeError, subprocess.TimeoutExpired) as e:
            print("extract-score: error: %s: %s" % (n, e), file=sys.stderr)
            return 3
        if VERBOSE:
            print("  " + key["page"])
        t = score_page(key, draft)
        total.merge(t)
        lint = lint_findings(a.conform, draft)
        lint_total += lint
        rows[key["page"]] = {c: t.c[c] for c in t.c}
        rows[key["page"]]["lint"] = lint
        if not a.json:
            print("%-52s %s %s %s %s %s %s %5.0f %5.0f %4d" % (
                key["page"][:52], *(fmt(t, c) for c in CLASSES), 100 * t.recall("type"), 100 * t.recall("reqd"),
                lint))
    summary = {c: {"recall": round(total.recall(c), 4), "precision": round(total.precision(c), 4),
                   "tp": total.c[c][0], "fn": total.c[c][1], "fp": total.c[c][2]} for c in total.c}
    summary["lint"] = {"findings": lint_total}
    if a.json:
        json.dump({"pages": rows, "totals": summary}, sys.stdout, indent=1)
        print()
    else:
        print("%-52s %s %s %s %s %s %s %5.0f %5.0f %4d" % (
            "TOTAL (%d pages)" % len(names), *(fmt(total, c) for c in CLASSES),
            100 * total.recall("type"), 100 * total.recall("reqd"), lint_total))
        print("counts (tp/fn/fp): " + "  ".join("%s %d/%d/%d" % (c, *total.c[c]) for c in CLASSES + ("type", "reqd")))
    if a.no_check:
        return 0
    floors = json.load(open(os.path.join(a.keys, "thresholds.json"), encoding="utf-8"))
    bad = []
    for c, lim in floors.items():
        if c.startswith("_"):
            continue
        if "max_findings" in lim and summary[c]["findings"] > lim["max_findings"]:
            bad.append("%s findings %d > %d" % (c, summary[c]["findings"], lim["max_findings"]))
        for what in ("recall", "precision"):
            if what in lim and summary[c][what] + 1e-9 < lim[what]:
                bad.append("%s %s %.4f < %.4f" % (c, what, summary[c][what], lim[what]))
    for b in bad:
        print("extract-score: below threshold: " + b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

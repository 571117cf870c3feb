#!/usr/bin/env python3
"""Generates the fuzz seed corpora and dictionaries from the specs.

Every example request and response in specs/*.json (the documents' own
samples) and every documented error row becomes a seed, named the OSS-Fuzz
way: corpus/<target>/<name>, corpus/<target>.dict.  Run it after a spec
changes; its output is committed.  Deterministic: same specs, same files.
"""
import base64, glob, hashlib, hmac, json, os, re, sys, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECS = sorted(p for p in glob.glob(os.path.join(ROOT, "specs", "*.json"))
               if not p.endswith("spec.schema.json") and not p.endswith("sources.json"))
# Must match fuzz/common/fuzz_common.c.
STATUSES = [200, 201, 204, 301, 400, 401, 403, 404, 405, 413, 415, 429, 500, 502, 503, 504]
VERDICTS = ["pass", "fail", "warn", "skip", "error"]
ERRMAP = {"tencent-im": "errmap_tencent", "agora-chat": "errmap_agora",
          "dingtalk-rooms": "errmap_dingtalk"}


def write(target, name, data):
    d = os.path.join(ROOT, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:100]
    with open(os.path.join(d, safe), "wb") as f:
        f.write(data)


def dump(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def status_byte(status):
    return bytes([STATUSES.index(status) if status in STATUSES else 0])


def fill(pattern):
    """A message that fits an anchored error pattern: captures become values."""
    if not pattern:
        return "error"
    s = pattern.strip("^$")
    s = re.sub(r"\((?:[^()\\]|\\.)*\)", "conform-x1", s)
    s = s.replace("\\", "")
    return s


def dict_escape(word):
    """libFuzzer dictionary syntax: printable ASCII as is, the rest \\xNN."""
    out = []
    for b in word.encode("utf-8"):
        c = chr(b)
        if c in '\\"':
            out.append("\\" + c)
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append("\\x%02X" % b)
    return "".join(out)


def usersig(ident, appid, key, t, expire):
    content = "TLS.identifier:%s\nTLS.sdkappid:%d\nTLS.time:%d\nTLS.expire:%d\n" % (ident, appid, t, expire)
    sig = base64.b64encode(hmac.new(key.encode(), content.encode(), hashlib.sha256).digest()).decode()
    doc = {"TLS.ver": "2.0", "TLS.identifier": ident, "TLS.sdkappid": appid,
           "TLS.expire": expire, "TLS.time": t, "TLS.sig": sig}
    raw = base64.b64encode(zlib.compress(json.dumps(doc, separators=(",", ":")).encode())).decode()
    return raw.replace("+", "*").replace("/", "-").replace("=", "_")


# Valid until 2045: seeds stay deterministic and keep passing the mock's check.
MOCK_SIG = usersig("administrator", 1400000000, "conform-demo-secret-key", 1763000000, 20 * 365 * 86400)


def clear_seeds():
    """Removes the generated seeds (never corpus/regressions/), so a seed the
    specs no longer produce disappears and CI's freshness check sees it."""
    base = os.path.join(ROOT, "corpus")
    for t in os.listdir(base) if os.path.isdir(base) else []:
        d = os.path.join(base, t)
        if t == "regressions" or not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            os.remove(os.path.join(d, name))


def har_seeds(dict_words):
    """Seeds for fuzz_har: each operation's documented example as a HAR
    entry, and the real-world shapes `conform check` tolerates."""
    import base64, gzip

    def entry(method, url, req_body, status, text, **content):
        req = {"method": method, "url": url, "headers": [{"name": "Authorization", "value": "Bearer t"}]}
        if req_body is not None:
            req["postData"] = {"mimeType": "application/json", "text": req_body}
        c = {"mimeType": "application/json", **content}
        if text is not None:
            c["text"] = text
        return {"request": req, "response": {"status": status, "headers": [], "content": c}}

    def har(*entries):
        return json.dumps({"log": {"version": "1.2", "entries": list(entries)}}, ensure_ascii=False)

    for path in SPECS:
        spec = json.load(open(path, encoding="utf-8"))
        base = spec["transport"]["base_url"].replace("{host}", "127.0.0.1:1").replace("{app_id}", "app")
        for op in spec["operations"]:
            for ex in op.get("examples", [])[:1]:
                url = base + op["path"]
                for k, v in ex.get("request", {}).get("path", {}).items():
                    url = url.replace("{%s}" % k, str(v))
                body = ex.get("request", {}).get("body")
                write("har", "%s-%s" % (spec["vendor"], op["id"]),
                      har(entry(op["method"], url, None if body is None else json.dumps(body), ex.get("response", {}).get("status", 200),
                                json.dumps(ex.get("response", {}).get("body", {})))))
    ok = '{"data":{"groupid":"g1"}}'
    write("har", "base64", har(entry("POST", "http://h/app-id/a/chatgroups", '{"public":true,"owner":"u"}', 200,
                                     base64.b64encode(ok.encode()).decode(), encoding="base64")))
    write("har", "gzip", har(entry("GET", "http://h/app-id/a/chatgroups/g1", None, 200,
                                   base64.b64encode(gzip.compress(b'{"data":[]}', mtime=0)).decode(), encoding="base64")))
    write("har", "no-response", har({"request": {"method": "DELETE", "url": "http://h/app-id/a/chatgroups/g1"}}))
    write("har", "html", har(entry("GET", "http://h/app-id/a/chatgroups", None, 502, "<html>bad gateway</html>", mimeType="text/html")))
    write("har", "no-text", har(entry("GET", "http://h/v1.0/rooms/groupLists", None, 200, None)))
    write("har", "deleted-then-read", har(entry("DELETE", "http://h/app-id/a/chatgroups/g1", None, 200, '{"data":{"success":true}}'),
                                          entry("GET", "http://h/app-id/a/chatgroups/g1", None, 200, '{"data":[{"id":"g1"}]}')))
    # A timed stream: two groups created, one deleted while a two-page
    # cursor walk runs, the walk missing the other (the end-of-stream rule).
    def timed(e, started, took):
        e["startedDateTime"] = "2026-12-02T05:21:40.%06dZ" % started
        e["time"] = took
        return e
    create = '{"public":true,"owner":"u"}'
    write("har", "walk-timed", har(
        timed(entry("POST", "http://h/app-id/a/chatgroups", create, 200, '{"data":{"groupid":"g1"}}'), 100, 1),
        timed(entry("POST", "http://h/app-id/a/chatgroups", create, 200, '{"data":{"groupid":"g2"}}'), 2100, 1),
        timed(entry("GET", "http://h/app-id/a/chatgroups?limit=2", None, 200,
                    '{"data":[{"groupid":"g2"}],"cursor":"c1"}'), 5000, 1),
        timed({"request": {"method": "DELETE", "url": "http://h/app-id/a/chatgroups/g2"}}, 5500, 1),
        timed(entry("GET", "http://h/app-id/a/chatgroups?limit=2&cursor=c1", None, 200, '{"data":[]}'), 7000, 1)))
    dict_words["har"] = {"log", "entries", "request", "response", "method", "url", "headers", "name", "value",
                         "postData", "text", "status", "content", "mimeType", "encoding", "base64",
                         "startedDateTime", "time", "cursor", "limit"}


def main():
    clear_seeds()
    dict_words = {t: set() for t in ["response", "spec", "mock"] + list(ERRMAP.values())}
    op_index = 0
    for path in SPECS:
        spec = json.load(open(path, encoding="utf-8"))
        vendor = spec["vendor"]
        em = spec["transport"]["error_model"]
        code_ptr = em["code"].lstrip("/")
        msg_ptr = em["message"].lstrip("/")
        errtarget = ERRMAP.get(vendor)
        # The spec itself is a seed for the spec harness.
        write("spec", vendor + ".json", json.dumps(spec, ensure_ascii=False))
        rows = list(spec["transport"].get("errors", []))
        for op in spec["operations"]:
            sel = bytes([op_index % 256])
            op_index += 1
            for ex in op.get("examples", []):
                resp = ex.get("response")
                if resp and "body" in resp:
                    body = dump(resp["body"])
                    write("response", "%s-%s-%s" % (vendor, op["id"], ex["id"]), body.encode() + sel)
                    if errtarget:
                        write(errtarget, "%s-%s-ok" % (op["id"], ex["id"]),
                              body.encode() + status_byte(resp.get("status", 200)))
                req = ex.get("request") or {}
                url = op["path"]
                for k, v in (req.get("path") or {}).items():
                    url = url.replace("{%s}" % k, str(v))
                q = "&".join("%s=%s" % (k, v) for k, v in (req.get("query") or {}).items())
                if q:
                    url += "?" + q
                hdrs = "".join("%s: %s\n" % (k, v) for k, v in (req.get("headers") or {}).items())
                # The mock's demo credentials, so seeds reach past authentication.
                if vendor == "agora-chat":
                    url = "/app-id/conform-demo-app" + url
                    hdrs += "Authorization: Bearer conform-demo-app-token\n"
                elif vendor == "dingtalk-rooms":
                    hdrs += "x-acs-dingtalk-access-token: conform-demo-access-token\n"
                elif vendor == "tencent-im":
                    url += ("&" if "?" in url else "?") + "sdkappid=1400000000&identifier=administrator&usersig=%s&random=7&contenttype=json" % MOCK_SIG
                body = dump(req["body"]) if "body" in req else ""
                write("mock", "%s-%s-%s" % (vendor, op["id"], ex["id"]),
                      "%s %s\n%s\n%s" % (op["method"], url, hdrs, body))
            # A one-case report.json per operation, as `conform merge` reads them.
            verdict = VERDICTS[op_index % len(VERDICTS)]
            err = (op.get("errors") or rows or [{}])[0]
            prov = (op.get("examples") or [{}])[0].get("provenance") or {"assumed": "seed"}
            write("report", "%s-%s" % (vendor, op["id"]), json.dumps({
                "format": "conform-report/1", "run_id": "seed", "cases": [{
                    "id": "%s.%s.example.doc" % (vendor, op["id"]), "vendor": vendor,
                    "operation": op["id"], "kind": "example", "verdict": verdict,
                    "reason": "expected HTTP 200, got %s" % err.get("status", 500),
                    "provenance": prov, "request": "%s %s" % (op["method"], op["path"]),
                    "repro": "curl -sS -X %s 'http://127.0.0.1:1%s'" % (op["method"], op["path"]),
                    "response": {"status": err.get("status", 500), "vendor_code": str(err.get("code", "")),
                                 "class": err.get("class", "UNKNOWN"), "excerpt": "<b>&\"'\u0001"},
                    "duration_ms": 1.5, "baselined": verdict == "fail",
                    "covers": ["%s#/operations/%d" % (vendor, op_index)]}]}, ensure_ascii=False))
            for p in op.get("params", []):
                for t in ("response", "spec", "mock"):
                    dict_words[t].add(p["name"])
            rows += op.get("errors", [])
        for r in rows:
            code = r["code"]
            if errtarget is None:
                continue
            if em.get("http_errors", True):
                body = {code_ptr: code, msg_ptr: fill(r.get("message"))}
            else:
                body = {"ActionStatus": "FAIL", code_ptr: code, msg_ptr: fill(r.get("message"))}
            write(errtarget, "%s-%s" % (r["id"], code), dump(body).encode() + status_byte(r["status"]))
            dict_words[errtarget].add(str(code))
        if errtarget:
            for w in (code_ptr, msg_ptr, "ActionStatus", "OK", "FAIL", "error", "exception"):
                dict_words[errtarget].add(w)
    # Garbage a server may really send.
    for t in ERRMAP.values():
        write(t, "html-502", b"<html><body>502 Bad Gateway</body></html>" + status_byte(502))
        write(t, "empty-500", status_byte(500))
    # UserSig seeds: valid, expired, wrong identifier (same algorithm as the runner).
    write("usersig", "valid", usersig("administrator", 1400000000, "conform-demo-secret-key", 1699990000, 86400))
    write("usersig", "expired", usersig("administrator", 1400000000, "conform-demo-secret-key", 1600000000, 60))
    write("usersig", "other-identifier", usersig("conform-user-1", 1400000000, "conform-demo-secret-key", 1699990000, 86400))
    write("usersig", "wrong-key", usersig("administrator", 1400000000, "wrong", 1699990000, 86400))
    dict_words["usersig"] = {"TLS.ver", "TLS.identifier", "TLS.sdkappid", "TLS.expire", "TLS.time", "TLS.sig", "2.0"}
    # The extractor: the test pages written in the seeds' three styles (never
    # the seed documents themselves).
    for p in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "extract", "*"))):
        if os.path.isfile(p):  # keys/ holds answer keys, not pages
            write("extract", os.path.basename(p), open(p, "rb").read())
    dict_words["extract"] = {"|", "---", "```", "##", "最大长度为", "取值范围为", "默认值为", "不超过",
                             "Maximum length is", "at most", "HttpCode", "NameTypeRequiredDescription",
                             "错误码", "HTTP 状态码", "POST https://{host}/"}
    # The lint test specs (one mistake each) reach lint's semantic checks.
    for p in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "lint", "*.json"))):
        write("spec", "lint-" + os.path.basename(p), open(p, "rb").read())
    # Config and baseline files.
    for name, cfg in [("bad-concurrency", {"concurrency": 0}), ("bad-rate", {"rate_scale": 2}),
                      ("bad-timeout", {"timeout_ms": -1}), ("targets-not-object", {"targets": []}),
                      ("bad-url", {"targets": {"agora-chat": {"base_url": "ftp://x"}}}),
                      ("bad-secret", {"targets": {"agora-chat": {"credentials": {"app_token": 5}}}}),
                      ("bad-vendor", {"targets": {"Bad Vendor": {}}}),
                      ("tls", {"targets": {"tencent-im": {"verify_tls": False, "ca_file": "/etc/ssl/x.pem"}}})]:
        write("config", name, json.dumps(cfg))
    for name, bl in [("wrong-format", {"format": "x", "entries": []}), ("not-array", {"format": "conform-baseline/1", "entries": {}}),
                     ("bad-entry", {"format": "conform-baseline/1", "entries": [{"vendor_code": 1}]}),
                     ("bad-code", {"format": "conform-baseline/1", "entries": [{"id": "a", "vendor_code": []}]}),
                     ("star", {"format": "conform-baseline/1", "entries": [{"id": "a.b", "vendor_code": "*"}]})]:
        write("baseline", name, json.dumps(bl))
    write("config", "full", json.dumps({"concurrency": 4, "timeout_ms": 2000, "rate_scale": 0.5, "run_prefix": "cfm-x",
          "targets": {"agora-chat": {"base_url": "https://a.example", "credentials": {"app_token": {"env": "CONFORM_FUZZ_NO_SUCH_VAR"}},
                                     "variables": {"owner": "u1"}},
                      "tencent-im": {"base_url": "http://127.0.0.1:1", "credentials": {"sdkappid": "1", "identifier": "a", "secret_key": {"file": "/nonexistent"}}},
                      "dingtalk-rooms": {"credentials": {"access_token": "t"}, "verify_tls": False}}}))
    write("config", "minimal", "{}")
    # Literal credentials for every vendor, so the harness reaches signing and redaction.
    write("config", "demo-credentials", json.dumps({"targets": {
        "tencent-im": {"credentials": {"sdkappid": "1400000000", "identifier": "administrator",
                                       "secret_key": "conform-demo-secret-key"}},
        "agora-chat": {"credentials": {"app_token": "conform-demo-app-token"}},
        "dingtalk-rooms": {"credentials": {"access_token": "conform-demo-access-token"}}}}))
    # Hostile text for the report writers' escaping: every byte class at once.
    write("report", "hostile-bytes", bytes(range(1, 256)))
    # Markup, then an encoded surrogate (invalid UTF-8) and a stray continuation byte.
    write("report", "markup", "<script>&amp;\"'</script>\u00e9".encode() + b"\xed\xa0\x80\x80")
    dict_words["report"] = {"format", "conform-report/1", "cases", "id", "vendor", "operation", "kind",
                            "verdict", "reason", "provenance", "doc", "section", "secondary", "assumed",
                            "request", "repro", "response", "status", "vendor_code", "class", "excerpt",
                            "duration_ms", "baselined", "covers"} | set(VERDICTS)
    dict_words["config"] = {"targets", "base_url", "credentials", "env", "file", "variables", "concurrency", "timeout_ms", "rate_scale", "run_prefix", "verify_tls", "ca_file"}
    write("baseline", "two", json.dumps({"format": "conform-baseline/1", "entries": [{"id": "a.b.c", "vendor_code": "x"}, {"id": "a.b.d", "vendor_code": 10010}, {"id": "a.b.e"}]}))
    dict_words["baseline"] = {"format", "conform-baseline/1", "entries", "id", "vendor_code", "*"}
    har_seeds(dict_words)
    for t, words in dict_words.items():
        if not words:
            continue
        with open(os.path.join(ROOT, "corpus", t + ".dict"), "w", encoding="utf-8") as f:
            for w in sorted(words):
                f.write('"%s"\n' % dict_escape(w))
    # libFuzzer options per harness, named the OSS-Fuzz way (<target>.options).
    for t in sorted(os.listdir(os.path.join(ROOT, "corpus"))):
        if os.path.isdir(os.path.join(ROOT, "corpus", t)) and t != "regressions":
            with open(os.path.join(ROOT, "corpus", t + ".options"), "w") as f:
                f.write("[libfuzzer]\nmax_len = 4096\ntimeout = 10\n")
    print("gen-corpus: %d specs, %d operations" % (len(SPECS), op_index))


if __name__ == "__main__":
    sys.exit(main())

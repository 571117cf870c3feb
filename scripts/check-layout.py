#!/usr/bin/env python3
"""Checks the source layout rules of issue 13 (docs/internals.md, "Layout
rules"): fails, listing each breach, on

  1. an include cycle among the headers of runner/ and mock/ (a header that
     reaches itself through #include "..."), or among modules (a module is
     a .c file and the header of the same name; a header that no .c file
     shares a name with, such as foo_internal.h, is a module of its own);
  2. a runner/lib or mock source file over 600 lines;
  3. a function over 80 lines there (table data, an initialiser, is no
     function and does not count);
  4. a vendor name (tencent, agora, dingtalk; any case) in the code or the
     string literals of generic runner code: every runner/lib and
     runner/include file except the vendor data in VENDOR_FILES.  Comments
     may name a vendor (as the source of an example); the spec vocabulary
     in ALLOWED_TOKENS may be named anywhere.  The mock is a vendor
     emulator, so rule 4 does not apply to mock/ (it reaches its vendors
     through one table, mock_vendors.c, which rule 1 keeps acyclic).

Breaches in the files (or cycles) listed in PENDING are counted (and
printed with --verbose) but do not fail: other work in progress is splitting them.  Take
an entry out once its file passes.

  scripts/check-layout.py [--warn-only] [--verbose] [FILE...]

With FILE arguments only those files are checked for rules 2-4 (the
include graph is always the whole tree).  --warn-only prints the breaches
and exits 0.  Exit status: 0 clean, 1 a breach, 2 usage.
"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80
VENDORS = re.compile(r"tencent|agora|dingtalk", re.I)

# Vendor data in runner/: the vendor table (shipped vendors, the mock's demo
# credentials), each vendor's credential format (Agora
# AccessToken2, Tencent UserSig), the credential providers that mint or
# fetch them, and the extractor's word tables (the vocabulary and hosts of
# the documentation sites it reads: a new page style is a row there).
VENDOR_FILES = re.compile(
    r"^(runner/lib/(agora_token|usersig|credential|extract_words|vendor_table)\.c"
    r"|runner/include/conform/(agora_token|usersig|credential)\.h)$"
)
GENERIC_DIRS = ("runner/lib/", "runner/include/")

# Being split by other work (issue 13, session 7): file -> who.
PENDING = {
}

# Names of the conform-spec/1 format and of the wire that specs and
# configurations use as data: an auth scheme name and a credential header
# that the sanitiser redacts by position.
ALLOWED_TOKENS = ("tencent_usersig", "x-acs-dingtalk-access-token")

USAGE = "usage: scripts/check-layout.py [--warn-only] [--verbose] [FILE...]"
SOURCE_DIRS = ("runner/lib", "runner/include/conform", "mock", "mock/include/conform")


def rel(path):
    return os.path.relpath(path, ROOT).replace(os.sep, "/")


def tree_files():
    out = []
    for d in SOURCE_DIRS:
        full = os.path.join(ROOT, d)
        if not os.path.isdir(full):
            continue
        for name in sorted(os.listdir(full)):
            if name.endswith((".c", ".h")):
                out.append(d + "/" + name)
    return out


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
        return f.read()


def strip_comments(text):
    """The text with comments blanked (newlines kept); strings kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(text):
    """(name, first line, length) of each function definition: a line at
    column 0 ending in '{' that is no declaration of data (typedef, struct,
    enum, an initialiser), closed by the next '}' at column 0."""
    lines = text.split("\n")
    start = name = None
    for i, line in enumerate(lines):
        if start is None:
            if (
                line
                and not line[0].isspace()
                and line.rstrip().endswith("{")
                and not line.startswith(("typedef", "struct", "enum", "union", "static const", "const", "#"))
                and "=" not in line
            ):
                j = i
                while j >= 0 and "(" not in lines[j]:
                    j -= 1
                m = re.search(r"(\w+)\s*\(", lines[j]) if j >= 0 else None
                start, name = i, m.group(1) if m else "?"
        elif line.startswith("}"):
            yield name, start + 1, i - start + 1
            start = None


def includes(path):
    return re.findall(r'^\s*#\s*include\s+"([^"]+)"', read(path), re.M)


def resolve(path, inc, by_name):
    here = os.path.dirname(path)
    for cand in (here + "/" + inc, "runner/include/" + inc, "mock/include/" + inc):
        cand = os.path.normpath(cand).replace(os.sep, "/")
        if cand in by_name:
            return cand
    return None


def find_cycles(graph):
    """Every node on a cycle, as one cycle per strongly connected set."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def module_of(path, stems):
    """The module of a file: its stem when a .c file has that stem; an
    internal header (foo_internal.h, foo_int.h) belongs to foo."""
    stem = os.path.splitext(os.path.basename(path))[0]
    base = re.sub(r"_(internal|int)$", "", stem)
    if stem in stems:
        return stem
    if base in stems:
        return base
    # A private header of a split module (runner/lib/report_sink.h, shared
    # by report.c and its sink files) belongs to the longest module its
    # name starts with; public headers (include/) are modules of their own.
    if "/include/" not in path:
        parts = stem.split("_")
        for n in range(len(parts) - 1, 0, -1):
            if "_".join(parts[:n]) in stems:
                return "_".join(parts[:n])
    return path


def check_includes(files):
    by_name = set(files)
    headers, modules = {}, {}
    stems = {os.path.splitext(os.path.basename(f))[0] for f in files if f.endswith(".c")}
    for f in files:
        for inc in includes(f):
            target = resolve(f, inc, by_name)
            if not target:
                continue
            if f.endswith(".h"):
                headers.setdefault(f, set()).add(target)
            a, b = module_of(f, stems), module_of(target, stems)
            if a != b:
                modules.setdefault(a, set()).add(b)
    breaches = []
    for c in find_cycles(headers):
        breaches.append("include cycle among headers: " + " -> ".join(c))
    for c in find_cycles(modules):
        breaches.append("include cycle among modules: " + " <-> ".join(c))
    return breaches


def check_file(path):
    breaches = []
    text = read(path)
    n = text.count("\n")
    core = path.endswith(".c") and (path.startswith("runner/lib/") or path.startswith("mock/"))
    if core and n > MAX_FILE_LINES:
        breaches.append("%s: %d lines (at most %d)" % (path, n, MAX_FILE_LINES))
    if core:
        for name, line, length in functions(text):
            if length > MAX_FUNCTION_LINES:
                breaches.append(
                    "%s:%d: function %s is %d lines (at most %d)" % (path, line, name, length, MAX_FUNCTION_LINES)
                )
    if path.startswith(GENERIC_DIRS) and not VENDOR_FILES.match(path):
        code = strip_comments(text)
        for tok in ALLOWED_TOKENS:
            code = re.sub(re.escape(tok), " " * len(tok), code, flags=re.I)
        for m in VENDORS.finditer(code):
            line = code.count("\n", 0, m.start()) + 1
            breaches.append("%s:%d: vendor name '%s' in generic code" % (path, line, m.group(0)))
    return breaches


def main(argv):
    warn_only = verbose = False
    args = []
    for a in argv[1:]:
        if a == "--warn-only":
            warn_only = True
        elif a == "--verbose":
            verbose = True
        elif a.startswith("-"):
            sys.stderr.write("check-layout: unknown option '%s'\n%s\n" % (a, USAGE))
            return 2
        else:
            args.append(rel(os.path.abspath(a)))
    files = tree_files()
    checked = args or files
    for a in args:
        if not os.path.isfile(os.path.join(ROOT, a)):
            sys.stderr.write("check-layout: cannot open '%s'\n" % a)
            return 2
    breaches = check_includes(files)
    for f in checked:
        breaches.extend(check_file(f))
    failing = pending = 0
    for b in breaches:
        who = next((w for k, w in PENDING.items() if b.startswith(k + ":") or b.endswith(k)), None)
        if who:
            pending += 1
            if verbose:
                print("pending (%s): %s" % (who, b))
        else:
            failing += 1
            print(b)
    print("check-layout: %d files, %d breach%s, %d pending (--verbose lists them)" % (len(checked), failing, "" if failing == 1 else "es", pending))
    return 0 if warn_only or not failing else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

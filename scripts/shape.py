#!/usr/bin/env python3
"""The code's shape: the graph of imports between modules (its cycles, and uses of a
module listed below the user in src/lib.rs), function lengths (src/, tests, benches,
examples), and the places that open the store or read the clock.

Usage: scripts/shape.py [src-dir]   (prints a report; exits 1 on a cycle, a layer breach, a function over 60 lines,
                             or a median over 10)
"""
import os
import re
import statistics
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
LIMIT = 60
MEDIAN_LIMIT = 10


def rust_files(root):
    for dirpath, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith(".rs"):
                yield os.path.join(dirpath, name)


def top_module(path):
    rel = os.path.relpath(path, SRC).replace(os.sep, "/")
    first = rel.split("/")[0]
    return first[:-3] if first.endswith(".rs") else first


def sub_module(path):
    """`report::pdf` for src/report/pdf/white_paper.rs, `report` for src/report/mod.rs."""
    parts = os.path.relpath(path, SRC).replace(os.sep, "/")[:-3].split("/")
    if parts[-1] == "mod":
        parts = parts[:-1]
    return "::".join(parts[:2])


def sub_imports(path, modules):
    """The second-level modules a file uses (`crate::report::fonts`, `super::page`)."""
    text = strip_comments_and_strings(open(path, encoding="utf-8").read())
    own = sub_module(path)
    used = set()
    for m in re.finditer(r"\bcrate::(\w+)(?:::(\w+))?", text):
        nested = f"{m.group(1)}::{m.group(2)}"
        used.add(nested if nested in modules else m.group(1))
    parent = own.split("::")[0]
    for m in re.finditer(r"\bsuper::(\w+)", text):
        if "::" in own and f"{parent}::{m.group(1)}" in modules:
            used.add(f"{parent}::{m.group(1)}")
    used.discard(own)
    return own, {u for u in used if u in modules}


def strip_comments_and_strings(text):
    """Blanks out comments, strings and chars so braces inside them are not counted."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == "r" and re.match(r'r(#*)"', text[i:i + 10]) and not (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = '"' + hashes
            j = text.find(end, i + len(hashes) + 2)
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 12]) or (c == "'" and re.match(r"'\\u\{[0-9a-fA-F]+\}'", text[i:i + 12])):
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            out.append(" " * len(m.group(0))); i += len(m.group(0))
        else:
            out.append(c); i += 1
    return "".join(out)


def test_ranges(clean):
    """Line ranges of `#[cfg(test)] mod … { … }` blocks."""
    ranges = []
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(pub\s+)?mod\s+\w+\s*\{", clean):
        start = m.end() - 1
        end = matching_brace(clean, start)
        ranges.append((clean.count("\n", 0, start), clean.count("\n", 0, end)))
    return ranges


def matching_brace(text, open_at):
    depth = 0
    for k in range(open_at, len(text)):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return len(text) - 1


FN = re.compile(r"\bfn\s+(\w+)\s*(<[^{;]*?>)?\s*\(")


def functions(path):
    text = open(path, encoding="utf-8").read()
    clean = strip_comments_and_strings(text)
    tests = test_ranges(clean)
    is_test_file = path.endswith("tests.rs") or "/tests/" in path
    for m in FN.finditer(clean):
        k = m.end()
        # find the body's opening brace (or a `;` for a declaration without body)
        depth = 0
        while k < len(clean):
            ch = clean[k]
            if ch in "([<":
                depth += 1
            elif ch in ")]>":
                depth -= 1
            elif ch == ";" and depth <= 0:
                k = -1
                break
            elif ch == "{" and depth <= 0:
                break
            k += 1
        if k < 0 or k >= len(clean):
            continue
        end = matching_brace(clean, k)
        first = clean.count("\n", 0, m.start())
        last = clean.count("\n", 0, end)
        in_test = is_test_file or any(a <= first <= b for a, b in tests)
        yield m.group(1), first + 1, last - first + 1, in_test


def imports(path):
    text = strip_comments_and_strings(open(path, encoding="utf-8").read())
    own = top_module(path)
    used = set()
    for m in re.finditer(r"\bcrate::(\w+)", text):
        used.add(m.group(1))
    for m in re.finditer(r"\buse\s+crate::\{([^}]*)\}", text):
        for part in m.group(1).split(","):
            name = part.strip().split("::")[0].strip()
            if name:
                used.add(name)
    # `super::x` from a file directly in a module folder stays inside the module
    used.discard(own)
    return own, used


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def declared_layers():
    """The modules in the order `src/lib.rs` lists them: each may use only those above it."""
    text = open(os.path.join(SRC, "lib.rs"), encoding="utf-8").read()
    return re.findall(r"^//! - \[`(\w+)`\]", text, re.M)


def layer_breaches(graph):
    """Uses of a module listed below the user in `src/lib.rs` (or not listed at all)."""
    order = declared_layers()
    rank = {m: i for i, m in enumerate(order)}
    breaches = []
    for module, used in sorted(graph.items()):
        if module not in rank:
            if module not in ("lib", "main"):
                breaches.append(f"{module} is not listed in src/lib.rs")
            continue
        for other in sorted(used):
            if other in rank and rank[other] > rank[module]:
                breaches.append(f"{module} -> {other}")
    return breaches


def count(pattern, files):
    hits = []
    for path in files:
        for no, line in enumerate(open(path, encoding="utf-8"), 1):
            code = line.split("//")[0]
            if re.search(pattern, code):
                hits.append(f"{os.path.relpath(path, SRC)}:{no}")
    return hits


def main():
    files = list(rust_files(SRC))
    graph, lengths, test_lengths = {}, [], []
    for path in files:
        own, used = imports(path)
        modules = {top_module(p) for p in files}
        graph.setdefault(own, set()).update(u for u in used if u in modules)
        for name, line, length, in_test in functions(path):
            (test_lengths if in_test else lengths).append((length, f"{os.path.relpath(path, SRC)}:{line} {name}"))
    print("## Module graph (a -> modules it uses)")
    for module in sorted(graph):
        print(f"{module} -> {', '.join(sorted(graph[module])) or '-'}")
    found = cycles(graph)
    print(f"\ncycles: {len(found)}" + "".join(f"\n  {' <-> '.join(c)}" for c in found))
    subs = {sub_module(p) for p in files}
    sub_graph = {}
    for path in files:
        own, used = sub_imports(path, subs)
        sub_graph.setdefault(own, set()).update(used)
    inner = cycles(sub_graph)
    print(f"cycles between second-level modules (report::pdf, store::outbox, …): {len(inner)}"
          + "".join(f"\n  {' <-> '.join(c)}" for c in inner))
    found += inner
    breaches = layer_breaches(graph)
    print(f"uses of a module listed below in src/lib.rs: {len(breaches)}"
          + "".join(f"\n  {b}" for b in breaches))
    found += breaches
    for label, items in (("library", lengths), ("unit tests", test_lengths)):
        values = sorted(length for length, _ in items)
        if not values:
            continue
        print(f"\n## Function lengths, {label} ({len(values)} functions)")
        print(f"median {statistics.median(values)}, mean {statistics.mean(values):.1f}, "
              f"p90 {values[int(len(values) * 0.9)]}, max {values[-1]}")
        buckets = [(1, 5), (6, 10), (11, 20), (21, 40), (41, 60), (61, 10**6)]
        print("  " + ", ".join(f"{a}-{b if b < 10**6 else ''}: {sum(a <= v <= b for v in values)}" for a, b in buckets))
        for length, where in sorted(items, reverse=True):
            if length > LIMIT:
                print(f"  over {LIMIT}: {length} lines {where}")
    outside = []
    for folder in ("tests", "benches", "examples"):
        for path in rust_files(os.path.join(SRC, "..", folder)):
            outside += [(length, f"{os.path.relpath(path, os.path.join(SRC, '..'))}:{line} {name}")
                        for name, line, length, _ in functions(path) if length > LIMIT]
    print(f"\n## Outside src/ (integration tests, benches, examples): "
          f"{len(outside)} over {LIMIT}" + "".join(f"\n  {n} lines {w}" for n, w in sorted(outside, reverse=True)))
    print("\n## Places that open the store")
    opens = count(r"Store::open(_checked)?\s*\(", files)
    print(f"{len(opens)}: " + ", ".join(opens))
    print("\n## Places that read the clock")
    clocks = count(r"(Utc|Local)::now\(\)|SystemTime::now\(\)|Instant::now\(\)", files)
    print(f"{len(clocks)}: " + ", ".join(clocks))
    over = [w for length, w in lengths + test_lengths + outside if length > LIMIT]
    median = statistics.median(length for length, _ in lengths + test_lengths)
    print(f"\nmedian of all functions: {median} (bar: 10)")
    sys.exit(1 if found or over or median > MEDIAN_LIMIT else 0)


main()

#!/usr/bin/env python3
"""Fail when the modules of a crate import each other in a circle.

For every crate under crates/, each `.rs` file is a module; an edge A -> B is any path in A
that names B: `super::b`, `crate::x::b`, `use super::{.., b, ..}`, or `b::item` where `b` is a
sibling module of A. Parent `mod` declarations are not edges (a parent declares its children;
it is the child that must not reach back). Tests modules (`tests.rs`, `tests/`) are skipped.
Prints every circle found (strongly connected components of more than one module) and exits 1.

Usage: scripts/module-cycles.py [crate dir ...]   (default: every crate)
"""
import os
import re
import sys


def modules(src):
    """path-tuple -> file for every module file under src."""
    out = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            p = os.path.join(root, f)
            rel = os.path.relpath(p, src)[:-3].split(os.sep)
            if rel[-1] in ("mod", "lib", "main"):
                rel = rel[:-1]
            if "tests" in rel or (rel and rel[-1] == "tests"):
                continue
            out[tuple(rel)] = p
    return out


def strip(text):
    # comments (a `//` that starts a line or follows a space; URLs in strings have none)
    text = re.sub(r"(^|\s)//[^\n]*", r"\1", text)
    # char literals, then string literals, line by line (a path inside a string is no import)
    text = re.sub(r"'(?:[^'\\\n]|\\.)'", "' '", text)
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', text)
    # an inline test module at the end of a file (top level, at a line start)
    m = re.search(r"^#\[cfg\(test\)\]\s*\nmod\s+\w+\s*\{", text, re.M)
    if m:
        text = text[: m.start()]
    return text


def edges(mods):
    out = {m: set() for m in mods}
    for m, path in mods.items():
        text = strip(open(path, encoding="utf-8").read())
        parent = m[:-1] if m else ()
        siblings = {k[-1]: k for k in mods if k[:-1] == parent and k and k != m}
        children = {k[-1]: k for k in mods if k[:-1] == m and len(k) == len(m) + 1}
        def add(target):
            # the nearest module a path reaches, if it is a module other than m and not m's own child
            while target and target not in mods:
                target = target[:-1]
            if target and target != m and target[: len(m)] != m:
                out[m].add(target)
        for seg in re.findall(r"\bsuper::((?:\w+::)*\w+)", text):
            add(parent + tuple(seg.split("::")))
        for seg in re.findall(r"\bcrate::((?:\w+::)*\w+)", text):
            add(tuple(seg.split("::")))
        for group in re.findall(r"\buse\s+super::\{([^}]*)\}", text):
            for name in re.findall(r"\b(\w+)\b", group):
                if name in siblings:
                    add(siblings[name])
        # names a `use` brings from elsewhere (`use openwks_core::metrics;`,
        # `use crate::wks::authorization as authz;`) are not the sibling of that name
        shadowed = set()
        for path in re.findall(r"\buse\s+([^;]+);", text):
            if path.startswith(("super::{", "self::")):
                continue
            for alias in re.findall(r"\bas\s+(\w+)", path):
                shadowed.add(alias)
            if not path.startswith("super::"):
                last = re.findall(r"(\w+)\s*(?:\}|$)", path)
                shadowed.update(last)
                shadowed.update(re.findall(r"(\w+)::\{\s*self\b", path))
        for name in re.findall(r"(?<![\w:])(\w+)::\w", text):
            if name in siblings and name not in children and name not in shadowed:
                add(siblings[name])
    return out


def sccs(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
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
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates")
    crates = sys.argv[1:] or [os.path.join(root, c) for c in sorted(os.listdir(root))]
    bad = 0
    for c in crates:
        src = os.path.join(c, "src")
        if not os.path.isdir(src):
            continue
        mods = modules(src)
        for comp in sccs(edges(mods)):
            bad += 1
            names = sorted("::".join(m) or "crate" for m in comp)
            print(f"{os.path.basename(c)}: circle among {', '.join(names)}")
    if bad:
        sys.exit(1)
    print(f"no import circle in {len(crates)} crates")


if __name__ == "__main__":
    main()

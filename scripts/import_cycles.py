#!/usr/bin/env python3
"""Lists import circles between Rust source files: two files that import each other, directly or
through a chain of `use`. A `mod.rs`/`lib.rs` line that only declares (`mod x;`) or re-exports a
child (`pub use x::Y;`) is not an import. Exit status 1 when there is a circle.

Usage: scripts/import_cycles.py [CRATE_SRC_DIR ...]   (default: every crate's src/ in the repo)
"""
import os
import re
import sys

USE = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?use\s+([^;]+);", re.M)


def module_files(src):
    """Maps module paths (tuples) to files for one crate's src/ folder."""
    mods = {}
    for dirpath, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), src)[:-3].split(os.sep)
            if rel[-1] in ("lib", "main", "mod"):
                rel = rel[:-1]
            if rel and rel[0] == "bin":
                continue
            mods[tuple(rel)] = os.path.join(dirpath, f)
    return mods


def expand(tree):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e]."""
    tree = re.sub(r"\s+", "", tree)
    depth, cut = 0, None
    for i, ch in enumerate(tree):
        if ch == "{":
            if depth == 0:
                cut = i
            depth += 1
        elif ch == "}":
            depth -= 1
    if cut is None:
        return [tree]
    head, body = tree[:cut], tree[cut + 1 : -1]
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return [p for part in parts if part for p in expand(head + part)]


def target(mods, here, path):
    """The file a `use` path points into, or None when it leaves the crate."""
    segs = [s for s in path.split("::") if s]
    if not segs:
        return None
    is_dir_module = here == () or mods.get(here, "").endswith(("mod.rs", "lib.rs", "main.rs"))
    base = list(here)
    if segs[0] == "crate":
        base, segs = [], segs[1:]
    elif segs[0] == "super":
        # In a/b.rs, `super` is module a; in a/b/mod.rs, `super` is a too.
        while segs and segs[0] == "super":
            base = base[:-1]
            segs = segs[1:]
    elif segs[0] == "self":
        segs = segs[1:]
    else:
        return None
    # The longest module prefix that is a file.
    best = None
    for n in range(len(segs) + 1):
        key = tuple(base + segs[:n])
        if key in mods:
            best = key
    return best


def graph(src):
    mods = module_files(src)
    edges = {m: set() for m in mods}
    for m, f in mods.items():
        text = re.sub(r"//[^\n]*", "", open(f, encoding="utf-8").read())
        # Test modules are not part of the structure.
        text = text.split("#[cfg(test)]")[0]
        is_root = f.endswith(("mod.rs", "lib.rs", "main.rs"))
        children = {c[-1] for c in mods if len(c) == len(m) + 1 and c[: len(m)] == m}
        for match in USE.finditer(text):
            public = match.group(1) is not None
            for path in expand(match.group(3)):
                first = path.split("::")[0]
                # `pub use child::X` in a mod.rs/lib.rs only re-exports.
                if is_root and public and (first in children or first == "self"):
                    continue
                t = target(mods, m, path)
                if t is not None and t != m:
                    edges[m].add(t)
    return mods, edges


def cycles(edges):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
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
    for v in edges:
        if v not in index:
            visit(v)
    return out


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    srcs = sys.argv[1:] or sorted(
        os.path.join(dp, "src")
        for dp, dirs, files in os.walk(root)
        if "Cargo.toml" in files and os.path.isdir(os.path.join(dp, "src")) and "/target" not in dp and "/." not in dp
    )
    bad = 0
    total = 0
    for src in srcs:
        mods, edges = graph(src)
        total += len(mods)
        for comp in cycles(edges):
            bad += 1
            print("circle:", " <-> ".join(sorted(mods[m] for m in comp)))
    print(f"{total} files in {len(srcs)} crates: {bad} import circle(s)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

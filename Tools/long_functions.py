#!/usr/bin/env python3
"""Lists every Swift function, initializer, subscript, accessor and closure-free body in a tree
that is longer than a limit (issue 11: no function in the orchestration layer over 60 lines).

    python3 Tools/long_functions.py [--limit 60] [ROOT ...]      (default ROOT: Sources)

A body's length counts the lines from its declaration to its closing brace, both included
(doc comments above it are not counted; blank and comment lines inside it are). Exits 1
when a function is over the limit, so that CI can run it; prints `path:line  name  length` for each, longest first.
"""
import argparse
import pathlib
import re
import sys

DECL = re.compile(r"(?<![.\w])(func\s+([^\s(<]+)|init[?!]?\s*[(<]|subscript\s*[(<]|deinit\b)")


def strip(src: str) -> str:
    """The source with comments and string literals blanked (newlines kept), so braces count."""
    out, i, n = [], 0, len(src)
    while i < n:
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j])); i = j
        elif src.startswith('"""', i):
            j = src.find('"""', i + 3)
            j = n if j < 0 else j + 3
            out.append(re.sub(r"[^\n]", " ", src[i:j])); i = j
        elif src[i] == '"':
            j = i + 1
            depth = 0
            while j < n and src[j] != "\n":
                if src[j] == "\\" and j + 1 < n and src[j + 1] == "(":
                    depth += 1; j += 2; continue
                if src[j] == "\\":
                    j += 2; continue
                if depth and src[j] == ")":
                    depth -= 1
                elif not depth and src[j] == '"':
                    break
                j += 1
            out.append(" " * (j + 1 - i)); i = j + 1
        else:
            out.append(src[i]); i += 1
    return "".join(out)


def functions(path: pathlib.Path):
    """(name, first line, length) of every function-like body in one file."""
    code = strip(path.read_text(encoding="utf-8"))
    for m in DECL.finditer(code):
        name = m.group(2) or m.group(1).rstrip("(<").strip()
        # the body's opening brace: the first '{' after the signature (at paren depth 0)
        i, depth = m.end(), 0
        while i < len(code):
            c = code[i]
            if c in "([":
                depth += 1
            elif c in ")]":
                depth -= 1
            elif c == "{" and depth <= 0:
                break
            elif c in ";}" and depth <= 0:
                i = -1
                break
            elif c == "\n" and depth <= 0 and DECL.match(code, i + 1):
                i = -1
                break
            i += 1
        if i < 0 or i >= len(code):
            continue  # a protocol requirement: no body
        level, j = 0, i
        while j < len(code):
            if code[j] == "{":
                level += 1
            elif code[j] == "}":
                level -= 1
                if level == 0:
                    break
            j += 1
        first = code.count("\n", 0, m.start())
        last = code.count("\n", 0, j)
        yield name, first + 1, last - first + 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("roots", nargs="*", default=["Sources"])
    a = ap.parse_args()
    long = []
    for root in a.roots:
        for p in sorted(pathlib.Path(root).rglob("*.swift")):
            long += [(n, p, line, k) for n, line, k in functions(p) if k > a.limit]
    for n, p, line, k in sorted(long, key=lambda t: -t[3]):
        print(f"{p}:{line}  {n}  {k}")
    print(f"{len(long)} function(s) over {a.limit} lines", file=sys.stderr)
    return 1 if long else 0


if __name__ == "__main__":
    sys.exit(main())

"""Include/exclude globs (Go's fileconsumer/matcher, doublestar syntax: ``**`` spans directories)."""

from __future__ import annotations

import glob
import os
import re
from functools import lru_cache


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A doublestar glob as a regex over a whole path: ``*`` and ``?`` stay in one segment."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                raise ValueError(f"syntax error in pattern: {pattern}")
            body = pattern[i + 1 : end]
            if body.startswith("!") or body.startswith("^"):
                body = "^" + body[1:]
            out.append(f"[{body}]")
            i = end + 1
        elif c == "{":
            end = pattern.find("}", i + 1)
            if end < 0:
                raise ValueError(f"syntax error in pattern: {pattern}")
            out.append("(?:" + "|".join(re.escape(a) for a in pattern[i + 1 : end].split(",")) + ")")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z")


def validate_pattern(pattern: str) -> None:
    _glob_regex(pattern)


def match_files(include: list[str], exclude: list[str]) -> list[str]:
    """Regular files matching any include and no exclude glob, sorted, without duplicates."""
    found: set[str] = set()
    for pattern in include:
        has_brace = "{" in pattern
        candidates = _brace_expand(pattern) if has_brace else [pattern]
        for candidate in candidates:
            for path in glob.iglob(candidate, recursive=True):
                if os.path.isfile(path):
                    found.add(path)
    if exclude:
        regexes = [_glob_regex(p) for p in exclude]
        found = {p for p in found if not any(r.match(p) for r in regexes)}
    return sorted(found)


def _brace_expand(pattern: str) -> list[str]:
    m = re.search(r"\{([^{}]*)\}", pattern)
    if m is None:
        return [pattern]
    out: list[str] = []
    for alt in m.group(1).split(","):
        out.extend(_brace_expand(pattern[: m.start()] + alt + pattern[m.end() :]))
    return out

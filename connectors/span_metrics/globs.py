"""Glob patterns for dimension names, as Go's ``gobwas/glob`` compiles them with ``.`` as the
separator: ``*`` matches within one dotted segment, ``**`` across segments, ``?`` one character
other than ``.``, ``[abc]``/``[a-z]``/``[!abc]`` a character class, ``{a,b}`` alternatives and
``\\`` escapes the next character."""

from __future__ import annotations

import re

__all__ = ["GlobError", "compile_glob"]


class GlobError(ValueError):
    pass


def compile_glob(pattern: str) -> re.Pattern[str]:
    regex, end = _translate(pattern, 0, in_braces=False)
    if end != len(pattern):  # a stray "}" or "," outside braces is literal in gobwas; keep it literal
        raise GlobError("unexpected end of input")
    return re.compile(regex + r"\Z", re.DOTALL)


def _translate(pattern: str, pos: int, in_braces: bool) -> tuple[str, int]:
    out: list[str] = []
    n = len(pattern)
    while pos < n:
        ch = pattern[pos]
        if in_braces and ch in ",}":
            return "".join(out), pos
        if ch == "\\":
            if pos + 1 >= n:
                raise GlobError("unexpected end of input")
            out.append(re.escape(pattern[pos + 1]))
            pos += 2
        elif ch == "*":
            if pattern.startswith("**", pos):
                out.append(".*")
                pos += 2
            else:
                out.append(r"[^.]*")
                pos += 1
        elif ch == "?":
            out.append(r"[^.]")
            pos += 1
        elif ch == "[":
            close = pattern.find("]", pos + 1)
            if close < 0:
                raise GlobError("unexpected end of input")
            body = pattern[pos + 1 : close]
            negate = body.startswith("!")
            if negate:
                body = body[1:]
            if not body:
                raise GlobError("unexpected end of input")
            escaped = "".join("\\" + c if c in "\\^[]" else c for c in body)
            out.append(f"[{'^' if negate else ''}{escaped}]")
            pos = close + 1
        elif ch == "{":
            alternatives: list[str] = []
            pos += 1
            while True:
                alt, pos = _translate(pattern, pos, in_braces=True)
                alternatives.append(alt)
                if pos >= n:
                    raise GlobError("unexpected end of input")
                if pattern[pos] == "}":
                    pos += 1
                    break
                pos += 1  # ","
            out.append("(?:" + "|".join(alternatives) + ")")
        else:
            out.append(re.escape(ch))
            pos += 1
    if in_braces:
        raise GlobError("unexpected end of input")
    return "".join(out), pos

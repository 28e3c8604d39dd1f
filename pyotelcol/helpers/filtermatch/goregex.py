"""Go ``regexp`` (RE2) patterns compiled with Python's ``re``.

Go's matchers call ``regexp.MatchString``: the pattern is *not* anchored, ``$`` without the ``m``
flag matches only at the very end of the text, and ``\\d``, ``\\w``, ``\\s``, ``\\b`` are ASCII.
``compile_go`` rewrites the few spellings that differ (``\\z``, ``(?<name>``, ``\\Q...\\E``, ``$``),
refuses what RE2 refuses (lookarounds, backreferences, atomic groups, possessive repeats) and turns
Python's error messages into Go's ``error parsing regexp: <what>: `<fragment>` `` form.
"""

from __future__ import annotations

import re

__all__ = ["GoRegexError", "compile_go"]


class GoRegexError(ValueError):
    """A pattern Go's ``regexp.Compile`` refuses; ``str()`` is Go's message."""


def _fail(code: str, fragment: str) -> GoRegexError:
    return GoRegexError(f"error parsing regexp: {code}: `{fragment}`")


_POSIX_CLASS = re.compile(r"\[:(\^?)([a-z]+):\]")
_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}


def _posix_class(negated: str, name: str) -> str:
    """A ``[:name:]`` class inside brackets; Python has none, so spell its ranges out."""
    ranges = _POSIX.get(name)
    if ranges is None:
        raise _fail("invalid character class range", f"[:{negated}{name}:]")
    if negated:
        # Go allows it; ranges cannot express it inside a bracket, so refuse rather than
        # match wrongly.
        raise GoRegexError(f"error parsing regexp: negated POSIX class `[:^{name}:]` is not supported here")
    return ranges


def _translate(pattern: str) -> str:
    """Rewrite Go-only spellings into Python's, refusing Perl syntax RE2 lacks."""
    multiline = re.match(r"\(\?[a-zA-Z]*m", pattern) is not None or "(?m" in pattern
    out: list[str] = []
    i = 0
    in_class = False
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise _fail("trailing backslash at end of expression", "")
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(literal))
                i = n if end < 0 else end + 2
                continue
            if nxt.isdigit() and nxt != "0" and not in_class:
                raise _fail("invalid escape sequence", pattern[i : i + 2])
            if nxt == "z" and not in_class:
                out.append(r"\Z")
            elif nxt == "Z":
                raise _fail("invalid escape sequence", r"\Z")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            posix = _POSIX_CLASS.match(pattern, i)
            if posix is not None:
                out.append(_posix_class(posix.group(1), posix.group(2)))
                i = posix.end()
                continue
            if ch == "]":
                in_class = False
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            if pattern.startswith("[^", i):
                out.append("[^")
                i += 2
            else:
                out.append("[")
                i += 1
            if i < n and pattern[i] == "]":  # a leading ] is a literal
                out.append("]")
                i += 1
            continue
        if pattern.startswith("(?", i):
            for perl in ("(?=", "(?!", "(?<=", "(?<!", "(?>", "(?#", "(?(", "(?P="):
                if pattern.startswith(perl, i):
                    raise _fail("invalid or unsupported Perl syntax", perl)
            if pattern.startswith("(?<", i):
                out.append("(?P<")
                i += 3
                continue
        if ch in "*+?}" and i + 1 < n and pattern[i + 1] == "+":
            raise _fail("invalid nested repetition operator", pattern[i : i + 2])
        if ch == "$" and not multiline:
            out.append(r"\Z")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _go_error(pattern: str, exc: re.error) -> GoRegexError:
    msg = exc.msg
    pos = exc.pos if exc.pos is not None else 0
    if msg.startswith("unterminated character set"):
        return _fail("missing closing ]", pattern[pattern.rfind("[") :] if "[" in pattern else pattern)
    if msg.startswith("missing ), unterminated subpattern"):
        return _fail("missing closing )", pattern)
    if msg.startswith("unbalanced parenthesis"):
        return _fail("unexpected )", pattern)
    if msg.startswith("nothing to repeat"):
        return _fail("missing argument to repetition operator", pattern[pos : pos + 1] or pattern)
    if msg.startswith("multiple repeat"):
        return _fail("invalid nested repetition operator", pattern[max(pos - 1, 0) : pos + 1])
    if msg.startswith("bad character range"):
        return _fail("invalid character class range", msg.removeprefix("bad character range ").strip())
    if msg.startswith("bad escape (end of pattern)"):
        return _fail("trailing backslash at end of expression", "")
    if msg.startswith("bad escape"):
        return _fail("invalid escape sequence", msg.removeprefix("bad escape ").strip())
    if "group name" in msg:
        return _fail("invalid named capture", pattern)
    if msg.startswith(("unknown extension", "unknown flag", "missing flag", "missing -, : or )")):
        return _fail("invalid or unsupported Perl syntax", pattern[pos : pos + 3] or pattern)
    return GoRegexError(f"error parsing regexp: {msg}: `{pattern}`")


def compile_go(pattern: str) -> re.Pattern[str]:
    """Compile ``pattern`` as Go's ``regexp.Compile`` would; use ``.search`` to match as
    ``MatchString`` does. Raises ``GoRegexError`` with Go's message."""
    translated = _translate(pattern)
    try:
        return re.compile(translated, re.ASCII)
    except re.error as exc:
        raise _go_error(pattern, exc) from None
    except (OverflowError, RecursionError):
        raise _fail("expression too large", pattern) from None

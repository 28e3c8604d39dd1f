"""Go (RE2) regular expressions on Python's ``re``, for every config that takes a Go regexp (OTTL,
the filter match properties, attribute actions, redaction, ...).

Most of the syntax is shared; this module rewrites what differs so a pattern matches as it does
in Go (``search`` is Go's ``MatchString``: unanchored):

- ``$`` outside multi-line mode is the end of the text (Python's ``$`` also matches before a
  final newline), ``\\z`` is Python's ``\\Z``;
- ``\\d``, ``\\w``, ``\\s`` are ASCII-only in Go;
- ``(?P<name>...)`` / ``(?<name>...)`` groups may use names Python refuses (``git.sha``):
  groups are renamed and :attr:`GoRegex.group_names` maps them back;
- flag groups such as ``(?i)`` may appear mid-pattern in Go (Python 3.11 wants them first):
  they become scoped groups up to the end of the enclosing group;
- POSIX classes ``[[:alpha:]]`` and ``\\Q...\\E`` quoting are expanded;
- what Go refuses (look-arounds, back-references, possessive repetition, ``\\p`` classes we
  cannot express) is a compile error, as it is in Go, worded as Go words it.

``compile_go_regex`` gives a ``GoRegex`` (any group names, mapped back); ``compile_go`` a plain
``re.Pattern`` whose group names are the pattern's own (they must then be Python identifiers).
``go_replace_all`` is Go's ``ReplaceAllStringFunc``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["GoRegex", "GoRegexError", "compile_go", "compile_go_regex", "go_replace_all", "translate_go"]


class GoRegexError(ValueError):
    """The pattern is not a valid Go regexp (the message starts like Go's)."""


_POSIX_CLASSES = {
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

# Go's Perl classes are ASCII-only.
_PERL_CLASSES = {
    "d": "0-9",
    "w": "0-9A-Za-z_",
    "s": "\\t\\n\\f\\r ",
}

_FLAG_RE = re.compile(r"\(\?([imsU]*)(?:-([imsU]*))?([:)])")
_NAMED_RE = re.compile(r"\(\?P?<([^>]*)>")


@dataclass
class GoRegex:
    """A compiled Go regexp: ``regex`` is the Python pattern, ``group_names`` maps Python group
    names to the names written in the Go pattern, in pattern order."""

    source: str
    regex: re.Pattern[str]
    group_names: dict[str, str] = field(default_factory=dict)

    def search(self, text: str) -> re.Match[str] | None:
        return self.regex.search(text)

    def named_groups(self, match: re.Match[str]) -> dict[str, str]:
        """Go's named submatches for ``match`` (an unmatched group gives "")."""
        return {go_name: match.group(py_name) or "" for py_name, go_name in self.group_names.items()}


def compile_go_regex(pattern: str) -> GoRegex:
    """Compile a Go regexp; raises :class:`GoRegexError` with Go's ``error parsing regexp``
    prefix when Go (or this translation) refuses it."""
    names: dict[str, str] = {}
    return GoRegex(pattern, _compile(pattern, _Translator(pattern, names)), names)


def compile_go(pattern: str) -> re.Pattern[str]:
    """Compile a Go regexp to a plain pattern that keeps the pattern's group names (a name
    Python cannot use is Go's ``invalid named capture``)."""
    return _compile(pattern, _Translator(pattern, {}, keep_names=True))


def translate_go(pattern: str) -> str:
    """The Python spelling of a Go pattern, keeping its group names (for callers that compile
    with flags of their own, or as bytes)."""
    return _Translator(pattern, {}, keep_names=True).run()


def _compile(pattern: str, translator: _Translator) -> re.Pattern[str]:
    translated = translator.run()
    try:
        return re.compile(translated)
    except re.error as exc:
        raise _go_error(pattern, exc) from None
    except (OverflowError, RecursionError):
        raise GoRegexError(f"error parsing regexp: expression too large: `{pattern}`") from None


def _go_error(pattern: str, exc: re.error) -> GoRegexError:
    """Python's complaint about a translated pattern, in Go's words where Go has them."""

    def fail(code: str, fragment: str) -> GoRegexError:
        return GoRegexError(f"error parsing regexp: {code}: `{fragment}`")

    msg = exc.msg
    pos = exc.pos if exc.pos is not None else 0
    if msg.startswith("nothing to repeat"):
        return fail("missing argument to repetition operator", pattern[pos : pos + 1] or pattern)
    if msg.startswith("multiple repeat"):
        return fail("invalid nested repetition operator", pattern[max(pos - 1, 0) : pos + 1])
    if msg.startswith("bad character range"):
        return fail("invalid character class range", msg.removeprefix("bad character range ").strip())
    if msg.startswith("bad escape"):
        return fail("invalid escape sequence", msg.removeprefix("bad escape ").strip())
    if "group name" in msg:
        return fail("invalid named capture", pattern)
    return GoRegexError(f"error parsing regexp: {msg}: `{pattern}`")


def go_replace_all(regex: re.Pattern[str], text: str, replace: Callable[[str], str]) -> str:
    """Go's ``Regexp.ReplaceAllStringFunc``: like ``re.sub`` except that an empty match right
    after the previous match is not replaced (Python replaces it: ``.*`` on "ab" gives two
    replacements in Python, one in Go)."""
    out: list[str] = []
    last_end = 0
    matched = False
    for match in regex.finditer(text):
        start, end = match.span()
        if matched and start == end == last_end:
            continue
        out.append(text[last_end:start])
        out.append(replace(match.group()))
        last_end = end
        matched = True
    if not matched:
        return text
    out.append(text[last_end:])
    return "".join(out)


class _Translator:
    def __init__(self, pattern: str, names: dict[str, str], keep_names: bool = False) -> None:
        self.src = pattern
        self.names = names
        self.keep_names = keep_names
        self.out: list[str] = []
        self.pos = 0
        # One entry per open group: [extra closers to emit, multiline flag inside].
        self.groups: list[list[int | bool]] = []
        self.multiline = False
        self.extra_at_top = 0

    def fail(self, what: str) -> GoRegexError:
        return GoRegexError(f"error parsing regexp: {what}")

    def run(self) -> str:
        src = self.src
        while self.pos < len(src):
            char = src[self.pos]
            if char == "\\":
                self.escape(in_class=False)
            elif char == "[":
                self.char_class()
            elif char == "(":
                self.open_group()
            elif char == ")":
                self.close_group()
            elif char == "$":
                self.out.append("$" if self.multiline else "\\Z")
                self.pos += 1
            elif char in "*+?}" and src.startswith("+", self.pos + 1):
                raise self.fail(f"invalid nested repetition operator: `{src[self.pos : self.pos + 2]}`")
            else:
                self.out.append(char)
                self.pos += 1
        if self.groups:
            raise self.fail(f"missing closing ): `{src}`")
        self.out.append(")" * self.extra_at_top)
        return "".join(self.out)

    def open_group(self) -> None:
        src = self.src
        rest = src[self.pos :]
        flag = _FLAG_RE.match(rest)
        if flag:
            on, off, end = flag.group(1), flag.group(2) or "", flag.group(3)
            if "U" in on or "U" in off:
                raise self.fail(f"ungreedy flag (?U) is not supported: `{src}`")
            flags = on + ("-" + off if off else "")
            multiline = self.multiline
            if "m" in on:
                multiline = True
            if "m" in off:
                multiline = False
            self.pos += flag.end()
            if end == ":":
                self.out.append(f"(?{flags}:")
                self.groups.append([0, self.multiline])
                self.multiline = multiline
                return
            # "(?i)" applies to the end of the enclosing group: open a scoped group there.
            if flags:
                self.out.append(f"(?{flags}:")
                if self.groups:
                    extra = self.groups[-1][0]
                    self.groups[-1][0] = int(extra) + 1
                else:
                    self.extra_at_top += 1
            self.multiline = multiline
            return
        named = _NAMED_RE.match(rest)
        if named:
            go_name = named.group(1)
            if not go_name:
                raise self.fail(f"invalid named capture: `{named.group(0)}`")
            # Go allows a name more than once (the last group wins in a name -> value map).
            py_name = go_name if self.keep_names else f"g{len(self.names)}"
            if self.keep_names and (not go_name.isidentifier() or go_name in self.names):
                raise self.fail(f"invalid named capture: `{named.group(0)}`")
            self.names[py_name] = go_name
            self.out.append(f"(?P<{py_name}>")
            self.pos += named.end()
        elif rest.startswith("(?"):
            raise self.fail(f"invalid or unsupported Perl syntax: `{rest[:3]}`")
        else:
            self.out.append("(")
            self.pos += 1
        self.groups.append([0, self.multiline])

    def close_group(self) -> None:
        if not self.groups:
            raise self.fail(f"unexpected ): `{self.src}`")
        extra, multiline = self.groups.pop()
        self.out.append(")" * int(extra) + ")")
        self.multiline = bool(multiline)
        self.pos += 1

    def escape(self, in_class: bool) -> None:
        src = self.src
        if self.pos + 1 >= len(src):
            raise self.fail("trailing backslash at end of expression: ``")
        char = src[self.pos + 1]
        self.pos += 2
        if char == "Q":
            end = src.find("\\E", self.pos)
            literal = src[self.pos :] if end < 0 else src[self.pos : end]
            self.pos = len(src) if end < 0 else end + 2
            self.out.append(re.escape(literal) if not in_class else _class_escape(literal))
            return
        if char in _PERL_CLASSES:
            chars = _PERL_CLASSES[char]
            self.out.append(chars if in_class else f"[{chars}]")
            return
        if char.lower() in _PERL_CLASSES and char.isupper():
            if in_class:
                # A negated Perl class inside a class: Python's (Unicode) form is close enough.
                self.out.append("\\" + char)
            else:
                self.out.append(f"[^{_PERL_CLASSES[char.lower()]}]")
            return
        if char == "z":
            self.out.append("\\Z")
            return
        if char in "pP":
            raise self.fail(f"invalid character class range: `\\{char}`")
        if char.isdigit() and char != "0":
            raise self.fail(f"invalid escape sequence: `\\{char}`")
        if char == "x" and self.pos < len(src) and src[self.pos] == "{":
            end = src.find("}", self.pos)
            if end < 0:
                raise self.fail(f"invalid escape sequence: `\\x{src[self.pos :]}`")
            code = int(src[self.pos + 1 : end] or "0", 16)
            self.pos = end + 1
            self.out.append(f"\\U{code:08x}")
            return
        if char.isalnum() and char not in "abfnrtvAbBx0":
            raise self.fail(f"invalid escape sequence: `\\{char}`")
        self.out.append("\\" + char)

    def char_class(self) -> None:
        src = self.src
        self.out.append("[")
        self.pos += 1
        if self.pos < len(src) and src[self.pos] == "^":
            self.out.append("^")
            self.pos += 1
        first = True
        while True:
            if self.pos >= len(src):
                raise self.fail(f"missing closing ]: `{src}`")
            char = src[self.pos]
            if char == "]" and not first:
                self.out.append("]")
                self.pos += 1
                return
            first = False
            if char == "\\":
                self.escape(in_class=True)
            elif char == "[" and src.startswith("[:", self.pos):
                end = src.find(":]", self.pos + 2)
                name = src[self.pos + 2 : end] if end > 0 else ""
                if name in _POSIX_CLASSES:
                    self.out.append(_POSIX_CLASSES[name])
                    self.pos = end + 2
                else:
                    raise self.fail(f"invalid character class range: `{src[self.pos : end + 2]}`")
            elif char in "[&~|":
                # Literal in Go; Python warns about (future) set operations.
                self.out.append("\\" + char)
                self.pos += 1
            else:
                self.out.append(char)
                self.pos += 1


def _class_escape(literal: str) -> str:
    return "".join("\\" + c if c in "\\]^-[" else c for c in literal)

"""Go (RE2) regular expressions on Python's ``re``: the differences real configs meet."""

from __future__ import annotations

import re


def translate(pattern: str) -> str:
    """RE2 spellings Python reads differently: ``\\z`` (end of text) and ``(?P<name>``-less ``(?<name>``."""
    out = re.sub(r"(?<!\\)((?:\\\\)*)\\z", r"\1\\Z", pattern)
    return re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", out)


def compile_go(pattern: str, flags: int = 0) -> re.Pattern[str]:
    try:
        return re.compile(translate(pattern), flags)
    except re.error as exc:
        raise ValueError(f"error parsing regexp: {exc}: `{pattern}`") from None


def compile_go_bytes(pattern: str, flags: int = 0) -> re.Pattern[bytes]:
    try:
        return re.compile(translate(pattern).encode(), flags)
    except re.error as exc:
        raise ValueError(f"error parsing regexp: {exc}: `{pattern}`") from None

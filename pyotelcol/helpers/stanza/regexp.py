"""Go (RE2) regular expressions for the stanza operators and the file splitter: the shared
translator (``pyotelcol.helpers.goregex``), with ``re`` flags and a bytes variant for the
splitter, which matches raw file content."""

from __future__ import annotations

import re

from ..goregex import GoRegexError, translate_go


def _translated(pattern: str) -> str:
    try:
        return translate_go(pattern)
    except GoRegexError as exc:  # already worded as Go's "error parsing regexp: ..."
        raise ValueError(str(exc)) from None


def compile_go(pattern: str, flags: int = 0) -> re.Pattern[str]:
    translated = _translated(pattern)
    try:
        return re.compile(translated, flags)
    except re.error as exc:
        raise ValueError(f"error parsing regexp: {exc}: `{pattern}`") from None


def compile_go_bytes(pattern: str, flags: int = 0) -> re.Pattern[bytes]:
    translated = _translated(pattern)
    try:
        return re.compile(translated.encode(), flags)
    except re.error as exc:
        raise ValueError(f"error parsing regexp: {exc}: `{pattern}`") from None

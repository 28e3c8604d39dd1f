"""``${...}`` expansion and ``$$`` unescaping, step for step as Go's confmap does it.

Go's algorithm has observable quirks that are kept on purpose:
- each pass expands the *first* reference only: the first ``}`` and the last ``${`` before it,
  so nested references expand inner-first; passes repeat until nothing changes (at most 1000);
- if that first reference is escaped (an odd run of ``$`` before ``${``) the whole string is left
  alone, even references after it (``$${env:A} ${env:B}`` stays as is, then ``$$`` -> ``$``);
- an embedded reference is replaced everywhere in the string, escaped copies included
  (``${env:A} $${env:A}`` with A=aa gives ``aa $aa``).
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ResolveError, go_quote
from .expanded import ExpandedValue
from .providers import Providers, Retrieved

MAX_ROUNDS = 1000
DEFAULT_SCHEME = "env"
_URI = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):(.*)", re.DOTALL)


def parse_location(uri: str) -> tuple[str, str]:
    """``scheme:opaque``; raises ``invalid uri: "<uri>"``."""
    m = _URI.fullmatch(uri)
    if not m:
        raise ResolveError(f"invalid uri: {go_quote(uri)}")
    return m[1], m[2]


def find_uri(text: str) -> str:
    """The first reference Go would expand in ``text`` (which contains a ``}``), or ``""``."""
    while True:
        close = text.index("}")
        start = text.rfind("${", 0, close + 1)
        if start >= 0:
            break
        text = text[close + 1 :]  # no "${" before this "}": look further on
        if "}" not in text:
            return ""
    dollars = 0
    while start - dollars - 1 >= 0 and text[start - dollars - 1] == "$":
        dollars += 1
    if dollars % 2 == 1:
        return ""
    return text[start : close + 1]


class Expander:
    def __init__(self, providers: Providers) -> None:
        self.providers = providers

    def expand(self, value: Any) -> Any:
        """Expand until nothing changes, then unescape ``$$``."""
        for _ in range(MAX_ROUNDS):
            value, changed = self.expand_value(value)
            if not changed:
                return unescape(value)
        raise ResolveError("too many recursive expansions")

    def expand_value(self, value: Any) -> tuple[Any, bool]:
        if isinstance(value, ExpandedValue):
            expanded, changed = self.expand_value(value.value)
            if isinstance(expanded, (ExpandedValue, str)):
                return expanded, changed
            try:
                original, original_changed = self.expand_value(value.original)
            except ResolveError:
                return expanded, changed
            if isinstance(original, str):
                return ExpandedValue(expanded, original), changed or original_changed
            return expanded, changed
        if isinstance(value, str):
            if "${" not in value or "}" not in value:
                return value, False
            return self.find_and_expand(value)
        if isinstance(value, list):
            pairs = [self.expand_value(v) for v in value]
            return [v for v, _ in pairs], any(c for _, c in pairs)
        if isinstance(value, dict):
            items = {k: self.expand_value(v) for k, v in value.items()}
            return {k: v for k, (v, _) in items.items()}, any(c for _, c in items.values())
        return value, False

    def find_and_expand(self, text: str) -> tuple[Any, bool]:
        uri = find_uri(text)
        if not uri:
            return text, False
        retrieved = self.retrieve(uri)
        if uri == text:  # a whole-value reference may become any type; keep its text for strings
            try:
                return ExpandedValue(retrieved.raw, retrieved.as_string()), True
            except ResolveError:
                return retrieved.raw, True
        try:
            replacement = retrieved.as_string()
        except ResolveError as exc:
            raise ResolveError(f"expanding {uri}: {exc}") from None
        return text.replace(uri, replacement), True

    def retrieve(self, reference: str) -> Retrieved:
        uri = reference[2:-1]
        if ":" not in uri:
            uri = f"{DEFAULT_SCHEME}:{uri}"
        scheme, opaque = parse_location(uri)
        if "$" in opaque:
            raise ResolveError(f"the uri {go_quote(f'{scheme}:{opaque}')} contains unsupported characters ('$')")
        return self.providers.retrieve(scheme, opaque)


def unescape(value: Any) -> Any:
    """``$$`` -> ``$`` in every string, including both sides of an ExpandedValue."""
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, ExpandedValue):
        return ExpandedValue(unescape(value.value), value.original.replace("$$", "$"))
    if isinstance(value, list):
        return [unescape(v) for v in value]
    if isinstance(value, dict):
        return {k: unescape(v) for k, v in value.items()}
    return value

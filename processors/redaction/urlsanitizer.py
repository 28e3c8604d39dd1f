"""URL sanitization as Go's redaction processor does it (``internal/url``, which runs
grafana/clusterurl's classifier with its default settings).

``cluster_url`` replaces every path segment that looks like an identifier with ``*`` and drops
what follows the first ``?``, ``&`` or ``#``: ``/api/users/123/posts/456`` ->
``/api/users/*/posts/*``. A segment is an identifier when it holds a byte other than an ASCII
letter, ``-``, ``_``, ``.`` or space (one such byte is forgiven in second position, so ``v1`` is
kept) or when its letters read as gibberish under an English digraph model
(``/search/xkcdqzvwpt`` -> ``/search/*``). At most 10 separators are read; the rest of the path
is dropped. The quirks of Go's byte-level loop are kept (``https://host/...`` -> ``*//host/...``,
a doubled ``**`` when the cut falls after a replaced segment).
"""

from __future__ import annotations

import functools
import itertools
import math

from pyotelcol.pdata.pcommon import Map
from pyotelcol.pdata.ptrace import SpanKind

from .clusterurl_model import ALPHABET, LOG_PROBABILITIES, THRESHOLD

MAX_SEGMENTS = 10
SEPARATOR = ord("/")
REPLACE_WITH = ord("*")
_QUERY_STARTS = frozenset(b"?&#")
_VALID = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_. ")
_POSITIONS = {ch: i for i, ch in enumerate(ALPHABET)}
# Go caches up to 8192 words; the cache only saves time, it never changes a result.
_WORD_CACHE = 8192

# Span attributes that mark a span as HTTP (semantic conventions 1.43 and 1.25).
HTTP_ATTRIBUTES = (
    "http.route",
    "http.request.method",
    "http.request.method_original",
    "http.response.status_code",
    "url.full",
    "http.scheme",
    "http.target",
    "http.method",
    "http.url",
)


@functools.lru_cache(maxsize=_WORD_CACHE)
def is_word(segment: str) -> bool:
    """False when the segment's letters are gibberish: the mean digraph log probability, turned
    back into a probability, is at or below the model's threshold (a segment without a digraph
    counts as probability 1)."""
    letters = [_POSITIONS[ch] for ch in segment.lower() if ch in _POSITIONS]
    total = 0.0
    for first, second in itertools.pairwise(letters):
        total += LOG_PROBABILITIES[first][second]
    count = max(len(letters) - 1, 1)
    return math.exp(total / count) > THRESHOLD


def cluster_url(path: str) -> str:
    """Go's ``ClusterURL``, on the UTF-8 bytes of ``path``."""
    if path == "":
        return path
    source = path.encode()
    out = bytearray(source)
    length = len(out)
    s_pos = s_fwd = 0
    skip = False
    grace = True
    segments = 0

    def word_at(start: int, end: int) -> bool:
        return is_word(out[start:end].decode("utf-8", "replace"))

    for c in source:
        if c in _QUERY_STARTS:
            if skip and s_pos < length:
                out[s_pos] = REPLACE_WITH
                s_pos += 1
            elif not skip and s_fwd > s_pos:
                s_pos = s_fwd
            length = s_pos
            break
        if c == SEPARATOR:
            segments += 1
            if skip:
                out[s_pos] = REPLACE_WITH
                s_pos += 1
            elif s_fwd > s_pos:
                if not word_at(s_pos, s_fwd):
                    out[s_pos] = REPLACE_WITH
                    s_pos += 1
                else:
                    s_pos = s_fwd
            if segments >= MAX_SEGMENTS:
                break
            out[s_pos] = c
            s_pos += 1
            s_fwd = s_pos
            skip = False
            grace = True
        elif not skip:
            out[s_fwd] = c
            s_fwd += 1
            if c not in _VALID:
                if grace and s_fwd - s_pos == 2:
                    grace = False
                    continue
                skip = True
    if length == 0:
        return ""
    if skip:
        if s_pos < length:
            out[s_pos] = REPLACE_WITH
            s_pos += 1
    elif s_fwd > s_pos:
        if not word_at(s_pos, s_fwd):
            if s_pos < length:
                out[s_pos] = REPLACE_WITH
                s_pos += 1
        else:
            s_pos = s_fwd
    return out[:s_pos].decode("utf-8", "replace")


class URLSanitizer:
    """``url_sanitizer``: attribute values of the listed keys, every string log body (and string
    leaf of a map or list body), and HTTP-looking span names."""

    def __init__(self, attributes: list[str]) -> None:
        self._attributes = frozenset(attributes)

    def sanitize_attribute(self, value: str, key: str) -> str:
        if value and key in self._attributes:
            return cluster_url(value)
        return value

    @staticmethod
    def sanitize(value: str) -> str:
        return cluster_url(value)

    @staticmethod
    def sanitize_span_name(name: str, kind: int, attributes: Map) -> str | None:
        """The new name of a client or server span whose name has a ``/`` or which has an HTTP
        attribute, or None: unchanged, or every segment replaced (``/123/456`` is kept rather
        than renamed ``/*/*``)."""
        if kind not in (SpanKind.CLIENT, SpanKind.SERVER):
            return None
        if "/" not in name and not any(attributes.get(key) is not None for key in HTTP_ATTRIBUTES):
            return None
        sanitized = cluster_url(name)
        if sanitized == name or _fully_redacted(sanitized):
            return None
        return sanitized


def _fully_redacted(name: str) -> bool:
    segments = [segment for segment in name.split("/") if segment]
    return bool(segments) and all(segment == "*" for segment in segments)

"""How many spans one sampled span stands for: OpenTelemetry's consistent probability sampling
writes the rejection threshold in the W3C ``tracestate`` (``ot=th:<hex>``); a span kept with
threshold T represents ``2**56 / (2**56 - T)`` spans. Go counts it that way, rounding the
fraction stochastically so the totals stay unbiased."""

from __future__ import annotations

import random
import re

MAX_ADJUSTED_COUNT = 1 << 56
_TH = re.compile(r"[0-9a-f]{1,14}")


def threshold(tracestate: str) -> int | None:
    """The ``th`` value of the ``ot`` member, or None when absent or malformed."""
    for member in tracestate.split(","):
        key, sep, value = member.strip().partition("=")
        if not sep or key != "ot":
            continue
        for field in value.split(";"):
            name, colon, text = field.partition(":")
            if colon and name == "th":
                if not _TH.fullmatch(text):
                    return None
                return int(text.ljust(14, "0"), 16)
        return None
    return None


class AdjustedCounts:
    """Adjusted counts with a one-entry cache: the spans of one trace share their tracestate."""

    __slots__ = ("_count", "_random", "_tracestate")

    def __init__(self, rng: random.Random | None = None) -> None:
        self._tracestate = ""
        self._count = (1, False)
        self._random = rng or random.Random()

    def of(self, tracestate: str) -> tuple[int, bool]:
        """(count, whether the span carried a usable sampling threshold)."""
        if not tracestate:
            return 1, False
        if tracestate == self._tracestate:
            count, adjusted = self._count
            if adjusted:
                return self._round(count), True  # the cached value is the denominator
            return 1, False
        th = threshold(tracestate) if "ot=" in tracestate else None
        denominator = MAX_ADJUSTED_COUNT - th if th is not None else 0
        self._tracestate = tracestate
        if denominator <= 0:
            self._count = (1, False)
            return 1, False
        self._count = (denominator, True)
        return self._round(denominator), True

    def _round(self, denominator: int) -> int:
        quotient, remainder = divmod(MAX_ADJUSTED_COUNT, denominator)
        if remainder and self._random.randrange(denominator) < remainder:
            quotient += 1
        return quotient

"""OpenTelemetry consistent probability sampling arithmetic (Go's contrib ``pkg/sampling``).

Thresholds and randomness are 56-bit unsigned integers. An item is sampled when
``threshold <= randomness``. A threshold counts the randomness values (out of 2**56) that are
rejected: 0 samples everything, 2**56 nothing. Thresholds travel as ``th`` (the hex digits with
trailing zeros dropped), randomness as ``rv`` (exactly 14 hex digits), inside the ``ot`` entry of a
W3C ``tracestate`` (``ot=rv:...;th:...``) or, for logs, in the ``sampling.threshold`` and
``sampling.randomness`` attributes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

MAX_ADJUSTED_COUNT = 1 << 56
NUM_HEX_DIGITS = 14
HEX_BITS = 4
MIN_SAMPLING_PROBABILITY = 1.0 / MAX_ADJUSTED_COUNT

ALWAYS_SAMPLE = 0
NEVER_SAMPLE = MAX_ADJUSTED_COUNT
# Randomness that every threshold but "never" samples.
ALL_PROBABILITIES_RANDOMNESS = MAX_ADJUSTED_COUNT - 1

_HEX = re.compile(r"[0-9a-fA-F]+")


class SamplingError(ValueError):
    """A threshold, randomness or tracestate that does not parse (Go's error text)."""


class ProbabilityRangeError(SamplingError):
    def __init__(self) -> None:
        super().__init__("sampling probability out of the range [1/MaxAdjustedCount, 1]")


class InconsistentSamplingError(SamplingError):
    def __init__(self) -> None:
        super().__init__("cannot raise existing sampling probability")


def probability_to_threshold(fraction: float, precision: int) -> int:
    """Go's ``ProbabilityToThresholdWithPrecision``: ``precision`` hex digits (0 means 14), with
    extra digits near 0 and 1 where the leading digits are all ``0`` or ``f``."""
    if precision == 0:
        precision = NUM_HEX_DIGITS
    if not MIN_SAMPLING_PROBABILITY <= fraction <= 1:
        raise ProbabilityRangeError()
    if fraction == 1:
        return ALWAYS_SAMPLE
    exp_f = math.frexp(fraction)[1]
    exp_r = math.frexp(1 - fraction)[1]
    # Go's integer division truncates toward zero; both exponents are <= 0 here.
    precision = min(NUM_HEX_DIGITS, max(precision + _go_div(exp_f, -HEX_BITS), precision + _go_div(exp_r, -HEX_BITS)))
    scaled = _go_round(fraction * float(MAX_ADJUSTED_COUNT))
    threshold = MAX_ADJUSTED_COUNT - scaled
    shift = HEX_BITS * (NUM_HEX_DIGITS - precision)
    if shift != 0:
        threshold += 1 << (shift - 1)
        threshold = (threshold >> shift) << shift
    return threshold & 0xFFFF_FFFF_FFFF_FFFF  # a uint64, as in Go


def threshold_probability(threshold: int) -> float:
    return float(MAX_ADJUSTED_COUNT - threshold) / float(MAX_ADJUSTED_COUNT)


def tvalue_to_threshold(text: str) -> int:
    if len(text) > NUM_HEX_DIGITS:
        raise SamplingError("t-value exceeds 14 hex digits")
    if text == "":
        raise SamplingError("t-value is empty")
    if not _HEX.fullmatch(text):
        raise SamplingError(f'strconv.ParseUint: parsing "{text}": invalid syntax')
    return int(text, 16) << (HEX_BITS * (NUM_HEX_DIGITS - len(text)))


def threshold_tvalue(threshold: int) -> str:
    """The ``th`` encoding: "0" for always, "" for never, else trailing zeros dropped."""
    if threshold == ALWAYS_SAMPLE:
        return "0"
    if threshold == NEVER_SAMPLE:
        return ""
    return randomness_rvalue(threshold).rstrip("0")


def rvalue_to_randomness(text: str) -> int:
    if len(text) != NUM_HEX_DIGITS:
        raise SamplingError("r-value must have 14 hex digits")
    if not _HEX.fullmatch(text):
        raise SamplingError(f'strconv.ParseUint: parsing "{text}": invalid syntax')
    return int(text, 16)


def randomness_rvalue(randomness: int) -> str:
    if randomness >= MAX_ADJUSTED_COUNT:
        return ""
    return f"{randomness:014x}"


def trace_id_randomness(trace_id: bytes) -> int:
    """The W3C randomness of a trace ID: its last 7 bytes."""
    return int.from_bytes(trace_id[8:16], "big") & (MAX_ADJUSTED_COUNT - 1)


def _go_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _go_round(x: float) -> int:
    """Go's ``math.Round`` (half away from zero), then the uint64 conversion."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


# -- tracestate ------------------------------------------------------------------------------


@dataclass
class OTelTraceState:
    """The ``ot`` entry: ``rv``, ``th`` and any other sub-keys, in order."""

    rvalue: str = ""
    randomness: int = 0
    tvalue: str = ""
    threshold: int = ALWAYS_SAMPLE
    extra: list[tuple[str, str]] = field(default_factory=list)

    def has_any_value(self) -> bool:
        return bool(self.rvalue or self.tvalue or self.extra)

    def update_threshold(self, threshold: int) -> None:
        """Raises InconsistentSamplingError when that would raise the sampling probability."""
        if self.tvalue and self.threshold > threshold:
            raise InconsistentSamplingError()
        self.threshold = threshold
        self.tvalue = threshold_tvalue(threshold)

    def clear_threshold(self) -> None:
        self.tvalue = ""
        self.threshold = ALWAYS_SAMPLE

    def set_randomness(self, randomness: int) -> None:
        self.randomness = randomness
        self.rvalue = randomness_rvalue(randomness)

    def serialize(self) -> str:
        parts = []
        if self.rvalue:
            parts.append(f"rv:{self.rvalue}")
        if self.tvalue:
            parts.append(f"th:{self.tvalue}")
        parts.extend(f"{k}:{v}" for k, v in self.extra)
        return ";".join(parts)


@dataclass
class W3CTraceState:
    otel: OTelTraceState = field(default_factory=OTelTraceState)
    extra: list[tuple[str, str]] = field(default_factory=list)

    def serialize(self) -> str:
        """The ``ot`` entry first (when it holds anything), then the other vendors in order."""
        parts = []
        if self.otel.has_any_value():
            parts.append(f"ot={self.otel.serialize()}")
        parts.extend(f"{k}={v}" for k, v in self.extra)
        return ",".join(parts)


def parse_w3c_tracestate(text: str) -> tuple[W3CTraceState, SamplingError | None]:
    """Go's ``NewW3CTraceState``: the state and the first error. As in Go, the state may be
    partly filled when there is an error (a bad ``ot`` entry keeps what parsed)."""
    state = W3CTraceState()
    if text == "":
        return state, None
    if len(text) > 1024:
        return state, SamplingError("invalid tracestate size")
    if not _valid_w3c(text):
        return state, SamplingError("invalid syntax")
    error: SamplingError | None = None
    items = 0
    for member in text.split(","):
        items += 1
        if items >= 32:  # Go stops at the 32nd list member, empty ones included
            return state, SamplingError("invalid tracestate size")
        member = member.strip(" \t")
        if not member:
            continue
        key, _, value = member.partition("=")
        problem: SamplingError | None = None
        tenant, at, system = key.partition("@")
        if len(key) > 256 or (at and (len(tenant) > 241 or len(system) > 14)):
            problem = SamplingError("invalid tracestate size")
        elif key == "ot":
            state.otel, problem = _parse_otel(value)
        else:
            state.extra.append((key, value))
        if problem is not None and error is None:
            error = problem
    return state, error


def _parse_otel(text: str) -> tuple[OTelTraceState, SamplingError | None]:
    otel = OTelTraceState()
    if len(text) > 256:
        return otel, SamplingError("invalid tracestate size")
    if not _valid_otel(text):
        return otel, SamplingError("invalid syntax")
    error: SamplingError | None = None
    for member in text.split(";"):
        key, _, value = member.partition(":")
        try:
            if key == "rv":
                otel.rvalue, otel.randomness = "", 0
                otel.randomness = rvalue_to_randomness(value)
                otel.rvalue = value
            elif key == "th":
                otel.tvalue, otel.threshold = "", ALWAYS_SAMPLE
                otel.threshold = tvalue_to_threshold(value)
                otel.tvalue = value
            else:
                otel.extra.append((key, value))
        except SamplingError as exc:
            error = error or exc
    return otel, error


_W3C_KEY = re.compile(r"[a-z][a-z0-9_\-*/]*|[a-z0-9][a-z0-9_\-*/]*@[a-z][a-z0-9_\-*/]*")
_W3C_VALUE = re.compile(r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]")
_OTEL_MEMBER = re.compile(r"[a-z][a-z0-9]*:[a-zA-Z0-9._\-]*")


def _valid_w3c(text: str) -> bool:
    for member in text.split(","):
        member = member.strip(" \t")
        if not member:
            continue
        key, eq, value = member.partition("=")
        if not eq or not _W3C_KEY.fullmatch(key) or not _W3C_VALUE.fullmatch(value):
            return False
    return True


def _valid_otel(text: str) -> bool:
    if text == "" or text.endswith(";"):
        return False
    return all(_OTEL_MEMBER.fullmatch(member) for member in text.split(";"))

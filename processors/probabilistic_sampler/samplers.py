"""The sampling decision for one span or log record (Go's ``sampler_mode.go``,
``tracesprocessor.go``, ``logsprocessor.go``).

Every mode compares a threshold with 56 bits of randomness (kept when ``threshold <= randomness``):

- ``hash_seed``: the randomness is built from FNV-1a 32 over the seed (4 bytes little-endian) and
  the trace ID (or, for logs, the ``from_attribute`` value); only its top 14 bits decide, against a
  fixed threshold of ``16384 - uint32(pct * 163.84)`` buckets (float32 arithmetic, as in Go);
- ``equalizing``: randomness from the tracestate's ``rv`` or the trace ID's last 7 bytes; the
  threshold is the configured one, or the arriving ``th`` when that samples less;
- ``proportional``: the same randomness; the threshold multiplies the arriving probability by the
  configured one.

Kept items record the threshold used (``ot=th:`` in the tracestate, ``sampling.threshold`` for
logs) and, in hash_seed mode, the randomness (``rv`` / ``sampling.randomness``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pyotelcol.pdata.pcommon import Map, Value, ValueType
from pyotelcol.pdata.plog import LogRecord
from pyotelcol.pdata.ptrace import Span

from .config import Config, float32
from .sampling import (
    ALL_PROBABILITIES_RANDOMNESS,
    ALWAYS_SAMPLE,
    MIN_SAMPLING_PROBABILITY,
    NEVER_SAMPLE,
    InconsistentSamplingError,
    ProbabilityRangeError,
    SamplingError,
    W3CTraceState,
    parse_w3c_tracestate,
    probability_to_threshold,
    randomness_rvalue,
    rvalue_to_randomness,
    threshold_probability,
    threshold_tvalue,
    trace_id_randomness,
    tvalue_to_threshold,
)

NUM_HASH_BUCKETS = 0x4000
HASH_BUCKET_MASK = NUM_HASH_BUCKETS - 1
_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
# Go multiplies the float32 percentage by this constant in float32 arithmetic.
_SCALE_FACTOR_F32 = float32(NUM_HASH_BUCKETS / 100.0)

THRESHOLD_ATTRIBUTE = "sampling.threshold"
RANDOMNESS_ATTRIBUTE = "sampling.randomness"


class SamplerError(SamplingError):
    """The ordinary conditions Go logs at debug level."""


MISSING_RANDOMNESS = SamplerError("missing randomness")
RANDOMNESS_IN_USE = SamplerError("item has sampling randomness, equalizing or proportional mode recommended")
THRESHOLD_IN_USE = SamplerError("item has sampling threshold, equalizing or proportional mode recommended")
INCONSISTENT_THRESHOLD = SamplerError("inconsistent arriving threshold: item should not have been sampled")


@dataclass(frozen=True)
class Randomness:
    """Randomness with the name of where it came from (the ``policy`` self-metric label)."""

    policy: str
    value: int


# The randomness of an item that has none (a zero trace ID, no attribute); never mistaken for a
# user attribute called "missing_randomness", which is a different object.
MISSING = Randomness("missing_randomness", ALL_PROBABILITIES_RANDOMNESS)


def fnv1a32(seed: int, data: bytes) -> int:
    h = _FNV_OFFSET
    for byte in seed.to_bytes(4, "little") + data:
        h = ((h ^ byte) * _FNV_PRIME) & 0xFFFF_FFFF
    return h


def hash_randomness(data: bytes, seed: int) -> int:
    """Go's ``randomnessFromBytes``: 56 bits whose top 14 are ``16383 - (hash & 0x3fff)``, so the
    OTel comparison gives the hash_seed mode's original decision."""
    hashed32 = fnv1a32(seed, data)
    hashed = hashed32 & HASH_BUCKET_MASK
    rprime14 = NUM_HASH_BUCKETS - 1 - hashed
    unused18 = hashed32 >> (32 - 14)  # as Go computes it (the top 14 bits, despite the name)
    mixed28 = unused18 ^ (unused18 << 10)
    return (rprime14 << 42) | (mixed28 << 14) | hashed


class Carrier(Protocol):
    """Where an item keeps its sampling information (tracestate or log attributes)."""

    def threshold(self) -> int | None: ...
    def explicit_randomness(self) -> Randomness | None: ...
    def set_randomness(self, rnd: Randomness) -> None: ...
    def clear_threshold(self) -> None: ...
    def update_threshold(self, threshold: int) -> None: ...
    def reserialize(self) -> None: ...


class TraceStateCarrier:
    def __init__(self, span: Span, state: W3CTraceState) -> None:
        self._span = span
        self.state = state

    @classmethod
    def parse(cls, span: Span) -> tuple[TraceStateCarrier, SamplingError | None]:
        state, error = parse_w3c_tracestate(span.trace_state)
        return cls(span, state), error

    def threshold(self) -> int | None:
        otel = self.state.otel
        return otel.threshold if otel.tvalue else None

    def explicit_randomness(self) -> Randomness | None:
        otel = self.state.otel
        return Randomness("sampling_randomness", otel.randomness) if otel.rvalue else None

    def set_randomness(self, rnd: Randomness) -> None:
        self.state.otel.set_randomness(rnd.value)

    def clear_threshold(self) -> None:
        self.state.otel.clear_threshold()

    def update_threshold(self, threshold: int) -> None:
        self.state.otel.update_threshold(threshold)

    def reserialize(self) -> None:
        self._span.trace_state = self.state.serialize()


class RecordCarrier:
    def __init__(self, record: LogRecord) -> None:
        self._attributes = record.attributes
        self._tvalue = ""
        self._threshold = ALWAYS_SAMPLE
        self._rvalue = ""
        self._randomness = 0

    @classmethod
    def parse(cls, record: LogRecord) -> tuple[RecordCarrier, SamplingError | None]:
        carrier = cls(record)
        error: SamplingError | None = None
        tvalue = _str_attribute(carrier._attributes, THRESHOLD_ATTRIBUTE)
        if tvalue:
            try:
                carrier._threshold = tvalue_to_threshold(tvalue)
                carrier._tvalue = tvalue
            except SamplingError as exc:
                error = exc
        rvalue = _str_attribute(carrier._attributes, RANDOMNESS_ATTRIBUTE)
        if rvalue:
            try:
                carrier._randomness = rvalue_to_randomness(rvalue)
                carrier._rvalue = rvalue
            except SamplingError as exc:
                error = error or exc
        return carrier, error

    def threshold(self) -> int | None:
        return self._threshold if self._tvalue else None

    def explicit_randomness(self) -> Randomness | None:
        return Randomness("sampling_randomness", self._randomness) if self._rvalue else None

    def set_randomness(self, rnd: Randomness) -> None:
        self._randomness = rnd.value
        self._rvalue = randomness_rvalue(rnd.value)
        self._attributes.put_str(RANDOMNESS_ATTRIBUTE, self._rvalue)

    def clear_threshold(self) -> None:
        self._threshold = NEVER_SAMPLE
        self._tvalue = ""
        self._attributes.remove(THRESHOLD_ATTRIBUTE)

    def update_threshold(self, threshold: int) -> None:
        if self._tvalue and threshold < self._threshold:
            raise InconsistentSamplingError()
        self._attributes.put_str(THRESHOLD_ATTRIBUTE, threshold_tvalue(threshold))

    def reserialize(self) -> None:
        pass  # attributes are written as they change


def _str_attribute(attributes: Map, key: str) -> str:
    value = attributes.get(key)
    return value.str_value if value is not None and value.type is ValueType.STR else ""


def _trace_id(raw: bytes) -> bytes | None:
    """The 16 trace ID bytes, or None for an empty (all-zero) ID."""
    return raw if raw.strip(b"\0") else None


RandomnessResult = tuple[Randomness, Carrier | None, SamplingError | None]


class Sampler:
    """One mode's threshold and randomness rules."""

    def decide(self, carrier: Carrier | None) -> int:
        raise NotImplementedError

    def span_randomness(self, span: Span) -> RandomnessResult:
        raise NotImplementedError

    def record_randomness(self, record: LogRecord) -> RandomnessResult:
        raise NotImplementedError


class NeverSampler(Sampler):
    """A percentage of 0: nothing is kept except what priority forces."""

    def decide(self, carrier: Carrier | None) -> int:
        return NEVER_SAMPLE

    def span_randomness(self, span: Span) -> RandomnessResult:
        # Stand-in randomness so the consistency check does not report it missing.
        carrier, error = TraceStateCarrier.parse(span)
        return Randomness("sampling_priority", ALL_PROBABILITIES_RANDOMNESS), carrier, error

    def record_randomness(self, record: LogRecord) -> RandomnessResult:
        carrier, error = RecordCarrier.parse(record)
        return Randomness("sampling_priority", ALL_PROBABILITIES_RANDOMNESS), carrier, error


class HashingSampler(Sampler):
    def __init__(self, threshold: int, seed: int, logs_trace_id: bool, logs_attribute: str) -> None:
        self._threshold = threshold
        self._seed = seed
        self._logs_trace_id = logs_trace_id
        self._logs_attribute = logs_attribute

    def decide(self, carrier: Carrier | None) -> int:
        return self._threshold

    def span_randomness(self, span: Span) -> RandomnessResult:
        tid = _trace_id(span.trace_id)
        rnd = MISSING if tid is None else Randomness("trace_id_hash", hash_randomness(tid, self._seed))
        carrier, error = TraceStateCarrier.parse(span)
        # Arriving OTel sampling information is left alone: this mode cannot honour it.
        if error is not None:
            return rnd, None, error
        if carrier.explicit_randomness() is not None:
            return rnd, None, RANDOMNESS_IN_USE
        if carrier.threshold() is not None:
            return rnd, None, THRESHOLD_IN_USE
        carrier.set_randomness(rnd)
        return rnd, carrier, None

    def record_randomness(self, record: LogRecord) -> RandomnessResult:
        rnd = MISSING
        carrier, error = RecordCarrier.parse(record)
        if self._logs_trace_id:
            tid = _trace_id(record.trace_id)
            if tid is not None:
                rnd = Randomness("trace_id_hash", hash_randomness(tid, self._seed))
        if rnd is MISSING and self._logs_attribute:
            value = record.attributes.get(self._logs_attribute)
            if value is not None:
                data = _value_bytes(value)
                if data:
                    rnd = Randomness(self._logs_attribute, hash_randomness(data, self._seed))
        if error is not None:
            return rnd, None, error
        if carrier.explicit_randomness() is not None:
            return rnd, None, RANDOMNESS_IN_USE
        if carrier.threshold() is not None:
            return rnd, None, THRESHOLD_IN_USE
        if rnd is not MISSING:
            carrier.set_randomness(rnd)
        return rnd, carrier, None


def _value_bytes(value: Value) -> bytes:
    if value.type is ValueType.BYTES:
        return value.bytes_value
    return value.as_string().encode()


class ConsistentSampler(Sampler):
    """What equalizing and proportional share: W3C randomness from ``rv`` or the trace ID."""

    def span_randomness(self, span: Span) -> RandomnessResult:
        carrier, error = TraceStateCarrier.parse(span)
        if error is not None:
            return MISSING, None, error
        return self._randomness(carrier, span.trace_id), carrier, None

    def record_randomness(self, record: LogRecord) -> RandomnessResult:
        carrier, error = RecordCarrier.parse(record)
        if error is not None:
            return MISSING, None, error
        return self._randomness(carrier, record.trace_id), carrier, None

    @staticmethod
    def _randomness(carrier: Carrier, trace_id: bytes) -> Randomness:
        explicit = carrier.explicit_randomness()
        if explicit is not None:
            return explicit
        tid = _trace_id(trace_id)
        return MISSING if tid is None else Randomness("trace_id_w3c", trace_id_randomness(tid))


class EqualizingSampler(ConsistentSampler):
    def __init__(self, threshold: int) -> None:
        self._threshold = threshold

    def decide(self, carrier: Carrier | None) -> int:
        arriving = carrier.threshold() if carrier is not None else None
        if arriving is not None and self._threshold < arriving:
            return arriving
        return self._threshold


class ProportionalSampler(ConsistentSampler):
    def __init__(self, ratio: float, precision: int) -> None:
        self._ratio = ratio
        self._precision = precision

    def decide(self, carrier: Carrier | None) -> int:
        arriving = carrier.threshold() if carrier is not None else None
        incoming = 1.0 if arriving is None else threshold_probability(arriving)
        try:
            return probability_to_threshold(incoming * self._ratio, self._precision)
        except ProbabilityRangeError:
            # Below the smallest probability there is: not sampled.
            return NEVER_SAMPLE


def make_sampler(cfg: Config, is_logs: bool) -> Sampler:
    """Go's ``makeSampler``: percentages above 100 mean 100, tiny ones are raised to the
    smallest probability there is, and an unset mode is hash_seed."""
    pct = min(cfg.percentage32, 100.0)
    mode = cfg.mode or "hash_seed"
    if pct == 0:
        return NeverSampler()
    ratio = max(pct / 100, MIN_SAMPLING_PROBABILITY)
    if mode == "equalizing":
        return EqualizingSampler(probability_to_threshold(ratio, cfg.sampling_precision))
    if mode == "proportional":
        return ProportionalSampler(ratio, cfg.sampling_precision)
    # Go multiplies in float32 and truncates: kept for the same decisions as every release.
    scaled = int(float32(pct * _SCALE_FACTOR_F32))
    if scaled == 0:
        return NeverSampler()
    return HashingSampler(
        (NUM_HASH_BUCKETS - scaled) << 42,
        cfg.hash_seed,
        logs_trace_id=cfg.attribute_source == "traceID",
        logs_attribute=cfg.from_attribute,
    )


T = TypeVar("T")
PriorityFunc = Callable[[T, Randomness, int], tuple[Randomness, int]]


def should_sample(
    item: T,
    sampler: Sampler,
    fail_closed: bool,
    randomness: Callable[[T], RandomnessResult],
    priority: PriorityFunc[T],
    logger: logging.Logger | logging.LoggerAdapter[Any],
    description: str,
) -> tuple[bool, str]:
    """Go's ``commonShouldSampleLogic``: the decision and the policy name it is counted under.
    A kept item's carrier gets the threshold (never lowered: that would raise its probability)."""
    rnd, carrier, error = randomness(item)
    if error is None:
        error = _consistency_error(rnd, carrier)
    if error is not None:
        logger.log(logging.DEBUG if isinstance(error, SamplerError) else logging.INFO, "%s: %s", description, error)
        threshold = NEVER_SAMPLE if fail_closed else ALWAYS_SAMPLE
    else:
        threshold = sampler.decide(carrier)
    rnd, threshold = priority(item, rnd, threshold)
    sampled = threshold <= rnd.value
    if sampled and carrier is not None:
        try:
            carrier.update_threshold(threshold)
        except InconsistentSamplingError as exc:
            logger.debug("%s: %s", description, exc)
        carrier.reserialize()
    return sampled, rnd.policy


def _consistency_error(rnd: Randomness, carrier: Carrier | None) -> SamplingError | None:
    if rnd is MISSING:
        return MISSING_RANDOMNESS
    if carrier is None:
        return None
    arriving = carrier.threshold()
    if arriving is not None and arriving > rnd.value:
        # An arriving threshold the randomness contradicts is a lie: dropped, as the spec says.
        carrier.clear_threshold()
        return INCONSISTENT_THRESHOLD
    return None


# -- priorities ------------------------------------------------------------------------------


def span_priority(span: Span, rnd: Randomness, threshold: int) -> tuple[Randomness, int]:
    """The OpenTracing ``sampling.priority`` span attribute: 0 drops, above 0 keeps."""
    value = span.attributes.get("sampling.priority")
    if value is None:
        return rnd, threshold
    number = _priority_number(value)
    if number is None or math.isnan(number) or number < 0:
        return rnd, threshold
    forced = NEVER_SAMPLE if number == 0 else ALWAYS_SAMPLE
    return Randomness("sampling_priority", rnd.value), forced


def _priority_number(value: Value) -> float | None:
    kind = value.type
    if kind is ValueType.INT:
        return float(value.int_value)
    if kind is ValueType.DOUBLE:
        return value.double_value
    if kind is ValueType.STR:
        return go_parse_float(value.str_value)
    return None


def go_parse_float(text: str) -> float | None:
    """Go's ``strconv.ParseFloat(text, 64)`` where Python's ``float`` reads differently: no
    surrounding spaces, no digit separators, hex floats need their ``p`` exponent, and a number
    too large for a float64 is an error rather than infinity."""
    if not text or text != text.strip() or "_" in text:
        return None
    body = text.lstrip("+-").lower()
    try:
        if body.startswith("0x"):
            if "p" not in body:
                return None
            number = float.fromhex(body)
            number = -number if text.startswith("-") else number
        else:
            number = float(text)
    except (ValueError, OverflowError):
        return None
    if math.isinf(number) and not body.startswith("inf"):
        return None
    return number


def record_priority(attribute: str, precision: int) -> PriorityFunc[LogRecord]:
    """The logs ``sampling_priority`` attribute: a number read as a minimum percentage."""

    def priority(record: LogRecord, rnd: Randomness, threshold: int) -> tuple[Randomness, int]:
        if not attribute:
            return rnd, threshold
        value = record.attributes.get(attribute)
        if value is None:
            return rnd, threshold
        kind = value.type
        if kind is ValueType.DOUBLE:
            min_prob = value.double_value / 100.0
        elif kind is ValueType.INT:
            min_prob = float(value.int_value) / 100.0
        else:
            return rnd, threshold
        if min_prob == 0:
            return rnd, threshold
        try:
            forced = probability_to_threshold(min_prob, precision)
        except ProbabilityRangeError:
            return rnd, threshold
        return Randomness("sampling_priority", rnd.value), forced

    return priority

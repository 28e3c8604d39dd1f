"""Sampling policies: each looks at one buffered trace and returns a decision, as Go's evaluators do.

A trace is the list of pieces received for it (``pieces.Piece``: its spans from one incoming
``ResourceSpans``, walked like that message), its span count and its size. Policies read the
protobuf directly; attribute reads follow pdata's typed getters (an int attribute read as a string is "",
a string read as an int is 0). A policy that fails raises: the processor counts the error and
skips the policy for that trace.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import Any, Protocol

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1 import trace_pb2

from pyotelcol.component import Signal
from pyotelcol.helpers.goregex import GoRegexError, compile_go_regex
from pyotelcol.pdata.ptrace import ResourceSpans, ScopeSpans, Span

from .config import (
    AndCfg,
    AndSubPolicyCfg,
    CompositeCfg,
    CompositeSubPolicyCfg,
    DropCfg,
    NotCfg,
    PolicyCfg,
    SharedPolicyCfg,
)
from .pieces import Piece, traces_size

__all__ = ["Decision", "Evaluator", "Policy", "TraceData", "build_policies", "hash_trace_id", "probability_threshold"]

Logger = logging.Logger | logging.LoggerAdapter[Any]


class Decision(Enum):
    UNSPECIFIED = 0
    SAMPLED = 1
    NOT_SAMPLED = 2
    DROPPED = 3

    # Members are singletons: identity hashing is enough and much cheaper than Enum's name hash.
    __hash__ = object.__hash__


@dataclass
class TraceData:
    """What the policies see of one trace."""

    trace_id: bytes
    batches: list[Piece] = field(default_factory=list)
    span_count: int = 0
    size_bytes: int = 0

    def spans(self) -> Iterator[trace_pb2.Span]:
        for rs in self.batches:
            for ss in rs.scope_spans:
                yield from ss.spans


class Evaluator(Protocol):
    def evaluate(self, trace: TraceData) -> Decision: ...

    # Whether a decision depends on more than the spans at hand (earlier traces, or spans still
    # to come): the span-ingest strategy refuses such policies.
    def is_stateful(self) -> bool: ...


class _Stateless:
    def is_stateful(self) -> bool:
        return False


# -- attribute reads with pdata's typed getters -------------------------------------------------


def _get(attrs: Sequence[KeyValue], key: str) -> AnyValue | None:
    for kv in attrs:
        if kv.key == key:
            return kv.value
    return None


def _as_int(value: AnyValue) -> int:
    return value.int_value if value.WhichOneof("value") == "int_value" else 0


def _as_str(value: AnyValue) -> str:
    return value.string_value if value.WhichOneof("value") == "string_value" else ""


def _as_bool(value: AnyValue) -> bool:
    return value.bool_value if value.WhichOneof("value") == "bool_value" else False


SpanCheck = Callable[[trace_pb2.Span], bool]
AttrsCheck = Callable[[Sequence[KeyValue]], bool]


def _any_resource_or_span(trace: TraceData, resource_ok: AttrsCheck, span_ok: SpanCheck) -> Decision:
    """Sampled when some resource or some span passes (Go's hasResourceOrSpanWithCondition)."""
    for rs in trace.batches:
        if resource_ok(rs.resource.attributes):
            return Decision.SAMPLED
        for ss in rs.scope_spans:
            for span in ss.spans:
                if span_ok(span):
                    return Decision.SAMPLED
    return Decision.NOT_SAMPLED


def _all_resources_and_spans(trace: TraceData, resource_ok: AttrsCheck, span_ok: SpanCheck) -> Decision:
    """Sampled only when every resource and every span passes (the inverted form)."""
    for rs in trace.batches:
        if not resource_ok(rs.resource.attributes):
            return Decision.NOT_SAMPLED
        for ss in rs.scope_spans:
            for span in ss.spans:
                if not span_ok(span):
                    return Decision.NOT_SAMPLED
    return Decision.SAMPLED


def _any_span(trace: TraceData, span_ok: SpanCheck) -> Decision:
    for rs in trace.batches:
        for ss in rs.scope_spans:
            for span in ss.spans:
                if span_ok(span):
                    return Decision.SAMPLED
    return Decision.NOT_SAMPLED


def _attribute_policy(trace: TraceData, matches: Callable[[AnyValue], bool], key: str, invert: bool) -> Decision:
    """The shape of the numeric, string and boolean policies: a match on a resource or span
    attribute samples; inverted, a trace is sampled only if nothing matches anywhere."""
    if invert:

        def not_matching(attrs: Sequence[KeyValue]) -> bool:
            value = _get(attrs, key)
            return value is None or not matches(value)

        return _all_resources_and_spans(trace, not_matching, lambda span: not_matching(span.attributes))

    def matching(attrs: Sequence[KeyValue]) -> bool:
        value = _get(attrs, key)
        return value is not None and matches(value)

    return _any_resource_or_span(trace, matching, lambda span: matching(span.attributes))


# -- plain policies -----------------------------------------------------------------------------


class AlwaysSample(_Stateless):
    def evaluate(self, trace: TraceData) -> Decision:
        return Decision.SAMPLED


class Latency:
    """Trace duration (latest end minus earliest start, over the spans seen so far) above the
    threshold, and at most the upper threshold when one is set. As Go, the running duration is
    checked after each span, so a band can match on a prefix of the trace."""

    def __init__(self, threshold_ms: int, upper_threshold_ms: int) -> None:
        self.threshold_ms = threshold_ms
        self.upper_threshold_ms = upper_threshold_ms

    def is_stateful(self) -> bool:
        return self.upper_threshold_ms > 0

    def evaluate(self, trace: TraceData) -> Decision:
        lowest = highest = 0
        for span in trace.spans():
            start, end = span.start_time_unix_nano, span.end_time_unix_nano
            if lowest == 0 or start < lowest:
                lowest = start
            if highest == 0 or end > highest:
                highest = end
            ms = _go_div(_go_int64(highest - lowest), 1_000_000)
            if self.upper_threshold_ms == 0:
                if ms > self.threshold_ms:
                    return Decision.SAMPLED
            elif self.threshold_ms < ms <= self.upper_threshold_ms:
                return Decision.SAMPLED
        return Decision.NOT_SAMPLED


def _go_int64(value: int) -> int:
    """uint64 difference reinterpreted as int64, as Go's ``int64(maxTime-minTime)``."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def _go_div(a: int, b: int) -> int:
    """Go's integer division, truncating toward zero."""
    q = abs(a) // b
    return q if a >= 0 else -q


class NumericAttribute(_Stateless):
    def __init__(self, key: str, min_value: int | None, max_value: int | None, invert: bool) -> None:
        self.key = key
        self.low = -(2**63) if min_value is None else min_value
        self.high = 2**63 - 1 if max_value is None else max_value
        self.invert = invert

    def evaluate(self, trace: TraceData) -> Decision:
        low, high = self.low, self.high
        return _attribute_policy(trace, lambda v: low <= _as_int(v) <= high, self.key, self.invert)


FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
_MASK64 = (1 << 64) - 1


def _fnv1a(h: int, data: bytes) -> int:
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & _MASK64
    return h


def hash_trace_id(salt: str, trace_id: bytes) -> int:
    """64-bit FNV-1a over the salt's bytes then the trace ID's 16 bytes."""
    return _fnv1a(_fnv1a(FNV_OFFSET, salt.encode()), trace_id)


def probability_threshold(ratio: float) -> int:
    """Go's ``MaxUint64 * ratio`` in a 64-bit-mantissa big.Float, truncated to a uint64."""
    if math.isnan(ratio) or ratio <= 0:
        return 0
    exact = Fraction(_MASK64) * Fraction(ratio)
    # Round to 64 significant bits, ties to even, as big.Float does.
    exponent = exact.numerator.bit_length() - exact.denominator.bit_length()
    if Fraction(2) ** exponent > exact:
        exponent -= 1
    scale = Fraction(2) ** (63 - exponent)
    rounded = Fraction(round(exact * scale)) / scale
    return min(int(rounded), _MASK64)


class Probabilistic(_Stateless):
    def __init__(self, hash_salt: str, sampling_percentage: float) -> None:
        # The hash state after the salt is the same for every trace.
        self.salted = _fnv1a(FNV_OFFSET, (hash_salt or "default-hash-seed").encode())
        self.threshold = probability_threshold(sampling_percentage / 100)

    def evaluate(self, trace: TraceData) -> Decision:
        if _fnv1a(self.salted, trace.trace_id) <= self.threshold:
            return Decision.SAMPLED
        return Decision.NOT_SAMPLED


_STATUS_CODES = {"OK": 1, "ERROR": 2, "UNSET": 0}


class StatusCode(_Stateless):
    def __init__(self, codes: list[str]) -> None:
        if not codes:
            raise ValueError("expected at least one status code to filter on")
        for code in codes:
            if code not in _STATUS_CODES:
                raise ValueError(f'unknown status code "{code}", supported: OK, ERROR, UNSET')
        self.codes = frozenset(_STATUS_CODES[c] for c in codes)

    def evaluate(self, trace: TraceData) -> Decision:
        codes = self.codes
        for rs in trace.batches:
            for ss in rs.scope_spans:
                for span in ss.spans:
                    if span.status.code in codes:
                        return Decision.SAMPLED
        return Decision.NOT_SAMPLED


class StringAttribute(_Stateless):
    """Exact values, or Go regular expressions with an LRU of results per attribute value. As Go,
    an empty span attribute value never matches, an empty resource value can."""

    def __init__(self, key: str, values: list[str], regex: bool, cache_size: int, invert: bool) -> None:
        self.key = key
        self.invert = invert
        self.matcher: Callable[[str], bool]
        if regex:
            patterns = []
            for value in values:
                try:
                    patterns.append(compile_go_regex(value).regex)
                except GoRegexError as exc:
                    raise ValueError(f"invalid regex `{value}`: {exc}") from None
            self.matcher = _regex_matcher(patterns, cache_size if cache_size > 0 else 128)
        else:
            exact = frozenset(v for v in values if v)
            self.matcher = exact.__contains__

    def evaluate(self, trace: TraceData) -> Decision:
        key, matcher = self.key, self.matcher
        if self.invert:

            def not_matching(attrs: Sequence[KeyValue], is_span: bool) -> bool:
                value = _get(attrs, key)
                if value is None:
                    return True
                text = _as_str(value)
                return (is_span and text == "") or not matcher(text)

            return _all_resources_and_spans(
                trace, lambda a: not_matching(a, False), lambda span: not_matching(span.attributes, True)
            )

        def matching(attrs: Sequence[KeyValue], is_span: bool) -> bool:
            value = _get(attrs, key)
            if value is None:
                return False
            text = _as_str(value)
            return not (is_span and text == "") and matcher(text)

        return _any_resource_or_span(trace, lambda a: matching(a, False), lambda span: matching(span.attributes, True))


def _regex_matcher(patterns: list[re.Pattern[str]], cache_size: int) -> Callable[[str], bool]:
    cache: OrderedDict[str, bool] = OrderedDict()

    def matches(text: str) -> bool:
        hit = cache.get(text)
        if hit is not None:
            cache.move_to_end(text)
            return hit
        result = any(p.search(text) is not None for p in patterns)
        cache[text] = result
        if len(cache) > cache_size:
            cache.popitem(last=False)
        return result

    return matches


class BooleanAttribute(_Stateless):
    def __init__(self, key: str, value: bool, invert: bool) -> None:
        self.key = key
        self.value = value
        self.invert = invert

    def evaluate(self, trace: TraceData) -> Decision:
        wanted = self.value
        return _attribute_policy(trace, lambda v: _as_bool(v) == wanted, self.key, self.invert)


class SpanCount:
    def __init__(self, min_spans: int, max_spans: int) -> None:
        self.min_spans = min_spans
        self.max_spans = max_spans

    def is_stateful(self) -> bool:
        return self.max_spans > 0

    def evaluate(self, trace: TraceData) -> Decision:
        count = trace.span_count
        if self.max_spans == 0 and count >= self.min_spans:
            return Decision.SAMPLED
        if self.min_spans <= count <= self.max_spans:
            return Decision.SAMPLED
        return Decision.NOT_SAMPLED


# W3C tracestate member syntax, as the OpenTelemetry Go API checks it.
_TS_SIMPLE_KEY = r"[a-z][_0-9a-z\-\*\/]{0,255}"
_TS_TENANT_KEY = r"[a-z0-9][_0-9a-z\-\*\/]{0,240}@[a-z][_0-9a-z\-\*\/]{0,13}"
_TS_KEY = re.compile(rf"(?:{_TS_SIMPLE_KEY}|{_TS_TENANT_KEY})")
_TS_VALUE = re.compile(r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]")


def parse_trace_state(text: str) -> dict[str, str] | None:
    """The members of a W3C tracestate, or None when it is invalid (then nothing matches)."""
    members: dict[str, str] = {}
    for raw in text.split(","):
        if raw == "":
            continue
        key, eq, value = raw.partition("=")
        key = key.lstrip(" \t")
        value = value.rstrip(" \t")
        if not eq or not _TS_KEY.fullmatch(key) or not _TS_VALUE.fullmatch(value):
            return None
        if key in members:
            return None
        members[key] = value
        if len(members) > 32:
            return None
    return members


class TraceState(_Stateless):
    def __init__(self, key: str, values: list[str]) -> None:
        self.key = key
        self.values = frozenset(v for v in values if v and len(key) + len(v) < 256)

    def evaluate(self, trace: TraceData) -> Decision:
        def matches(span: trace_pb2.Span) -> bool:
            members = parse_trace_state(span.trace_state)
            return members is not None and members.get(self.key, "") in self.values

        return _any_span(trace, matches)


class TraceFlags(_Stateless):
    def evaluate(self, trace: TraceData) -> Decision:
        return _any_span(trace, lambda span: span.flags & 0x01 != 0)


class OTTLCondition(_Stateless):
    """Sampled when a span condition holds for some span or a span event condition for some event."""

    def __init__(self, span: list[str], spanevent: list[str], error_mode: str, logger: Logger | None) -> None:
        from pyotelcol.ottl import ErrorMode, parse_conditions

        if not span and not spanevent:
            raise ValueError("expected at least one OTTL condition to filter on")
        mode = error_mode.lower()
        if mode not in ("", "ignore", "silent", "propagate"):
            raise ValueError(f"unknown error mode {mode}")
        # Go's zero ErrorMode ("") skips a failing condition without logging, like silent.
        err_mode = ErrorMode(mode or "silent")
        self.span_match = (
            parse_conditions(span, signal=Signal.TRACES, context="span", error_mode=err_mode, logger=logger).matches
            if span
            else None
        )
        self.event_match = (
            parse_conditions(
                spanevent, signal=Signal.TRACES, context="spanevent", error_mode=err_mode, logger=logger
            ).matches
            if spanevent
            else None
        )

    def evaluate(self, trace: TraceData) -> Decision:
        from pyotelcol.ottl.contexts import SpanContext, SpanEventContext

        for piece in trace.batches:
            rs = ResourceSpans(piece.rs)
            for part in piece.scope_spans:
                ss = ScopeSpans(part.ss)
                for span_pb in part.spans:
                    span = Span(span_pb)
                    if self.span_match is not None and self.span_match(SpanContext(rs, ss, span)):
                        return Decision.SAMPLED
                    if self.event_match is not None:
                        for index, event in enumerate(span.events):
                            if self.event_match(SpanEventContext(rs, ss, span, event, index)):
                                return Decision.SAMPLED
        return Decision.NOT_SAMPLED


class TokenBucket:
    """golang.org/x/time/rate's Limiter.AllowN: ``rate`` tokens a second, at most ``burst``,
    starting full; a request larger than the burst never passes."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.last = clock()

    def allow(self, n: int) -> bool:
        if self.rate == 0:
            # A zero limit spends the burst once and never refills.
            if self.burst >= n:
                self.burst -= n
                return True
            return False
        now = self.clock()
        tokens = min(float(self.burst), self.tokens + max(0.0, now - self.last) * self.rate)
        if n > self.burst or tokens < n:
            return False
        self.tokens = tokens - n
        self.last = now
        return True


class RateLimiting:
    def __init__(self, spans_per_second: int, burst: int) -> None:
        self.bucket = TokenBucket(spans_per_second, burst if burst > 0 else spans_per_second * 2)

    def is_stateful(self) -> bool:
        return True

    def evaluate(self, trace: TraceData) -> Decision:
        return Decision.SAMPLED if self.bucket.allow(trace.span_count) else Decision.NOT_SAMPLED


class BytesLimiting:
    def __init__(self, bytes_per_second: int, burst: int) -> None:
        self.bucket = TokenBucket(bytes_per_second, burst if burst > 0 else bytes_per_second * 2)

    def is_stateful(self) -> bool:
        return True

    def evaluate(self, trace: TraceData) -> Decision:
        return Decision.SAMPLED if self.bucket.allow(traces_size(trace.batches)) else Decision.NOT_SAMPLED


# -- combining policies -------------------------------------------------------------------------


class Not:
    def __init__(self, sub: Evaluator) -> None:
        self.sub = sub

    def is_stateful(self) -> bool:
        return self.sub.is_stateful()

    def evaluate(self, trace: TraceData) -> Decision:
        decision = self.sub.evaluate(trace)
        if decision is Decision.SAMPLED:
            return Decision.NOT_SAMPLED
        if decision is Decision.NOT_SAMPLED:
            return Decision.SAMPLED
        return decision


class And:
    def __init__(self, subs: list[Evaluator]) -> None:
        self.subs = subs

    def is_stateful(self) -> bool:
        return any(sub.is_stateful() for sub in self.subs)

    def evaluate(self, trace: TraceData) -> Decision:
        for sub in self.subs:
            if sub.evaluate(trace) is Decision.NOT_SAMPLED:
                return Decision.NOT_SAMPLED
        return Decision.SAMPLED


class Drop:
    """Dropped when every sub-policy samples; the processor evaluates drop policies first."""

    def __init__(self, subs: list[Evaluator]) -> None:
        self.subs = subs

    def is_stateful(self) -> bool:
        return any(sub.is_stateful() for sub in self.subs)

    def evaluate(self, trace: TraceData) -> Decision:
        for sub in self.subs:
            if sub.evaluate(trace) is Decision.NOT_SAMPLED:
                return Decision.NOT_SAMPLED
        return Decision.DROPPED


class Composite:
    """The first sub-policy (in configuration order) that samples the trace spends its share of the
    spans-per-second budget; over budget, the trace is not sampled. Budgets reset each wall-clock
    second."""

    def __init__(
        self,
        max_total: int,
        subs: list[tuple[str, Evaluator, int]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_total = max_total
        self.subs = subs
        self.spent = [0] * len(subs)
        self.clock = clock
        self.second = 0

    def is_stateful(self) -> bool:
        # As Go: only the sub-policies count, not the composite's own budget.
        return any(sub.is_stateful() for _, sub, _ in self.subs)

    def evaluate(self, trace: TraceData) -> Decision:
        second = int(self.clock())
        if second != self.second:
            self.second = second
            self.spent = [0] * len(self.subs)
        for i, (_, sub, allocated) in enumerate(self.subs):
            if sub.evaluate(trace) is Decision.SAMPLED:
                spans = self.spent[i] + trace.span_count
                if spans <= allocated and spans <= self.max_total:
                    self.spent[i] = spans
                    return Decision.SAMPLED
                return Decision.NOT_SAMPLED
        return Decision.NOT_SAMPLED


# -- building -----------------------------------------------------------------------------------


def _shared(cfg: SharedPolicyCfg, logger: Logger | None) -> Evaluator:
    kind = cfg.type
    if kind == "always_sample":
        return AlwaysSample()
    if kind == "latency":
        return Latency(cfg.latency.threshold_ms, cfg.latency.upper_threshold_ms)
    if kind == "numeric_attribute":
        n = cfg.numeric_attribute
        if n.min_value == 0 and n.max_value == 0:
            # Go logs this and builds no evaluator, which fails on the first trace.
            raise ValueError("at least one of min_value or max_value must be set")
        return NumericAttribute(n.key, n.min_value or None, n.max_value or None, n.invert_match)
    if kind == "probabilistic":
        return Probabilistic(cfg.probabilistic.hash_salt, cfg.probabilistic.sampling_percentage)
    if kind == "string_attribute":
        s = cfg.string_attribute
        return StringAttribute(s.key, s.values, s.enabled_regex_matching, s.cache_max_size, s.invert_match)
    if kind == "status_code":
        return StatusCode(cfg.status_code.status_codes)
    if kind == "rate_limiting":
        return RateLimiting(cfg.rate_limiting.spans_per_second, cfg.rate_limiting.burst_capacity)
    if kind == "bytes_limiting":
        return BytesLimiting(cfg.bytes_limiting.bytes_per_second, cfg.bytes_limiting.burst_capacity)
    if kind == "span_count":
        return SpanCount(cfg.span_count.min_spans, cfg.span_count.max_spans)
    if kind == "trace_state":
        return TraceState(cfg.trace_state.key, cfg.trace_state.values)
    if kind == "boolean_attribute":
        b = cfg.boolean_attribute
        return BooleanAttribute(b.key, b.value, b.invert_match)
    if kind == "ottl_condition":
        o = cfg.ottl_condition
        return OTTLCondition(o.span, o.spanevent, o.error_mode, logger)
    if kind == "trace_flags":
        return TraceFlags()
    raise ValueError(f"unknown sampling policy type {kind}")


def _not(cfg: NotCfg, logger: Logger | None) -> Evaluator:
    return Not(_shared(cfg.not_sub_policy, logger))


def _and_sub(cfg: AndSubPolicyCfg, logger: Logger | None) -> Evaluator:
    return _not(cfg.not_, logger) if cfg.type == "not" else _shared(cfg, logger)


def _and(cfg: AndCfg, logger: Logger | None) -> Evaluator:
    return And([_and_sub(sub, logger) for sub in cfg.and_sub_policy])


def _drop(cfg: DropCfg, logger: Logger | None) -> Evaluator:
    return Drop([_and_sub(sub, logger) for sub in cfg.drop_sub_policy])


def _composite_sub(cfg: CompositeSubPolicyCfg, logger: Logger | None) -> Evaluator:
    return _and(cfg.and_, logger) if cfg.type == "and" else _shared(cfg, logger)


def _composite(cfg: CompositeCfg, logger: Logger | None) -> Evaluator:
    total = cfg.max_total_spans_per_second
    subs = cfg.composite_sub_policy
    default = total / len(subs) if subs else 0.0
    percent = {alloc.policy: alloc.percent for alloc in cfg.rate_allocation}
    built = []
    for sub in subs:
        share = percent.get(sub.name, 0)
        allocated = share / 100 * total if share > 0 else default
        built.append((sub.name, _composite_sub(sub, logger), int(allocated)))
    return Composite(total, built)


def _evaluator(cfg: PolicyCfg, logger: Logger | None) -> Evaluator:
    if cfg.type == "composite":
        return _composite(cfg.composite, logger)
    if cfg.type == "and":
        return _and(cfg.and_, logger)
    if cfg.type == "not":
        return _not(cfg.not_, logger)
    if cfg.type == "drop":
        return _drop(cfg.drop, logger)
    return _shared(cfg, logger)


@dataclass
class Policy:
    name: str
    evaluator: Evaluator
    # The ``policy`` label of the self-metrics: "<component name>.<policy name>" for a named component.
    label: str
    is_drop: bool


def build_policies(
    cfgs: list[PolicyCfg], component_name: str, logger: Logger | None, span_ingest: bool = False
) -> list[Policy]:
    """The configured policies, drop policies first (their decision wins, so they run first)."""
    names: set[str] = set()
    drops: list[Policy] = []
    others: list[Policy] = []
    for cfg in cfgs:
        if cfg.name == "":
            raise ValueError("policy name cannot be empty")
        if cfg.name in names:
            raise ValueError(f'duplicate policy name "{cfg.name}"')
        names.add(cfg.name)
        try:
            evaluator = _evaluator(cfg, logger)
        except ValueError as exc:
            raise ValueError(f'failed to create policy evaluator for "{cfg.name}": {exc}') from None
        if span_ingest and evaluator.is_stateful():
            raise ValueError(
                f'sampling_strategy "span-ingest" requires all policies to be stateless, '
                f'but policy "{cfg.name}" is stateful'
            )
        label = f"{component_name}.{cfg.name}" if component_name else cfg.name
        policy = Policy(cfg.name, evaluator, label, cfg.type == "drop")
        (drops if policy.is_drop else others).append(policy)
    return drops + others

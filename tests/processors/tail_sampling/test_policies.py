"""Table tests of the tail_sampling policies on hand-built traces (the decisions on a larger
random set are compared with Go's in ``test_go_vectors.py``), and of the pure pieces: the
probabilistic hash and threshold, the token bucket, the composite budget, tracestate parsing."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from pyotelcol.processors.tail_sampling.config import PolicyCfg
from pyotelcol.processors.tail_sampling.pieces import split_by_trace
from pyotelcol.processors.tail_sampling.policies import (
    AlwaysSample,
    Composite,
    Decision,
    TokenBucket,
    TraceData,
    build_policies,
    hash_trace_id,
    parse_trace_state,
    probability_threshold,
)

from pyotelcol.config.decode import decode
from pyotelcol.pdata import key_value

S, N, D = Decision.SAMPLED, Decision.NOT_SAMPLED, Decision.DROPPED


def _trace(*spans: dict[str, Any], resource: dict[str, Any] | None = None, trace_id: bytes = b"\x01" * 16) -> TraceData:
    request = ExportTraceServiceRequest()
    rs = request.resource_spans.add()
    rs.resource.attributes.extend(key_value(k, v) for k, v in (resource or {}).items())
    scope = rs.scope_spans.add()
    for s in spans:
        span = scope.spans.add(
            trace_id=trace_id,
            name=s.get("name", "op"),
            start_time_unix_nano=s.get("start_ms", 0) * 1_000_000,
            end_time_unix_nano=s.get("end_ms", 0) * 1_000_000,
            trace_state=s.get("trace_state", ""),
            flags=s.get("flags", 0),
        )
        span.status.code = s.get("status", 0)
        span.attributes.extend(key_value(k, v) for k, v in s.get("attributes", {}).items())
        for event in s.get("events", []):
            span.events.add(name=event)
    return TraceData(trace_id, split_by_trace(request), span_count=len(spans))


def _policy(raw: dict[str, Any]) -> Any:
    (policy,) = build_policies([decode(PolicyCfg, {"name": "p", **raw})], "", None)
    return policy.evaluator


CASES: list[tuple[str, dict[str, Any], TraceData, Decision]] = [
    ("always", {"type": "always_sample"}, _trace({}), S),
    # latency: latest end minus earliest start, lower bound exclusive, upper inclusive
    (
        "latency over",
        {"type": "latency", "latency": {"threshold_ms": 100}},
        _trace({"start_ms": 1, "end_ms": 50}, {"start_ms": 40, "end_ms": 102}),
        S,
    ),
    ("latency equal", {"type": "latency", "latency": {"threshold_ms": 100}}, _trace({"start_ms": 0, "end_ms": 100}), N),
    (
        "latency band",
        {"type": "latency", "latency": {"threshold_ms": 10, "upper_threshold_ms": 100}},
        _trace({"start_ms": 1, "end_ms": 101}),
        S,
    ),
    (
        "latency above band",
        {"type": "latency", "latency": {"threshold_ms": 10, "upper_threshold_ms": 100}},
        _trace({"start_ms": 1, "end_ms": 102}),
        N,
    ),
    # Go checks the running duration after each span: a prefix inside the band samples
    (
        "latency band prefix",
        {"type": "latency", "latency": {"threshold_ms": 10, "upper_threshold_ms": 100}},
        _trace({"start_ms": 1, "end_ms": 50}, {"start_ms": 1, "end_ms": 500}),
        S,
    ),
    # numeric: resource or span attribute; 0 means "unbounded" for either end
    (
        "numeric span",
        {"type": "numeric_attribute", "numeric_attribute": {"key": "code", "min_value": 500, "max_value": 599}},
        _trace({"attributes": {"code": 503}}),
        S,
    ),
    (
        "numeric resource",
        {"type": "numeric_attribute", "numeric_attribute": {"key": "code", "min_value": 500}},
        _trace({}, resource={"code": 9000}),
        S,
    ),
    (
        "numeric string value reads as 0",
        {"type": "numeric_attribute", "numeric_attribute": {"key": "code", "max_value": 10}},
        _trace({"attributes": {"code": "503"}}),
        S,
    ),
    (
        "numeric outside",
        {"type": "numeric_attribute", "numeric_attribute": {"key": "code", "min_value": 500, "max_value": 599}},
        _trace({"attributes": {"code": 200}}),
        N,
    ),
    (
        "numeric invert missing key",
        {"type": "numeric_attribute", "numeric_attribute": {"key": "code", "min_value": 1, "invert_match": True}},
        _trace({}),
        S,
    ),
    (
        "numeric invert one match",
        {"type": "numeric_attribute", "numeric_attribute": {"key": "code", "min_value": 500, "invert_match": True}},
        _trace({"attributes": {"code": 200}}, {"attributes": {"code": 500}}),
        N,
    ),
    # string: exact or regex; an empty span value never matches, an empty resource value can
    (
        "string exact",
        {"type": "string_attribute", "string_attribute": {"key": "k", "values": ["a", "b"]}},
        _trace({"attributes": {"k": "b"}}),
        S,
    ),
    (
        "string other",
        {"type": "string_attribute", "string_attribute": {"key": "k", "values": ["a"]}},
        _trace({"attributes": {"k": "ab"}}),
        N,
    ),
    (
        "string regex search",
        {
            "type": "string_attribute",
            "string_attribute": {"key": "k", "values": ["b+"], "enabled_regex_matching": True},
        },
        _trace({"attributes": {"k": "abbc"}}),
        S,
    ),
    (
        "string regex empty span value",
        {
            "type": "string_attribute",
            "string_attribute": {"key": "k", "values": [".*"], "enabled_regex_matching": True},
        },
        _trace({"attributes": {"k": ""}}),
        N,
    ),
    (
        "string regex empty resource value",
        {
            "type": "string_attribute",
            "string_attribute": {"key": "k", "values": [".*"], "enabled_regex_matching": True},
        },
        _trace({}, resource={"k": ""}),
        S,
    ),
    (
        "string int value reads as empty",
        {"type": "string_attribute", "string_attribute": {"key": "k", "values": ["1"]}},
        _trace({"attributes": {"k": 1}}),
        N,
    ),
    (
        "string invert",
        {"type": "string_attribute", "string_attribute": {"key": "k", "values": ["a"], "invert_match": True}},
        _trace({"attributes": {"k": "b"}}),
        S,
    ),
    (
        "string invert match",
        {"type": "string_attribute", "string_attribute": {"key": "k", "values": ["a"], "invert_match": True}},
        _trace({"attributes": {"k": "b"}}, {"attributes": {"k": "a"}}),
        N,
    ),
    (
        "boolean",
        {"type": "boolean_attribute", "boolean_attribute": {"key": "b", "value": True}},
        _trace({"attributes": {"b": True}}),
        S,
    ),
    (
        "boolean false",
        {"type": "boolean_attribute", "boolean_attribute": {"key": "b", "value": False}},
        _trace({"attributes": {"b": "x"}}),
        S,
    ),
    (
        "status",
        {"type": "status_code", "status_code": {"status_codes": ["ERROR"]}},
        _trace({"status": 0}, {"status": 2}),
        S,
    ),
    ("status none", {"type": "status_code", "status_code": {"status_codes": ["ERROR"]}}, _trace({"status": 1}), N),
    ("span count min", {"type": "span_count", "span_count": {"min_spans": 2}}, _trace({}, {}), S),
    ("span count over max", {"type": "span_count", "span_count": {"min_spans": 1, "max_spans": 1}}, _trace({}, {}), N),
    (
        "trace state",
        {"type": "trace_state", "trace_state": {"key": "v", "values": ["x"]}},
        _trace({"trace_state": "a=b, v=x"}),
        S,
    ),
    (
        "trace state invalid",
        {"type": "trace_state", "trace_state": {"key": "v", "values": ["x"]}},
        _trace({"trace_state": "v=x,V=y"}),
        N,
    ),
    ("trace flags", {"type": "trace_flags"}, _trace({"flags": 0}, {"flags": 0x101}), S),
    ("trace flags unset", {"type": "trace_flags"}, _trace({"flags": 0x100}), N),
    (
        "ottl span",
        {"type": "ottl_condition", "ottl_condition": {"span": ['span.name == "b"']}},
        _trace({"name": "a"}, {"name": "b"}),
        S,
    ),
    (
        "ottl event",
        {"type": "ottl_condition", "ottl_condition": {"spanevent": ['name == "exception"']}},
        _trace({"events": ["start", "exception"]}),
        S,
    ),
    (
        "ottl no match",
        {"type": "ottl_condition", "ottl_condition": {"span": ['attributes["k"] == "v"']}},
        _trace({}),
        N,
    ),
    ("not", {"type": "not", "not": {"not_sub_policy": {"name": "x", "type": "always_sample"}}}, _trace({}), N),
    (
        "and",
        {
            "type": "and",
            "and": {"and_sub_policy": [{"name": "a", "type": "always_sample"}, {"name": "b", "type": "trace_flags"}]},
        },
        _trace({}),
        N,
    ),
    (
        "and not",
        {
            "type": "and",
            "and": {
                "and_sub_policy": [
                    {"name": "a", "type": "always_sample"},
                    {"name": "b", "type": "not", "not": {"not_sub_policy": {"name": "c", "type": "trace_flags"}}},
                ]
            },
        },
        _trace({}),
        S,
    ),
    ("drop", {"type": "drop", "drop": {"drop_sub_policy": [{"name": "a", "type": "always_sample"}]}}, _trace({}), D),
    (
        "drop partial",
        {
            "type": "drop",
            "drop": {"drop_sub_policy": [{"name": "a", "type": "always_sample"}, {"name": "b", "type": "trace_flags"}]},
        },
        _trace({}),
        N,
    ),
]


@pytest.mark.parametrize(("raw", "trace", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_policy_decisions(raw: dict[str, Any], trace: TraceData, expected: Decision) -> None:
    assert _policy(raw).evaluate(trace) is expected


def test_probabilistic_hash_is_fnv1a_over_salt_and_trace_id() -> None:
    # FNV-1a 64 of the empty input is its offset basis; of "a" a published test vector.
    assert hash_trace_id("", b"") == 0xCBF29CE484222325
    assert hash_trace_id("a", b"") == 0xAF63DC4C8601EC8C
    assert hash_trace_id("a", b"b") == hash_trace_id("ab", b"")


# Printed by Go: big.Float(MaxUint64) * big.NewFloat(ratio), then Uint64().
@pytest.mark.parametrize(
    ("ratio", "threshold"),
    [
        (0, 0),
        (-1, 0),
        (1, 18446744073709551615),
        (2, 18446744073709551615),
        (0.5, 9223372036854775807),
        (0.25, 4611686018427387903),
        (0.1, 1844674407370955263),
        (0.333, 6142765776545281023),
        (0.01, 184467440737095519),
        (0.999, 18428297329635842047),
    ],
)
def test_probability_threshold(ratio: float, threshold: int) -> None:
    assert probability_threshold(ratio) == threshold


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_starts_full_refills_and_refuses_more_than_the_burst() -> None:
    clock = _Clock()
    bucket = TokenBucket(10, 20, clock)
    assert bucket.allow(15)
    assert not bucket.allow(6)  # 5 left
    assert not bucket.allow(21)  # never more than the burst
    clock.now += 0.5  # +5 tokens
    assert bucket.allow(10)
    clock.now += 100
    assert bucket.allow(20) and not bucket.allow(1)


def test_a_zero_rate_spends_the_burst_once() -> None:
    bucket = TokenBucket(0, 3, _Clock())
    assert bucket.allow(2) and not bucket.allow(2) and bucket.allow(1) and not bucket.allow(1)


def test_composite_budgets_per_sub_policy_reset_each_second() -> None:
    clock = _Clock()
    composite = Composite(10, [("a", AlwaysSample(), 4), ("b", AlwaysSample(), 6)], clock)
    three = _trace({}, {}, {})
    assert composite.evaluate(three) is S  # a: 3
    assert composite.evaluate(three) is N  # a would reach 6 > 4, and b is never asked
    clock.now += 1
    assert composite.evaluate(three) is S


def test_composite_rate_allocation_from_config() -> None:
    composite = _policy(
        {
            "type": "composite",
            "composite": {
                "max_total_spans_per_second": 10,
                "composite_sub_policy": [
                    {"name": "errors", "type": "status_code", "status_code": {"status_codes": ["ERROR"]}},
                    {"name": "rest", "type": "always_sample"},
                ],
                "rate_allocation": [{"policy": "errors", "percent": 30}],
            },
        }
    )
    assert [(name, allocated) for name, _, allocated in composite.subs] == [("errors", 3), ("rest", 5)]


@pytest.mark.parametrize(
    ("text", "members"),
    [
        ("", {}),
        ("a=1,b=2", {"a": "1", "b": "2"}),
        (" a=1 ,, b=x y", {"a": "1", "b": "x y"}),
        ("tenant@sys=v", {"tenant@sys": "v"}),
        ("a=1,a=2", None),
        ("A=1", None),
        ("a", None),
        ("a=", None),
        ("a=x=y", None),
        (",".join(f"k{i}=v" for i in range(33)), None),
    ],
)
def test_trace_state_parsing(text: str, members: dict[str, str] | None) -> None:
    assert parse_trace_state(text) == members

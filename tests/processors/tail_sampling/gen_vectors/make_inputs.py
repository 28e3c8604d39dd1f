"""Writes ../inputs.json: the traces and policy configs that gen_vectors (Go) and the Python tests
both run. Deterministic (a seeded generator), so re-running it reproduces the committed file.

    cd tests/processors/tail_sampling/gen_vectors && python make_inputs.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

STATUS = ["UNSET", "OK", "ERROR"]


def _traces(rng: random.Random, count: int) -> list[dict[str, Any]]:
    traces = []
    for _ in range(count):
        spans = []
        base = 1_700_000_000_000
        for s in range(rng.randint(1, 4)):
            start = base + rng.randint(0, 300)
            attrs: dict[str, Any] = {}
            if rng.random() < 0.5:
                attrs["http.status_code"] = rng.choice([200, 201, 404, 500, 503])
            if rng.random() < 0.4:
                attrs["route"] = rng.choice(["/health", "/api/v1/users", "/api/v2/orders", "/login"])
            if rng.random() < 0.3:
                attrs["debug"] = rng.random() < 0.5
            spans.append(
                {
                    "name": f"s{s}",
                    "parent": s > 0,
                    "start_ms": start,
                    "end_ms": start + rng.choice([1, 20, 90, 250, 700, 1500]),
                    "status": rng.choice([*STATUS, "UNSET", "UNSET"]),
                    "attributes": attrs,
                    "trace_state": rng.choice(["", "", "vendor=a", "vendor=b,other=x", "bad state"]),
                    "flags": rng.choice([0, 1]),
                }
            )
        resource: dict[str, Any] = {"service.name": rng.choice(["checkout", "cart", "auth"])}
        if rng.random() < 0.2:
            resource["tier"] = rng.choice([1, 2, 3])
        traces.append({"trace_id": rng.randbytes(16).hex(), "resource": resource, "spans": spans})
    return traces


def _cases() -> list[dict[str, Any]]:
    prob: list[dict[str, Any]] = [
        {
            "name": f"probabilistic_{pct}_{salt or 'default'}",
            "policies": [
                {
                    "name": "p",
                    "type": "probabilistic",
                    "probabilistic": {"sampling_percentage": pct, **({"hash_salt": salt} if salt else {})},
                }
            ],
        }
        for pct, salt in [(0, ""), (1, ""), (10, ""), (33.3, ""), (50, "salty"), (99.9, "x"), (100, ""), (150, "")]
    ]
    single: list[tuple[str, dict[str, Any]]] = [
        ("always", {"type": "always_sample"}),
        ("latency", {"type": "latency", "latency": {"threshold_ms": 500}}),
        ("latency_band", {"type": "latency", "latency": {"threshold_ms": 50, "upper_threshold_ms": 800}}),
        (
            "numeric",
            {
                "type": "numeric_attribute",
                "numeric_attribute": {"key": "http.status_code", "min_value": 500, "max_value": 599},
            },
        ),
        ("numeric_min_only", {"type": "numeric_attribute", "numeric_attribute": {"key": "tier", "min_value": 2}}),
        (
            "numeric_invert",
            {
                "type": "numeric_attribute",
                "numeric_attribute": {
                    "key": "http.status_code",
                    "min_value": 400,
                    "max_value": 599,
                    "invert_match": True,
                },
            },
        ),
        ("string", {"type": "string_attribute", "string_attribute": {"key": "route", "values": ["/login", "/health"]}}),
        (
            "string_resource",
            {"type": "string_attribute", "string_attribute": {"key": "service.name", "values": ["auth"]}},
        ),
        (
            "string_regex",
            {
                "type": "string_attribute",
                "string_attribute": {"key": "route", "values": ["^/api/v\\d+/"], "enabled_regex_matching": True},
            },
        ),
        (
            "string_invert",
            {
                "type": "string_attribute",
                "string_attribute": {"key": "route", "values": ["/health"], "invert_match": True},
            },
        ),
        ("status", {"type": "status_code", "status_code": {"status_codes": ["ERROR"]}}),
        ("status_ok_unset", {"type": "status_code", "status_code": {"status_codes": ["OK", "UNSET"]}}),
        ("boolean", {"type": "boolean_attribute", "boolean_attribute": {"key": "debug", "value": True}}),
        (
            "boolean_invert",
            {"type": "boolean_attribute", "boolean_attribute": {"key": "debug", "value": True, "invert_match": True}},
        ),
        ("span_count", {"type": "span_count", "span_count": {"min_spans": 3}}),
        ("span_count_band", {"type": "span_count", "span_count": {"min_spans": 2, "max_spans": 3}}),
        ("trace_state", {"type": "trace_state", "trace_state": {"key": "vendor", "values": ["b"]}}),
        ("trace_flags", {"type": "trace_flags"}),
        (
            "ottl",
            {
                "type": "ottl_condition",
                "ottl_condition": {"span": ['attributes["http.status_code"] == 404', 'name == "s3"']},
            },
        ),
        (
            "ottl_resource",
            {"type": "ottl_condition", "ottl_condition": {"span": ['resource.attributes["service.name"] == "cart"']}},
        ),
        (
            "not",
            {
                "type": "not",
                "not": {
                    "not_sub_policy": {"name": "n", "type": "status_code", "status_code": {"status_codes": ["ERROR"]}}
                },
            },
        ),
        (
            "and",
            {
                "type": "and",
                "and": {
                    "and_sub_policy": [
                        {
                            "name": "a1",
                            "type": "string_attribute",
                            "string_attribute": {"key": "service.name", "values": ["checkout"]},
                        },
                        {"name": "a2", "type": "latency", "latency": {"threshold_ms": 200}},
                    ]
                },
            },
        ),
        (
            "and_not",
            {
                "type": "and",
                "and": {
                    "and_sub_policy": [
                        {"name": "a1", "type": "always_sample"},
                        {"name": "a2", "type": "not", "not": {"not_sub_policy": {"name": "x", "type": "trace_flags"}}},
                    ]
                },
            },
        ),
    ]
    cases = prob + [{"name": n, "policies": [{"name": "only", **p}]} for n, p in single]
    cases.append(
        {
            "name": "errors_minus_health",
            "policies": [
                {"name": "errors", "type": "status_code", "status_code": {"status_codes": ["ERROR"]}},
                {"name": "slow", "type": "latency", "latency": {"threshold_ms": 1000}},
                {
                    "name": "no-health",
                    "type": "drop",
                    "drop": {
                        "drop_sub_policy": [
                            {
                                "name": "h",
                                "type": "string_attribute",
                                "string_attribute": {"key": "route", "values": ["/health"]},
                            }
                        ]
                    },
                },
            ],
        }
    )
    cases.append(
        {
            "name": "first_match_with_drop",
            "sample_on_first_match": True,
            "policies": [
                {"name": "sample10", "type": "probabilistic", "probabilistic": {"sampling_percentage": 10}},
                {
                    "name": "auth",
                    "type": "string_attribute",
                    "string_attribute": {"key": "service.name", "values": ["auth"]},
                },
                {
                    "name": "drop-debug",
                    "type": "drop",
                    "drop": {
                        "drop_sub_policy": [
                            {
                                "name": "d",
                                "type": "boolean_attribute",
                                "boolean_attribute": {"key": "debug", "value": True},
                            },
                            {
                                "name": "e",
                                "type": "not",
                                "not": {
                                    "not_sub_policy": {
                                        "name": "f",
                                        "type": "status_code",
                                        "status_code": {"status_codes": ["ERROR"]},
                                    }
                                },
                            },
                        ]
                    },
                },
            ],
        }
    )
    cases.append(
        {
            "name": "composite",
            "policies": [
                {
                    "name": "c",
                    "type": "composite",
                    "composite": {
                        "max_total_spans_per_second": 1000000,
                        "policy_order": ["errs", "rest"],
                        "composite_sub_policy": [
                            {"name": "errs", "type": "status_code", "status_code": {"status_codes": ["ERROR"]}},
                            {
                                "name": "rest",
                                "type": "and",
                                "and": {
                                    "and_sub_policy": [
                                        {"name": "r1", "type": "span_count", "span_count": {"min_spans": 2}},
                                        {"name": "r2", "type": "trace_flags"},
                                    ]
                                },
                            },
                        ],
                        "rate_allocation": [{"policy": "errs", "percent": 50}],
                    },
                }
            ],
        }
    )
    cases.append(
        {
            "name": "span_ingest",
            "sampling_strategy": "span-ingest",
            "policies": [
                {"name": "errors", "type": "status_code", "status_code": {"status_codes": ["ERROR"]}},
                {
                    "name": "cart",
                    "type": "string_attribute",
                    "string_attribute": {"key": "service.name", "values": ["cart"]},
                },
            ],
        }
    )
    cases.append(
        {
            "name": "span_ingest_with_drop",
            "sampling_strategy": "span-ingest",
            "policies": [
                {"name": "errors", "type": "status_code", "status_code": {"status_codes": ["ERROR"]}},
                {
                    "name": "no-auth",
                    "type": "drop",
                    "drop": {
                        "drop_sub_policy": [
                            {
                                "name": "a",
                                "type": "string_attribute",
                                "string_attribute": {"key": "service.name", "values": ["auth"]},
                            }
                        ]
                    },
                },
            ],
        }
    )
    # The same traces arriving one span per request (first spans, then second spans, ...).
    for name in ("span_ingest", "span_ingest_with_drop", "errors_minus_health", "span_count_band"):
        (base,) = [c for c in cases if c["name"] == name]
        cases.append({**base, "name": f"{name}_split", "split_requests": True})
    return cases


def main() -> None:
    rng = random.Random(20261204)
    data = {"traces": _traces(rng, 300), "cases": _cases()}
    Path(__file__).resolve().parent.parent.joinpath("inputs.json").write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()

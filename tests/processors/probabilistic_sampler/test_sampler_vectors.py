"""pyotelcol's sampling decisions against the Go collector's own.

``vectors.json`` was produced by ``gen_vectors/main.go``: it runs Go's contrib
``probabilisticsamplerprocessor`` v0.165.0 (its public factory, no copied code) over fixed spans and
log records and records which items it kept and the tracestate / attributes it wrote into them.
Regenerate with ``cd gen_vectors && go run . > ../vectors.json`` (CI does not run Go). Each case
is replayed here through the same decision code the processor uses, one item at a time.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from pyotelcol.processors.probabilistic_sampler.config import Config
from pyotelcol.processors.probabilistic_sampler.samplers import (
    make_sampler,
    record_priority,
    should_sample,
    span_priority,
)

from pyotelcol.pdata.plog import LogRecord
from pyotelcol.pdata.ptrace import Span

VECTORS = json.loads((Path(__file__).parent / "vectors.json").read_text())
LOGGER = logging.getLogger("test")


def _config(raw: dict[str, Any]) -> Config:
    cfg = Config(**raw)
    cfg.validate()
    return cfg


def _span(item: dict[str, Any], index: int) -> Span:
    span = Span.new()
    span.trace_id = bytes.fromhex(item["trace_id"])
    span.trace_state = item.get("trace_state", "")
    span.attributes.put("index", index)
    span.attributes.put_all(item.get("attributes", {}))
    return span


def _record(item: dict[str, Any], index: int) -> LogRecord:
    record = LogRecord.new()
    if item.get("trace_id"):
        record.trace_id = bytes.fromhex(item["trace_id"])
    record.attributes.put("index", index)
    record.attributes.put_all(item.get("attributes", {}))
    for key, value in item.get("bytes_attributes", {}).items():
        record.attributes.put_bytes(key, bytes.fromhex(value))
    return record


def _json_raw(raw: dict[str, Any]) -> dict[str, Any]:
    """Attributes as Go's JSON encoder wrote them (bytes in base64)."""
    return {k: base64.b64encode(v).decode() if isinstance(v, bytes) else v for k, v in raw.items()}


def _replay(case: dict[str, Any]) -> list[dict[str, Any]]:
    cfg = _config(case["config"])
    items = VECTORS["items"][case["items"]]
    kept: list[dict[str, Any]] = []
    if case["signal"] == "traces":
        sampler = make_sampler(cfg, is_logs=False)
        for i, item in enumerate(items):
            span = _span(item, i)
            sampled, _ = should_sample(
                span, sampler, cfg.fail_closed, sampler.span_randomness, span_priority, LOGGER, "traces"
            )
            if sampled:
                out: dict[str, Any] = {"index": i}
                if span.trace_state:
                    out["trace_state"] = span.trace_state
                kept.append(out)
    else:
        sampler = make_sampler(cfg, is_logs=True)
        priority = record_priority(cfg.sampling_priority, cfg.sampling_precision)
        for i, item in enumerate(items):
            record = _record(item, i)
            sampled, _ = should_sample(
                record, sampler, cfg.fail_closed, sampler.record_randomness, priority, LOGGER, "logs"
            )
            if sampled:
                attrs = record.attributes.as_raw()
                del attrs["index"]
                kept.append({"index": i, "attributes": _json_raw(attrs)} if attrs else {"index": i})
    return kept


def _case_id(case: dict[str, Any]) -> str:
    c = case["config"]
    return f"{case['signal']}-{c.get('mode') or 'unset'}-{c['sampling_percentage']}-seed{c.get('hash_seed', 0)}-p{c['sampling_precision']}-{case['items']}"


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[_case_id(c) for c in VECTORS["cases"]])
def test_same_items_kept_with_the_same_sampling_information_as_go(case: dict[str, Any]) -> None:
    assert _replay(case) == case["kept"]


def test_the_vectors_cover_every_mode_and_keep_some_but_not_all() -> None:
    # Guards the fixture itself: a regenerated file that kept nothing would prove nothing.
    modes = {(c["signal"], c["config"].get("mode", "")) for c in VECTORS["cases"]}
    assert {("traces", "hash_seed"), ("traces", "proportional"), ("traces", "equalizing")} <= modes
    assert {("logs", ""), ("logs", "hash_seed"), ("logs", "proportional"), ("logs", "equalizing")} <= modes
    partial = [c for c in VECTORS["cases"] if 0 < len(c["kept"]) < len(VECTORS["items"][c["items"]])]
    assert len(partial) > 100

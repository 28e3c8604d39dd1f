"""pyotelcol's transform and filter processors against Go's own, statement by statement.

``go_differential/vectors.json`` was produced by ``go_differential/main.go``: it runs the Go
collector's contrib ``transformprocessor`` and ``filterprocessor`` v0.165.0 (public factories and
confmap, no copied code) over each case of ``go_differential/cases.json`` (written by
``make_cases.py``: editors, converters, paths of every context, where clauses, grouped and flat
configs, context inference, error modes, filter conditions for every signal) and records what Go
did: the config error when Go refuses the config, the error ``Consume*`` returned, and the OTLP
JSON that reached the next consumer (``null`` when a filter dropped everything). Regenerate with
``cd go_differential && python3 make_cases.py && GOFLAGS=-mod=mod go run . > vectors.json``
(CI does not run Go).

Every case runs through pyotelcol's processor and must end the same way: refused at config time,
failed at consume time, or the same output. The error texts are not compared (they are Go's
wording of its own internals), only where the failure happens. Outputs are compared as OTLP
messages where the order of attributes does not count (Go's ``Map.Remove`` moves the last entry
into the hole); duplicate keys and the order of everything else still count.

The corpus was first recorded with v0.161.0 (the release the module proxy was known to serve);
it is now recorded with v0.165.0, the version pyotelcol follows. Cases where pyotelcol still
differs from Go v0.165 are listed in ``PYOTELCOL_GAPS``: strict expected failures, so a case that
starts to match fails the test until it is taken off the list.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from pyotelcol.processors.filter import create_factory as filter_factory
from pyotelcol.processors.transform import create_factory as transform_factory

from pyotelcol.component import Kind, Signal
from pyotelcol.config.decode import decode
from pyotelcol.consumer import ConsumerError
from pyotelcol.ottl.functions import ExecutionError
from pyotelcol.pdata.otlpjson import decode_request, from_json
from pyotelcol.testing import NopHost, Sink, make_settings

HERE = Path(__file__).parent / "go_differential"
VECTORS = json.loads((HERE / "vectors.json").read_text())
INPUTS = json.loads((HERE / "cases.json").read_text())["inputs"]
FACTORIES = {"transform": transform_factory(), "filter": filter_factory()}
SIGNALS = {"traces": Signal.TRACES, "metrics": Signal.METRICS, "logs": Signal.LOGS}
MESSAGES: dict[Signal, Any] = {
    Signal.TRACES: ExportTraceServiceRequest,
    Signal.LOGS: ExportLogsServiceRequest,
    Signal.METRICS: ExportMetricsServiceRequest,
}

# Case name -> where pyotelcol still differs from Go v0.165.0 (none at the moment); strict expected
# failures, so each fix shows up as an unexpected pass.
PYOTELCOL_GAPS: dict[str, str] = {}

#: Go draws random numbers here (``convert_exponential_histogram_to_histogram`` "random" mode):
#: only where the case ends (config, consume, output) is compared, not the output itself.
RANDOM_OUTPUT = {"metric_ctx_exp_to_explicit_random"}


def _normalized(value: Any) -> Any:
    """Key/value lists become lists sorted by key (duplicates kept); an empty message counts as
    absent, and an empty AnyValue is ``{}`` whether or not its message was present."""
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items() if v != {}}
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and "key" in v and set(v) <= {"key", "value"} for v in value):
            pairs = [(v["key"], _normalized(v.get("value") or {})) for v in value]
            return sorted(pairs, key=lambda kv: (kv[0], json.dumps(kv[1], sort_keys=True)))
        return [_normalized(v) for v in value]
    return value


def _canonical(message: Any) -> Any:
    return _normalized(MessageToDict(message))


class Outcome:
    """How a run ended: ``stage`` is "config", "consume" or "output"; ``output`` the canonical
    message that reached the sink (None when nothing did)."""

    def __init__(self, stage: str, detail: str = "", output: Any = None) -> None:
        self.stage = stage
        self.detail = detail
        self.output = output

    def __repr__(self) -> str:
        if self.stage == "output":
            return json.dumps(self.output, indent=1, sort_keys=True)
        return f"<{self.stage} error: {self.detail}>"


def run_python(case: dict[str, Any]) -> Outcome:
    factory = FACTORIES[case["processor"]]
    signal = SIGNALS[case["signal"]]
    try:
        default = factory.create_default_config()
        cfg = decode(type(default), dict(case["config"]), default)
        cfg.validate()
        sink = Sink()
        processor = factory.create_for(signal, make_settings(factory.type, Kind.PROCESSOR, signal), cfg, sink)
    except ValueError as exc:  # config decode, validation and compile errors (not crashes)
        return Outcome("config", f"{type(exc).__name__}: {exc}")
    data = decode_request(signal, (HERE / INPUTS[case["input"]]).read_bytes())

    async def consume() -> None:
        await processor.start(NopHost())
        try:
            await processor.consume(data)
        finally:
            await processor.shutdown()

    try:
        asyncio.run(consume())
    except (ConsumerError, ExecutionError) as exc:  # a failed request (error_mode propagate)
        return Outcome("consume", f"{type(exc).__name__}: {exc}")
    if not sink.received:
        return Outcome("output", output=None)
    (out,) = sink.received
    return Outcome("output", output=_canonical(MESSAGES[signal].FromString(out.to_wire())))


def go_outcome(case: dict[str, Any]) -> Outcome:
    if case.get("config_error"):
        return Outcome("config", case["config_error"])
    if case.get("consume_error"):
        return Outcome("consume", case["consume_error"])
    if case["output"] is None:
        return Outcome("output", output=None)
    signal = SIGNALS[case["signal"]]
    return Outcome("output", output=_canonical(from_json(json.dumps(case["output"]), MESSAGES[signal])))


def _param(case: dict[str, Any]) -> Any:
    reason = PYOTELCOL_GAPS.get(case["name"])
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case["name"], marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in VECTORS["cases"]])
def test_same_outcome_as_go(case: dict[str, Any]) -> None:
    want = go_outcome(case)
    got = run_python(case)
    assert got.stage == want.stage, f"Go: {want!r}\npyotelcol: {got!r}"
    if case["name"] not in RANDOM_OUTPUT:
        assert got.output == want.output


def test_marked_cases_exist() -> None:
    names = {c["name"] for c in VECTORS["cases"]}
    assert set(PYOTELCOL_GAPS) <= names


def test_corpus_is_wide() -> None:
    # Guards the fixture itself: enough cases, most of them changing data, every signal and
    # both processors, and some of each outcome.
    cases = VECTORS["cases"]
    assert len(cases) >= 150
    stages = [go_outcome(c).stage for c in cases]
    assert stages.count("config") >= 20 and stages.count("consume") >= 2
    assert {(c["processor"], c["signal"]) for c in cases} == {
        (p, s) for p in ("transform", "filter") for s in ("traces", "metrics", "logs")
    }
    changed = 0
    for case in cases:
        outcome = go_outcome(case)
        if outcome.stage != "output":
            continue
        original = _canonical(from_json((HERE / INPUTS[case["input"]]).read_text(), MESSAGES[SIGNALS[case["signal"]]]))
        changed += outcome.output != original
    assert changed >= 200

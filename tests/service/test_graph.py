"""Pipeline graph semantics (Go: service/internal/graph) with small recording components.

These factories are test doubles defined here on purpose: the behaviour under test is the
core's wiring (sharing, fan-out cloning, connectors, ordering), independent of any shipped
component. Data is real OTLP protobuf.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import pytest

from pyotelcol.component import ID, BuildInfo, Kind, Signal, StabilityLevel
from pyotelcol.consumer import Capabilities, ConsumerError, PermanentError
from pyotelcol.factories import (
    ConnectorFactory,
    ExporterFactory,
    ProcessorFactory,
    ReceiverFactory,
    from_list,
)
from pyotelcol.featuregate import Registry
from pyotelcol.pdata import Traces
from pyotelcol.service.config import unmarshal, validate_config
from pyotelcol.service.graph import GraphError
from pyotelcol.service.service import NopTelemetry, Service

EVENTS: list[str] = []
ALL = {s: StabilityLevel.BETA for s in (Signal.TRACES, Signal.METRICS, Signal.LOGS)}


@dataclass
class Empty:
    pass


class Recorder:
    def __init__(self, name: str, next_consumer: Any = None, mutates: bool = False) -> None:
        self.name = name
        self.next = next_consumer
        self.received: list[Traces] = []
        self.fail: BaseException | None = None
        self._caps = Capabilities(mutates)

    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    async def start(self, host: Any) -> None:
        EVENTS.append(f"start {self.name}")

    async def shutdown(self) -> None:
        EVENTS.append(f"stop {self.name}")

    async def consume(self, data: Any) -> None:
        if self.fail:
            raise self.fail
        if self._caps.mutates_data:
            data.mutable().resource_spans[0].resource.attributes.add(key=self.name)
        self.received.append(data)
        if self.next is not None:
            await self.next.consume(data)


RECEIVERS: dict[str, Recorder] = {}
EXPORTERS: dict[str, Recorder] = {}


def _receiver(settings: Any, signal: Signal, cfg: Any, nxt: Any) -> Recorder:
    rec = Recorder(f"receiver {settings.id} {signal}", nxt)
    RECEIVERS[f"{settings.id}/{signal}"] = rec
    return rec


def _exporter(settings: Any, signal: Signal, cfg: Any) -> Recorder:
    rec = Recorder(f"exporter {settings.id} {signal}", mutates=settings.id.name.startswith("mut"))
    EXPORTERS[f"{settings.id}/{signal}"] = rec
    return rec


def _processor(settings: Any, signal: Signal, cfg: Any, nxt: Any) -> Recorder:
    return Recorder(f"processor {settings.id} {settings.pipeline}", nxt, mutates=settings.id.type == "mut")


FACTORIES = from_list(
    [
        (ReceiverFactory("rcv", Empty, create=_receiver, stability=ALL), "test"),
        (ReceiverFactory("tracesonly", Empty, create=_receiver, stability={Signal.TRACES: StabilityLevel.BETA}), "t"),
        (ProcessorFactory("pass", Empty, create=_processor, stability=ALL), "test"),
        (ProcessorFactory("mut", Empty, create=_processor, stability=ALL), "test"),
        (ExporterFactory("exp", Empty, create=_exporter, stability=ALL), "test"),
        (
            ConnectorFactory(
                "fwd",
                Empty,
                create=lambda s, source, target, c, n: Recorder(f"connector {s.id}", n),
                stability={(s, s): StabilityLevel.BETA for s in (Signal.TRACES, Signal.METRICS, Signal.LOGS)},
            ),
            "test",
        ),
    ]
)


def build(conf: dict[str, Any]) -> Service:
    EVENTS.clear()
    RECEIVERS.clear()
    EXPORTERS.clear()
    cfg = unmarshal(conf, FACTORIES)
    validate_config(cfg, Registry())
    return Service(cfg, NopTelemetry(), BuildInfo(), Registry(), logging.getLogger("test"))


def traces() -> Traces:
    req = Traces.empty().mutable()
    rs = req.resource_spans.add()
    rs.scope_spans.add().spans.add(name="s", trace_id=b"\x01" * 16, span_id=b"\x02" * 8)
    return Traces.from_wire(req.SerializeToString())


def test_shared_receiver_and_per_signal_exporters() -> None:
    svc = build(
        {
            "receivers": {"rcv": None},
            "processors": {"pass": None},
            "exporters": {"exp": None},
            "service": {
                "pipelines": {
                    "traces": {"receivers": ["rcv"], "processors": ["pass"], "exporters": ["exp"]},
                    "traces/2": {"receivers": ["rcv"], "processors": ["pass"], "exporters": ["exp"]},
                    "logs": {"receivers": ["rcv"], "exporters": ["exp"]},
                }
            },
        }
    )
    kinds = sorted(str(k) for k in svc.graph.nodes)
    # one receiver per signal, processors per pipeline, one exporter per signal
    assert sum(1 for k in svc.graph.nodes if k[0] == "receiver") == 2
    assert sum(1 for k in svc.graph.nodes if k[0] == "processor") == 2
    assert sum(1 for k in svc.graph.nodes if k[0] == "exporter") == 2, kinds

    async def run() -> None:
        await svc.start()
        await RECEIVERS["rcv/traces"].next.consume(traces())
        await svc.shutdown()

    asyncio.run(run())
    # the traces exporter is shared by both traces pipelines: it receives the data twice
    assert len(EXPORTERS["exp/traces"].received) == 2
    starts = [e for e in EVENTS if e.startswith("start")]
    stops = [e for e in EVENTS if e.startswith("stop")]
    assert starts[0].startswith("start exporter") and starts[-1].startswith("start receiver")
    assert stops[0].startswith("stop receiver") and stops[-1].startswith("stop exporter")


def test_fan_out_clones_for_mutating_consumers_and_shares_read_only() -> None:
    svc = build(
        {
            "receivers": {"rcv": None},
            "exporters": {"exp/a": None, "exp/b": None, "exp/mut": None},
            "service": {"pipelines": {"traces": {"receivers": ["rcv"], "exporters": ["exp/a", "exp/b", "exp/mut"]}}},
        }
    )
    data = traces()

    async def run() -> None:
        await svc.start()
        await RECEIVERS["rcv/traces"].next.consume(data)
        await svc.shutdown()

    asyncio.run(run())
    a, b, m = (EXPORTERS[f"exp/{n}/traces"].received[0] for n in ("a", "b", "mut"))
    assert a is b is data and data.read_only and data.has_wire  # readers share, bytes kept
    assert m is not data and m.message.resource_spans[0].resource.attributes[0].key == "exporter exp/mut traces"
    assert not data.message.resource_spans[0].resource.attributes  # the original is untouched


def test_errors_from_branches_are_combined() -> None:
    build(
        {
            "receivers": {"rcv": None},
            "exporters": {"exp/a": None, "exp/b": None},
            "service": {"pipelines": {"traces": {"receivers": ["rcv"], "exporters": ["exp/a", "exp/b"]}}},
        }
    )
    EXPORTERS["exp/a/traces"].fail = ConsumerError("busy", retry_after=3)
    head = RECEIVERS["rcv/traces"].next
    with pytest.raises(ConsumerError) as info:
        asyncio.run(head.consume(traces()))
    assert info.value.retry_after == 3 and not isinstance(info.value, PermanentError)
    assert len(EXPORTERS["exp/b/traces"].received) == 1  # the other branch still got it
    EXPORTERS["exp/b/traces"].fail = PermanentError("bad")
    with pytest.raises(PermanentError):
        asyncio.run(head.consume(traces()))


def test_connector_joins_pipelines() -> None:
    svc = build(
        {
            "receivers": {"rcv/1": None, "rcv/2": None},
            "processors": {"mut": None},
            "exporters": {"exp": None},
            "connectors": {"fwd": None},
            "service": {
                "pipelines": {
                    "logs/in1": {"receivers": ["rcv/1"], "exporters": ["fwd"]},
                    "logs/in2": {"receivers": ["rcv/2"], "exporters": ["fwd"]},
                    "logs/out": {"receivers": ["fwd"], "processors": ["mut"], "exporters": ["exp"]},
                }
            },
        }
    )

    async def run() -> None:
        await svc.start()
        for name in ("rcv/1/logs", "rcv/2/logs"):
            await RECEIVERS[name].next.consume(traces())
        await svc.shutdown()

    asyncio.run(run())
    assert len(EXPORTERS["exp/logs"].received) == 2
    starts = [e.split(" ")[2] for e in EVENTS if e.startswith("start")]
    assert starts.index("exp") < starts.index("mut") < starts.index("fwd") < starts.index("rcv/1")


@pytest.mark.parametrize(
    ("pipelines", "message"),
    [
        (
            {
                "traces": {"receivers": ["rcv"], "exporters": ["fwd"]},
                "metrics": {"receivers": ["fwd"], "exporters": ["exp"]},
            },
            'connector "fwd" used as exporter in [traces] pipeline but not used in any supported receiver pipeline',
        ),
        (
            {
                "traces": {"receivers": ["rcv"], "exporters": ["exp"]},
                "logs": {"receivers": ["fwd"], "exporters": ["exp"]},
            },
            'connector "fwd" used as receiver in [logs] pipeline but not used in any supported exporter pipeline',
        ),
        (
            {
                "traces/a": {"receivers": ["rcv", "fwd"], "exporters": ["fwd/2"]},
                "traces/b": {"receivers": ["fwd/2"], "exporters": ["fwd"]},
            },
            "cycle detected",
        ),
        (
            {"metrics": {"receivers": ["tracesonly"], "exporters": ["exp"]}},
            'failed to create "tracesonly" receiver for data type "metrics": telemetry type is not supported',
        ),
    ],
)
def test_graph_errors(pipelines: dict[str, Any], message: str) -> None:
    conf = {
        "receivers": {"rcv": None, "tracesonly": None},
        "exporters": {"exp": None},
        "connectors": {"fwd": None, "fwd/2": None},
        "service": {"pipelines": pipelines},
    }
    with pytest.raises(GraphError, match=message.replace("[", r"\[").replace("]", r"\]")):
        build(conf)


def test_ids_keep_their_spelling() -> None:
    svc = build(
        {
            "receivers": {"rcv / x": None},
            "exporters": {"exp": None},
            "service": {"pipelines": {"traces": {"receivers": ["rcv/x"], "exporters": ["exp"]}}},
        }
    )
    assert ("receiver", Signal.TRACES, ID("rcv", "x")) in svc.graph.nodes
    assert Kind.RECEIVER in svc.cfg.components

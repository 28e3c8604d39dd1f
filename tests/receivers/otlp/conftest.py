"""Shared harness for the otlp receiver tests: factory -> create per signal -> start -> Sinks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from pyotelcol.receivers.otlp import create_factory
from support import EXAMPLES as OTLP_EXAMPLES
from support import free_port

from pyotelcol import client
from pyotelcol.component import Component, Kind, Signal
from pyotelcol.config import decode
from pyotelcol.consumer import Capabilities, Consumer
from pyotelcol.pdata import AnyData
from pyotelcol.testing import NopHost, Sink, make_settings

EXAMPLES = OTLP_EXAMPLES
ALL_SIGNALS = (Signal.TRACES, Signal.METRICS, Signal.LOGS)


def next_port() -> int:
    """A free ephemeral loopback port (fixed ranges collide when test runs overlap)."""
    return free_port()


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def example_dict(name: str) -> Any:
    return json.loads(example(name))


@dataclass
class Running:
    receiver: Component
    sinks: dict[Signal, Sink]
    reader: InMemoryMetricReader
    grpc_port: int
    http_port: int

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http_port}{path}"


def build(raw: dict[str, Any]) -> Any:
    factory = create_factory()
    return decode(type(factory.create_default_config()), raw, factory.create_default_config())


@asynccontextmanager
async def run_receiver(
    grpc: dict[str, Any] | None = None,
    http: dict[str, Any] | None = None,
    signals: Iterable[Signal] = ALL_SIGNALS,
    consumers: dict[Signal, Consumer] | None = None,
    name: str = "otlp",
) -> AsyncIterator[Running]:
    """Start a receiver with the given protocol sections (``None`` = protocol off)."""
    grpc_port = next_port() if grpc is not None else 0
    http_port = next_port() if http is not None else 0
    protocols: dict[str, Any] = {}
    if grpc is not None:
        protocols["grpc"] = {"endpoint": f"127.0.0.1:{grpc_port}", **grpc}
    if http is not None:
        protocols["http"] = {"endpoint": f"127.0.0.1:{http_port}", **http}
    cfg = build({"protocols": protocols})
    factory = create_factory()
    reader = InMemoryMetricReader()
    sinks: dict[Signal, Sink] = {}
    receivers: list[Component] = []
    for i, signal in enumerate(signals):
        sink = Sink()
        sinks[signal] = sink
        consumer = consumers.get(signal, sink) if consumers else sink
        # The shared instance keeps the first settings (and meter): only that one gets the reader.
        settings = make_settings(name, Kind.RECEIVER, signal, reader if i == 0 else None)
        receivers.append(factory.create_for(signal, settings, cfg, consumer))
    assert all(r is receivers[0] for r in receivers), "one shared instance per config"
    host = NopHost()
    try:
        for r in receivers:
            await r.start(host)
        yield Running(receivers[0], sinks, reader, grpc_port, http_port)
    finally:
        for r in receivers:
            await r.shutdown()


class MetadataRecorder:
    """A consumer that records the client metadata (include_metadata) seen with each request."""

    def __init__(self) -> None:
        self.seen: list[dict[str, list[str]] | None] = []

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities()

    async def consume(self, data: AnyData) -> None:
        metadata = client.from_context().metadata
        self.seen.append({k: list(v) for k, v in metadata.items()} if metadata else None)


class Harness:
    """What the test modules use (handed out by the ``otlp`` fixture)."""

    run = staticmethod(run_receiver)
    build = staticmethod(build)
    example = staticmethod(example)
    example_dict = staticmethod(example_dict)
    next_port = staticmethod(next_port)
    ALL_SIGNALS = ALL_SIGNALS
    MetadataRecorder = MetadataRecorder


@pytest.fixture
def otlp() -> Harness:
    return Harness()

"""Shared code for the exporterhelper tests (imported as ``helpers.exporterhelper.ehsupport``): requests, a scriptable backend, helper factory.

The exporterhelper's ``push`` is the exporter's network call; here it is a scriptable fake
(``Backend``) except in test_network.py, which pushes over loopback (ports 25000-25499).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from pyotelcol.component import Kind, Signal
from pyotelcol.config import OptionalSection
from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.helpers.exporterhelper import (
    CircuitBreakerConfig,
    ExporterHelper,
    QueueConfig,
    RetryConfig,
)
from pyotelcol.helpers.exporterhelper.sender import Request
from pyotelcol.pdata import AnyData, Traces
from pyotelcol.testing import make_settings, metric_values


def traces(spans: int = 1, tag: int = 0) -> Traces:
    """A request with ``spans`` spans; ``tag`` is stored in the first span's name to tell requests apart."""
    req = ExportTraceServiceRequest()
    scope = req.resource_spans.add().scope_spans.add()
    for i in range(spans):
        span = scope.spans.add()
        span.name = f"req-{tag}" if i == 0 else f"span-{i}"
        span.trace_id = bytes(range(1, 17))
        span.span_id = (tag * 1000 + i + 1).to_bytes(8, "big")
    return Traces.from_wire(req.SerializeToString())


def tag_of(data: AnyData) -> list[int]:
    """The tags of the requests merged into ``data`` (one per resource)."""
    out = []
    for rs in data.message.resource_spans:  # type: ignore[union-attr]
        name = rs.scope_spans[0].spans[0].name
        out.append(int(name.split("-")[1]))
    return out


@dataclass
class Backend:
    """A fake destination: ``failures`` is consumed one error per attempt (None = accept)."""

    failures: list[BaseException | None] = field(default_factory=list)
    fail_always: BaseException | None = None
    received: list[AnyData] = field(default_factory=list)
    attempts: int = 0
    delay: float = 0.0
    gate: asyncio.Event | None = None

    async def push(self, data: AnyData) -> None:
        self.attempts += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures:
            err = self.failures.pop(0)
            if err is not None:
                raise err
        elif self.fail_always is not None:
            raise self.fail_always
        self.received.append(data)

    def tags(self) -> list[int]:
        return [t for d in self.received for t in tag_of(d)]

    def items(self) -> int:
        return sum(d.item_count() for d in self.received)


@dataclass
class Recorder:
    """A next sender for testing one sender alone: records each request (with the permit it
    carried) and raises ``failures`` one per call (None = accept); ``gate`` holds calls."""

    failures: list[BaseException | None] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    permits: list[Any] = field(default_factory=list)
    gate: asyncio.Event | None = None

    async def send(self, request: Request) -> None:
        self.requests.append(request)
        self.permits.append(request.permit)
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            err = self.failures.pop(0)
            if err is not None:
                raise err

    async def start(self, host: Any) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def fast_retry(**kw: Any) -> RetryConfig:
    base: dict[str, Any] = {
        "initial_interval": timedelta(milliseconds=5),
        "randomization_factor": 0.0,
        "multiplier": 2.0,
        "max_interval": timedelta(milliseconds=40),
        "max_elapsed_time": timedelta(seconds=10),
    }
    base.update(kw)
    return RetryConfig(**base)


def queue(**kw: Any) -> OptionalSection[QueueConfig]:
    return OptionalSection.some(QueueConfig(**kw))


def no_queue() -> OptionalSection[QueueConfig]:
    return OptionalSection.default(QueueConfig())


def breaker(threshold: int = 3, cooldown: float = 0.2) -> CircuitBreakerConfig:
    return CircuitBreakerConfig(enabled=True, failure_threshold=threshold, cooldown=timedelta(seconds=cooldown))


@dataclass
class Harness:
    helper: ExporterHelper
    backend: Backend
    reader: InMemoryMetricReader

    def metrics(self) -> dict[str, list[tuple[dict[str, Any], float]]]:
        return metric_values(self.reader)

    def metric(self, name: str, **labels: str) -> float | None:
        for attrs, value in self.metrics().get(name, []):
            if all(attrs.get(k) == v for k, v in labels.items()):
                return value
        return None


_count = 0


def make(
    backend: Backend | None = None,
    *,
    component: str | None = None,
    signal: Signal = Signal.TRACES,
    **kw: Any,
) -> Harness:
    global _count
    _count += 1
    backend = backend or Backend()
    reader = InMemoryMetricReader()
    settings = make_settings(component or f"otlp/eh{_count}", Kind.EXPORTER, signal, reader=reader)
    kw.setdefault("retry", fast_retry())
    kw.setdefault("queue", no_queue())
    helper = ExporterHelper(settings, signal, backend.push, **kw)
    return Harness(helper, backend, reader)


async def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


def retryable(msg: str = "unavailable", retry_after: float | None = None) -> ConsumerError:
    return ConsumerError(msg, retry_after=retry_after)


def permanent(msg: str = "bad data") -> PermanentError:
    return PermanentError(msg)


def records(caplog: pytest.LogCaptureFixture, message: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith(message)]


def fields(record: logging.LogRecord) -> dict[str, Any]:
    return dict(getattr(record, "fields", {}) or {})


class MemStorageClient:
    """An in-memory StorageClient (what a storage extension hands out), to look inside."""

    def __init__(self, data: dict[str, bytes]) -> None:
        self.data = data
        self.closed = False
        self.batches = 0

    async def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    async def set(self, key: str, value: bytes) -> None:
        self.data[key] = value

    async def delete(self, key: str) -> None:
        self.data.pop(key, None)

    async def batch(self, ops: Any) -> list[bytes | None]:
        self.batches += 1
        out: list[bytes | None] = []
        for op in ops:
            if op.delete:
                self.data.pop(op.key, None)
                out.append(None)
            elif op.value is None:
                out.append(self.data.get(op.key))
            else:
                self.data[op.key] = op.value
                out.append(None)
        return out

    async def close(self) -> None:
        self.closed = True


class MemStorage:
    """A storage extension keeping each client's keys in a dict that outlives the clients."""

    def __init__(self) -> None:
        self.stores: dict[tuple[str, str, str], dict[str, bytes]] = {}
        self.clients: list[MemStorageClient] = []

    async def start(self, host: Any) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def get_client(self, kind: Kind, component_id: Any, name: str = "") -> MemStorageClient:
        store = self.stores.setdefault((str(kind), str(component_id), name), {})
        client = MemStorageClient(store)
        self.clients.append(client)
        return client

    def items(self) -> dict[str, bytes]:
        (store,) = self.stores.values()
        return store

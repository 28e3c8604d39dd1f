"""Build the pipeline graph from a validated config (Go: service/internal/graph).

Node identities decide sharing: a receiver is one node per (signal, ID) fanning out to every
pipeline that lists it; processors are per (pipeline, ID); exporters one per (signal, ID);
connectors one per (exporter-side signal, receiver-side signal, ID). Components are created
consumers-first, and started in that order; shutdown runs the other way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..component import ID, Kind, PipelineID, Settings, Signal, StabilityLevel
from ..consumer import Capabilities, Consumer, ConsumerError, PermanentError
from ..factories import (
    ConnectorFactory,
    ExporterFactory,
    ProcessorFactory,
    ReceiverFactory,
    UnsupportedSignalError,
)
from ..pdata import AnyData
from .config import Config, ConfigError

SettingsMaker = Callable[[ID, Kind, "Signal | None", "PipelineID | None"], Settings]


class GraphError(ConfigError):
    pass


class FanOut:
    """Sequential fan-out with Go's cloning rules; errors from every branch are combined."""

    __slots__ = ("_mutable", "_readonly")

    def __init__(self, consumers: Sequence[Consumer]) -> None:
        self._mutable = [c for c in consumers if c.capabilities.mutates_data]
        self._readonly = [c for c in consumers if not c.capabilities.mutates_data]

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(False)

    async def consume(self, data: AnyData) -> None:
        errors: list[BaseException] = []
        mutable = self._mutable
        if mutable:
            for consumer in mutable[:-1]:
                await _collect(consumer, data.clone(), errors)
            last_gets_original = not self._readonly and not data.read_only
            await _collect(mutable[-1], data if last_gets_original else data.clone(), errors)
        if len(self._readonly) > 1:
            data.mark_read_only()
        for consumer in self._readonly:
            await _collect(consumer, data, errors)
        if errors:
            raise _combine(errors)


async def _collect(consumer: Consumer, data: AnyData, errors: list[BaseException]) -> None:
    try:
        await consumer.consume(data)
    except Exception as exc:
        errors.append(exc)


def _combine(errors: list[BaseException]) -> BaseException:
    if len(errors) == 1:
        return errors[0]
    text = "; ".join(str(e) for e in errors)
    if any(isinstance(e, PermanentError) for e in errors):
        return PermanentError(text)
    hints = [e.retry_after for e in errors if isinstance(e, ConsumerError) and e.retry_after is not None]
    return ConsumerError(text, retry_after=max(hints) if hints else None)


class PipelineHead:
    """The capabilities node at the head of a pipeline: mutates if anything behind it does."""

    __slots__ = ("_caps", "_next")

    def __init__(self, next_consumer: Consumer, mutates: bool) -> None:
        self._next = next_consumer
        self._caps = Capabilities(mutates)

    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    async def consume(self, data: AnyData) -> None:
        await self._next.consume(data)


def fan_out(consumers: Sequence[Consumer]) -> Consumer:
    if len(consumers) == 1 and not consumers[0].capabilities.mutates_data:
        return consumers[0]
    return FanOut(consumers)


class PipelineRouter:
    """What a connector gets as its next consumer (Go's ``connector.TracesRouterAndConsumer``):
    consuming fans out to every receiver-side pipeline; ``consumer(*ids)`` is the fan-out to
    some of them, for connectors that route (``routing``)."""

    __slots__ = ("_all", "_heads")

    def __init__(self, heads: dict[PipelineID, Consumer]) -> None:
        self._heads = heads
        self._all = fan_out(list(heads.values()))

    @property
    def capabilities(self) -> Capabilities:
        return self._all.capabilities

    @property
    def pipeline_ids(self) -> list[PipelineID]:
        return list(self._heads)

    def consumer(self, *pipeline_ids: PipelineID) -> Consumer:
        """The fan-out to ``pipeline_ids``; ValueError (Go's wording) names any pipeline that
        does not list the connector as a receiver."""
        if not pipeline_ids:
            raise ValueError("missing consumers")
        missing = [f'missing consumer: "{p}"' for p in pipeline_ids if p not in self._heads]
        if missing:
            raise ValueError("; ".join(missing))
        return fan_out([self._heads[p] for p in pipeline_ids])

    async def consume(self, data: AnyData) -> None:
        await self._all.consume(data)


@dataclass
class Node:
    kind: Kind
    id: ID
    component: Any
    key: tuple[Any, ...]
    downstream: list[Node] = field(default_factory=list)

    def describe(self) -> str:
        return f'{self.kind} "{self.id}"'


@dataclass
class Graph:
    nodes: dict[tuple[Any, ...], Node]

    def start_order(self) -> list[Node]:
        """Consumers before producers (reverse topological order)."""
        return list(reversed(self._topological()))

    def shutdown_order(self) -> list[Node]:
        return self._topological()

    def _topological(self) -> list[Node]:
        incoming = {key: 0 for key in self.nodes}
        for node in self.nodes.values():
            for child in node.downstream:
                incoming[child.key] += 1
        ready = [n for n in self.nodes.values() if incoming[n.key] == 0]
        ready.sort(key=lambda n: (_KIND_RANK[n.kind], str(n.key)))
        order: list[Node] = []
        while ready:
            node = ready.pop(0)
            order.append(node)
            for child in node.downstream:
                incoming[child.key] -= 1
                if incoming[child.key] == 0:
                    ready.append(child)
        return order


_KIND_RANK = {Kind.RECEIVER: 0, Kind.CONNECTOR: 1, Kind.PROCESSOR: 2, Kind.EXPORTER: 3, Kind.EXTENSION: 4}


class _Builder:
    def __init__(self, cfg: Config, make_settings: SettingsMaker, log: logging.Logger) -> None:
        self.cfg = cfg
        self.make_settings = make_settings
        self.log = log
        self.nodes: dict[tuple[Any, ...], Node] = {}
        self.heads: dict[PipelineID, tuple[PipelineHead, list[Node]]] = {}
        self.building: list[PipelineID] = []
        self.connectors = cfg.components[Kind.CONNECTOR]

    # -- connectors --------------------------------------------------------------------------
    def receiver_pipelines(self, conn: ID, signal: Signal) -> list[PipelineID]:
        return [p for p, pipe in self.cfg.pipelines.items() if p.signal is signal and conn in pipe.receivers]

    def exporter_pipelines(self, conn: ID, signal: Signal) -> list[PipelineID]:
        return [p for p, pipe in self.cfg.pipelines.items() if p.signal is signal and conn in pipe.exporters]

    def check_connectors(self) -> None:
        for conn_id, comp in self.connectors.items():
            factory = comp.factory_as(ConnectorFactory)
            signals = [s for s in Signal if s is not Signal.PROFILES]
            for source in signals:
                exp_pipes = self.exporter_pipelines(conn_id, source)
                if exp_pipes and not any(
                    factory.supports(source, t) and self.receiver_pipelines(conn_id, t) for t in signals
                ):
                    raise GraphError(
                        f'connector "{conn_id}" used as exporter in [{", ".join(map(str, exp_pipes))}] pipeline '
                        "but not used in any supported receiver pipeline"
                    )
            for target in signals:
                rcv_pipes = self.receiver_pipelines(conn_id, target)
                if rcv_pipes and not any(
                    factory.supports(s, target) and self.exporter_pipelines(conn_id, s) for s in signals
                ):
                    raise GraphError(
                        f'connector "{conn_id}" used as receiver in [{", ".join(map(str, rcv_pipes))}] pipeline '
                        "but not used in any supported exporter pipeline"
                    )

    # -- node creation -----------------------------------------------------------------------
    def log_stability(self, kind: Kind, comp_id: ID, level: StabilityLevel) -> None:
        if level in (
            StabilityLevel.DEVELOPMENT,
            StabilityLevel.DEPRECATED,
            StabilityLevel.UNMAINTAINED,
            StabilityLevel.UNDEFINED,
        ):
            self.log.info(
                "%s component. May change in the future.",
                level.value,
                extra={"fields": {"otelcol.component.id": str(comp_id), "otelcol.component.kind": str(kind)}},
            )

    def exporter_node(self, signal: Signal, eid: ID) -> Node:
        key = ("exporter", signal, eid)
        if key not in self.nodes:
            comp = self.cfg.components[Kind.EXPORTER][eid]
            factory = comp.factory_as(ExporterFactory)
            try:
                instance = factory.create_for(signal, self.make_settings(eid, Kind.EXPORTER, signal, None), comp.config)
            except UnsupportedSignalError as exc:
                raise GraphError(f'failed to create "{eid}" exporter for data type "{signal}": {exc}') from None
            self.log_stability(Kind.EXPORTER, eid, factory.stability[signal])
            self.nodes[key] = Node(Kind.EXPORTER, eid, instance, key)
        return self.nodes[key]

    def connector_nodes(self, source: Signal, conn_id: ID, pid: PipelineID) -> list[Node]:
        comp = self.connectors[conn_id]
        factory = comp.factory_as(ConnectorFactory)
        out = []
        for target in Signal:
            if target is Signal.PROFILES or not factory.supports(source, target):
                continue
            targets = self.receiver_pipelines(conn_id, target)
            if not targets:
                continue
            key = ("connector", source, target, conn_id)
            if key not in self.nodes:
                heads = [self.pipeline_head(t, via=(conn_id, source, target, pid)) for t in targets]
                router = PipelineRouter({t: h for t, (h, _) in zip(targets, heads, strict=True)})
                settings = self.make_settings(conn_id, Kind.CONNECTOR, source, None)
                try:
                    instance = factory.create_for(source, target, settings, comp.config, router)
                except ValueError as exc:  # a config the graph refuses (routing: an unknown pipeline)
                    raise GraphError(str(exc)) from None
                self.log_stability(Kind.CONNECTOR, conn_id, factory.stability[(source, target)])
                node = Node(Kind.CONNECTOR, conn_id, instance, key)
                for _, first in heads:
                    node.downstream.extend(first)
                self.nodes[key] = node
            out.append(self.nodes[key])
        return out

    def pipeline_head(self, pid: PipelineID, via: tuple[Any, ...] | None = None) -> tuple[PipelineHead, list[Node]]:
        """The head consumer of a pipeline and the first nodes data reaches inside it."""
        if pid in self.heads:
            return self.heads[pid]
        if pid in self.building:
            conn_id, source, target, _ = via or (None, None, None, None)
            chain = " -> ".join(f'pipeline "{p}"' for p in [*self.building[self.building.index(pid) :], pid])
            raise GraphError(f'cycle detected: connector "{conn_id}" ({source} to {target}) -> {chain}')
        self.building.append(pid)
        pipe = self.cfg.pipelines[pid]
        signal = pid.signal
        targets: list[Node] = []
        for eid in pipe.exporters:
            if eid in self.connectors:
                targets.extend(self.connector_nodes(signal, eid, pid))
            else:
                targets.append(self.exporter_node(signal, eid))
        next_consumer: Consumer = fan_out([n.component for n in targets])
        mutates = any(n.component.capabilities.mutates_data for n in targets)
        downstream = targets
        for prid in reversed(pipe.processors):
            comp = self.cfg.components[Kind.PROCESSOR][prid]
            factory = comp.factory_as(ProcessorFactory)
            settings = self.make_settings(prid, Kind.PROCESSOR, signal, pid)
            try:
                instance = factory.create_for(signal, settings, comp.config, next_consumer)
            except ValueError as exc:  # an unsupported signal, or a config this signal refuses
                raise GraphError(f'failed to create "{prid}" processor, in pipeline "{pid}": {exc}') from None
            self.log_stability(Kind.PROCESSOR, prid, factory.stability[signal])
            key = ("processor", pid, prid)
            node = Node(Kind.PROCESSOR, prid, instance, key, list(downstream))
            self.nodes[key] = node
            downstream = [node]
            next_consumer = instance
            mutates = mutates or instance.capabilities.mutates_data
        self.building.pop()
        self.heads[pid] = (PipelineHead(next_consumer, mutates), downstream)
        return self.heads[pid]

    def receiver_node(self, signal: Signal, rid: ID) -> None:
        key = ("receiver", signal, rid)
        pids = [p for p, pipe in self.cfg.pipelines.items() if p.signal is signal and rid in pipe.receivers]
        heads = [self.pipeline_head(p) for p in pids]
        comp = self.cfg.components[Kind.RECEIVER][rid]
        factory = comp.factory_as(ReceiverFactory)
        settings = self.make_settings(rid, Kind.RECEIVER, signal, None)
        try:
            instance = factory.create_for(signal, settings, comp.config, fan_out([h for h, _ in heads]))
        except UnsupportedSignalError as exc:
            raise GraphError(f'failed to create "{rid}" receiver for data type "{signal}": {exc}') from None
        self.log_stability(Kind.RECEIVER, rid, factory.stability[signal])
        node = Node(Kind.RECEIVER, rid, instance, key)
        for _, first in heads:
            node.downstream.extend(first)
        self.nodes[key] = node

    def build(self) -> Graph:
        self.check_connectors()
        for pid in self.cfg.pipelines:
            self.pipeline_head(pid)
        done: set[tuple[Signal, ID]] = set()
        for pid, pipe in self.cfg.pipelines.items():
            for rid in pipe.receivers:
                if rid in self.connectors or (pid.signal, rid) in done:
                    continue
                done.add((pid.signal, rid))
                self.receiver_node(pid.signal, rid)
        return Graph(self.nodes)


def build_graph(cfg: Config, make_settings: SettingsMaker, log: logging.Logger) -> Graph:
    return _Builder(cfg, make_settings, log).build()

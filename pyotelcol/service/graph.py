"""Build the pipeline graph from a validated config (Go: service/internal/graph).

Node identities decide sharing: a receiver is one node per (signal, ID) fanning out to every
pipeline that lists it; processors are per (pipeline, ID); exporters one per (signal, ID);
connectors one per (exporter-side signal, receiver-side signal, ID). Components are created
consumers-first, and started in that order; shutdown runs the other way.

A reload builds the next graph against the running one (``previous``): an exporter, connector or
processor whose config and downstream did not change keeps its running instance; a receiver whose
config did not change keeps its instance and only has its inlet (a :class:`SwappableConsumer`)
pointed at the new pipelines. Go's collector rebuilds everything instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from ..admin.taps import TapHub

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


class _Generation:
    """Calls in flight through one target of a SwappableConsumer."""

    __slots__ = ("count", "idle")

    def __init__(self) -> None:
        self.count = 0
        self.idle: asyncio.Event | None = None

    async def drained(self) -> None:
        if self.count == 0:
            return
        self.idle = self.idle or asyncio.Event()
        await self.idle.wait()


class SwappableConsumer:
    """A receiver's next consumer, replaceable while the receiver runs: a reload points a kept
    receiver at the new pipelines, then waits for the calls still running through the old ones so
    that they finish before those pipelines shut down."""

    __slots__ = ("_generation", "_target")

    def __init__(self, target: Consumer) -> None:
        self._target = target
        self._generation = _Generation()

    @property
    def target(self) -> Consumer:
        return self._target

    @property
    def capabilities(self) -> Capabilities:
        return self._target.capabilities

    async def consume(self, data: AnyData) -> None:
        generation = self._generation
        generation.count += 1
        try:
            await self._target.consume(data)
        finally:
            generation.count -= 1
            if generation.count == 0 and generation.idle is not None:
                generation.idle.set()

    def swap(self, target: Consumer) -> _Generation:
        """Send new data to ``target``; the returned generation drains the calls already started."""
        old = self._generation
        self._target, self._generation = target, _Generation()
        return old


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
    #: a receiver's next consumer (what a reload repoints)
    inlet: SwappableConsumer | None = None
    #: what the receiver instance was given: the inlet, behind a tap point with the admin endpoint
    feeds: Consumer | None = None
    #: a connector's receiver-side pipeline heads (what decides whether a reload can keep it)
    heads: dict[PipelineID, PipelineHead] | None = None

    def describe(self) -> str:
        return f'{self.kind} "{self.id}"'


@dataclass
class PipelineNodes:
    head: PipelineHead
    processors: list[Node]
    targets: list[Node]


@dataclass
class Graph:
    nodes: dict[tuple[Any, ...], Node]
    pipelines: dict[PipelineID, PipelineNodes] = field(default_factory=dict)
    #: kept receivers' inlets and the consumer each must switch to (a reload's switch point)
    swaps: list[tuple[SwappableConsumer, Consumer]] = field(default_factory=list)

    def components(self) -> dict[int, Node]:
        """Distinct component instances (one OTLP receiver serves several signal nodes)."""
        out: dict[int, Node] = {}
        for node in self.nodes.values():
            out.setdefault(id(node.component), node)
        return out

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


@dataclass
class Previous:
    """The running graph a reload builds against, and which components kept their config (same
    factory, same config, no reference to a changed extension, not barred by the caller)."""

    graph: Graph
    unchanged: Callable[[Kind, ID], bool]

    def node(self, key: tuple[Any, ...], kind: Kind, comp_id: ID) -> Node | None:
        old = self.graph.nodes.get(key)
        return old if old is not None and self.unchanged(kind, comp_id) else None


class _Builder:
    def __init__(
        self,
        cfg: Config,
        make_settings: SettingsMaker,
        log: logging.Logger,
        previous: Previous | None = None,
        taps: TapHub | None = None,
    ) -> None:
        self.cfg = cfg
        self.taps = taps
        self.make_settings = make_settings
        self.log = log
        self.previous = previous
        self.nodes: dict[tuple[Any, ...], Node] = {}
        self.heads: dict[PipelineID, tuple[PipelineHead, list[Node]]] = {}
        self.pipelines: dict[PipelineID, PipelineNodes] = {}
        self.swaps: list[tuple[SwappableConsumer, Consumer]] = []
        self.building: list[PipelineID] = []
        self.connectors = cfg.components[Kind.CONNECTOR]

    def tap(self, consumer: Consumer, component: str, signal: Signal, pipeline: PipelineID | None) -> Consumer:
        """With the admin endpoint on, a counting tap point in front of ``consumer``."""
        if self.taps is None:
            return consumer
        from ..admin.taps import Point

        return self.taps.point(Point(component, signal, pipeline), consumer)

    def kept(self, key: tuple[Any, ...], kind: Kind, comp_id: ID) -> Node | None:
        return self.previous.node(key, kind, comp_id) if self.previous is not None else None

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
        if key not in self.nodes and (old := self.kept(key, Kind.EXPORTER, eid)) is not None:
            self.nodes[key] = Node(Kind.EXPORTER, eid, old.component, key)
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
                by_pipeline = {t: h for t, (h, _) in zip(targets, heads, strict=True)}
                old = self.kept(key, Kind.CONNECTOR, conn_id)
                if old is not None and _same_heads(old.heads, by_pipeline):
                    node = Node(Kind.CONNECTOR, conn_id, old.component, key, heads=by_pipeline)
                    for _, first in heads:
                        node.downstream.extend(first)
                    self.nodes[key] = node
                    out.append(node)
                    continue
                router = PipelineRouter(dict[PipelineID, Consumer](by_pipeline))
                settings = self.make_settings(conn_id, Kind.CONNECTOR, source, None)
                try:
                    instance = factory.create_for(source, target, settings, comp.config, router)
                except ValueError as exc:  # a config the graph refuses (routing: an unknown pipeline)
                    raise GraphError(str(exc)) from None
                self.log_stability(Kind.CONNECTOR, conn_id, factory.stability[(source, target)])
                node = Node(Kind.CONNECTOR, conn_id, instance, key, heads=by_pipeline)
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
        old_pipe = self.previous.graph.pipelines.get(pid) if self.previous is not None else None
        # A processor keeps its instance only while everything after it in the chain did too.
        chain_kept = old_pipe is not None and _same_nodes(old_pipe.targets, targets)
        next_consumer: Consumer = fan_out([self.tap(n.component, f"{n.kind}s/{n.id}", signal, pid) for n in targets])
        mutates = any(n.component.capabilities.mutates_data for n in targets)
        downstream = targets
        processors: list[Node] = []
        for depth, prid in enumerate(reversed(pipe.processors), start=1):
            key = ("processor", pid, prid)
            old = self.kept(key, Kind.PROCESSOR, prid) if chain_kept and old_pipe is not None else None
            old_procs = old_pipe.processors if old_pipe is not None else []
            if old is not None and len(old_procs) >= depth and old_procs[-depth] is old:
                instance = old.component
            else:
                chain_kept = False
                instance = self.new_processor(pid, prid, self.tap(next_consumer, f"processors/{prid}", signal, pid))
            node = Node(Kind.PROCESSOR, prid, instance, key, list(downstream))
            self.nodes[key] = node
            processors.insert(0, node)
            downstream = [node]
            next_consumer = instance
            mutates = mutates or instance.capabilities.mutates_data
        self.building.pop()
        if chain_kept and old_pipe is not None and len(old_pipe.processors) == len(processors):
            head = old_pipe.head
        else:
            head = PipelineHead(next_consumer, mutates)
        self.pipelines[pid] = PipelineNodes(head, processors, targets)
        self.heads[pid] = (head, downstream)
        return self.heads[pid]

    def new_processor(self, pid: PipelineID, prid: ID, next_consumer: Consumer) -> Any:
        comp = self.cfg.components[Kind.PROCESSOR][prid]
        factory = comp.factory_as(ProcessorFactory)
        settings = self.make_settings(prid, Kind.PROCESSOR, pid.signal, pid)
        try:
            instance = factory.create_for(pid.signal, settings, comp.config, next_consumer)
        except ValueError as exc:  # an unsupported signal, or a config this signal refuses
            raise GraphError(f'failed to create "{prid}" processor, in pipeline "{pid}": {exc}') from None
        self.log_stability(Kind.PROCESSOR, prid, factory.stability[pid.signal])
        return instance

    def receiver_node(self, signal: Signal, rid: ID) -> None:
        key = ("receiver", signal, rid)
        pids = [p for p, pipe in self.cfg.pipelines.items() if p.signal is signal and rid in pipe.receivers]
        heads = [self.pipeline_head(p) for p in pids]
        target = fan_out([h for h, _ in heads])
        old = self.kept(key, Kind.RECEIVER, rid)
        if old is not None and old.inlet is not None:
            node = Node(Kind.RECEIVER, rid, old.component, key, inlet=old.inlet, feeds=old.feeds)
            if not _same_target(old.inlet.target, target):
                self.swaps.append((old.inlet, target))
            for _, first in heads:
                node.downstream.extend(first)
            self.nodes[key] = node
            return
        inlet = SwappableConsumer(target)
        comp = self.cfg.components[Kind.RECEIVER][rid]
        factory = comp.factory_as(ReceiverFactory)
        settings = self.make_settings(rid, Kind.RECEIVER, signal, None)
        feeds = self.tap(inlet, f"receivers/{rid}", signal, None)
        try:
            instance = factory.create_for(signal, settings, comp.config, feeds)
        except UnsupportedSignalError as exc:
            raise GraphError(f'failed to create "{rid}" receiver for data type "{signal}": {exc}') from None
        self.log_stability(Kind.RECEIVER, rid, factory.stability[signal])
        node = Node(Kind.RECEIVER, rid, instance, key, inlet=inlet, feeds=feeds)
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
        return Graph(self.nodes, self.pipelines, self.swaps)


def build_graph(
    cfg: Config,
    make_settings: SettingsMaker,
    log: logging.Logger,
    previous: Previous | None = None,
    taps: TapHub | None = None,
) -> Graph:
    """The graph of ``cfg``; with ``previous``, unchanged parts keep the running instances; with
    ``taps`` (the admin endpoint), tap points out of receivers and processors and into exporters."""
    return _Builder(cfg, make_settings, log, previous, taps).build()


def _same_nodes(old: list[Node], new: list[Node]) -> bool:
    return len(old) == len(new) and all(
        a.key == b.key and a.component is b.component for a, b in zip(old, new, strict=True)
    )


def _same_heads(old: dict[PipelineID, PipelineHead] | None, new: dict[PipelineID, PipelineHead]) -> bool:
    return old is not None and list(old) == list(new) and all(old[p] is new[p] for p in new)


def _same_target(old: Consumer, new: Consumer) -> bool:
    """Whether a kept receiver's fan-out reaches the very same pipeline heads."""
    if old is new:
        return True
    if isinstance(old, FanOut) and isinstance(new, FanOut):
        return _consumer_ids(old) == _consumer_ids(new)
    return False


def _consumer_ids(fan: FanOut) -> list[int]:
    return [id(c) for c in (*fan._mutable, *fan._readonly)]

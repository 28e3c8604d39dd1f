"""The tail_sampling processor: spans are buffered per trace ID and each whole trace is decided
once ``decision_wait`` has passed since its first span.

``consume`` splits each request by trace ID (keeping the resource and scope of every span) and
returns at once, as Go's processor does: a span of a trace still waiting joins its buffer; a span
of a trace already decided is forwarded (sampled) or dropped (not sampled), either from the trace
still in memory or from the decision caches. Memory holds at most ``num_traces`` traces: a new
trace beyond that evicts the oldest one, whose decision tick then counts it in
``sampling_trace_dropped_too_early``.

One asyncio task ticks every second and decides the traces whose wait is over: drop policies first
(any ``dropped`` wins), then the others (any ``sampled`` keeps the trace, unless
``sample_on_first_match`` stopped at the first). Sampled traces of one tick are forwarded together
in one request. Shutdown decides every pending trace (or drops them with
``drop_pending_traces_on_shutdown``).
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from pyotelcol.component import Host, Settings
from pyotelcol.consumer import Capabilities, Consumer
from pyotelcol.pdata import AnyData, Traces

from .batcher import Batcher
from .config import SPAN_INGEST, Config
from .pieces import Piece, detach, materialize, piece_size, split_by_trace
from .policies import Decision, Policy, TraceData, build_policies
from .telemetry import DECISION_ATTRS, Telemetry

__all__ = ["TailSamplingProcessor"]

TICK_SECONDS = 1.0
_CAPS = Capabilities(mutates_data=False)


@dataclass
class _Trace:
    data: TraceData
    arrival: float
    batch_id: int
    decision: Decision = Decision.UNSPECIFIED
    decision_time: float = 0.0
    policy: str = ""


class _LRU:
    """Go's decision caches: the most recent ``size`` trace IDs (size 0: a cache that holds nothing)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[bytes, str] = OrderedDict()

    def put(self, trace_id: bytes, policy: str) -> None:
        if self.size <= 0:
            return
        self.items[trace_id] = policy
        self.items.move_to_end(trace_id)
        if len(self.items) > self.size:
            self.items.popitem(last=False)

    def __contains__(self, trace_id: bytes) -> bool:
        if trace_id in self.items:
            self.items.move_to_end(trace_id)
            return True
        return False


class _TickStats:
    """What one tick counted, recorded in the self-metrics at its end."""

    def __init__(self, policies: int) -> None:
        self.not_found = 0
        self.errors = 0
        self.decisions = [[0] * len(Decision) for _ in range(policies)]
        self.executions = [0] * policies
        self.exec_seconds = [0.0] * policies
        self.final: dict[Decision, int] = {}


class TailSamplingProcessor:
    def __init__(self, settings: Settings, cfg: Config, next_consumer: Consumer) -> None:
        self.cfg = cfg
        self.next = next_consumer
        self.logger = settings.telemetry.logger
        self.span_ingest = cfg.sampling_strategy == SPAN_INGEST
        self.policies: list[Policy] = build_policies(cfg.policies, settings.id.name, self.logger, self.span_ingest)
        self.num_drop_policies = sum(1 for p in self.policies if p.is_drop)
        self.traces: OrderedDict[bytes, _Trace] = OrderedDict()
        self.batcher = Batcher(max(1, int(cfg.decision_wait.total_seconds())))
        self.sampled_cache = _LRU(cfg.decision_cache.sampled_cache_size)
        self.not_sampled_cache = _LRU(cfg.decision_cache.non_sampled_cache_size)
        self.root_wait_batches = int(cfg.decision_wait_after_root_received.total_seconds())
        self.telemetry = Telemetry(settings, lambda: len(self.traces))
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._space = asyncio.Event()
        self._stopped = False

    @property
    def capabilities(self) -> Capabilities:
        return _CAPS

    async def start(self, host: Host) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), context=contextvars.Context())

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(self._stopping.wait(), TICK_SECONDS)
            except TimeoutError:
                try:
                    await self._tick()
                except Exception:  # a bug must not stop the decisions (memory would only fill up)
                    self.logger.exception("tail sampling decision tick failed")

    async def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopping.set()
        self._space.set()
        if self._task is not None:
            await self._task
        self.batcher.stop()
        if not self.cfg.drop_pending_traces_on_shutdown:
            while await self._tick():
                pass
        self._stopped = True
        self.telemetry.close()

    # -- ingest -----------------------------------------------------------------------------

    async def consume(self, data: AnyData) -> None:
        if self._stopped:
            # Receivers stop first, so this only happens to data sent by a shut-down pipeline's peers.
            await self._forward(data)
            return
        forward: list[Piece] = []
        released = {True: 0, False: 0}
        new_traces = 0
        now = time.monotonic()
        pieces = split_by_trace(data.message, self.root_wait_batches > 0)  # type: ignore[arg-type]
        for piece in pieces:
            trace_id = piece.trace_id
            if trace_id in self.sampled_cache:
                forward.append(piece)
                released[True] += piece.span_count
                continue
            if trace_id in self.not_sampled_cache:
                released[False] += piece.span_count
                continue
            if trace_id not in self.traces and len(self.traces) >= self.cfg.num_traces:
                if self.cfg.block_on_overflow and self.cfg.num_traces > 0:
                    await self._wait_for_space()
                    now = time.monotonic()
                if len(self.traces) >= self.cfg.num_traces and self.traces:
                    # The oldest trace goes, decided or not; an undecided one is then "dropped too early".
                    self._drop_trace(next(iter(self.traces)), now)
            new_traces += self._add(piece, forward, now)
        self._limit_pinning(pieces)
        t = self.telemetry
        if new_traces:
            t.new_trace_id_received.add(new_traces)
        for sampled, spans in released.items():
            if spans:
                t.early_releases.add(spans, {"sampled": "true" if sampled else "false"})
        if forward:
            await self._forward(_request(forward))

    def _limit_pinning(self, pieces: list[Piece]) -> None:
        """Buffered pieces reference the request; when they are less than half of it, they get
        copies of their own so that memory follows the buffered spans, as in Go."""
        buffered = [p for p in pieces if p.buffered]
        if not buffered:
            return
        total = sum(p.span_count for p in pieces)
        if 2 * sum(p.span_count for p in buffered) < total:
            for piece in buffered:
                detach(piece)

    async def _wait_for_space(self) -> None:
        """block_on_overflow: waits for a decision to free room. A decided trace still in memory
        (no decision cache) holds no spans, so the oldest one makes room at once (Go would wait
        for ever, as decided traces only leave memory through a cache or an eviction)."""
        while len(self.traces) >= self.cfg.num_traces and not self._stopping.is_set():
            decided = next((tid for tid, t in self.traces.items() if t.decision is not Decision.UNSPECIFIED), None)
            if decided is not None:
                self._drop_trace(decided, time.monotonic())
                return
            self._space.clear()
            await self._space.wait()

    def _add(self, piece: Piece, forward: list[Piece], now: float) -> int:
        """Buffers (or forwards, or drops) one piece; 1 when it started a new trace."""
        trace_id = piece.trace_id
        trace = self.traces.get(trace_id)
        new = 0
        if trace is None:
            trace = _Trace(TraceData(trace_id), now, self.batcher.add(trace_id))
            self.traces[trace_id] = trace
            new = 1
        trace.data.span_count += piece.span_count
        if piece.has_root and self.root_wait_batches > 0:
            trace.batch_id = self.batcher.move_earlier(trace_id, trace.batch_id, self.root_wait_batches)
        max_size = self.cfg.maximum_trace_size_bytes
        if max_size > 0:
            trace.data.size_bytes += piece_size(piece)
            if trace.decision is Decision.UNSPECIFIED and trace.data.size_bytes > max_size:
                self.telemetry.dropped_too_large.add(1)
                trace.decision = Decision.NOT_SAMPLED
                trace.data.batches = []
                self.batcher.remove(trace_id, trace.batch_id)
                self._release_not_sampled(trace_id, trace, now)
                return new
        if trace.decision is Decision.UNSPECIFIED:
            if self.span_ingest:
                self._decide_on_ingest(trace, piece, forward, now)
            else:
                trace.data.batches.append(piece)
                piece.buffered = True
            return new
        # A late span of a trace decided but still in memory.
        if trace.decision is Decision.SAMPLED:
            forward.append(piece)
        elif trace.decision is Decision.NOT_SAMPLED:
            self._release_not_sampled(trace_id, trace, now)
        else:
            self.logger.warning("Unexpected sampling decision", extra={"fields": {"decision": trace.decision.value}})
        if trace.decision_time:
            self.telemetry.late_span_age.record(int(now - trace.decision_time))
        return new

    def _decide_on_ingest(self, trace: _Trace, piece: Piece, forward: list[Piece], now: float) -> None:
        """span-ingest: the policies see only the spans just received (with the trace's span count
        so far); a sampled or dropped outcome is final at once, anything else waits for the tick."""
        started = time.monotonic()
        stats = _TickStats(len(self.policies))
        view = TraceData(trace.data.trace_id, [piece], trace.data.span_count, trace.data.size_bytes)
        decision, policy = self._decide_ingest(view, stats)
        if decision is not Decision.UNSPECIFIED:
            stats.final[decision] = 1
        self._record(stats, started)
        if decision is Decision.UNSPECIFIED:
            trace.data.batches.append(piece)
            piece.buffered = True
            return
        trace.decision, trace.policy, trace.decision_time = decision, policy, now
        batches, trace.data.batches = trace.data.batches, []
        if decision is Decision.SAMPLED:
            forward.extend(batches)
            forward.append(piece)
            if self.sampled_cache.size > 0:
                self.sampled_cache.put(trace.data.trace_id, policy)
                self._drop_trace(trace.data.trace_id, now)
        else:
            self._release_not_sampled(trace.data.trace_id, trace, now)

    def _decide_ingest(self, trace: TraceData, stats: _TickStats) -> tuple[Decision, str]:
        """Go's span-ingest decision: a drop policy that does not drop these spans could still drop
        later ones, so nothing is sampled early while one is pending."""
        drop_pending = False
        for index, policy in enumerate(self.policies):
            if not policy.is_drop and drop_pending:
                break
            decision = self._evaluate(index, trace, stats)
            if decision is None:
                continue
            if decision is Decision.DROPPED:
                return Decision.DROPPED, policy.name
            if policy.is_drop:
                drop_pending = True
            elif decision is Decision.SAMPLED:
                return Decision.SAMPLED, policy.name
        return Decision.UNSPECIFIED, ""

    def _drop_trace(self, trace_id: bytes, now: float) -> bool:
        trace = self.traces.pop(trace_id, None)
        if trace is None:
            return False
        self.telemetry.trace_removal_age.record(int(now - trace.arrival))
        self._space.set()
        return True

    def _release_not_sampled(self, trace_id: bytes, trace: _Trace, now: float) -> None:
        if self.not_sampled_cache.size > 0:
            self.not_sampled_cache.put(trace_id, trace.policy)
            self._drop_trace(trace_id, now)

    # -- decisions --------------------------------------------------------------------------

    async def _tick(self) -> bool:
        """Decides the traces of the oldest batch; False when the stopped batcher is drained."""
        started = time.monotonic()
        batch, more = self.batcher.take()
        stats = _TickStats(len(self.policies))
        sampled: list[Piece] = []
        traces = self.traces
        for trace_id in batch:
            trace = traces.get(trace_id)
            if trace is None:
                stats.not_found += 1
                continue
            if trace.decision is not Decision.UNSPECIFIED:
                continue
            if self.span_ingest:
                # The tick only finalizes what is still pending, without evaluating it again.
                trace.decision, trace.decision_time = Decision.NOT_SAMPLED, started
                trace.data.batches = []
                stats.final[Decision.NOT_SAMPLED] = stats.final.get(Decision.NOT_SAMPLED, 0) + 1
                self._release_not_sampled(trace_id, trace, started)
                self._drop_trace(trace_id, started)
                continue
            if not trace.data.batches:
                stats.not_found += 1
                continue
            decision, policy = self._decide(trace.data, stats)
            trace.decision = decision
            trace.policy = policy
            trace.decision_time = started
            stats.final[decision] = stats.final.get(decision, 0) + 1
            batches, trace.data.batches = trace.data.batches, []
            if decision is Decision.SAMPLED:
                sampled.extend(batches)
                if self.sampled_cache.size > 0:
                    self.sampled_cache.put(trace_id, policy)
                    self._drop_trace(trace_id, started)
            else:
                self._release_not_sampled(trace_id, trace, started)
        self._record(stats, started)
        # Wake a sender blocked on overflow: decided traces can make room even if none left memory.
        self._space.set()
        if sampled:
            await self._forward(_request(sampled))
        return more

    def _evaluate(self, index: int, trace: TraceData, stats: _TickStats) -> Decision | None:
        started = time.perf_counter()
        try:
            decision: Decision | None = self.policies[index].evaluator.evaluate(trace)
        except Exception as exc:  # a failing policy is skipped for this trace, as in Go
            self.logger.debug("Sampling policy error", extra={"fields": {"error": str(exc)}})
            stats.errors += 1
            decision = None
        stats.exec_seconds[index] += time.perf_counter() - started
        stats.executions[index] += 1
        if decision is not None:
            stats.decisions[index][decision.value] += 1
        return decision

    def _decide(self, trace: TraceData, stats: _TickStats) -> tuple[Decision, str]:
        for index in range(self.num_drop_policies):
            if self._evaluate(index, trace, stats) is Decision.DROPPED:
                return Decision.DROPPED, self.policies[index].name
        sampled_by = ""
        for index in range(self.num_drop_policies, len(self.policies)):
            decision = self._evaluate(index, trace, stats)
            if decision is Decision.DROPPED:
                return Decision.DROPPED, self.policies[index].name
            if decision is Decision.SAMPLED:
                sampled_by = sampled_by or self.policies[index].name
                if self.cfg.sample_on_first_match:
                    break
        if sampled_by:
            return Decision.SAMPLED, sampled_by
        return Decision.NOT_SAMPLED, ""

    def _record(self, stats: _TickStats, started: float) -> None:
        t = self.telemetry
        t.decision_timer_latency.record(int((time.monotonic() - started) * 1000))
        t.dropped_too_early.add(stats.not_found)
        t.policy_evaluation_error.add(stats.errors)
        for decision, count in stats.final.items():
            t.global_count_traces_sampled.add(count, DECISION_ATTRS[decision])
        for index, policy in enumerate(self.policies):
            if not stats.executions[index]:
                continue
            for decision, attrs in DECISION_ATTRS.items():
                count = stats.decisions[index][decision.value]
                if count:
                    t.count_traces_sampled.add(count, {"policy": policy.label, **attrs})
            label = {"policy": policy.label}
            t.policy_execution_count.add(stats.executions[index], label)
            t.policy_execution_time_sum.add(math.floor(stats.exec_seconds[index] * 1_000_000), label)

    async def _forward(self, data: AnyData) -> None:
        try:
            await self.next.consume(data)
        except Exception as exc:  # Go logs and goes on: the data was already accepted
            self.logger.warning("Error sending spans to destination", extra={"fields": {"error": str(exc)}})


def _request(pieces: list[Piece]) -> Traces:
    message = ExportTraceServiceRequest()
    for piece in pieces:
        materialize(piece, message.resource_spans.add())
    return Traces(message)

"""Merging requests into one and cutting a batch to an exact item count: what the batch
processor and the exporter queue's batcher both do to OTLP requests (Go's pdata ``MergeTo`` and the
batch processor's ``splitTraces``/``splitMetrics``/``splitLogs``).

Merging: an OTLP export request is one repeated field, so the concatenated wire bytes of several
requests parse as their merged request. When every part still has its received bytes we join
them (the merged request keeps wire bytes for the exporter); otherwise the messages are merged
with ``MergeFrom``. Both are single protobuf calls per request.

Splitting works at item granularity (span, metric data point, log record): whole resources and
scopes move with one ``extend`` each; only the one resource / scope / metric straddling the cut
is divided, its non-item fields (resource, scope, schema URLs, metric name, temporality...)
copied onto both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from ..component import Signal
from .data import BY_SIGNAL, PData
from .pcommon import ReadOnlyError

__all__ = ["merge", "take"]

D = TypeVar("D", bound=PData[Any])


def merge(parts: Sequence[D], count: int | None = None) -> D:
    """One request holding every part (all of one signal), in order. ``count`` is the total
    item count when the caller knows it (else it is counted)."""
    if len(parts) == 1:
        return parts[0]
    cls = type(parts[0])
    if count is None:
        count = sum(p.item_count() for p in parts)
    if sum(p.has_wire for p in parts) * 2 >= len(parts):
        # Mostly received bytes: serialize the few without (pieces cut off by a split) and join.
        # The joined bytes are not parsed: an exporter sends them as they are, and the message
        # is decoded only if something downstream reads it. So bytes nobody vouched for are
        # parsed here first (InvalidDataError): one bad part must not spoil the joined batch.
        for p in parts:
            if p.unverified_wire:
                p.check_wire()
        wire = b"".join(p.to_wire() for p in parts)
        return cls.from_trusted_wire(wire, count, checked=all(p.wire_checked for p in parts))
    msg: Any = cls.message_type()
    for p in parts:
        msg.MergeFrom(p.message)
    out = cls(msg)
    out._count = count
    return out


def _copy_shell(src: Any, dst: Any, skip: str) -> None:
    """Copy every set field of ``src`` except ``skip`` onto ``dst`` (a fresh message)."""
    for fd, value in src.ListFields():
        if fd.name == skip:
            continue
        if fd.message_type is not None:
            if fd.is_repeated:
                getattr(dst, fd.name).extend(value)
            else:
                getattr(dst, fd.name).CopyFrom(value)
        elif fd.is_repeated:
            getattr(dst, fd.name).extend(value)
        else:
            setattr(dst, fd.name, value)


def _points(metric: Any) -> int:
    kind = metric.WhichOneof("data")
    return 0 if kind is None else len(getattr(metric, kind).data_points)


def _move_metrics(src: Any, dst: Any, n: int) -> int:
    """Move up to ``n`` data points from the front of a repeated Metric field."""
    moved = whole = 0
    for metric in src:
        c = _points(metric)
        if moved + c > n:
            break
        moved += c
        whole += 1
    if whole:
        dst.extend(src[:whole])
        del src[:whole]
    if moved < n and len(src):
        metric = src[0]
        kind = metric.WhichOneof("data")
        new = dst.add()
        _copy_shell(metric, new, kind)
        data, new_data = getattr(metric, kind), getattr(new, kind)
        new_data.SetInParent()
        _copy_shell(data, new_data, "data_points")
        k = n - moved
        new_data.data_points.extend(data.data_points[:k])
        del data.data_points[:k]
        moved += k
    return moved


class _Mover:
    """Moves a number of items from the front of one request into another, per signal."""

    def __init__(self, signal: Signal) -> None:
        cls = BY_SIGNAL[signal]
        self.top, self.mid, self.leaf = cls.resource_field, cls.scope_field, cls.item_field
        self.metrics = signal is Signal.METRICS

    def _leaf_count(self, leaves: Any) -> int:
        if self.metrics:
            return sum(_points(m) for m in leaves)
        return len(leaves)

    def _move_leaves(self, src: Any, dst: Any, n: int) -> int:
        if self.metrics:
            return _move_metrics(src, dst, n)
        k = min(n, len(src))
        dst.extend(src[:k])
        del src[:k]
        return k

    def _count(self, node: Any, depth: int) -> int:
        if depth == 0:  # a resource
            return sum(self._leaf_count(getattr(s, self.leaf)) for s in getattr(node, self.mid))
        return self._leaf_count(getattr(node, self.leaf))

    def move(self, src: Any, dst: Any, n: int, depth: int = 0) -> int:
        """Move up to ``n`` items from the repeated field ``src`` (resources at depth 0, scopes
        at depth 1) into ``dst``; returns how many moved."""
        moved = whole = 0
        for node in src:
            c = self._count(node, depth)
            if moved + c > n:
                break
            moved += c
            whole += 1
        if whole:
            dst.extend(src[:whole])
            del src[:whole]
        if moved < n and len(src):
            node = src[0]
            child = self.mid if depth == 0 else self.leaf
            new = dst.add()
            _copy_shell(node, new, child)
            if depth == 0:
                moved += self.move(getattr(node, child), getattr(new, child), n - moved, 1)
            else:
                moved += self._move_leaves(getattr(node, child), getattr(new, child), n - moved)
        return moved


_MOVERS = {sig: _Mover(sig) for sig in BY_SIGNAL}


def take(data: D, n: int) -> tuple[D, D]:
    """Split ``data`` (which the caller owns) into its first ``n`` items and the rest.

    ``data`` must hold more than ``n`` items. The returned remainder reuses ``data``'s message.
    """
    cls = type(data)
    checked = data.wire_checked  # moving items does not change how deep messages nest
    try:
        src = data.mutable()
        rest = data
    except ReadOnlyError:  # shared read-only: work on a private copy
        rest = data.clone()
        src = rest.mutable()
    head = cls.message_type()
    mover = _MOVERS[cls.signal]
    moved = mover.move(getattr(src, mover.top), getattr(head, mover.top), n)
    out = cls(head)
    out._count = moved
    if checked:
        out.mark_checked()
        rest.mark_checked()
    return out, rest

"""The consistent hash ring of Go's loadbalancingexporter.

Go (v0.156 and later) places ``weight`` (200) virtual points per endpoint on a ring of
``max_positions`` (131071 = 2^17 - 1) slots: point ``i`` of an endpoint is
``crc32_ieee(endpoint bytes + uint32 i little-endian) % max_positions``. All candidate points are
generated first and ordered globally (by position, then endpoint, then index) before any slot is
claimed, so the ring does not depend on the order the resolver listed the endpoints in. A
candidate whose slot is taken probes the next slots (at most 10 steps, wrapping); when the probe
budget runs out the point is dropped. A key lands on ``crc32_ieee(key) % max_positions`` and is
owned by the first point at or after that slot, wrapping to the first point of the ring.

The older layout (Go up to v0.155: endpoints claimed slots one after the other in list order;
before v0.131 the index was a single byte, 100 points, 36000 slots) is reachable through
``RingParams`` so Go's own published ring vectors of those versions can be checked.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DEFAULT_PARAMS", "HashRing", "RingParams", "positions_for"]


@dataclass(frozen=True)
class RingParams:
    max_positions: int = 131071
    weight: int = 200
    linear_probe_limit: int = 10  # 0: an occupied slot drops the point (Go before v0.131)
    index_width: int = 4  # bytes of the little-endian point index appended to the endpoint
    global_order: bool = True  # points ordered across endpoints before claiming slots


DEFAULT_PARAMS = RingParams()


def positions_for(endpoint: str, params: RingParams = DEFAULT_PARAMS) -> list[int]:
    """The candidate slots of ``endpoint``'s virtual points, in index order."""
    raw = endpoint.encode()
    mask = (1 << (8 * params.index_width)) - 1
    return [
        zlib.crc32(raw + (i & mask).to_bytes(params.index_width, "little")) % params.max_positions
        for i in range(params.weight)
    ]


class HashRing:
    """An immutable ring built from a list of endpoints (``host:port`` strings)."""

    __slots__ = ("_endpoints", "_params", "_positions")

    def __init__(self, endpoints: Sequence[str], params: RingParams = DEFAULT_PARAMS) -> None:
        self._params = params
        candidates = [(pos, ep, i) for ep in endpoints for i, pos in enumerate(positions_for(ep, params))]
        if params.global_order:
            candidates.sort()
        taken: set[int] = set()
        items: list[tuple[int, str]] = []
        for pos, ep, _ in candidates:
            actual, probed = pos, 0
            while actual in taken and probed < params.linear_probe_limit:
                actual = (actual + 1) % params.max_positions
                probed += 1
            if actual in taken or (params.linear_probe_limit and probed >= params.linear_probe_limit):
                continue  # Go drops the point once the probe budget is spent (no probing before v0.131)
            taken.add(actual)
            items.append((actual, ep))
        items.sort()
        self._positions = [p for p, _ in items]
        self._endpoints = [e for _, e in items]

    @property
    def items(self) -> list[tuple[int, str]]:
        """(slot, endpoint) pairs in ring order."""
        return list(zip(self._positions, self._endpoints, strict=True))

    def __len__(self) -> int:
        return len(self._positions)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HashRing):
            return NotImplemented
        return self._positions == other._positions and self._endpoints == other._endpoints

    def __hash__(self) -> int:
        return hash((tuple(self._positions), tuple(self._endpoints)))

    def endpoint_for(self, key: bytes) -> str:
        """The endpoint owning ``key``; empty when the ring is empty (Go's ``endpointFor``)."""
        if not self._positions:
            return ""
        slot = zlib.crc32(key) % self._params.max_positions
        idx = bisect.bisect_left(self._positions, slot)
        return self._endpoints[idx if idx < len(self._positions) else 0]

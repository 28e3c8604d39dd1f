"""The hash ring against Go's published vectors and the consistent-hashing properties."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import pytest
from pyotelcol.exporters.load_balancing.ring import DEFAULT_PARAMS, HashRing, RingParams, positions_for

# Go's loadbalancingexporter before v0.131: one index byte, no probing (an occupied slot drops
# the point), endpoints claim slots in list order, 36000 slots.
GO_BEFORE_V0_131 = RingParams(max_positions=36000, weight=5, linear_probe_limit=0, index_width=1, global_order=False)


@pytest.mark.parametrize(
    ("endpoints", "expected"),
    [
        # Go's TestPositionsForEndpoints (consistent_hashing_test.go): the output of Go's algorithm
        (
            ["endpoint-1"],
            [
                (1401, "endpoint-1"),
                (4175, "endpoint-1"),
                (14133, "endpoint-1"),
                (17836, "endpoint-1"),
                (21667, "endpoint-1"),
            ],
        ),
        (
            ["endpoint-1", "endpoint-1"],
            [
                (1401, "endpoint-1"),
                (4175, "endpoint-1"),
                (14133, "endpoint-1"),
                (17836, "endpoint-1"),
                (21667, "endpoint-1"),
            ],
        ),
        (
            ["endpoint-1", "endpoint-2"],
            [
                (1401, "endpoint-1"),
                (4175, "endpoint-1"),
                (10240, "endpoint-2"),
                (14133, "endpoint-1"),
                (15002, "endpoint-2"),
                (17836, "endpoint-1"),
                (21263, "endpoint-2"),
                (21667, "endpoint-1"),
                (26806, "endpoint-2"),
                (27020, "endpoint-2"),
            ],
        ),
    ],
)
def test_go_published_ring_items(endpoints: list[str], expected: list[tuple[int, str]]) -> None:
    assert HashRing(endpoints, GO_BEFORE_V0_131).items == expected


def test_go_published_lookups() -> None:
    # Go's TestEndpointFor: 100 points per endpoint; these two keys alternate the endpoints.
    ring = HashRing(["endpoint-1", "endpoint-2"], RingParams(36000, 100, 0, 1, False))
    assert ring.endpoint_for(bytes([1, 2, 0, 0])) == "endpoint-1"
    assert ring.endpoint_for(bytes([128, 128, 0, 0])) == "endpoint-2"


def test_positions_use_four_byte_little_endian_index() -> None:
    # point 256 must differ from point 0 (a one-byte index wrapped around before v0.131)
    pos = positions_for("backend-1:4317")
    assert len(pos) == DEFAULT_PARAMS.weight == 200
    assert all(0 <= p < 131071 for p in pos)
    wide = positions_for("e", RingParams(weight=300))
    assert wide[256] != wide[0]


def test_lookup_takes_first_point_at_or_after_the_slot_and_wraps() -> None:
    ring = HashRing(["a:1", "b:1", "c:1"])
    items = ring.items
    assert [p for p, _ in items] == sorted(p for p, _ in items)
    assert len({p for p, _ in items}) == len(items)  # probing keeps slots unique

    # a key whose slot is past the last point belongs to the first point (keys found by counting)
    def key_where(pred: Callable[[int], bool]) -> bytes:
        return next(k for k in (i.to_bytes(8, "big") for i in range(5_000_000)) if pred(zlib.crc32(k) % 131071))

    last = items[-1][0]
    assert ring.endpoint_for(key_where(lambda slot: slot > last)) == items[0][1]
    assert ring.endpoint_for(key_where(lambda slot: slot == items[5][0])) == items[5][1]
    between = key_where(lambda slot: items[5][0] < slot < items[6][0])
    assert ring.endpoint_for(between) == items[6][1]


def test_empty_ring() -> None:
    assert HashRing([]).endpoint_for(b"x") == ""


def test_ring_does_not_depend_on_endpoint_order() -> None:
    endpoints = [f"10.0.0.{i}:4317" for i in range(1, 40)]
    assert HashRing(endpoints) == HashRing(list(reversed(endpoints)))
    assert len(HashRing(endpoints)) > 0.99 * 200 * len(endpoints)


def test_about_one_in_n_keys_move_when_a_backend_joins_or_leaves() -> None:
    keys = [i.to_bytes(16, "big") for i in range(1, 20001)]
    three = HashRing(["b1:4317", "b2:4317", "b3:4317"])
    four = HashRing(["b1:4317", "b2:4317", "b3:4317", "b4:4317"])
    before = [three.endpoint_for(k) for k in keys]
    after = [four.endpoint_for(k) for k in keys]
    moved = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert all(a == "b4:4317" for _, a in moved)  # keys only move to the new backend
    assert 0.15 < len(moved) / len(keys) < 0.35  # about 1/4
    # removing b2 from four: only b2's keys move, about 1/4 of them
    without = HashRing(["b1:4317", "b3:4317", "b4:4317"])
    shifted = [(a, w) for a, w in zip(after, (without.endpoint_for(k) for k in keys), strict=True) if a != w]
    assert all(a == "b2:4317" for a, _ in shifted)
    assert 0.15 < len(shifted) / len(keys) < 0.35
    # every backend gets a share
    share = {e: after.count(e) / len(keys) for e in set(after)}
    assert len(share) == 4 and all(0.15 < s < 0.35 for s in share.values())

"""Micro-benchmark: one resource attribute added to a 1000-span request, by splicing the wire
bytes (``pyotelcol.pdata.splice.edit_resources``) versus a full parse + edit + serialize.

    .venv/bin/python bench/splice_micro.py [--spans 1000] [--resources 1] [--rounds 300]

Prints microseconds per request for each way (best of 5 runs of ``rounds`` requests each).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from payload import request, scope_block

from pyotelcol.pdata import Traces
from pyotelcol.pdata.pcommon import Resource
from pyotelcol.pdata.splice import edit_resources


def _add(resource: Resource) -> None:
    resource.attributes.put_str("deployment.environment", "prod")


def _best(fn: Callable[[], None], rounds: int) -> float:
    best = float("inf")
    for _ in range(5):
        began = time.perf_counter()
        for _ in range(rounds):
            fn()
        best = min(best, (time.perf_counter() - began) / rounds)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--spans", type=int, default=1000)
    parser.add_argument("--resources", type=int, default=1, help="ResourceSpans entries per request")
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    per_entry = max(1, args.spans // args.resources)
    block = scope_block(per_entry)
    wire = b"".join(request(seq, block) for seq in range(args.resources))

    def splice_wire_only() -> None:  # after batch: bytes only
        data = Traces.from_trusted_wire(wire, checked=True)
        edit_resources(data, _add)
        data.to_wire()

    def full_wire_only() -> None:
        data = Traces.from_trusted_wire(wire, checked=True)
        for resource in data.resources():
            _add(resource)
        data.to_wire()

    def splice_parsed() -> None:  # straight from a receiver: message and bytes
        data = Traces.from_wire(wire)
        edit_resources(data, _add)
        data.to_wire()

    def full_parsed() -> None:
        data = Traces.from_wire(wire)
        for resource in data.resources():
            _add(resource)
        data.to_wire()

    def parse_only() -> None:
        Traces.from_wire(wire)

    print(f"request: {args.resources * per_entry} spans in {args.resources} resource(s), {len(wire)} bytes")
    rows = [
        ("bytes only: splice (edit_resources)", _best(splice_wire_only, args.rounds)),
        ("bytes only: parse + edit + serialize", _best(full_wire_only, args.rounds)),
        ("receiver's from_wire alone (for scale)", _best(parse_only, args.rounds)),
        ("from_wire + splice (edit_resources)", _best(splice_parsed, args.rounds)),
        ("from_wire + view edit + serialize", _best(full_parsed, args.rounds)),
    ]
    for name, micros in rows:
        print(f"  {name:<44} {micros:9.1f} µs/request")


if __name__ == "__main__":
    main()

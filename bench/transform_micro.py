"""CPU cost of the transform processor's OTTL engine against the cost of parsing and
re-serializing the same request (what any processor that changes spans pays anyway).

    .venv/bin/python bench/transform_micro.py [rounds]

Each round takes one 512-span request (bench/payload.py) from its wire bytes:
- ``parse+serialize``: decode, mark changed, encode (the floor for a changing processor);
- ``+ transform``: decode, run 5 typical span statements, encode; the statements run over the
  request's bytes (``ottl.wireprogram``, the C module) when it is built, and by the OTTL engine
  on the messages in the ``engine only`` line (the wire program switched off);
- then each statement alone (decode, one statement, encode), to see which one costs what.
The process CPU time (``time.process_time``) of each loop is printed with the ratio.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from payload import request, scope_block
from scenarios import TRANSFORM_STATEMENTS as STATEMENTS

from pyotelcol.ottl import StatementGroup, parse_statements
from pyotelcol.pdata import Traces


def _cpu(wire: bytes, rounds: int, group: StatementGroup | None) -> float:
    """CPU seconds of ``rounds`` decode, ``group`` (or a mark-as-changed), encode."""
    began = time.process_time()
    for _ in range(rounds):
        data = Traces.from_wire(wire)
        if group is None:
            data.before_write()
        else:
            group.execute(data)
        data.to_wire()
    return time.process_time() - began


def run(rounds: int) -> None:
    wire = request(1, scope_block())
    group = parse_statements(STATEMENTS, "traces")
    engine = parse_statements(STATEMENTS, "traces")
    engine.wire_program = None
    base = _cpu(wire, rounds, None)
    with_transform = _cpu(wire, rounds, group)
    engine_only = _cpu(wire, rounds, engine)

    spans = rounds * 512
    print(f"parse+serialize      {base:7.3f} s CPU  {base / spans * 1e6:7.2f} µs/span")
    print(f"+ transform (5 stmt) {with_transform:7.3f} s CPU  {with_transform / spans * 1e6:7.2f} µs/span")
    print(f"ratio                {with_transform / base:7.2f}x  (over the bytes: {group.wire_program is not None})")
    print(f"engine only          {engine_only:7.3f} s CPU  {engine_only / spans * 1e6:7.2f} µs/span")
    print("each statement alone, µs/span over parse+serialize:")
    for statement in STATEMENTS:
        alone = _cpu(wire, rounds, parse_statements([statement], "traces"))
        print(f"  {(alone - base) / spans * 1e6:7.2f}  {statement}")


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 20)

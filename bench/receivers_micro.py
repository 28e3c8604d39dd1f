"""Where the receivers' CPU goes: each decode/translate stage alone, in process, per item.

    .venv/bin/python bench/receivers_micro.py [rounds]

The bodies are the ones run.py sends (payload.py, formats.py, promtarget.py): 512 spans per
request, 10,000 series per scrape. Each stage is timed with ``time.process_time`` over ``rounds``
requests (best of three) and printed in µs per span or per series. The OTLP row is what the
OTLP receiver does with a request (``Traces.from_wire``: parse and id checks) and the serialize
rows what the exporter does with a translated one, for scale.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import formats
import promtarget
from payload import SPANS_PER_REQUEST, request, scope_block

from pyotelcol.pdata import Traces
from pyotelcol.translator.jaeger import decode_batch, thrift_to_traces
from pyotelcol.translator.prometheus import parse_exposition
from pyotelcol.translator.zipkin import v2_json_to_traces


def cpu_us(fn: Callable[[], Any], rounds: int, items: int) -> float:
    best = float("inf")
    for _ in range(3):
        began = time.process_time()
        for _ in range(rounds):
            fn()
        best = min(best, time.process_time() - began)
    return best / (rounds * items) * 1e6


def run(rounds: int) -> None:
    otlp = request(1, scope_block())
    zipkin = formats.zipkin_bodies()(1)
    jaeger = formats.jaeger_bodies()(1)
    batch = decode_batch(jaeger)
    jaeger_request = thrift_to_traces(batch)
    zipkin_traces = v2_json_to_traces(zipkin)
    exposition = promtarget.exposition()
    text = exposition.decode()
    series = sum(1 for line in exposition.splitlines() if line and not line.startswith(b"#"))
    n = SPANS_PER_REQUEST
    rows = [
        ("OTLP protobuf: Traces.from_wire", cpu_us(lambda: Traces.from_wire(otlp), rounds, n), "span"),
        ("Zipkin v2 JSON: decode + translate", cpu_us(lambda: v2_json_to_traces(zipkin), rounds, n), "span"),
        ("  serialize the result", cpu_us(lambda: zipkin_traces.message.SerializeToString(), rounds, n), "span"),
        ("Jaeger thrift: decode Batch", cpu_us(lambda: decode_batch(jaeger), rounds, n), "span"),
        ("  translate Batch -> OTLP", cpu_us(lambda: thrift_to_traces(batch), rounds, n), "span"),
        ("  serialize the result", cpu_us(lambda: jaeger_request.SerializeToString(), rounds, n), "span"),
        (
            "Prometheus text: parse_exposition",
            cpu_us(lambda: parse_exposition(text, "text/plain; version=0.0.4"), max(1, rounds // 10), series),
            "series",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    for name, us, unit in rows:
        print(f"{name.ljust(width)}  {us:7.2f} µs/{unit}")


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 20)

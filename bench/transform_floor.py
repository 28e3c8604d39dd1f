"""The floor of the transform benchmark's five span statements in Python over upb messages.

    .venv/bin/python bench/transform_floor.py [rounds]

The same 512-span request as ``transform_micro.py``, the same five statements
(``scenarios.TRANSFORM_STATEMENTS``), written by hand for exactly this data: no OTTL engine, no
views, no error handling, one key list per span, every access a direct protobuf attribute. What
it costs over decode+encode is about the least any Python engine over the upb messages can pay
for these statements; the OTTL engine's figure (``transform_micro.py``) is to be read against it.
Each basic operation it is made of is timed too.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from payload import SPANS_PER_REQUEST, request, scope_block

USERS = re.compile(r"/users/\d+")
SERVER = 2  # SPAN_KIND_SERVER
ERROR = 2  # STATUS_CODE_ERROR


def _string(value: Any) -> str:
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return str(value.string_value)
    return "" if kind is None else str(getattr(value, kind))


def five_statements(message: Any) -> None:
    for rs in message.resource_spans:
        for ss in rs.scope_spans:
            for span in ss.spans:
                attrs = span.attributes
                items = list(attrs)
                keys = [kv.key for kv in items]
                # set(span.status.code, STATUS_CODE_ERROR) where ...["http.response.status_code"] >= 500
                if "http.response.status_code" in keys:
                    value = items[keys.index("http.response.status_code")].value
                    if value.WhichOneof("value") == "int_value" and value.int_value >= 500:
                        span.status.code = ERROR
                # set(span.attributes["deployment.environment.name"], "prod")
                if "deployment.environment.name" in keys:
                    items[keys.index("deployment.environment.name")].value.string_value = "prod"
                else:
                    kv = attrs.add()
                    kv.key = "deployment.environment.name"
                    kv.value.string_value = "prod"
                    items.append(kv)
                    keys.append("deployment.environment.name")
                # delete_key(span.attributes, "user_agent.original")
                if "user_agent.original" in keys:
                    at = keys.index("user_agent.original")
                    del attrs[at], items[at], keys[at]
                # replace_pattern(span.attributes["url.path"], "/users/\\d+", "/users/{id}")
                if "url.path" in keys:
                    value = items[keys.index("url.path")].value
                    if value.WhichOneof("value") == "string_value":
                        old = value.string_value
                        new = USERS.sub("/users/{id}", old)
                        if new != old:
                            value.string_value = new
                # set(span.name, Concat([method, route], " ")) where span.kind == SPAN_KIND_SERVER
                if span.kind == SERVER:
                    parts = []
                    for key in ("http.request.method", "http.route"):
                        parts.append(_string(items[keys.index(key)].value) if key in keys else "")
                    span.name = " ".join(parts)


def _spans(message: Any) -> Any:
    return message.resource_spans[0].scope_spans[0].spans


def _operations() -> list[tuple[str, Callable[[Any], None]]]:
    def wrappers(m: Any) -> None:
        for s in _spans(m):
            list(s.attributes)

    def keys(m: Any) -> None:
        for s in _spans(m):
            [kv.key for kv in s.attributes]

    def read_value(m: Any) -> None:
        for s in _spans(m):
            v = s.attributes[3].value
            v.WhichOneof("value")
            v.string_value  # noqa: B018 - the read is what is timed

    def append(m: Any) -> None:
        for s in _spans(m):
            kv = s.attributes.add()
            kv.key = "deployment.environment.name"
            kv.value.string_value = "prod"

    def delete(m: Any) -> None:
        for s in _spans(m):
            del s.attributes[6]

    def set_name(m: Any) -> None:
        for s in _spans(m):
            s.name = "GET /x"

    return [
        ("8 KeyValue wrappers", wrappers),
        ("8 wrappers + their keys", keys),
        ("read one string value", read_value),
        ("append an attribute", append),
        ("delete an attribute", delete),
        ("set the name", set_name),
    ]


def _cost(wire: bytes, rounds: int, work: Callable[[Any], None] | None, serialize: bool) -> float:
    began = time.process_time()
    for _ in range(rounds):
        message = ExportTraceServiceRequest.FromString(wire)
        if work is not None:
            work(message)
        if serialize:
            message.SerializeToString()
    return (time.process_time() - began) / (rounds * SPANS_PER_REQUEST) * 1e6


def run(rounds: int) -> None:
    wire = request(1, scope_block())
    base = _cost(wire, rounds, None, True)
    floor = _cost(wire, rounds, five_statements, True)
    print(f"decode+encode              {base:6.2f} µs/span")
    print(f"+ 5 statements by hand     {floor:6.2f} µs/span  ({floor - base:.2f} over decode+encode)")
    parsed = _cost(wire, rounds, None, False)
    print("basic operations, µs/span over decode:")
    for name, work in _operations():
        print(f"  {_cost(wire, rounds, work, False) - parsed:6.2f}  {name}")


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 20)

"""Peers of the jaeger receiver tests: Jaeger payloads, senders over real sockets, collector output.

Loaded by path from the test modules (test directories are not packages).
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import grpc.aio
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from support import free_port, series

from pyotelcol.translator.jaeger import api_v2_pb2
from pyotelcol.translator.jaeger.thrift_codec import encode_agent_message, encode_batch, thrift

POST_SPANS = "/jaeger.api_v2.CollectorService/PostSpans"


def free_udp_port() -> int:
    return free_port()  # free for TCP and UDP


# -- payloads ------------------------------------------------------------------------------------


def thrift_batch(service: str, operations: list[str]) -> Any:
    spans = [
        thrift.Span(
            traceIdLow=1000 + i,
            traceIdHigh=7,
            spanId=2000 + i,
            parentSpanId=0,
            operationName=name,
            flags=1,
            startTime=1_700_000_000_000_000 + i,
            duration=1500,
            tags=[thrift.Tag(key="peer", vType=0, vStr="test")],
        )
        for i, name in enumerate(operations)
    ]
    return thrift.Batch(process=thrift.Process(serviceName=service, tags=[]), spans=spans)


def thrift_http_body(service: str, operations: list[str]) -> bytes:
    return encode_batch(thrift_batch(service, operations))


def agent_packet(service: str, operations: list[str], compact: bool) -> bytes:
    return encode_agent_message(thrift_batch(service, operations), compact)


def post_spans_body(service: str, operations: list[str]) -> bytes:
    request = api_v2_pb2.PostSpansRequest()
    request.batch.process.service_name = service
    for i, name in enumerate(operations):
        span = request.batch.spans.add()
        span.trace_id = (3000 + i).to_bytes(16, "big")
        span.span_id = (4000 + i).to_bytes(8, "big")
        span.operation_name = name
        span.start_time.CopyFrom(Timestamp(seconds=1_700_000_000, nanos=i))
        span.duration.CopyFrom(Duration(nanos=1500))
    return request.SerializeToString()


# -- senders -------------------------------------------------------------------------------------


async def post_spans(port: int, body: bytes) -> tuple[grpc.StatusCode, str, bytes]:
    """Call PostSpans with raw bytes: the status code, its details and the response bytes."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.unary_unary(POST_SPANS, None, None)
        try:
            response = await call(body, timeout=15)
        except grpc.aio.AioRpcError as err:
            return err.code(), err.details() or "", b""
    return grpc.StatusCode.OK, "", bytes(response)


async def post_thrift(
    port: int, body: bytes, content_type: str = "application/x-thrift", method: str = "POST", path: str = "/api/traces"
) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, f"http://127.0.0.1:{port}{path}", data=body, headers={"Content-Type": content_type}
        ) as resp,
    ):
        return resp.status, await resp.text()


def send_udp(port: int, packets: list[bytes]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for packet in packets:
            sock.sendto(packet, ("127.0.0.1", port))


# -- what the collector produced -----------------------------------------------------------------


def exported_spans(path: Path) -> dict[str, list[str]]:
    """``{service.name: [span names]}`` over every line the file exporter wrote."""
    out: dict[str, list[str]] = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        for rs in json.loads(line).get("resourceSpans", []):
            attrs = {kv["key"]: kv["value"].get("stringValue") for kv in rs.get("resource", {}).get("attributes", [])}
            names = out.setdefault(str(attrs.get("service.name")), [])
            for ss in rs.get("scopeSpans", []):
                names.extend(span["name"] for span in ss.get("spans", []))
    return out


async def wait_for_spans(path: Path, expected: dict[str, list[str]]) -> dict[str, list[str]]:
    for _ in range(400):
        found = exported_spans(path)
        if all(sorted(found.get(service, [])) == sorted(names) for service, names in expected.items()):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"spans never arrived: expected {expected}, found {exported_spans(path)}")


async def scrape(port: int) -> str:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as resp:
        assert resp.status == 200
        return await resp.text()


async def scrape_until(port: int, name: str, at_least: float, **labels: str) -> str:
    """The exposition once the sum of ``name`` over ``labels`` reaches ``at_least``."""
    text = ""
    for _ in range(400):
        text = await scrape(port)
        if sum(series(text, name, **labels)) >= at_least:
            return text
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name}{labels} never reached {at_least}:\n{text}")

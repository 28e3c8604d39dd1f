"""The Helm chart's default config runs unmodified: OTLP, Zipkin and Jaeger spans arrive at the
debug exporter, the prometheus receiver scrapes the collector's own metrics, health_check answers.

The chart binds everything to ``${env:MY_POD_IP}`` on fixed ports; the test gives it a loopback
address of its own (127.0.0.0/8 is all loopback on Linux), so those ports cannot clash with the
rest of the suite.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from support import REPO

from pyotelcol.translator.jaeger.idl import load as load_jaeger_thrift
from pyotelcol.translator.jaeger.thrift_codec import encode_agent_message, encode_batch

CONFIG = REPO / "tests" / "fixtures" / "helm" / "default-relay.yaml"
ENV = {
    "OTEL_K8S_NODE_NAME": "node-1",
    "OTEL_K8S_NAMESPACE": "observability",
    "OTEL_K8S_NODE_IP": "10.0.0.7",
    "GRPC_VERBOSITY": "",
}


def _pod_ip() -> str:
    """A loopback address whose chart ports are all free."""
    for last in range(77, 120):
        ip = f"127.0.0.{last}"
        free = True
        for port in (4317, 4318, 8888, 9411, 13133, 14250, 14268):
            with socket.socket() as sock:
                try:
                    sock.bind((ip, port))
                except OSError:
                    free = False
                    break
        if free:
            return ip
    pytest.skip("no loopback address with the chart's ports free")


def _post(url: str, body: bytes, content_type: str) -> int:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def _wait_healthy(ip: str, proc: Any) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1].decode()
        try:
            with urllib.request.urlopen(f"http://{ip}:13133/", timeout=2) as resp:
                if json.load(resp)["status"] == "Server available":
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    raise AssertionError("health_check never answered")


def _jaeger_batch(service: str) -> Any:
    thrift = load_jaeger_thrift()
    span = thrift.Span(
        traceIdLow=7, traceIdHigh=0, spanId=9, parentSpanId=0, operationName="op", flags=1, startTime=1, duration=2
    )
    return thrift.Batch(process=thrift.Process(serviceName=service, tags=[]), spans=[span])


def test_the_charts_default_config_runs_unmodified(collector_factory: Any) -> None:
    ip = _pod_ip()
    col = collector_factory(CONFIG, env={**ENV, "MY_POD_IP": ip})
    _wait_healthy(ip, col.proc)

    for port in (4317, 14250):  # the gRPC ports the chart declares (OTLP, Jaeger) accept connections
        with socket.create_connection((ip, port), timeout=5):
            pass
    otlp = (REPO / "tests" / "fixtures" / "otlp" / "trace.json").read_bytes()
    assert _post(f"http://{ip}:4318/v1/traces", otlp, "application/json") == 200
    zipkin = json.dumps(
        [
            {
                "traceId": "5af7183fb1d4cf5f",
                "id": "6b221d5bc9e6496c",
                "name": "get",
                "timestamp": 1700000000000000,
                "duration": 1000,
                "localEndpoint": {"serviceName": "zipkin-client"},
            }
        ]
    ).encode()
    assert _post(f"http://{ip}:9411/api/v2/spans", zipkin, "application/json") == 202
    status = _post(f"http://{ip}:14268/api/traces", encode_batch(_jaeger_batch("jaeger-http")), "application/x-thrift")
    assert status == 202  # Go's answer to an accepted batch
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(encode_agent_message(_jaeger_batch("jaeger-udp"), compact=True), (ip, 6831))

    # The prometheus receiver scrapes the collector's own metrics every 10 s; wait for one scrape.
    deadline = time.monotonic() + 40
    code, err = 0, ""
    while time.monotonic() < deadline:
        time.sleep(1)
        with urllib.request.urlopen(f"http://{ip}:8888/metrics", timeout=5) as resp:
            scrape = resp.read().decode()
        accepted = re.search(
            r'otelcol_receiver_accepted_metric_points\{[^}]*receiver="prometheus"[^}]*\} (\d+)', scrape
        )
        spans = sum(
            int(v)
            for v in re.findall(
                r'otelcol_receiver_accepted_spans\{[^}]*receiver="(?:jaeger|zipkin|otlp)"[^}]*\} (\d+)', scrape
            )
        )
        if accepted and int(accepted.group(1)) > 0 and spans >= 4:
            break
    else:
        code, _, err = col.stop(signal.SIGTERM)
        raise AssertionError(f"no scrape or missing spans in time:\n{err[-3000:]}")

    code, _, err = col.stop(signal.SIGTERM)
    assert code == 0, err[-3000:]
    assert "Traces\t" in err and "Metrics\t" in err  # the debug exporter's basic lines
    for receiver in ("otlp", "zipkin", "jaeger"):
        assert f'receiver="{receiver}"' in scrape, receiver

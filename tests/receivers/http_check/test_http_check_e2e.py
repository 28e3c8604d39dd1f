"""A real collector checks real HTTP(S) servers running in this test process and writes the
metrics with the ``file`` exporter: 200, 404 and 500 answers, a refused port, a server slower than
the target's timeout, a POST with a body, and an HTTPS server with a self-signed certificate (the
opt-in ``httpcheck.tls.cert_remaining`` and ``httpcheck.response.size`` metrics, under the
deprecated ``httpcheck`` alias)."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from support import Collector, free_port

SCOPE = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/httpcheckreceiver"
CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"]
CERT_DAYS = 10


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as most servers
    received: list[dict[str, Any]]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        self.received.append(
            {"method": self.command, "path": self.path, "body": body, "headers": dict(self.headers.items())}
        )
        status = {"/missing": 404, "/boom": 500}.get(self.path, 200)
        if self.path == "/slow":
            time.sleep(2)
        payload = b"hello world"
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Run:
    base: str
    tls_base: str
    refused: str
    received: list[dict[str, Any]]
    batches: list[dict[str, Any]] = field(default_factory=list)
    stderr: str = ""

    def points(self, name: str, receiver_urls: list[str] | None = None) -> list[dict[str, Any]]:
        out = []
        for batch in self.batches:
            for rm in batch["resourceMetrics"]:
                assert rm.get("resource", {}).get("attributes", []) == []
                for sm in rm["scopeMetrics"]:
                    assert sm["scope"]["name"] == SCOPE
                    for metric in sm["metrics"]:
                        if metric["name"] == name:
                            data = metric.get("sum") or metric.get("gauge")
                            out += [dict(p, metric=metric) for p in data["dataPoints"]]
        if receiver_urls is not None:
            out = [p for p in out if attrs(p)["http.url"] in receiver_urls]
        return out


def attrs(point: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in point.get("attributes", []):
        value = kv["value"]
        if "intValue" in value:
            out[kv["key"]] = int(value["intValue"])
        elif "arrayValue" in value:
            out[kv["key"]] = [v["stringValue"] for v in value["arrayValue"].get("values", [])]
        else:
            out[kv["key"]] = value.get("stringValue", "")
    return out


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "check.test")])
    issuer = x509.Name(
        [
            x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Checks Inc"),
            x509.NameAttribute(x509.NameOID.COMMON_NAME, "check.test"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=CERT_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("check.test"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _serve(handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("http_check")
    received: list[dict[str, Any]] = []
    handler = type("Handler", (_Handler,), {"received": received})
    plain = _serve(handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_self_signed(tmp))
    secure = _serve(handler, context)
    base = f"http://127.0.0.1:{plain.server_address[1]}"
    result = Run(
        base=base,
        tls_base=f"https://127.0.0.1:{secure.server_address[1]}",
        refused=f"http://127.0.0.1:{free_port()}/",
        received=received,
    )
    out = tmp / "metrics.json"
    config = tmp / "config.yaml"
    config.write_text(
        f"""
receivers:
  http_check:
    collection_interval: 1s
    initial_delay: 0s
    targets:
      - endpoints: ["{base}/ok", "{base}/missing"]
      - endpoint: "{base}/boom"
      - endpoint: "{result.refused}"
      - endpoint: "{base}/slow"
        timeout: 300ms
      - endpoint: "{base}/echo"
        method: POST
        body: '{{"probe": true}}'
        auto_content_type: true
        headers: {{X-Probe: synthetic}}
  httpcheck/tls:
    collection_interval: 1s
    initial_delay: 0s
    targets:
      - endpoint: "{result.tls_base}/ok"
        tls: {{insecure_skip_verify: true}}
    metrics:
      httpcheck.tls.cert_remaining: {{enabled: true}}
      httpcheck.response.size: {{enabled: true}}
      httpcheck.duration: {{enabled: false}}
exporters:
  file: {{path: {out}}}
service:
  pipelines:
    metrics: {{receivers: [http_check, httpcheck/tls], exporters: [file]}}
"""
    )
    collector = Collector(config)
    try:
        deadline = time.monotonic() + 30
        wanted = {f"{base}/slow", f"{result.tls_base}/ok", result.refused}
        while time.monotonic() < deadline and collector.proc.poll() is None:
            result.batches = _read(out)
            errors = {attrs(p)["http.url"] for p in result.points("httpcheck.error")}
            tls = {attrs(p)["http.url"] for p in result.points("httpcheck.tls.cert_remaining")}
            if wanted <= errors | tls:
                break
            time.sleep(0.3)
    finally:
        code, _, result.stderr = collector.stop()
        plain.shutdown()
        secure.shutdown()
    assert code == 0, result.stderr
    result.batches = _read(out)
    yield result


def test_status_per_class(run: Run) -> None:
    expected = {f"{run.base}/ok": 200, f"{run.base}/missing": 404, f"{run.base}/boom": 500, f"{run.base}/echo": 200}
    for url, code in expected.items():
        points = run.points("httpcheck.status", [url])
        first_round = points[:5]
        assert [attrs(p)["http.status_class"] for p in first_round] == CLASSES
        for point in first_round:
            a = attrs(point)
            matching = a["http.status_class"] == f"{code // 100}xx"
            assert int(point["asInt"]) == (1 if matching else 0)
            assert a.get("http.status_code") == (code if matching else None), a
            assert a["http.method"] == ("POST" if url.endswith("/echo") else "GET")
    metric = run.points("httpcheck.status")[0]["metric"]
    assert (metric["unit"], metric["sum"]["aggregationTemporality"], metric["sum"].get("isMonotonic", False)) == (
        "1",
        2,
        False,
    )


def test_failed_checks_count_as_errors_with_no_status(run: Run) -> None:
    slow = run.points("httpcheck.error", [f"{run.base}/slow"])
    refused = run.points("httpcheck.error", [run.refused])
    assert slow and refused
    assert attrs(slow[0])["error.message"] == (
        f'Get "{run.base}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
    )
    port = run.refused.split(":")[2].rstrip("/")
    assert attrs(refused[0])["error.message"] == (
        f'Get "{run.refused}": dial tcp 127.0.0.1:{port}: connect: connection refused'
    )
    assert int(refused[0]["asInt"]) == 1 and refused[0]["metric"]["unit"] == "{error}"
    for url in (f"{run.base}/slow", run.refused):
        statuses = run.points("httpcheck.status", [url])
        assert statuses and all(int(p["asInt"]) == 0 and "http.status_code" not in attrs(p) for p in statuses)
        assert run.points("httpcheck.duration", [url])
    answered = [f"{run.base}/ok", f"{run.base}/missing", f"{run.base}/boom"]
    assert run.points("httpcheck.error", answered) == []


def test_duration_is_a_gauge_in_milliseconds(run: Run) -> None:
    points = run.points("httpcheck.duration", [f"{run.base}/slow"])
    assert points[0]["metric"]["unit"] == "ms"
    # the slow target gave up at its 300ms timeout, long before the server's 2s answer
    assert 250 <= int(points[0]["asInt"]) < 2000
    assert all(int(p["startTimeUnixNano"]) <= int(p["timeUnixNano"]) for p in points)


def test_request_carries_method_body_and_headers(run: Run) -> None:
    echo = [r for r in run.received if r["path"] == "/echo"]
    assert echo, run.received
    assert echo[0]["method"] == "POST" and echo[0]["body"] == '{"probe": true}'
    assert echo[0]["headers"]["Content-Type"] == "application/json"
    assert echo[0]["headers"]["X-Probe"] == "synthetic"
    ok = [r for r in run.received if r["path"] == "/ok"]
    assert ok and "Content-Type" not in ok[0]["headers"]


def test_tls_certificate_and_response_size(run: Run) -> None:
    url = f"{run.tls_base}/ok"
    certs = run.points("httpcheck.tls.cert_remaining", [url])
    assert certs, run.stderr
    a = attrs(certs[0])
    assert (a["http.tls.issuer"], a["http.tls.cn"], a["http.tls.san"]) == (
        "CN=check.test,O=Checks Inc",
        "check.test",
        ["127.0.0.1", "check.test"],
    )
    left = int(certs[0]["asInt"])
    assert CERT_DAYS * 86400 - 600 < left <= CERT_DAYS * 86400
    assert certs[0]["metric"]["unit"] == "s"
    sizes = run.points("httpcheck.response.size", [url])
    assert sizes and int(sizes[0]["asInt"]) == len(b"hello world") and sizes[0]["metric"]["unit"] == "By"
    # disabled for this receiver; the plain one has no certificate metric
    assert run.points("httpcheck.duration", [url]) == []
    assert run.points("httpcheck.tls.cert_remaining", [f"{run.base}/ok"]) == []
    assert '"httpcheck" alias is deprecated; use "http_check" instead' in run.stderr

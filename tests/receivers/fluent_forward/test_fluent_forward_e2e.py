"""End to end: Fluent Forward clients -> a running ``pyotelcol`` (fluent_forward receiver) -> file.

Message mode comes from the ``fluent-logger`` package (the Fluentd project's Python client), with
integer and EventTime timestamps. That client sends neither Forward nor PackedForward mode nor the
``chunk`` option, so those frames are built here with ``msgpack`` from the Forward protocol v1
specification and written to a plain TCP socket; the acknowledgment is read back from it.
"""

from __future__ import annotations

import gzip
import json
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack  # type: ignore[import-untyped]  # no stubs published
import pytest
from fluent import sender  # type: ignore[import-untyped]  # no stubs published
from support import Collector, free_port, run_cli, series, wait_for_port

CONFIG = """
receivers:
  fluent_forward:
    endpoint: 127.0.0.1:{port}
  fluent_forward/unix:
    endpoint: unix://{sock}
exporters:
  file:
    path: {out}
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: {metrics}
  pipelines:
    logs: {{receivers: [fluent_forward, fluent_forward/unix], exporters: [file]}}
"""


class Running:
    def __init__(self, port: int, metrics: int, out: Path, sock: Path) -> None:
        self.sock = sock
        self.port = port
        self.metrics = metrics
        self.out = out

    def records(self) -> list[dict[str, Any]]:
        """Every log record written so far, with its attributes as a plain dict."""
        found: list[dict[str, Any]] = []
        if not self.out.exists():
            return found
        for line in self.out.read_text().splitlines():
            for rl in json.loads(line).get("resourceLogs", []):
                for sl in rl["scopeLogs"]:
                    for rec in sl["logRecords"]:
                        rec["attrs"] = {a["key"]: a["value"] for a in rec.get("attributes", [])}
                        found.append(rec)
        return found

    def wait_records(self, tag: str, count: int) -> list[dict[str, Any]]:
        """The records tagged ``tag``, once ``count`` of them are in the file (20 s at most)."""
        deadline = time.monotonic() + 20
        while True:
            tagged = [r for r in self.records() if r["attrs"].get("fluent.tag") == {"stringValue": tag}]
            if len(tagged) >= count or time.monotonic() > deadline:
                return tagged
            time.sleep(0.05)

    def scrape(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics}/metrics", timeout=10) as resp:
            return str(resp.read().decode())

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)


@pytest.fixture(scope="module")
def fluent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    tmp = tmp_path_factory.mktemp("fluent")
    port, metrics, out = free_port(), free_port(), tmp / "out.jsonl"
    config = tmp / "config.yaml"
    sock = tmp / "fluent.sock"
    config.write_text(CONFIG.format(port=port, metrics=metrics, out=out, sock=sock))
    col = Collector(config)
    try:
        wait_for_port(port, col.proc)
        wait_for_port(metrics, col.proc)
        yield Running(port, metrics, out, sock)
    finally:
        code, _, err = col.stop()
        assert code == 0, err
    assert not sock.exists()  # removed at shutdown, as Go's listener does


def read_ack(sock: socket.socket) -> Any:
    stream = msgpack.Unpacker(raw=False)
    while True:
        data = sock.recv(4096)
        assert data, "connection closed before the ack"
        stream.feed(data)
        for obj in stream:
            return obj


def test_fluent_logger_message_mode(fluent: Running) -> None:
    logger = sender.FluentSender("app", host="127.0.0.1", port=fluent.port)
    assert logger.emit_with_time("web", 1_700_000_000, {"message": "hello", "status": 200, "ok": True})
    logger.close()
    precise = sender.FluentSender("app", host="127.0.0.1", port=fluent.port, nanosecond_precision=True)
    assert precise.emit_with_time("precise", 1_700_000_000.25, {"log": "from fluent-bit style", "n": 1.5})
    precise.close()

    [web] = fluent.wait_records("app.web", 1)
    assert web["body"] == {"stringValue": "hello"}
    assert web["timeUnixNano"] == str(1_700_000_000 * 10**9)
    assert list(web["attrs"]) == ["fluent.tag", "status", "ok"]  # Go puts the tag first in Message mode
    assert web["attrs"]["status"] == {"intValue": "200"}
    assert web["attrs"]["ok"] == {"boolValue": True}
    [exact] = fluent.wait_records("app.precise", 1)
    assert exact["body"] == {"stringValue": "from fluent-bit style"}
    assert exact["timeUnixNano"] == str(1_700_000_000 * 10**9 + 250_000_000)  # EventTime keeps nanoseconds
    assert exact["attrs"]["n"] == {"doubleValue": 1.5}


def test_forward_mode_chunk_is_acked_after_delivery(fluent: Running) -> None:
    entries = [[1_700_000_001, {"message": "one"}], [1_700_000_002, {"message": "two", "k": None}]]
    with fluent.connect() as sock:
        sock.sendall(msgpack.packb(["forward", entries, {"chunk": "Y2h1bmstMQ==", "size": 2}]))
        assert read_ack(sock) == {"ack": "Y2h1bmstMQ=="}
    records = fluent.wait_records("forward", 2)
    assert [r["body"]["stringValue"] for r in records] == ["one", "two"]
    assert list(records[1]["attrs"]) == ["k", "fluent.tag"]  # Go puts the tag last in Forward mode
    assert records[1]["attrs"]["k"] == {}  # nil: an empty value


@pytest.mark.parametrize("compressed", [False, True])
def test_packed_forward_and_compressed(fluent: Running, compressed: bool) -> None:
    tag = f"packed.{'gzip' if compressed else 'plain'}"
    ext_time = msgpack.ExtType(0, (1_700_000_003).to_bytes(4, "big") + (7).to_bytes(4, "big"))
    packed = b"".join(msgpack.packb([ext_time, {"message": f"m{i}", "i": i}]) for i in range(3))
    options: dict[str, Any] = {"chunk": f"c-{tag}"}
    if compressed:
        packed = gzip.compress(packed[:10]) + gzip.compress(packed[10:])  # two gzip members, as fluentd appends
        options["compressed"] = "gzip"
    with fluent.connect() as sock:
        sock.sendall(msgpack.packb([tag, packed, options], use_bin_type=True))
        assert read_ack(sock) == {"ack": f"c-{tag}"}
    records = fluent.wait_records(tag, 3)
    assert [r["body"]["stringValue"] for r in records] == ["m0", "m1", "m2"]
    assert {r["timeUnixNano"] for r in records} == {str(1_700_000_003 * 10**9 + 7)}


def test_malformed_frame_closes_only_its_connection(fluent: Running) -> None:
    good_before = msgpack.packb(["bad.before", 1_700_000_004, {"message": "kept"}])
    with fluent.connect() as bad, fluent.connect() as other:
        bad.sendall(good_before + msgpack.packb([42, 1_700_000_004, {"message": "tag is not a string"}]))
        assert bad.recv(1) == b""  # the server closed it
        other.sendall(msgpack.packb(["after.bad", [[1_700_000_005, {"message": "still served"}]], {"chunk": "z"}]))
        assert read_ack(other) == {"ack": "z"}
    assert [r["body"]["stringValue"] for r in fluent.wait_records("bad.before", 1)] == ["kept"]
    assert [r["body"]["stringValue"] for r in fluent.wait_records("after.bad", 1)] == ["still served"]
    with fluent.connect() as garbage:
        garbage.sendall(b"\x92\xc1\xc1")  # 0xc1 is never used in msgpack
        assert garbage.recv(1) == b""
    with fluent.connect() as hangs_up:
        hangs_up.sendall(msgpack.packb(["cut", 1, {"message": "never completed"}])[:-3])
    with fluent.connect() as probe:  # the cut event must be refused before the next connection's ack
        probe.sendall(msgpack.packb(["probe", [], {"chunk": "p"}]))
        assert read_ack(probe) == {"ack": "p"}
    text = fluent.scrape()
    assert sum(series(text, "otelcol_fluent_parse_failures")) >= 2
    assert sum(series(text, "otelcol_fluent_events_parsed")) >= 1
    assert sum(series(text, "otelcol_receiver_accepted_log_records", receiver="fluent_forward")) >= 1


def test_udp_heartbeat_is_echoed(fluent: Running) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(10)
        udp.sendto(b"\x00", ("127.0.0.1", fluent.port))
        assert udp.recvfrom(16)[0] == b"\x00"


def test_unix_socket(fluent: Running) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(str(fluent.sock))
        sock.sendall(msgpack.packb(["unix", 1_700_000_006, {"message": "over a unix socket"}, {"chunk": "u"}]))
        assert read_ack(sock) == {"ack": "u"}
    assert [r["body"]["stringValue"] for r in fluent.wait_records("unix", 1)] == ["over a unix socket"]


def test_taken_port_fails_start(fluent: Running, tmp_path: Path) -> None:
    config = tmp_path / "taken.yaml"
    text = CONFIG.format(port=fluent.port, metrics=free_port(), out=tmp_path / "o.jsonl", sock=tmp_path / "s")
    config.write_text(text)
    result = run_cli("--config", str(config), timeout=60)
    assert result.returncode != 0
    assert f"listen tcp 127.0.0.1:{fluent.port}: bind: address already in use" in result.stderr
    config.write_text(
        text.replace(f"127.0.0.1:{fluent.port}", f"127.0.0.1:{free_port()}").replace(
            f"unix://{tmp_path / 's'}", f"unix://{fluent.sock}"
        )
    )
    result = run_cli("--config", str(config), timeout=60)
    assert result.returncode != 0
    assert f"listen unix {fluent.sock}: bind: address already in use" in result.stderr


def test_deprecated_alias_validates(tmp_path: Path) -> None:
    config = tmp_path / "alias.yaml"
    config.write_text(
        CONFIG.replace("fluent_forward", "fluentforward").format(
            port=1, metrics=2, out=tmp_path / "o.jsonl", sock=tmp_path / "s"
        )
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert '"fluentforward" alias is deprecated; use "fluent_forward" instead' in result.stderr


def test_unknown_key_fails_validate(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        CONFIG.replace("    endpoint:", "    listenAddress: x\n    endpoint:").format(
            port=1, metrics=2, out=tmp_path / "o.jsonl", sock=tmp_path / "s"
        )
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode != 0
    assert "listenAddress" in result.stderr


REFUSING_CONFIG = """
receivers:
  fluent_forward:
    endpoint: 127.0.0.1:{port}
exporters:
  python:
    module: {module}
    function: send
    sending_queue: {{enabled: false}}
    retry_on_failure: {{enabled: false}}
service:
  telemetry:
    metrics: {{level: none}}
  pipelines:
    logs: {{receivers: [fluent_forward], exporters: [python]}}
"""

REFUSING_EXPORTER = """
from pyotelcol.consumer import PermanentError


def send(data, config):
    for rl in data.message.resource_logs:
        for sl in rl.scope_logs:
            for rec in sl.log_records:
                if any(kv.value.string_value == "refuse" for kv in rec.attributes):
                    raise PermanentError("refused by the test exporter")
"""


def test_refused_chunk_is_not_acked(tmp_path: Path) -> None:
    """The pipeline refuses the chunk: no ack, the connection is closed, so a Fluent client sends
    it again; the next connection is served as usual."""
    module = tmp_path / "refusing.py"
    module.write_text(REFUSING_EXPORTER)
    port = free_port()
    config = tmp_path / "refusing.yaml"
    config.write_text(REFUSING_CONFIG.format(port=port, module=module))
    col = Collector(config)
    try:
        wait_for_port(port, col.proc)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(msgpack.packb(["refuse", [[1, {"message": "x"}]], {"chunk": "no"}]))
            assert sock.recv(100) == b""  # closed without an ack
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(msgpack.packb(["accept", [[1, {"message": "y"}]], {"chunk": "yes"}]))
            assert read_ack(sock) == {"ack": "yes"}
    finally:
        code, _, err = col.stop()
    assert code == 0, err

"""The Helm chart's logsCollection preset (tests/fixtures/helm/logs-collection-preset.yaml) run as
rendered, with /var/log/pods moved under a temporary root and the logs pipeline's exporter
pointed at a recording endpoint: containerd, CRI-O and docker files in the kubelet layout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from support import REPO, free_port

UID = "0f3b1c2d-aaaa-bbbb-cccc-111122223333"
PRESET = REPO / "tests" / "fixtures" / "helm" / "logs-collection-preset.yaml"


def _pod_log(root: Path, ns: str, pod: str, container: str, restart: int = 0) -> Path:
    directory = root / "var" / "log" / "pods" / f"{ns}_{pod}_{UID}" / container
    directory.mkdir(parents=True)
    path = directory / f"{restart}.log"
    path.write_text("")
    return path


def _append(path: Path, *lines: str) -> None:
    with open(path, "a") as fh:
        fh.write("".join(line + "\n" for line in lines))


def _config(root: Path, sink_port: int, health_port: int) -> dict[str, Any]:
    cfg: dict[str, Any] = yaml.safe_load(PRESET.read_text())
    receiver = cfg["receivers"]["file_log"]
    receiver["include"] = [str(root) + p for p in receiver["include"]]
    receiver["exclude"] = [str(root) + p for p in receiver["exclude"]]
    receiver["poll_interval"] = "50ms"  # the one change to the preset's receiver: a faster test
    cfg["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] = f"127.0.0.1:{free_port()}"
    cfg["receivers"]["otlp"]["protocols"]["http"]["endpoint"] = f"127.0.0.1:{free_port()}"
    cfg["extensions"]["health_check"]["endpoint"] = f"127.0.0.1:{health_port}"
    cfg["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]["prometheus"]["port"] = free_port()
    cfg["exporters"]["otlp_http"] = {
        "endpoint": f"http://127.0.0.1:{sink_port}",
        "compression": "none",
        "sending_queue": {"enabled": False},
    }
    cfg["service"]["pipelines"]["logs"]["exporters"] = ["otlp_http"]
    return cfg


def test_logs_collection_preset_parses_container_logs(harness: Any, tmp_path: Path) -> None:
    root = tmp_path / "root"
    containerd = _pod_log(root, "shop", "web-7d9f", "nginx")
    crio = _pod_log(root, "data", "db-0", "postgres", restart=2)
    docker = _pod_log(root, "api", "api-5c6b", "server")
    own = _pod_log(root, "default", "example-opentelemetry-collector-agent-x1y2", "opentelemetry-collector")
    health = free_port()
    config = tmp_path / "preset.yaml"
    config.write_text(yaml.safe_dump(_config(root, harness.sink.port, health)))
    harness.start_file(config, health, env={"MY_POD_IP": "127.0.0.1"})

    # start_at: end — write probes until one arrives, so every file has been polled once
    for i in range(40):
        _append(containerd, f"2024-05-01T09:00:00Z stdout F probe-{i}")
        try:
            harness.sink.wait_for(lambda b: any(x.startswith("probe-") for x in b), timeout=0.5)
            break
        except AssertionError:
            continue
    harness.sink.clear()

    _append(containerd, "2024-05-01T10:00:00.123456789Z stdout P hello-", "2024-05-01T10:00:00.2Z stdout F world")
    _append(containerd, "2024-05-01T10:00:01Z stderr F an error")
    _append(crio, "2024-05-01T12:00:00.5+02:00 stdout F crio line")
    _append(docker, json.dumps({"log": "docker line\n", "stream": "stdout", "time": "2024-05-01T10:00:02.25Z"}))
    _append(own, "2024-05-01T10:00:03Z stdout F the collector's own log")
    harness.sink.wait_for(lambda b: len(b) >= 4)
    records = {rec.body.string_value: (res, rec) for res, rec in harness.sink.records()}
    assert set(records) == {"hello-world", "an error", "crio line", "docker line\n"}

    res, rec = records["hello-world"]
    assert res == {
        "k8s.namespace.name": "shop",
        "k8s.pod.name": "web-7d9f",
        "k8s.pod.uid": UID,
        "k8s.container.name": "nginx",
        "k8s.container.restart_count": "0",
    }
    attrs = {kv.key: kv.value.string_value for kv in rec.attributes}
    assert attrs == {"log.file.path": str(containerd), "log.iostream": "stdout", "logtag": "P"}
    assert rec.time_unix_nano == 1714557600123456789
    assert {kv.key: kv.value.string_value for kv in records["an error"][1].attributes}["log.iostream"] == "stderr"

    res, rec = records["crio line"]
    assert res["k8s.container.restart_count"] == "2" and res["k8s.pod.name"] == "db-0"
    assert rec.time_unix_nano == 1714557600500000000

    res, rec = records["docker line\n"]
    assert res["k8s.namespace.name"] == "api"
    assert rec.time_unix_nano == 1714557602250000000
    assert {kv.key: kv.value.string_value for kv in rec.attributes}["log.iostream"] == "stdout"

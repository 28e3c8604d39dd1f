"""The ec2, gcp, docker, azure and k8s_api detectors against stand-in metadata services.

No cloud metadata service, Docker daemon or Kubernetes API server runs here, so each is a test
double on 127.0.0.1 (or a unix socket) that answers the few requests the detector makes, with the
documented shapes. The collector finds them the way the Go collector does:
``AWS_EC2_METADATA_SERVICE_ENDPOINT``, ``GCE_METADATA_HOST``, ``DOCKER_HOST``,
``KUBERNETES_SERVICE_HOST``/``PORT``. Azure's endpoint is fixed in Go (and here), so the azure
detector is driven directly with the double's address.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import socketserver
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pyotelcol.processors.resource_detection.config import Config
from pyotelcol.processors.resource_detection.detectors.azure import AzureDetector
from pyotelcol.processors.resource_detection.detectors.base import Deadline, DetectionError, DetectorContext
from pyotelcol.processors.resource_detection.detectors.k8sapi import K8sAPIDetector
from support import Collector, free_port, wait_for_port

TOKEN = "imds-session-token"
IDENTITY = {
    "accountId": "123456789012",
    "availabilityZone": "eu-west-1b",
    "imageId": "ami-0abc",
    "instanceId": "i-0123456789",
    "instanceType": "t3.small",
    "region": "eu-west-1",
}
AWS = {
    "/latest/meta-data/instance-id": IDENTITY["instanceId"],
    "/latest/dynamic/instance-identity/document": json.dumps(IDENTITY),
    "/latest/meta-data/hostname": "ip-10-0-0-1.eu-west-1.compute.internal",
    "/latest/meta-data/tags/instance": "Name\nteam\nsecret",
    "/latest/meta-data/tags/instance/Name": "web-1",
    "/latest/meta-data/tags/instance/team": "payments",
    "/latest/meta-data/tags/instance/secret": "nope",
}
GCE = {
    "project/project-id": "my-project",
    "instance/id": "4520031799277581759",
    "instance/name": "vm-1",
    "instance/hostname": "vm-1.c.my-project.internal",
    "instance/zone": "projects/123/zones/us-central1-c",
    "instance/machine-type": "projects/123/machineTypes/e2-medium",
    "instance/attributes/created-by": "projects/123/zones/us-central1-c/instanceGroupManagers/web-mig",
}
_HELPERS_SPEC = importlib.util.spec_from_file_location(
    "pyotelcol_test_rd_helpers", Path(__file__).with_name("rd_helpers.py")
)
assert _HELPERS_SPEC is not None and _HELPERS_SPEC.loader is not None
rd = importlib.util.module_from_spec(_HELPERS_SPEC)
_HELPERS_SPEC.loader.exec_module(rd)

AZURE = {
    "location": "westeurope",
    "name": "vm-az",
    "vmId": "02aab8a4-74ef-476e-8182-f6d2ba4166a6",
    "vmSize": "Standard_D2s_v3",
    "subscriptionId": "8d10da13-8125-4ba9-a717-bf7490507b3d",
    "resourceGroupName": "rg-1",
    "zone": "2",
    "osProfile": {"computerName": "az-host"},
    "tagsList": [{"name": "env", "value": "prod"}, {"name": "owner", "value": "me"}],
}


class MetadataDouble(BaseHTTPRequestHandler):
    """EC2 IMDSv2, the GCE metadata server and Azure IMDS on one port."""

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self) -> None:
        if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            self._answer(200, TOKEN)
        else:
            self._answer(404, "")

    def do_GET(self) -> None:
        path = self.path
        if path.startswith("/latest/"):
            if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
                self._answer(401, "")
            elif path in AWS:
                self._answer(200, AWS[path])
            else:
                self._answer(404, "")
        elif path.startswith("/computeMetadata/v1/"):
            key = path.removeprefix("/computeMetadata/v1/")
            if self.headers.get("Metadata-Flavor") != "Google" or key not in GCE:
                self._answer(404, "")
            else:
                self._answer(200, GCE[key], {"Metadata-Flavor": "Google"})
        elif path.startswith("/metadata/instance/compute?") and self.headers.get("Metadata") == "true":
            self._answer(200, json.dumps(AZURE))
        else:
            self._answer(404, "")


class DockerDouble(BaseHTTPRequestHandler):
    """The two Docker Engine API calls the detector makes, on a unix socket."""

    def log_message(self, *args: Any) -> None:
        pass

    def address_string(self) -> str:
        return "unix"

    def do_GET(self) -> None:
        if self.path.endswith("/info"):
            body = json.dumps({"Name": "docker-host-7", "OSType": "linux", "ID": "x"})
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class KubernetesDouble(BaseHTTPRequestHandler):
    """``GET`` of one node and of the kube-system namespace (403 when ``forbidden``)."""

    forbidden = False

    def log_message(self, *args: Any) -> None:
        pass

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/api/v1/nodes/node-1":
            node = {
                "metadata": {"name": "node-1", "uid": "3f8c-node-uid"},
                "status": {"nodeInfo": {"machineID": "m-42"}},
            }
            self._json(200, node)
        elif self.path == "/api/v1/namespaces/kube-system" and not self.forbidden:
            self._json(200, {"metadata": {"name": "kube-system", "uid": "c1a5-cluster-uid"}})
        elif self.path == "/api/v1/namespaces/kube-system":
            self._json(403, {"kind": "Status", "message": 'namespaces "kube-system" is forbidden', "code": 403})
        else:
            self._json(404, {"kind": "Status", "message": "not found", "code": 404})


class ForbiddenKubernetesDouble(KubernetesDouble):
    forbidden = True


class UnixHTTPServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


@pytest.fixture(scope="module")
def metadata_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), MetadataDouble)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()


CONFIG = """
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{port}"}}
processors:
  resource_detection/ec2:
    detectors: [ec2]
    ec2: {{tags: ["^Name$", "^team$"], tags_from_imds: true}}
  resource_detection/gcp:
    detectors: [gcp]
    gcp:
      resource_attributes:
        gcp.gce.instance.hostname: {{enabled: true}}
  resource_detection/docker:
    detectors: [docker]
exporters:
  file/ec2: {{path: {out}/ec2.jsonl}}
  file/gcp: {{path: {out}/gcp.jsonl}}
  file/docker: {{path: {out}/docker.jsonl}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], processors: [resource_detection/ec2], exporters: [file/ec2]}}
    logs: {{receivers: [otlp], processors: [resource_detection/gcp], exporters: [file/gcp]}}
    metrics: {{receivers: [otlp], processors: [resource_detection/docker], exporters: [file/docker]}}
"""


@pytest.fixture(scope="module")
def cloud_collector(tmp_path_factory: pytest.TempPathFactory, metadata_server: int) -> Iterator[tuple[int, Path]]:
    out = tmp_path_factory.mktemp("rd-cloud")
    docker_socket = out / "docker.sock"
    docker = UnixHTTPServer(str(docker_socket), DockerDouble)
    threading.Thread(target=docker.serve_forever, daemon=True).start()
    port = free_port()
    config = out / "config.yaml"
    config.write_text(CONFIG.format(port=port, out=out))
    env = {
        "AWS_EC2_METADATA_SERVICE_ENDPOINT": f"http://127.0.0.1:{metadata_server}",
        "GCE_METADATA_HOST": f"127.0.0.1:{metadata_server}",
        "DOCKER_HOST": f"unix://{docker_socket}",
    }
    col = Collector(config, env=env)
    try:
        wait_for_port(port, col.proc)
        yield port, out
    finally:
        col.stop()
        docker.shutdown()


def test_ec2_attributes_and_imds_tags(cloud_collector: tuple[int, Path]) -> None:
    port, out = cloud_collector
    rd.post(port, "/v1/traces", {"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": [rd.SPAN]}]}]})
    [entry] = rd.read_resources(out / "ec2.jsonl", "resourceSpans")
    assert rd.attrs(entry) == {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ec2",
        "cloud.region": "eu-west-1",
        "cloud.account.id": "123456789012",
        "cloud.availability_zone": "eu-west-1b",
        "host.id": "i-0123456789",
        "host.image.id": "ami-0abc",
        "host.type": "t3.small",
        "host.name": "ip-10-0-0-1.eu-west-1.compute.internal",
        "ec2.tag.Name": "web-1",
        "ec2.tag.team": "payments",
    }


def test_gce_attributes(cloud_collector: tuple[int, Path]) -> None:
    port, out = cloud_collector
    logs = {"resourceLogs": [{"resource": {}, "scopeLogs": [{"logRecords": [{"body": {"stringValue": "x"}}]}]}]}
    rd.post(port, "/v1/logs", logs)
    [entry] = rd.read_resources(out / "gcp.jsonl", "resourceLogs")
    assert rd.attrs(entry) == {
        "cloud.provider": "gcp",
        "cloud.account.id": "my-project",
        "cloud.platform": "gcp_compute_engine",
        "cloud.availability_zone": "us-central1-c",
        "cloud.region": "us-central1",
        "host.type": "e2-medium",
        "host.id": "4520031799277581759",
        "host.name": "vm-1",
        "gcp.gce.instance.hostname": "vm-1.c.my-project.internal",
        "gcp.gce.instance_group_manager.name": "web-mig",
        "gcp.gce.instance_group_manager.zone": "us-central1-c",
    }


def test_docker_host_name_and_os_type(cloud_collector: tuple[int, Path]) -> None:
    port, out = cloud_collector
    metrics = {
        "resourceMetrics": [
            {
                "resource": {},
                "scopeMetrics": [
                    {"metrics": [{"name": "m", "gauge": {"dataPoints": [{"asInt": "1", "timeUnixNano": "1"}]}}]}
                ],
            }
        ]
    }
    rd.post(port, "/v1/metrics", metrics)
    [entry] = rd.read_resources(out / "docker.jsonl", "resourceMetrics")
    assert rd.attrs(entry) == {"os.type": "linux", "host.name": "docker-host-7"}


def test_azure_vm_attributes_and_tags(metadata_server: int) -> None:
    section = Config().section("azure")
    section.tags = ["^env$"]
    ctx = DetectorContext(section, logging.getLogger("test"), fail_on_missing_metadata=True)
    endpoint = f"http://127.0.0.1:{metadata_server}/metadata/instance/compute"
    detected = asyncio.run(AzureDetector(ctx, endpoint=endpoint).detect(Deadline(None)))
    assert detected.attributes == {
        "cloud.provider": "azure",
        "cloud.platform": "azure.vm",
        "host.name": "az-host",
        "cloud.region": "westeurope",
        "host.id": "02aab8a4-74ef-476e-8182-f6d2ba4166a6",
        "cloud.account.id": "8d10da13-8125-4ba9-a717-bf7490507b3d",
        "azure.vm.name": "vm-az",
        "azure.vm.size": "Standard_D2s_v3",
        "azure.resourcegroup.name": "rg-1",
        "azure.tag.env": "prod",
    }


def test_azure_not_reachable(metadata_server: int) -> None:
    """A 404 from the endpoint: nothing detected, or an error naming Azure with fail_on_missing_metadata."""
    section = Config().section("azure")
    endpoint = f"http://127.0.0.1:{metadata_server}/nothing-here"
    quiet = AzureDetector(DetectorContext(section, logging.getLogger("test"), False), endpoint=endpoint)
    assert asyncio.run(quiet.detect(Deadline(None))).attributes == {}
    strict = AzureDetector(DetectorContext(section, logging.getLogger("test"), True), endpoint=endpoint)
    with pytest.raises(Exception, match="azure metadata unavailable: Azure IMDS replied with status code: 404"):
        asyncio.run(strict.detect(Deadline(None)))


def https_server(handler: type[BaseHTTPRequestHandler], directory: Path) -> ThreadingHTTPServer:
    """``handler`` over TLS with a self-signed certificate (the Kubernetes API speaks only HTTPS)."""
    srvsupport = importlib.util.spec_from_file_location(
        "pyotelcol_test_srvsupport", Path(__file__).parents[2] / "config" / "srvsupport.py"
    )
    assert srvsupport is not None and srvsupport.loader is not None
    module = importlib.util.module_from_spec(srvsupport)
    srvsupport.loader.exec_module(module)
    cert = module.write_cert(directory, "kubernetes")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, directory / "server.key")
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


K8S_CONFIG = """
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{port}"}}
processors:
  resourcedetection/env:  # what the Helm chart's resourceDetection preset adds
    detectors: [env, k8s_api]
    k8s_api:
      auth_type: none
      resource_attributes:
        host.id: {{enabled: true}}
exporters:
  file: {{path: {out}/k8s.jsonl}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], processors: [resourcedetection/env], exporters: [file]}}
"""


def test_k8s_api_node_and_cluster(tmp_path: Path) -> None:
    server = https_server(KubernetesDouble, tmp_path)
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text(K8S_CONFIG.format(port=port, out=tmp_path))
    env = {
        "KUBERNETES_SERVICE_HOST": "127.0.0.1",
        "KUBERNETES_SERVICE_PORT": str(server.server_address[1]),
        "K8S_NODE_NAME": "node-1",
        "OTEL_RESOURCE_ATTRIBUTES": "k8s.node.name=from-env",
    }
    col = Collector(config, env=env)
    try:
        wait_for_port(port, col.proc)
        rd.post(port, "/v1/traces", {"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": [rd.SPAN]}]}]})
        [entry] = rd.read_resources(tmp_path / "k8s.jsonl", "resourceSpans")
    finally:
        col.stop()
        server.shutdown()
    assert rd.attrs(entry) == {
        "k8s.node.name": "from-env",  # env is listed first
        "k8s.node.uid": "3f8c-node-uid",
        "host.id": "m-42",
        "k8s.cluster.uid": "c1a5-cluster-uid",
    }


def k8s_detect(monkeypatch: pytest.MonkeyPatch, port: int | None, fail: bool, node: str = "node-1") -> dict[str, Any]:
    for var, value in (("KUBERNETES_SERVICE_HOST", "127.0.0.1"), ("KUBERNETES_SERVICE_PORT", str(port))):
        if port is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)
    monkeypatch.setenv("K8S_NODE_NAME", node)
    section = Config().section("k8s_api")
    section.auth_type = "none"
    detector = K8sAPIDetector(DetectorContext(section, logging.getLogger("test"), fail))
    return dict(asyncio.run(detector.detect(Deadline(None))).attributes)


def test_k8s_api_without_kube_system_access_and_outside_kubernetes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = https_server(ForbiddenKubernetesDouble, tmp_path)
    try:
        port = int(server.server_address[1])
        assert k8s_detect(monkeypatch, port, fail=True) == {"k8s.node.uid": "3f8c-node-uid", "k8s.node.name": "node-1"}
        # An unknown node is "no metadata": nothing, or an error with fail_on_missing_metadata.
        assert k8s_detect(monkeypatch, port, fail=False, node="ghost") == {}
        with pytest.raises(DetectionError, match="failed to fetch node with name ghost from K8s API: not found"):
            k8s_detect(monkeypatch, port, fail=True, node="ghost")
    finally:
        server.shutdown()
    assert k8s_detect(monkeypatch, None, fail=False) == {}
    with pytest.raises(DetectionError, match="not running in Kubernetes: KUBERNETES_SERVICE_HOST and"):
        k8s_detect(monkeypatch, None, fail=True)

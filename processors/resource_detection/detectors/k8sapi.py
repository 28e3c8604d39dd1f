"""``k8s_api`` (old name ``k8snode``): the collector's node and cluster from the Kubernetes API.

The node is the one named by the environment variable ``node_from_env_var`` (default
``K8S_NODE_NAME``, set through the downward API). ``GET /api/v1/nodes/<name>`` gives
``k8s.node.name``, ``k8s.node.uid`` and (opt-in) ``host.id`` (the kubelet's machine id);
``GET /api/v1/namespaces/kube-system`` gives ``k8s.cluster.uid`` (a 401/403 answer is logged and
the attribute skipped, as in Go). Outside Kubernetes (no ``KUBERNETES_SERVICE_HOST`` /
``KUBERNETES_SERVICE_PORT``) or without the node name nothing is detected, unless
``fail_on_missing_metadata``. ``auth_type: serviceAccount`` (default) uses the pod's token and CA,
``none`` no credentials and no certificate check; ``kubeConfig`` and ``tls`` are not available.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

from .base import (
    SCHEMA_URL,
    Deadline,
    Detected,
    DetectionError,
    DetectorContext,
    MetadataUnavailable,
    ResourceBuilder,
    client_timeout,
)

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
DEFAULT_NODE_ENV = "K8S_NODE_NAME"


class _APIError(DetectionError):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class K8sAPIDetector:
    def __init__(self, ctx: DetectorContext) -> None:
        self._section = ctx.section
        self._logger = ctx.logger
        self._fail = ctx.fail_on_missing_metadata

    def _unavailable(self, reason: str) -> Detected:
        message = f"k8s node metadata unavailable: {reason}"
        if self._fail:
            raise DetectionError(message)
        self._logger.debug(message)
        return Detected()

    def _client(self) -> tuple[str, dict[str, str], ssl.SSLContext | bool]:
        """(API base URL, headers, TLS setting) per ``auth_type``."""
        host, port = os.environ["KUBERNETES_SERVICE_HOST"], os.environ["KUBERNETES_SERVICE_PORT"]
        base = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
        auth = self._section.auth_type or "serviceAccount"
        if auth == "none":
            return base, {}, False
        if auth != "serviceAccount":
            raise DetectionError(f"auth_type {auth} is not available in pyotelcol (use serviceAccount or none)")
        try:
            token = (SERVICE_ACCOUNT / "token").read_text().strip()
            tls = ssl.create_default_context(cafile=str(SERVICE_ACCOUNT / "ca.crt"))
        except OSError as exc:
            raise DetectionError(f"unable to load in-cluster configuration: {exc}") from None
        return base, {"Authorization": f"Bearer {token}"}, tls

    async def detect(self, deadline: Deadline) -> Detected:
        if (self._section.auth_type or "serviceAccount") != "kubeConfig" and not (
            os.environ.get("KUBERNETES_SERVICE_HOST") and os.environ.get("KUBERNETES_SERVICE_PORT")
        ):
            return self._unavailable(
                "not running in Kubernetes: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set"
            )
        node_env = self._section.node_from_env_var or DEFAULT_NODE_ENV
        node = os.environ.get(node_env, "")
        if not node:
            return self._unavailable(
                "node name can't be found. Check the readme on how to set the required env variable"
            )
        base, headers, tls = self._client()
        rb = ResourceBuilder(self._section)
        connector = aiohttp.TCPConnector(ssl=tls)
        async with aiohttp.ClientSession(connector=connector, headers=headers, trust_env=False) as session:
            if rb.enabled("k8s.node.uid") or rb.enabled("k8s.node.name") or rb.enabled("host.id"):
                try:
                    body = await _get(session, f"{base}/api/v1/nodes/{quote(node, safe='')}", deadline)
                except (DetectionError, MetadataUnavailable) as exc:
                    return self._unavailable(f"failed to fetch node with name {node} from K8s API: {exc}")
                metadata = body.get("metadata") or {}
                rb.set("k8s.node.uid", str(metadata.get("uid", "")))
                rb.set("k8s.node.name", str(metadata.get("name", "")))
                machine_id = str(((body.get("status") or {}).get("nodeInfo") or {}).get("machineID", ""))
                if machine_id:  # some kubelets report none: leave host.id out rather than empty
                    rb.set("host.id", machine_id)
            if rb.enabled("k8s.cluster.uid"):
                await self._cluster_uid(session, base, deadline, rb)
        return rb.emit(SCHEMA_URL)

    async def _cluster_uid(
        self, session: aiohttp.ClientSession, base: str, deadline: Deadline, rb: ResourceBuilder
    ) -> None:
        try:
            body = await _get(session, f"{base}/api/v1/namespaces/kube-system", deadline)
        except _APIError as exc:
            if exc.status not in (401, 403):
                raise DetectionError(f"failed getting k8s cluster UID: {exc}") from None
            self._logger.warning(
                "no permission to get kube-system namespace, skipping k8s.cluster.uid; disable the attribute "
                "or grant 'get' on namespaces/kube-system: %s",
                exc,
            )
            return
        uid = str((body.get("metadata") or {}).get("uid", ""))
        if not uid:
            raise DetectionError("failed getting k8s cluster UID: kube-system namespace UID is empty")
        rb.set("k8s.cluster.uid", uid)


async def _get(session: aiohttp.ClientSession, url: str, deadline: Deadline) -> dict[str, Any]:
    try:
        async with session.get(url, timeout=client_timeout(deadline)) as resp:
            body = await resp.json(content_type=None)
            if resp.status != 200:
                message = body.get("message", "") if isinstance(body, dict) else ""
                raise _APIError(message or f"the server answered {resp.status}", resp.status)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise MetadataUnavailable(f"{exc or type(exc).__name__}") from None
    if not isinstance(body, dict):
        raise MetadataUnavailable("the answer is not a JSON object")
    return body

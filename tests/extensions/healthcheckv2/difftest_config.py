"""The configuration and requests shared by the Go fixture recorder and the differential test."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

PATHS = (
    "/status",
    "/status?verbose",
    "/status?pipeline=traces",
    "/status?pipeline=traces&verbose",
    "/status?pipeline=metrics&verbose=false",
    "/status?pipeline=nothing",
    "/config",
    "/status/x",
)
LEGACY_PATHS = ("/health", "/health?pipeline=metrics", "/")

_TIME = re.compile(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"')
_UPTIME = re.compile(r'"uptime":"[^"]+"')


def config(http_port: int, legacy_port: int, otlp_port: int) -> str:
    return f"""
extensions:
  healthcheckv2:
    use_v2: true
    component_health: {{include_permanent_errors: true}}
    http: {{endpoint: "127.0.0.1:{http_port}"}}
  healthcheckv2/legacy:
    endpoint: "127.0.0.1:{legacy_port}"
    path: /health
receivers:
  otlp:
    protocols: {{http: {{endpoint: "127.0.0.1:{otlp_port}"}}}}
processors:
  batch:
exporters:
  debug:
service:
  telemetry: {{metrics: {{level: none}}}}
  extensions: [healthcheckv2, healthcheckv2/legacy]
  pipelines:
    traces: {{receivers: [otlp], processors: [batch], exporters: [debug]}}
    metrics: {{receivers: [otlp], exporters: [debug]}}
"""


def fetch(url: str) -> dict[str, object]:
    """Status code, content type and body with times replaced (they differ run to run)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            code, ctype, body = resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as err:
        code, ctype, body = err.code, err.headers.get("Content-Type", ""), err.read()
    text = _UPTIME.sub('"uptime":"<duration>"', _TIME.sub('"<time>"', body.decode()))
    return {"code": code, "content_type": ctype, "body": text}

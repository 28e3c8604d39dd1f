"""Benchmark scenarios: collector configs and the load each one gets.

Ports (127.0.0.1 only): receiver gRPC 29101 / HTTP 29102 (the ceiling servers use the same two),
sink gRPC 29201 / HTTP 29202, the collector's own metrics 29888.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RECV_GRPC = 29101
RECV_HTTP = 29102
SINK_GRPC = 29201
SINK_HTTP = 29202
METRICS_PORT = 29888

_TELEMETRY = f"""
  telemetry:
    logs:
      level: warn
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: {METRICS_PORT}
"""

_RECEIVERS = f"""
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{RECV_GRPC}
        max_recv_msg_size_mib: 64
      http:
        endpoint: 127.0.0.1:{RECV_HTTP}
"""

_OTLP_GRPC = f"""
  otlp_grpc{{name}}:
    endpoint: 127.0.0.1:{SINK_GRPC}
    compression: {{compression}}
    tls:
      insecure: true
"""

_OTLP_HTTP = f"""
  otlphttp{{name}}:
    endpoint: http://127.0.0.1:{SINK_HTTP}
    compression: {{compression}}
"""


def _config(processors: str, exporters: list[str], pipeline_processors: list[str]) -> str:
    names = []
    blocks = []
    for exp in exporters:
        kind, _, rest = exp.partition(":")
        name, _, compression = rest.partition(":")
        suffix = f"/{name}" if name else ""
        tmpl = _OTLP_GRPC if kind == "grpc" else _OTLP_HTTP
        blocks.append(tmpl.format(name=suffix, compression=compression or "none"))
        names.append(("otlp_grpc" if kind == "grpc" else "otlphttp") + suffix)
    return (
        _RECEIVERS
        + "\nprocessors:\n"
        + processors
        + "\nexporters:"
        + "".join(blocks)
        + "\nservice:"
        + _TELEMETRY
        + "  pipelines:\n    traces:\n      receivers: [otlp]\n"
        + f"      processors: [{', '.join(pipeline_processors)}]\n"
        + f"      exporters: [{', '.join(names)}]\n"
    )


_BATCH = "  batch:\n"
# One resource attribute inserted: the edit the rotel scenario makes with --otel-resource-attributes.
_RESOURCE = "  resource:\n    attributes:\n      - {key: deployment.environment, value: bench, action: insert}\n"
MEMORY_LIMIT_MIB = 160
_LIMITER = f"""  memory_limiter:
    check_interval: 100ms
    limit_mib: {MEMORY_LIMIT_MIB}
    spike_limit_mib: 40
  batch:
"""

IDLE_CONFIG = (
    _RECEIVERS
    + "\nprocessors:\n  batch:\n\nexporters:\n  debug:\n    verbosity: basic\n\nservice:"
    + _TELEMETRY
    + "  pipelines:\n    traces:\n      receivers: [otlp]\n      processors: [batch]\n      exporters: [debug]\n"
    + "    metrics:\n      receivers: [otlp]\n      processors: [batch]\n      exporters: [debug]\n"
    + "    logs:\n      receivers: [otlp]\n      processors: [batch]\n      exporters: [debug]\n"
)


@dataclass
class Scenario:
    name: str
    description: str
    proto: str  # load generator protocol: grpc | http
    config: str = ""
    gzip: bool = False
    json: bool = False
    sinks: int = 1  # how many exporters deliver every span
    concurrency: int = 4
    kind: str = "throughput"  # throughput | limiter | soak | idle
    full_only: bool = False
    extra: dict[str, object] = field(default_factory=dict)
    # What runs as the collector: pyotelcol with ``config``, or ``rotel`` (rotel-agent, a Rust
    # OTLP agent, for comparison) with ``rotel_args`` added to its receiver/exporter flags.
    agent: str = "pyotelcol"
    rotel_args: list[str] = field(default_factory=list)

    @property
    def ceiling_key(self) -> str:
        return self.proto + ("+gzip" if self.gzip else "") + ("+json" if self.json else "")


SCENARIOS = [
    Scenario("grpc_batch_grpc", "OTLP/gRPC -> batch -> OTLP/gRPC sink", "grpc", _config(_BATCH, ["grpc"], ["batch"])),
    Scenario(
        "http_batch_http", "OTLP/HTTP protobuf -> batch -> otlphttp sink", "http", _config(_BATCH, ["http"], ["batch"])
    ),
    Scenario(
        "http_gzip",
        "OTLP/HTTP protobuf+gzip -> batch -> otlphttp (gzip) sink",
        "http",
        _config(_BATCH, ["http::gzip"], ["batch"]),
        gzip=True,
    ),
    Scenario(
        "http_json", "OTLP/HTTP JSON -> batch -> otlphttp sink", "http", _config(_BATCH, ["http"], ["batch"]), json=True
    ),
    Scenario(
        "fanout",
        "OTLP/gRPC -> batch -> OTLP/gRPC + otlphttp sinks",
        "grpc",
        _config(_BATCH, ["grpc", "http"], ["batch"]),
        sinks=2,
    ),
    Scenario(
        "memory_limiter",
        "OTLP/gRPC -> memory_limiter -> batch -> OTLP/gRPC sink at half speed, 2x load",
        "grpc",
        _config(_LIMITER, ["grpc"], ["memory_limiter", "batch"]),
        concurrency=8,
        kind="limiter",
    ),
    Scenario(
        "soak",
        "OTLP/gRPC -> batch -> OTLP/gRPC, 60 s at ~60% of the measured rate (RSS flat?)",
        "grpc",
        _config(_BATCH, ["grpc"], ["batch"]),
        kind="soak",
        full_only=True,
    ),
    Scenario(
        "grpc_passthrough",
        "OTLP/gRPC -> OTLP/gRPC sink, no processor",
        "grpc",
        _config("", ["grpc"], []),
    ),
    Scenario(
        "grpc_resource",
        "OTLP/gRPC -> resource (insert 1 attribute) -> OTLP/gRPC sink",
        "grpc",
        _config(_RESOURCE, ["grpc"], ["resource"]),
    ),
    Scenario(
        "grpc_batch_resource",
        "OTLP/gRPC -> batch -> resource (insert 1 attribute) -> OTLP/gRPC sink",
        "grpc",
        _config(_BATCH + _RESOURCE, ["grpc"], ["batch", "resource"]),
    ),
    Scenario(
        "rotel_passthrough",
        "rotel-agent: OTLP/gRPC -> OTLP/gRPC sink, batching off",
        "grpc",
        agent="rotel",
        rotel_args=["--disable-batching"],
    ),
    Scenario(
        "rotel_resource",
        "rotel-agent: OTLP/gRPC -> --otel-resource-attributes (1 attribute) -> OTLP/gRPC sink, batching off",
        "grpc",
        agent="rotel",
        rotel_args=["--disable-batching", "--otel-resource-attributes", "deployment.environment=bench"],
    ),
    Scenario("idle", "default distribution, OTLP -> batch -> debug, idle RSS", "grpc", IDLE_CONFIG, kind="idle"),
]

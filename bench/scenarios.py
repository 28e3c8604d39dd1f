"""Benchmark scenarios: collector configs and the load each one gets.

Ports (127.0.0.1 only): receiver gRPC 29101 / HTTP 29102 (the ceiling servers use the same two;
the zipkin and jaeger thrift_http receivers take the HTTP one), sink gRPC 29201 / HTTP 29202, the
collector's own metrics 29888, the Prometheus scrape target 29301.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RECV_GRPC = 29101
RECV_HTTP = 29102
SINK_GRPC = 29201
SINK_HTTP = 29202
METRICS_PORT = 29888
PROM_TARGET = 29301
ADMIN_PORT = 29310
SCRAPE_SERIES = 10_000  # series on the scrape target (promtarget.py: 100 families x 100)
SCRAPE_SECONDS = 20.0  # how long the scrape scenario measures

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


_ZIPKIN = f"""
receivers:
  zipkin:
    endpoint: 127.0.0.1:{RECV_HTTP}
"""

_JAEGER = f"""
receivers:
  jaeger:
    protocols:
      thrift_http:
        endpoint: 127.0.0.1:{RECV_HTTP}
"""

_PROMETHEUS = f"""
receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: bench
          scrape_interval: 1s
          scrape_timeout: 1s
          static_configs:
            - targets: ["127.0.0.1:{PROM_TARGET}"]
"""


def _config(
    processors: str,
    exporters: list[str],
    pipeline_processors: list[str],
    receivers: str = _RECEIVERS,
    receiver: str = "otlp",
    signal: str = "traces",
) -> str:
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
        receivers
        + "\nprocessors:\n"
        + processors
        + "\nexporters:"
        + "".join(blocks)
        + "\nservice:"
        + _TELEMETRY
        + f"  pipelines:\n    {signal}:\n      receivers: [{receiver}]\n"
        + f"      processors: [{', '.join(pipeline_processors)}]\n"
        + f"      exporters: [{', '.join(names)}]\n"
    )


_BATCH = "  batch:\n"
# One resource attribute inserted: the edit the rotel scenario makes with --otel-resource-attributes.
_RESOURCE = "  resource:\n    attributes:\n      - {key: deployment.environment, value: bench, action: insert}\n"
# Five typical span statements (also bench/transform_micro.py): a where clause, set, delete_key,
# replace_pattern and a converter (Concat). YAML single quotes keep the text as it is.
TRANSFORM_STATEMENTS = [
    'set(span.status.code, STATUS_CODE_ERROR) where span.attributes["http.response.status_code"] >= 500',
    'set(span.attributes["deployment.environment.name"], "prod")',
    'delete_key(span.attributes, "user_agent.original")',
    'replace_pattern(span.attributes["url.path"], "/users/\\\\d+", "/users/{id}")',
    'set(span.name, Concat([span.attributes["http.request.method"], span.attributes["http.route"]], " "))'
    " where span.kind == SPAN_KIND_SERVER",
]
# The agent side of an agent/gateway tier: every span's trace id picks one of three backends (the
# sink answers on 127.0.0.1-3), so each 512-span request is split into three.
_LOAD_BALANCING = f"""
exporters:
  load_balancing:
    routing_key: traceID
    protocol: {{otlp: {{tls: {{insecure: true}}, compression: none}}}}
    resolver:
      static:
        hostnames: [127.0.0.1:{SINK_GRPC}, 127.0.0.2:{SINK_GRPC}, 127.0.0.3:{SINK_GRPC}]
"""
_LOAD_BALANCING_CONFIG = (
    _RECEIVERS
    + _LOAD_BALANCING
    + "\nservice:"
    + _TELEMETRY
    + "  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [load_balancing]\n"
)
_TRANSFORM = "  transform:\n    trace_statements:\n" + "".join(f"      - '{st}'\n" for st in TRANSFORM_STATEMENTS)
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
    splits: int = 1  # how many parts each request reaches the sink in (load_balancing: one per backend)
    args: list[str] = field(default_factory=list)  # extra pyotelcol command-line arguments
    tap: str = ""  # a `pyotelcol tap --component` to keep open during the load (its own process)
    concurrency: int = 4
    kind: str = "throughput"  # throughput | limiter | soak | idle | scrape
    # ports the collector listens on once it is up (what the harness waits for)
    listens: tuple[int, ...] = (RECV_GRPC, RECV_HTTP)
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
        "grpc_passthrough_admin",
        "OTLP/gRPC -> OTLP/gRPC sink, no processor, --admin-endpoint on (tap points counting)",
        "grpc",
        _config("", ["grpc"], []),
        args=[f"--admin-endpoint=127.0.0.1:{ADMIN_PORT}"],
    ),
    Scenario(
        "grpc_passthrough_tapped",
        "OTLP/gRPC -> OTLP/gRPC sink, no processor, a `pyotelcol tap` open on the exporter",
        "grpc",
        _config("", ["grpc"], []),
        args=[f"--admin-endpoint=127.0.0.1:{ADMIN_PORT}"],
        tap="exporters/otlp_grpc",
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
        "grpc_transform",
        "OTLP/gRPC -> transform (5 span statements) -> OTLP/gRPC sink",
        "grpc",
        _config(_TRANSFORM, ["grpc"], ["transform"]),
    ),
    Scenario(
        "grpc_loadbalancing",
        "OTLP/gRPC -> load_balancing (traceID, 3 static backends) -> OTLP/gRPC sink",
        "grpc",
        _LOAD_BALANCING_CONFIG,
        splits=3,
    ),
    Scenario(
        "zipkin_json_otlp",
        "Zipkin v2 JSON over HTTP -> zipkin receiver -> OTLP/gRPC sink",
        "zipkin",
        _config("", ["grpc"], [], _ZIPKIN, "zipkin"),
        listens=(RECV_HTTP,),
    ),
    Scenario(
        "jaeger_thrift_otlp",
        "Jaeger thrift_http (binary Batch) -> jaeger receiver -> OTLP/gRPC sink",
        "jaeger",
        _config("", ["grpc"], [], _JAEGER, "jaeger"),
        listens=(RECV_HTTP,),
    ),
    Scenario(
        "prometheus_scrape_10k",
        f"prometheus receiver scraping {SCRAPE_SERIES:,} series every 1 s -> OTLP/gRPC sink",
        "scrape",
        _config("", ["grpc"], [], _PROMETHEUS, "prometheus", "metrics"),
        kind="scrape",
        listens=(METRICS_PORT,),
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

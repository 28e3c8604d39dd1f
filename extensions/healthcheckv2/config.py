"""healthcheckv2 configuration (Go contrib: internal/healthcheck Config), with Go's validation.

The top level is the legacy (v1) HTTP server settings, squashed: ``endpoint`` and the other
confighttp keys, ``path``, ``response_body``, ``check_collector_pipeline``; ``use_v2: true``
switches to the ``http`` / ``grpc`` services and ``component_health``. ``http`` and ``grpc`` are
on only when their key is present (Go resets them otherwise), with their defaults filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from pyotelcol.config import configgrpc
from pyotelcol.config.confighttp import ServerConfig
from pyotelcol.config.decode import OptionalSection

DEFAULT_HTTP_ENDPOINT = "localhost:13133"
DEFAULT_GRPC_ENDPOINT = "localhost:13132"

ERR_MISSING_PROTOCOL = "must specify at least one protocol"
ERR_GRPC_ENDPOINT_REQUIRED = "grpc endpoint required"
ERR_HTTP_ENDPOINT_REQUIRED = "http endpoint required"
ERR_INVALID_PATH = "path must start with /"


@dataclass
class ResponseBodyConfig:
    healthy: str = ""
    unhealthy: str = ""


@dataclass
class CheckCollectorPipelineConfig:
    """Kept for compatibility and ignored, as in Go (``interval`` is not even parsed)."""

    enabled: bool = False
    interval: str = ""
    exporter_failure_threshold: int = 0


@dataclass
class PathConfig:
    enabled: bool = False
    path: str = ""
    include_attributes: bool = False


@dataclass
class HTTPConfig(ServerConfig):
    endpoint: str = DEFAULT_HTTP_ENDPOINT
    status: PathConfig = field(default_factory=lambda: PathConfig(enabled=True, path="/status"))
    config: PathConfig = field(default_factory=lambda: PathConfig(enabled=False, path="/config"))


@dataclass
class GRPCConfig(configgrpc.ServerConfig):
    endpoint: str = DEFAULT_GRPC_ENDPOINT


@dataclass
class ComponentHealthConfig:
    include_permanent_errors: bool = False
    include_recoverable_errors: bool = False
    recovery_duration: timedelta = timedelta(0)


@dataclass
class Config(ServerConfig):
    endpoint: str = DEFAULT_HTTP_ENDPOINT
    path: str = "/"
    response_body: ResponseBodyConfig | None = None
    check_collector_pipeline: CheckCollectorPipelineConfig | None = None
    use_v2: bool = False
    grpc: OptionalSection[GRPCConfig] = field(default_factory=lambda: OptionalSection.default(GRPCConfig()))
    http: OptionalSection[HTTPConfig] = field(default_factory=lambda: OptionalSection.default(HTTPConfig()))
    component_health: ComponentHealthConfig | None = None

    def validate(self) -> None:
        self._check()
        super().validate()

    def _check(self) -> None:
        if not self.use_v2:
            if self.endpoint == "":
                raise ValueError(ERR_HTTP_ENDPOINT_REQUIRED)
            if not self.path.startswith("/"):
                raise ValueError(ERR_INVALID_PATH)
            return
        http, grpc = self.http.get(), self.grpc.get()
        if http is None and grpc is None:
            raise ValueError(ERR_MISSING_PROTOCOL)
        if http is not None:
            if http.endpoint == "":
                raise ValueError(ERR_HTTP_ENDPOINT_REQUIRED)
            if http.status.enabled and not http.status.path.startswith("/"):
                raise ValueError(ERR_INVALID_PATH)
            if http.config.enabled and not http.config.path.startswith("/"):
                raise ValueError(ERR_INVALID_PATH)
        if grpc is not None and grpc.endpoint == "":
            raise ValueError(ERR_GRPC_ENDPOINT_REQUIRED)

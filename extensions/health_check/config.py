"""health_check configuration (Go contrib: extension/healthcheckextension), with Go's validation messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pyotelcol.config import parse_duration
from pyotelcol.config.confighttp import ServerConfig

DEFAULT_ENDPOINT = "localhost:13133"


@dataclass
class ResponseBodySettings:
    healthy: str = ""
    unhealthy: str = ""


@dataclass
class CheckCollectorPipelineSettings:
    enabled: bool = False
    #: A Go duration string (Go keeps it a string and parses it in Validate).
    interval: str = "5m"
    exporter_failure_threshold: int = 5


@dataclass
class Config(ServerConfig):
    endpoint: str = DEFAULT_ENDPOINT
    path: str = "/"
    response_body: ResponseBodySettings | None = None
    check_collector_pipeline: CheckCollectorPipelineSettings = field(default_factory=CheckCollectorPipelineSettings)

    def validate(self) -> None:
        go_parse_duration(self.check_collector_pipeline.interval)
        if self.endpoint == "":
            raise ValueError("bad config: endpoint must be specified")
        if self.check_collector_pipeline.exporter_failure_threshold <= 0:
            raise ValueError("bad config: exporter_failure_threshold expects a positive number")
        if not self.path.startswith("/"):
            raise ValueError("bad config: path must start with /")
        super().validate()


_UNITLESS = re.compile(r"^[+-]?[0-9]*\.?[0-9]+$")


def go_parse_duration(text: str) -> float:
    """time.ParseDuration (strings only: no bare-integer nanoseconds here), in seconds."""
    if text not in ("0", "+0", "-0") and _UNITLESS.match(text):
        raise ValueError(f'time: missing unit in duration "{text}"')
    return parse_duration(text).total_seconds()

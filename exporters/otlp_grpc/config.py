"""Configuration of the ``otlp_grpc`` exporter: configgrpc client settings plus exporterhelper's.

Go's otlpexporter defaults: gzip compression, 512 KiB write buffer, keepalive off unless the
``keepalive`` key is given (then 10s/10s), balancer ``round_robin``, TLS on unless ``tls.insecure``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from pyotelcol.config import OptionalSection
from pyotelcol.config.configgrpc import ClientConfig, KeepaliveClientConfig
from pyotelcol.helpers.exporterhelper import (
    CircuitBreakerConfig,
    QueueConfig,
    RetryConfig,
    default_queue,
    validate_timeout,
)

_DNS_PREFIX = re.compile(r"^dns:///?")


@dataclass
class Config(ClientConfig):
    compression: str = "gzip"
    write_buffer_size: int = 512 * 1024
    keepalive: OptionalSection[KeepaliveClientConfig] = field(
        default_factory=lambda: OptionalSection.none(KeepaliveClientConfig)
    )
    timeout: timedelta = timedelta(seconds=5)
    sending_queue: OptionalSection[QueueConfig] = field(default_factory=default_queue)
    retry_on_failure: RetryConfig = field(default_factory=RetryConfig)
    circuit_breaker: CircuitBreakerConfig = field(default_factory=CircuitBreakerConfig)

    def validate(self) -> None:
        errors: list[str] = []
        try:
            validate_timeout(self.timeout)
        except ValueError as exc:
            errors.append(str(exc))
        ep = self.endpoint
        if ep.startswith("dns://"):
            ep = _DNS_PREFIX.sub("", ep)
        elif ep.startswith(("http://", "https://")):
            ep = self.sanitized_endpoint()
        if ep == "":
            errors.append('requires a non-empty "endpoint"')
        try:
            super().validate()
        except ValueError as exc:
            errors.append(str(exc))
        if errors:
            raise ValueError("\n".join(errors))

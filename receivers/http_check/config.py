"""Configuration of the ``http_check`` receiver (Go's httpcheckreceiver ``Config``).

The scraper controller's keys sit at the top level (``collection_interval`` 1m, ``initial_delay``
1s, ``timeout``), next to ``targets`` and the generated ``metrics`` section. Each target is a
confighttp client config (``endpoint``, ``headers``, ``tls``, ``timeout``, ``auth``, ...) plus
``endpoints``, ``method``, ``body`` and ``auto_content_type``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pyotelcol.config.confighttp import ClientConfig
from pyotelcol.helpers.metricsconfig import MetricConfig, enabled_metric_keys, metric_key, metric_on
from pyotelcol.helpers.scraperhelper import ControllerConfig

__all__ = ["SUPPORTED_METRICS", "Config", "MetricConfig", "MetricsConfig", "TargetConfig", "parse_request_uri_error"]

ERR_INVALID_ENDPOINT = '"endpoint" must be in the form of <scheme>://<hostname>[:<port>]'
ERR_MISSING_ENDPOINT = "at least one of 'endpoint' or 'endpoints' must be specified"

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")


def parse_request_uri_error(uri: str) -> str | None:
    """What Go's ``url.ParseRequestURI`` says about ``uri`` (None when it parses): an absolute
    URI (``scheme:...``) or an absolute path is accepted."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in uri):
        return f'parse "{uri}": net/url: invalid control character in URL'
    if uri.startswith("/"):
        return None
    scheme, colon, _ = uri.partition(":")
    if colon and _SCHEME.fullmatch(scheme):
        return None
    if colon and scheme == "":
        return f'parse "{uri}": missing protocol scheme'
    return f'parse "{uri}": invalid URI for request'


# The metrics this receiver can emit; the others are accepted while disabled.
SUPPORTED_METRICS = (
    "httpcheck.status",
    "httpcheck.duration",
    "httpcheck.error",
    "httpcheck.response.size",
    "httpcheck.tls.cert_remaining",
)


@dataclass
class MetricsConfig:
    """Go's generated ``metrics`` section: ``<metric>: {enabled: bool}`` for each metric."""

    client_connection_duration: MetricConfig = field(
        default_factory=MetricConfig, metadata=metric_key("httpcheck.client.connection.duration")
    )
    client_request_duration: MetricConfig = field(
        default_factory=MetricConfig, metadata=metric_key("httpcheck.client.request.duration")
    )
    dns_lookup_duration: MetricConfig = field(
        default_factory=MetricConfig, metadata=metric_key("httpcheck.dns.lookup.duration")
    )
    duration: MetricConfig = field(default_factory=metric_on, metadata=metric_key("httpcheck.duration"))
    error: MetricConfig = field(default_factory=metric_on, metadata=metric_key("httpcheck.error"))
    response_duration: MetricConfig = field(
        default_factory=MetricConfig, metadata=metric_key("httpcheck.response.duration")
    )
    response_size: MetricConfig = field(default_factory=MetricConfig, metadata=metric_key("httpcheck.response.size"))
    status: MetricConfig = field(default_factory=metric_on, metadata=metric_key("httpcheck.status"))
    tls_cert_remaining: MetricConfig = field(
        default_factory=MetricConfig, metadata=metric_key("httpcheck.tls.cert_remaining")
    )
    tls_handshake_duration: MetricConfig = field(
        default_factory=MetricConfig, metadata=metric_key("httpcheck.tls.handshake.duration")
    )
    validation_failed: MetricConfig = field(
        default_factory=MetricConfig, metadata=metric_key("httpcheck.validation.failed")
    )
    validation_passed: MetricConfig = field(
        default_factory=MetricConfig, metadata=metric_key("httpcheck.validation.passed")
    )

    def enabled(self) -> set[str]:
        return enabled_metric_keys(self)

    def validate(self) -> None:
        unsupported = sorted(self.enabled() - set(SUPPORTED_METRICS))
        if unsupported:
            raise ValueError("\n".join(f"metric {name} is not supported by pyotelcol" for name in unsupported))


@dataclass
class TargetConfig(ClientConfig):
    """One target: confighttp's client keys (squashed in) and what to send."""

    method: str = ""  # empty means GET, as Go's http.NewRequest
    endpoints: list[str] = field(default_factory=list)
    body: str = ""
    # set Content-Type from the body when the headers do not
    auto_content_type: bool = False

    def all_endpoints(self) -> list[str]:
        """``endpoints`` then ``endpoint``, as Go expands a target."""
        return [*self.endpoints, *([self.endpoint] if self.endpoint else [])]

    def validate(self) -> None:
        errors = []
        try:
            super().validate()
        except ValueError as exc:
            errors.append(str(exc))
        if not self.endpoint and not self.endpoints:
            errors.append(ERR_MISSING_ENDPOINT)
        for endpoint in self.all_endpoints():
            problem = parse_request_uri_error(endpoint)
            if problem is not None:
                errors.append(f"{ERR_INVALID_ENDPOINT}: {problem}")
        if errors:
            raise ValueError("\n".join(errors))


@dataclass
class Config(ControllerConfig):
    targets: list[TargetConfig] = field(default_factory=list)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)

    def validate(self) -> None:
        errors = []
        try:
            super().validate()
        except ValueError as exc:
            errors.append(str(exc))
        if not self.targets:
            errors.append("no targets configured")
        if errors:
            raise ValueError("\n".join(errors))

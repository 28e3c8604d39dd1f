"""The collector's own spans: ``service.telemetry.traces`` (Go: otelconftelemetry/tracer.go).

As in Go, level ``none`` or no ``processors`` gives a no-op tracer provider; otherwise an SDK
TracerProvider with the telemetry resource and one span processor per configured entry.

Components reach the provider through :func:`tracer` (the receiver and exporter self-telemetry in
obsreport.py does): Go hands it over in ``component.TelemetrySettings.TracerProvider``; here the
running :class:`~pyotelcol.telemetry.Telemetry` installs it with :func:`install` until shutdown.

``propagators`` are checked (``tracecontext``, ``b3``; anything else is Go's
``error creating propagator: unsupported trace propagator``) but change nothing yet: no pyotelcol
receiver extracts a caller's trace context from request headers.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider as SDKTracerProvider
from opentelemetry.trace import NoOpTracerProvider, Tracer, TracerProvider

from .config import MetricsLevel, TracesConfig, parse_metrics_level
from .push import span_processor

_NOOP = NoOpTracerProvider()
_current: TracerProvider = _NOOP
#: bumped by every install: a TracerOf asks for a new tracer when it changed
_generation = 0


def build_tracer_provider(cfg: TracesConfig, resource: Resource) -> SDKTracerProvider | None:
    """The SDK provider for ``cfg``, or None where Go uses its no-op provider."""
    if parse_metrics_level(cfg.level) is MetricsLevel.NONE or not cfg.processors:
        return None
    provider = SDKTracerProvider(resource=resource, shutdown_on_exit=False)
    for processor_cfg in cfg.processors:
        provider.add_span_processor(span_processor(processor_cfg))
    return provider


def install(provider: TracerProvider | None) -> None:
    """Make ``provider`` the one :func:`tracer` hands out (None: the no-op provider)."""
    global _current, _generation
    _current = provider if provider is not None else _NOOP
    _generation += 1


def current() -> TracerProvider:
    return _current


def tracer(name: str, scope_attributes: Mapping[str, str] | None = None) -> Tracer | None:
    """A tracer of the installed provider, or None when own spans are off (callers skip all work).
    ``scope_attributes``: Go gives every component's tracer its ``otelcol.component.*`` attributes."""
    if _current is _NOOP:
        return None
    return _current.get_tracer(name, attributes=dict(scope_attributes) if scope_attributes else None)


class TracerOf:
    """A component's tracer from the installed provider, asked for again when another provider
    was installed since (one the OpAMP extension installs at run time)."""

    __slots__ = ("_attributes", "_generation", "_name", "_tracer")

    def __init__(self, name: str, scope_attributes: Mapping[str, str] | None = None) -> None:
        self._name = name
        self._attributes = scope_attributes
        self._tracer = tracer(name, scope_attributes)
        self._generation = _generation

    def get(self) -> Tracer | None:
        """The tracer, None when own spans are off."""
        if self._generation != _generation:
            self._tracer = tracer(self._name, self._attributes)
            self._generation = _generation
        return self._tracer


__all__ = ["TracerOf", "build_tracer_provider", "current", "install", "tracer"]

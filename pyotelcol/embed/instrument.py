"""Turn the embedded collector on for an unmodified program, from the environment only.

``pyotelcol-instrument --config collector.yaml python app.py`` (or ``PYOTELCOL_EMBED_CONFIG`` in the
environment) runs the program with the OpenTelemetry SDK set up to hand its traces, metrics and
logs to an embedded collector running that config: the program only uses the OpenTelemetry API
(``trace.get_tracer``, ``metrics.get_meter``) and the standard ``logging`` module.

It works the way ``opentelemetry-instrument`` does: the program is started with a
``sitecustomize`` module first on its path, which configures the SDK before the program's own
code runs. ``EmbeddedConfigurator`` is also an OpenTelemetry SDK configurator (entry point
``opentelemetry_configurator``: ``pyotelcol``), so ``OTEL_PYTHON_CONFIGURATOR=pyotelcol
opentelemetry-instrument python app.py`` does the same with the contrib instrumentations.
Resource attributes come from ``OTEL_SERVICE_NAME`` / ``OTEL_RESOURCE_ATTRIBUTES`` as usual.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opentelemetry.sdk._configuration import _BaseConfigurator

CONFIG_ENV = "PYOTELCOL_EMBED_CONFIG"
_BOOTSTRAP = Path(__file__).resolve().parent / "_bootstrap"
_USAGE = "usage: pyotelcol-instrument [--config FILE] program [args...]  (or set PYOTELCOL_EMBED_CONFIG)"


def configure() -> Any:
    """Start the embedded collector of ``$PYOTELCOL_EMBED_CONFIG`` and make the SDK's global
    providers feed it; returns the collector (None when the variable is not set)."""
    configs = [c for c in os.environ.get(CONFIG_ENV, "").split(os.pathsep) if c]
    if not configs:
        return None
    from opentelemetry import _logs, metrics, trace
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from ..component import Signal
    from . import bridge, start

    collector = start(*configs)
    resource = Resource.create()
    # The providers are created after the collector started, so their exit hooks (flushing into
    # the collector) run before the collector's own (flushing out of it).
    if bridge.receivers(Signal.TRACES):
        tracer_provider = TracerProvider(resource=resource)
        tracer_provider.add_span_processor(BatchSpanProcessor(collector.span_exporter()))
        trace.set_tracer_provider(tracer_provider)
    if bridge.receivers(Signal.METRICS):
        reader = PeriodicExportingMetricReader(collector.metric_exporter())
        metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))
    if bridge.receivers(Signal.LOGS):
        logger_provider = LoggerProvider(resource=resource)
        logger_provider.add_log_record_processor(BatchLogRecordProcessor(collector.log_exporter()))
        _logs.set_logger_provider(logger_provider)
        logging.getLogger().addHandler(LoggingHandler(logger_provider=logger_provider))
    return collector


class EmbeddedConfigurator(_BaseConfigurator):
    """The SDK configurator ``opentelemetry-instrument`` loads with ``OTEL_PYTHON_CONFIGURATOR=pyotelcol``."""

    def _configure(self, **kwargs: Any) -> None:
        configure()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ)
    if args[:1] == ["--config"] and len(args) > 1:
        env[CONFIG_ENV] = os.path.abspath(args[1])
        args = args[2:]
    elif args[:1] and args[0].startswith("--config="):
        env[CONFIG_ENV] = os.path.abspath(args[0].split("=", 1)[1])
        args = args[1:]
    if not args or not env.get(CONFIG_ENV):
        print(_USAGE, file=sys.stderr)
        return 2
    program = shutil.which(args[0]) or args[0]
    env["PYTHONPATH"] = os.pathsep.join([str(_BOOTSTRAP), *filter(None, [env.get("PYTHONPATH")])])
    try:
        os.execvpe(program, [args[0], *args[1:]], env)
    except OSError as exc:
        print(f"pyotelcol-instrument: cannot run {args[0]}: {exc.strerror or exc}", file=sys.stderr)
        return 127
    return 0  # not reached: exec replaced this process
